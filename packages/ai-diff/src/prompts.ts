/**
 * Prompts and output schemas of the three request kinds: `single` (the whole diff, one call),
 * `map` (one part of a big diff -> per-file analyses) and `reduce` (analyses -> the message).
 * Pure strings and JSON schemas, shared by the main thread and the worker that counts them.
 */

import { GITMOJI_CODES, gitmojiGuide } from './style/gitmoji.js';

export type Stage = 'single' | 'map' | 'reduce';

/** Conventional Commits types we accept. */
export const CONVENTIONAL_TYPES = ['feat', 'fix', 'docs', 'style', 'refactor', 'perf', 'test', 'build', 'ci', 'chore', 'revert'] as const;

/** How a subject starts: plain, `type(scope): `, or a gitmoji. */
export type CommitStyle = 'plain' | 'conventional' | 'gitmoji';

export interface MessageShape {
  subjectMaxLength: number;
  /** `style === 'conventional'`. */
  conventional: boolean;
  style: CommitStyle;
  body: boolean;
  candidates: number;
  /** `message` (default): one message. `split`: groups of files, each with its message. */
  task?: 'message' | 'split';
  /** The message language; absent for English. */
  language?: { code: string; name: string };
  /** Conventional types the schema allows (default {@link CONVENTIONAL_TYPES}; learned types are added). */
  types?: readonly string[];
  /** What the repository's history says (see conventions/describe.ts), for the prompt. */
  conventions?: string;
  /** A custom prompt for the message-writing stages, already rendered (see prompt-template.ts). */
  template?: { single: string; reduce: string };
}

/** A request before it is put into a provider's wire format. */
export interface PromptRequest {
  stage: Stage;
  system: string;
  user: string;
  /** Name of the structured output (tool name, json_schema name, schema title). */
  schemaName: 'commit_message' | 'file_analysis' | 'commit_split';
  schemaDescription: string;
  schema: Record<string, unknown>;
  maxOutputTokens: number;
}

const str = (description: string): Record<string, unknown> => ({ type: 'string', description });

/** The properties of one message in the answer. */
function messageProperties(shape: MessageShape): Record<string, unknown> {
  const language = shape.language ? ` in ${shape.language.name}` : '';
  const properties: Record<string, unknown> = {
    subject: str(`Subject line${language}: imperative mood, at most ${String(shape.subjectMaxLength)} characters, no trailing period`),
  };
  if (shape.style === 'conventional') {
    properties['type'] = { type: 'string', enum: [...(shape.types ?? CONVENTIONAL_TYPES)], description: 'Conventional Commits type' };
    properties['scope'] = str('Conventional Commits scope: one short lower-case noun for the area changed, or ""');
  }
  if (shape.style === 'gitmoji') properties['gitmoji'] = { type: 'string', enum: [...GITMOJI_CODES], description: 'The gitmoji code that fits the change best' };
  if (shape.body || shape.task === 'split') properties['body'] = str(`Body${language}: what changed and why, wrapped at 72 columns; "" if the subject says it all`);
  return properties;
}

const SPLIT_SCHEMA_NOTE = 'Every file of the change, by its path as listed, in exactly one group';

function messageSchema(shape: MessageShape): Record<string, unknown> {
  const properties = messageProperties(shape);
  if (shape.task === 'split') {
    const group = {
      type: 'object',
      additionalProperties: false,
      required: ['files', ...Object.keys(properties)],
      properties: { files: { type: 'array', description: 'Paths of the files in this commit', items: { type: 'string' } }, ...properties },
    };
    return {
      type: 'object',
      additionalProperties: false,
      required: ['groups'],
      properties: { groups: { type: 'array', description: `Commits in the order to make them. ${SPLIT_SCHEMA_NOTE}`, items: group } },
    };
  }
  const one = { type: 'object', additionalProperties: false, required: Object.keys(properties), properties };
  if (shape.candidates <= 1) return one;
  return {
    type: 'object',
    additionalProperties: false,
    required: ['candidates'],
    properties: { candidates: { type: 'array', description: `Exactly ${String(shape.candidates)} different commit messages`, items: one } },
  };
}

const ANALYSIS_SCHEMA: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  required: ['theme', 'files'],
  properties: {
    theme: str('One sentence: what this part of the change does as a whole'),
    files: {
      type: 'array',
      description: 'One entry per file in this part',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path', 'summary', 'impact'],
        properties: {
          path: str('File path as shown in the diff'),
          summary: str('What changed in this file, one short imperative sentence'),
          impact: { type: 'integer', description: 'Importance for the commit message: 1 (trivial) to 5 (core behaviour change)' },
        },
      },
    },
  },
};

/** What the style asks of the subject, one rule per line. */
export function styleRules(shape: MessageShape): string {
  if (shape.style === 'conventional') {
    return `- Pick a Conventional Commits type (${(shape.types ?? CONVENTIONAL_TYPES).join(', ')}) and, when one area dominates, a short scope. The subject is the description only, starting lower-case, without the type prefix.`;
  }
  if (shape.style === 'gitmoji') {
    return `- Pick the gitmoji that fits the change best; the subject is the description only, without the emoji. Common ones:\n${gitmojiGuide()}`;
  }
  return '';
}

/** The language rule, or '' for English. */
export function languageRule(shape: MessageShape): string {
  if (!shape.language) return '';
  const keep = shape.style === 'conventional' ? 'Conventional Commits types and scopes, ' : '';
  return `- Write the subject and the body in ${shape.language.name} (${shape.language.code}). Keep ${keep}code identifiers and file paths as they are.`;
}

