import type { TokenEncoding } from '../config/models.js';
import { NOTES_TITLE, reduceHead, type ChangeStats } from '../prompts.js';
import { countTokens } from './count-tokens.js';
import type { CollapsedFile, FileFact, OmittedFile } from './types.js';

/** One file as the map stage described it. */
export interface FileAnalysis {
  path: string;
  summary: string;
  impact: number;
}

/** The map stage's answer for one part (or null when that part failed). */
export interface PartAnalysis {
  theme: string;
  files: FileAnalysis[];
}

export interface ReduceInput {
  stats: ChangeStats;
  parts: (PartAnalysis | null)[];
  /** Paths of each part, to describe the files of failed parts from local facts. */
  partPaths: string[][];
  facts: FileFact[];
  omitted: OmittedFile[];
  collapsed: CollapsedFile[];
  budget: number;
  encoding: TokenEncoding;
  /** `split` asks for commits by concern (the first line). */
  task?: 'message' | 'split';
}

interface Line {
  text: string;
  impact: number;
  churn: number;
}

/** `./x`, `b/x` or ` x ` as the model may write a path -> `x`. */
function normalizePath(path: string): string {
  return path.trim().replace(/^\.\//, '').replace(/^[ab]\//, '');
}

/**
 * The model's analyses by path, only for paths of the change: summaries of a file split over
 * several parts are joined (max impact). A path the model wrote in another form (`b/x`, `./x`)
 * is matched to ours; a path that is not in the change is dropped.
 */
function analysesByPath(parts: readonly (PartAnalysis | null)[], known: ReadonlySet<string>): Map<string, FileAnalysis> {
  const byPath = new Map<string, FileAnalysis>();
  for (const part of parts) {
    for (const file of part?.files ?? []) {
      const path = known.has(file.path) ? file.path : normalizePath(file.path);
      if (!known.has(path)) continue;
      const seen = byPath.get(path);
      if (!seen) byPath.set(path, { ...file, path });
      else {
        seen.impact = Math.max(seen.impact, file.impact);
        if (!seen.summary.includes(file.summary)) seen.summary = `${seen.summary}; ${file.summary}`;
      }
    }
  }
  return byPath;
}

/**
 * The reduce request's user message: themes, then file summaries by impact, then the changes
 * shown without content, water-filled into `budget` tokens (what does not fit is counted in an
 * "and N more" line). The file list is ours (`partPaths`): a file the model did not describe is
 * listed from local facts, and a path it made up is dropped. CPU-bound: runs in the worker pool.
 */
export function renderReduceSync(input: ReduceInput): { user: string; tokens: number } {
  const count = (text: string): number => countTokens(text, input.encoding);
  const ours = [...new Set(input.partPaths.flat())];
  const analysed = analysesByPath(input.parts, new Set(ours));
  const factByPath = new Map(input.facts.map((f) => [f.path, f]));
  const failed = new Set(input.parts.flatMap((part, i) => (part === null ? (input.partPaths[i] ?? []) : [])));
  const fileLines: Line[] = [];
  for (const path of ours) {
    const fact = factByPath.get(path);
    const churn = fact ? fact.additions + fact.deletions : 0;
    const file = analysed.get(path);
    if (file) {
      const stat = fact ? ` (${fact.status}, +${String(fact.additions)} -${String(fact.deletions)})` : '';
      fileLines.push({ text: `- [${String(file.impact)}] ${path}${stat}: ${file.summary}`, impact: file.impact, churn });
      continue;
    }
    const stat = fact ? `${fact.status}, +${String(fact.additions)} -${String(fact.deletions)}` : 'changed';
    const why = failed.has(path) ? 'not analysed' : 'not described by the analysis';
    fileLines.push({ text: `- [?] ${path} (${stat}; ${why})`, impact: 2.5, churn });
  }
  fileLines.sort((a, b) => b.impact - a.impact || b.churn - a.churn || a.text.localeCompare(b.text));
  const notes = [
    ...input.collapsed.map((c) => `- ${c.description}`),
    ...input.omitted.map((o) => `- ${o.path} (${o.reason}, content omitted)`),
  ];
  const themes = input.parts.flatMap((p) => (p && p.theme.trim() ? [`- ${p.theme.trim()}`] : []));

  const head = reduceHead(input.stats, input.parts.length, input.task);
  const reserve = 48; // room for the "and N more" lines
  let left = input.budget - count(head) - reserve;
  const out: string[] = [head];
  const take = (title: string, lines: readonly string[], share: number): void => {
    if (lines.length === 0) return;
    const titleTokens = count(title) + 1;
    if (titleTokens >= left) return;
    let room = Math.min(left, share) - titleTokens;
    const kept: string[] = [];
    for (const line of lines) {
      const t = count(line) + 1;
      if (t > room) break;
      kept.push(line);
      room -= t;
    }
    if (kept.length === 0) return;
    const dropped = lines.length - kept.length;
    out.push(title, ...kept);
    if (dropped > 0) out.push(`- ... and ${String(dropped)} more`);
    left -= count([title, ...kept].join('\n')) + 1;
  };
  // Themes first (a quarter of the room at most), files next, then contentless changes.
  take('Themes of the parts:', themes, Math.floor(left / 4));
  take('Files by impact (5 = most important):', fileLines.map((l) => l.text), Math.floor(left * (notes.length > 0 ? 0.8 : 1)));
  take(NOTES_TITLE, notes, left);
  let user = out.join('\n');
  let tokens = count(user);
  while (tokens > input.budget && out.length > 1) {
    out.splice(out.length - 1, 1);
    user = out.join('\n');
    tokens = count(user);
  }
  return { user, tokens };
}
