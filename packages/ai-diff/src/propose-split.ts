import { scopesFor } from './conventions/describe.js';
import { pathKey } from './conventions/analyze-history.js';
import type { FileFact, OmitReason } from './diff/types.js';
import { runPipeline, normalizeAnswer, type GenerateOptions } from './generate-commit-message.js';
import { localMessage, type MessagePlan } from './message-context.js';
import { splitAnswer, type SplitOutput } from './output/schemas.js';
import type { CommitStyle } from './prompts.js';

export interface SplitOptions extends Omit<GenerateOptions, 'candidates'> {
  /** Bodies in the messages. Default true. */
  body?: boolean;
}

export interface SplitGroup {
  /** Paths of the group's files as in the diff (a renamed file by its new path). */
  files: string[];
  /** Subject, plus a blank line and the body when there is one. */
  message: string;
  subject: string;
  body?: string;
}

export interface SplitProposal {
  /** The commits to make, in order; every file of the change is in exactly one. */
  groups: SplitGroup[];
  /** Every file of the change (status, old path of a rename). */
  facts: FileFact[];
  /** Set when the groups were made locally: no provider, provider down, or no valid grouping from the model. */
  fallback: null | { reason: string };
  omitted: { path: string; reason: OmitReason; detail?: string }[];
  calls: number;
  mode: 'single' | 'map-reduce' | 'local';
  style: CommitStyle;
}

/** Groups made locally at most; the smallest are merged into the last. */
const MAX_LOCAL_GROUPS = 6;
/** Problems named in the retry note at most. */
const MAX_PROBLEMS = 12;

const clean = (path: string): string => path.trim().replace(/^\.\//, '').replace(/^[ab]\//, '');

/**
 * The model's groups checked against the change: each file in exactly one group. A path the model
 * wrote in another form (`./x`, `b/x`) or by a renamed file's old path is matched to ours; a path
 * that is not in the change is dropped; empty groups are dropped. `problems` lists what is wrong.
 */
export function checkGroups(
  groups: readonly { files: readonly string[] }[],
  facts: readonly FileFact[],
): { groups: string[][]; indexes: number[]; problems: string[]; dropped: string[] } {
  const known = new Map<string, string>();
  for (const f of facts) {
    known.set(f.path, f.path);
    if (f.oldPath !== null && !known.has(f.oldPath)) known.set(f.oldPath, f.path);
  }
  const owner = new Map<string, number>();
  const problems: string[] = [];
  const dropped: string[] = [];
  const out = groups.map((group, g) => {
    const files: string[] = [];
    for (const raw of group.files) {
      const path = known.get(raw) ?? known.get(clean(raw));
      if (path === undefined) {
        dropped.push(raw);
        continue;
      }
      const seen = owner.get(path);
      if (seen === g) continue;
      if (seen !== undefined) {
        problems.push(`${path} is in groups ${String(seen + 1)} and ${String(g + 1)}`);
        continue;
      }
      owner.set(path, g);
      files.push(path);
    }
    return files;
  });
  for (const f of facts) if (!owner.has(f.path)) problems.push(`${f.path} is in no group`);
  const indexes = out.flatMap((files, i) => (files.length > 0 ? [i] : []));
  return { groups: indexes.map((i) => out[i]!), indexes, problems, dropped };
}

/** Groups by the scope the history uses for a file, else by its directory (`packages/git`, `docs`). */
function localGroups(facts: readonly FileFact[], plan: MessagePlan): FileFact[][] {
  const byKey = new Map<string, FileFact[]>();
  for (const fact of facts) {
    const key = (plan.conventions ? scopesFor(plan.conventions, [fact.path])[0] : undefined) ?? pathKey(fact.path);
    const list = byKey.get(key);
    if (list) list.push(fact);
    else byKey.set(key, [fact]);
  }
  const groups = [...byKey.values()].sort((a, b) => b.length - a.length);
  if (groups.length <= MAX_LOCAL_GROUPS) return groups;
  return [...groups.slice(0, MAX_LOCAL_GROUPS - 1), groups.slice(MAX_LOCAL_GROUPS - 1).flat()];
}

/**
 * Proposes how to split a staged change into several commits by concern: the model groups the
 * files (file level: a file is never split) and writes each commit's message, in one request
 * for a change that fits (else map requests and one final request, as for a message). Every file
 * must be in exactly one group: a grouping that is not is sent back once with what is wrong,
 * and then the groups are made locally (by scope or directory), as they are without a provider.
 * Nothing is committed: that is the caller's (the gitfleet CLI's `commit --split`).
 *
 * @example
 * const proposal = await proposeSplit({ repo: '.', conventional: true });
 * for (const group of proposal.groups) console.log(group.subject, group.files);
 */
export async function proposeSplit(options: SplitOptions): Promise<SplitProposal> {
  const run = await runPipeline<SplitOutput>({ ...options, body: options.body ?? true, task: 'split' }, splitAnswer);
  const { plan, state, outcome } = run;
  const wantBody = options.body !== false;
  const maxLength = plan.shape.subjectMaxLength + (plan.ticket && plan.placement ? plan.ticket.length + 3 : 0);
  const text = (m: { subject: string; body: string }): string => (m.body ? `${m.subject}\n\n${m.body}` : m.subject);
  const group = (files: string[], m: { subject: string; body: string }): SplitGroup => ({ files, message: text(m), subject: m.subject, ...(m.body ? { body: m.body } : {}) });
  const omitted = outcome.prepared?.omitted ?? [];
  const finish = (groups: SplitGroup[], fallback: string | null, mode: SplitProposal['mode']): SplitProposal => {
    if (fallback !== null) state.emit({ type: 'fallback', reason: fallback });
    state.emit({ type: 'done', calls: state.calls, ms: Date.now() - run.started, fallback: fallback !== null });
    return { groups, facts: run.facts, fallback: fallback === null ? null : { reason: fallback }, omitted, calls: state.calls, mode, style: plan.shape.style };
  };
  const locally = (reason: string): SplitProposal => {
    const groups = localGroups(run.facts, plan).map((facts) => {
      const m = localMessage(plan, facts, omitted, maxLength);
      return group(facts.map((f) => f.path), { subject: m.subject, body: wantBody ? m.body : '' });
    });
    return finish(groups, reason, 'local');
  };
  if (outcome.kind === 'local') return locally(outcome.reason);
  let answer = outcome.answers;
  let checked = checkGroups(answer.groups, run.facts);
  if (checked.problems.length > 0) {
    const note = `Your previous grouping was not valid: ${checked.problems.slice(0, MAX_PROBLEMS).join('; ')}. Put every file listed above in exactly one group.`;
    state.emit({ type: 'warning', message: `the model's grouping was not valid (${checked.problems.length} problem${checked.problems.length === 1 ? '' : 's'}); asking again` });
    try {
      answer = await run.again(note);
      checked = checkGroups(answer.groups, run.facts);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      return locally(`the model's grouping was not valid and asking again failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (checked.problems.length > 0) return locally(`the model's grouping was not valid twice: ${checked.problems.slice(0, 3).join('; ')}`);
  }
  if (checked.dropped.length > 0) state.emit({ type: 'warning', message: `paths not in the change were dropped from the grouping: ${checked.dropped.slice(0, 5).join(', ')}` });
  // Groups keep the model's order, each with the message the model wrote for it.
  const groups = checked.groups.map((files, i) => group(files, normalizeAnswer(answer.groups[checked.indexes[i]!]!, plan, wantBody, maxLength)));
  return finish(groups, null, outcome.mode);
}
