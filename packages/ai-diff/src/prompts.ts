/**
 * Prompts and output schemas of the three request kinds: `single` (the whole diff, one call),
 * `map` (one part of a big diff -> per-file analyses) and `reduce` (analyses -> the message).
 * Pure strings and JSON schemas, shared by the main thread and the worker that counts them.
 */

export type Stage = 'single' | 'map' | 'reduce';

/** Conventional Commits types we accept. */
export const CONVENTIONAL_TYPES = ['feat', 'fix', 'docs', 'style', 'refactor', 'perf', 'test', 'build', 'ci', 'chore', 'revert'] as const;

export interface MessageShape {
  subjectMaxLength: number;
  conventional: boolean;
  body: boolean;
  candidates: number;
}

/** A request before it is put into a provider's wire format. */
export interface PromptRequest {
  stage: Stage;
  system: string;
  user: string;
  /** Name of the structured output (tool name, json_schema name, schema title). */
  schemaName: 'commit_message' | 'file_analysis';
  schemaDescription: string;
  schema: Record<string, unknown>;
  maxOutputTokens: number;
}

const str = (description: string): Record<string, unknown> => ({ type: 'string', description });

function messageSchema(shape: MessageShape): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    subject: str(`Subject line: imperative mood, at most ${String(shape.subjectMaxLength)} characters, no trailing period`),
  };
  if (shape.conventional) {
    properties['type'] = { type: 'string', enum: [...CONVENTIONAL_TYPES], description: 'Conventional Commits type' };
    properties['scope'] = str('Conventional Commits scope: one short lower-case noun for the area changed, or ""');
  }
  if (shape.body) properties['body'] = str('Body: what changed and why, wrapped at 72 columns; "" if the subject says it all');
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

function subjectRules(shape: MessageShape): string {
  const rules = [
    `- Subject: imperative mood ("Add", "Fix", "Remove", not "Added" or "Adds"), at most ${String(shape.subjectMaxLength)} characters, no trailing period.`,
    '- Lead with the change that matters most; describe the whole change, not just one file.',
    '- Describe only what the diff shows. Do not invent motives, issue numbers or files.',
  ];
  if (shape.conventional) {
    rules.push(`- Pick a Conventional Commits type (${CONVENTIONAL_TYPES.join(', ')}) and, when one area dominates, a short scope. The subject is the description only, starting lower-case, without the type prefix.`);
  }
  if (shape.body) rules.push('- Body: a few lines or "- " bullets on what changed and why, wrapped at 72 columns.');
  if (shape.candidates > 1) rules.push(`- Return ${String(shape.candidates)} different candidates.`);
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
  const intro =
    stage === 'single'
      ? 'You write one git commit message for the staged diff the user sends.'
      : 'You write one git commit message for a large staged change, from analyses of its parts ranked by impact.';
  return `${intro}\n${subjectRules(shape)}\nAnswer with the requested JSON only.`;
}

/** Everything about a request except its user message. */
export function requestFrame(stage: Stage, shape: MessageShape): Omit<PromptRequest, 'user'> {
  const map = stage === 'map';
  return {
    stage,
    system: systemPrompt(stage, shape),
    schemaName: map ? 'file_analysis' : 'commit_message',
    schemaDescription: map ? 'Report the analysis of this part of the diff' : 'Report the commit message',
    schema: map ? ANALYSIS_SCHEMA : messageSchema(shape),
    maxOutputTokens: map ? 1024 : 512 + (shape.body ? 512 : 0) + 256 * (shape.candidates - 1),
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
export function singleHead(stats: ChangeStats): string {
  return `Write the commit message for this staged change (${statsLine(stats)}).`;
}

/** Head of a map user message. */
export function mapHead(part: number, parts: number, stats: ChangeStats): string {
  return `Part ${String(part)} of ${String(parts)} of a staged change (${statsLine(stats)} in total). Analyse every file in this part.`;
}

/** Head of the reduce user message. */
export function reduceHead(stats: ChangeStats, parts: number): string {
  return `Write the commit message for a staged change of ${statsLine(stats)}, analysed in ${String(parts)} part${parts === 1 ? '' : 's'}.`;
}

export const DIFF_OPEN = '<diff>';
export const DIFF_CLOSE = '</diff>';
export const NOTES_TITLE = 'Changed without content shown:';
