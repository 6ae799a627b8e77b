import { readFile } from 'node:fs/promises';
import type { FileFact } from './diff/types.js';
import { AiDiffError } from './errors.js';
import { languageRule, planText, styleRules, type MessageShape } from './prompts.js';

/** The variables a custom prompt may use, as `{{name}}`. */
export const PROMPT_VARIABLES = ['plan', 'files', 'conventions', 'language', 'max_subject_length', 'style'] as const;
export type PromptVariable = (typeof PROMPT_VARIABLES)[number];

/** A prompt file larger than this is a mistake (a diff pasted in, a binary file). */
const MAX_PROMPT_BYTES = 64 * 1024;
/** Files listed in `{{files}}` at most; the rest are counted. */
const MAX_LISTED_FILES = 200;
const TOKEN = /\{\{\s*([^{}]*?)\s*\}\}/g;

function invalid(source: string, problem: string): AiDiffError {
  return new AiDiffError('GITFLEET_AI_INVALID_PROMPT', `prompt file ${source}: ${problem}`, { data: { path: source } });
}

const lineOf = (text: string, at: number): number => text.slice(0, at).split('\n').length;

/**
 * Checks a custom prompt: not empty, only known `{{variables}}`, no stray braces. Returns the
 * text; throws `GITFLEET_AI_INVALID_PROMPT` with a one-line message naming the first problem.
 *
 * @example
 * checkPromptTemplate('Write the message in {{language}}.\n{{conventions}}', 'prompt.md');
 */
export function checkPromptTemplate(text: string, source: string): string {
  if (text.trim() === '') throw invalid(source, 'empty');
  for (const match of text.matchAll(TOKEN)) {
    const name = match[1]!;
    if (!(PROMPT_VARIABLES as readonly string[]).includes(name)) {
      throw invalid(source, `unknown variable {{${name}}} on line ${String(lineOf(text, match.index))} (known: ${PROMPT_VARIABLES.join(', ')})`);
    }
  }
  const rest = text.replace(TOKEN, '');
  const stray = /\{\{|\}\}/.exec(rest);
  if (stray) {
    // Report the line in the original text: find the same unmatched brace pair there.
    const at = text.replace(TOKEN, (m) => ' '.repeat(m.length)).indexOf(stray[0]);
    throw invalid(source, `unmatched ${stray[0]} on line ${String(lineOf(text, at))} (variables are written {{name}})`);
  }
  return text;
}

/** Reads and checks a prompt file (UTF-8, at most 64 KiB); see {@link checkPromptTemplate}. */
export async function loadPromptTemplate(path: string, signal?: AbortSignal): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path, signal ? { signal } : {});
  } catch (error) {
    throw invalid(path, `cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (bytes.length > MAX_PROMPT_BYTES) throw invalid(path, `larger than ${String(MAX_PROMPT_BYTES / 1024)} KiB`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid(path, 'not UTF-8 text');
  }
  return checkPromptTemplate(text, path);
}

/** `- path (status, +a -d)` per file, at most 200. */
export function fileList(facts: readonly FileFact[]): string {
  const lines = facts.slice(0, MAX_LISTED_FILES).map((f) => {
    const status = f.status === 'renamed' || f.status === 'copied' ? `${f.status} from ${f.oldPath ?? '?'}` : f.status;
    return `- ${f.path} (${status}${f.binary ? ', binary' : f.additions + f.deletions > 0 ? `, +${String(f.additions)} -${String(f.deletions)}` : ''})`;
  });
  if (facts.length > MAX_LISTED_FILES) lines.push(`- ... and ${String(facts.length - MAX_LISTED_FILES)} more files`);
  return lines.join('\n');
}

/**
 * The system prompts of the message-writing stages from a custom prompt: each variable replaced,
 * and the language rule added when the prompt does not place `{{language}}` itself (so a language
 * asked for is never lost).
 */
export function renderPromptTemplate(template: string, shape: MessageShape, facts: readonly FileFact[]): { single: string; reduce: string } {
  const values: Omit<Record<PromptVariable, string>, 'plan'> = {
    files: fileList(facts),
    conventions: shape.conventions ?? '(none learned)',
    language: shape.language ? `${shape.language.name} (${shape.language.code})` : 'English (en)',
    max_subject_length: String(shape.subjectMaxLength),
    style: styleRules(shape) || '- Plain subject: no type prefix, no emoji.',
  };
  const extra = shape.language && !/\{\{\s*language\s*\}\}/.test(template) ? `\n${languageRule(shape)}` : '';
  const render = (stage: 'single' | 'reduce'): string =>
    template.replace(TOKEN, (_, name: string) => (name === 'plan' ? planText(stage, shape.task) : values[name as Exclude<PromptVariable, 'plan'>])) + extra;
  return { single: render('single'), reduce: render('reduce') };
}