function subjectRules(shape: MessageShape): string {
  const split = shape.task === 'split';
  const rules = [
    `- Subject: imperative mood ("Add", "Fix", "Remove", not "Added" or "Adds"), at most ${String(shape.subjectMaxLength)} characters, no trailing period.`,
    split
      ? '- Group the files by concern: each group is one commit that makes sense on its own (a feature with its tests, a fix, a refactor, docs, dependencies). Order the groups so that each commit builds on the ones before it. Use as few groups as the concerns need; one group when the change has one concern.'
      : '- Lead with the change that matters most; describe the whole change, not just one file.',
    '- Describe only what the diff shows. Do not invent motives, issue numbers or files.',
  ];
  if (split) rules.push('- Put every file of the change in exactly one group, by its path exactly as listed. A renamed file is one file (its new path).');
  for (const rule of [styleRules(shape), languageRule(shape)]) if (rule) rules.push(rule);
  if (shape.body && !split) rules.push('- Body: a few lines or "- " bullets on what changed and why, wrapped at 72 columns.');
  if (shape.candidates > 1 && !split) rules.push(`- Return ${String(shape.candidates)} different candidates.`);
  if (shape.conventions) rules.push(`\nThis repository's conventions, learned from its history (follow them):\n${shape.conventions}`);
  return rules.join('\n');
}

/** The system prompt of each stage. */
export function systemPrompt(stage: Stage, shape: MessageShape): string {
  if (stage === 'map') {
    return [
      'You analyse one part of a staged git diff so that a commit message can be written for the whole change later.',
      'For every file in this part, say in one short imperative sentence what changed, and rate its impact from 1 (trivial: formatting, comments, lock files) to 5 (core behaviour change).',
      'Then give the theme of this part in one sentence. Describe only what the diff shows; never invent.',
      'Answer with the requested JSON only.',
    ].join('\n');
  }
  if (shape.template) return `${shape.template[stage]}\nAnswer with the requested JSON only.`;
  const split = shape.task === 'split';
  const intro =
    stage === 'single'
      ? split
        ? 'You split a staged git change into several commits, one per concern, and write the message of each.'
        : 'You write one git commit message for the staged diff the user sends.'
      : split
        ? 'You split a large staged git change into several commits, one per concern, from analyses of its parts ranked by impact, and write the message of each.'
        : 'You write one git commit message for a large staged change, from analyses of its parts ranked by impact.';
  return `${intro}\n${subjectRules(shape)}\nAnswer with the requested JSON only.`;
}

/** What the user message of a stage holds, for a custom prompt's `{{plan}}`. */
export function planText(stage: 'single' | 'reduce', task: MessageShape['task']): string {
  const what = task === 'split' ? 'Split the change into commits by concern and write the message of each.' : 'Write one commit message for the whole change.';
  return stage === 'single'
    ? `The user message holds the whole staged diff, with files whose content is not shown listed by name. ${what}`
    : `The change was too large for one request: the user message holds analyses of its parts ranked by impact, and every file of the change. ${what}`;
}

/** Everything about a request except its user message. */
export function requestFrame(stage: Stage, shape: MessageShape): Omit<PromptRequest, 'user'> {
  const map = stage === 'map';
  return {
    stage,
    system: systemPrompt(stage, shape),
    schemaName: map ? 'file_analysis' : shape.task === 'split' ? 'commit_split' : 'commit_message',
    schemaDescription: map ? 'Report the analysis of this part of the diff' : shape.task === 'split' ? 'Report the commits to make' : 'Report the commit message',
    schema: map ? ANALYSIS_SCHEMA : messageSchema(shape),
    maxOutputTokens: map ? 1024 : shape.task === 'split' ? 4096 : 512 + (shape.body ? 512 : 0) + 256 * (shape.candidates - 1),
  };
}

/** The parts of a request the token budget has to cover besides the user message. */
export function frameText(frame: Omit<PromptRequest, 'user'>): string {
  return `${frame.system}\n${JSON.stringify({ name: frame.schemaName, description: frame.schemaDescription, schema: frame.schema })}`;
}

/** Per-message and per-request tokens of the chat format (roles, separators), rounded up. */
export const FORMAT_OVERHEAD_TOKENS = 24;

export interface ChangeStats {
  files: number;
  additions: number;
  deletions: number;
}

function statsLine(stats: ChangeStats): string {
  return `${String(stats.files)} file${stats.files === 1 ? '' : 's'}, +${String(stats.additions)} -${String(stats.deletions)}`;
}

/** Head of the single-call user message; the diff and notes follow. */
export function singleHead(stats: ChangeStats, task: MessageShape['task'] = 'message'): string {
  if (task === 'split') return `Split this staged change (${statsLine(stats)}) into commits by concern.`;
  return `Write the commit message for this staged change (${statsLine(stats)}).`;
}

/** Head of a map user message. */
export function mapHead(part: number, parts: number, stats: ChangeStats): string {
  return `Part ${String(part)} of ${String(parts)} of a staged change (${statsLine(stats)} in total). Analyse every file in this part.`;
}

/** Head of the reduce user message. */
export function reduceHead(stats: ChangeStats, parts: number, task: MessageShape['task'] = 'message'): string {
  if (task === 'split') return `Split a staged change of ${statsLine(stats)}, analysed in ${String(parts)} part${parts === 1 ? '' : 's'}, into commits by concern.`;
  return `Write the commit message for a staged change of ${statsLine(stats)}, analysed in ${String(parts)} part${parts === 1 ? '' : 's'}.`;
}

export const DIFF_OPEN = '<diff>';
export const DIFF_CLOSE = '</diff>';
export const NOTES_TITLE = 'Changed without content shown:';
