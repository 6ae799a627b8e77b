import { CONVENTIONAL_TYPES, type CommitStyle } from '../prompts.js';
import { gitmojiForType, leadingGitmoji, renderGitmoji, type GitmojiFormat } from '../style/gitmoji.js';
import { stripThinking } from './parse-output.js';

/** Base forms of verbs that start commit subjects; inflected forms are mapped back to these. */
const VERBS = new Set(
  (
    'add adjust align allow apply avoid bump build cache change check clarify clean clean-up close configure convert copy correct create ' +
    'declare decouple default define delete deprecate detect disable document drop enable ensure expand expose extend extract fix format ' +
    'generalize guard handle harden hide ignore implement import improve include increase inline install integrate introduce keep limit ' +
    'load log make mark merge migrate move normalize optimize parse pass pin polish port prefer prepare prevent print raise read rebuild ' +
    'record reduce refactor refine register reject release remove rename reorder reorganize replace report require reset resolve restore ' +
    'restructure retry return reuse revert rework rewrite run save separate set show simplify skip sort split speed start stop store ' +
    'streamline strip support switch sync test tidy track translate trim tune tweak unify update upgrade use validate verify wrap write'
  ).split(' '),
);
const IRREGULAR: Record<string, string> = { made: 'make', wrote: 'write', written: 'write', built: 'build', ran: 'run', kept: 'keep', split: 'split', set: 'set', reset: 'reset' };

/**
 * The imperative form of a subject's first word when it is a known verb inflected as past
 * tense, third person or gerund ("Added" -> "Add", "Fixes" -> "Fix", "Simplifying" -> "Simplify").
 */
export function imperativeVerb(word: string): string {
  const lower = word.toLowerCase();
  if (VERBS.has(lower)) return word;
  const irregular = IRREGULAR[lower];
  const candidates = irregular
    ? [irregular]
    : [
        lower.replace(/ied$/, 'y'),
        lower.replace(/ies$/, 'y'),
        lower.replace(/ed$/, ''),
        lower.replace(/d$/, ''),
        lower.replace(/(.)\1ed$/, '$1'),
        lower.replace(/es$/, ''),
        lower.replace(/s$/, ''),
        lower.replace(/ing$/, ''),
        lower.replace(/ing$/, 'e'),
        lower.replace(/(.)\1ing$/, '$1'),
      ];
  const base = candidates.find((c) => c !== lower && VERBS.has(c));
  if (!base) return word;
  return word[0] === word[0]?.toUpperCase() ? base[0]!.toUpperCase() + base.slice(1) : base;
}

export interface NormalizeOptions {
  maxLength: number;
  /** Conventional Commits; `style` wins when given. */
  conventional: boolean;
  /** `plain`, `conventional` (`type(scope): `) or `gitmoji` (an emoji first). Default from `conventional`. */
  style?: CommitStyle;
  /** From structured output; a `type(scope): ` prefix in the subject wins. */
  type?: string;
  scope?: string;
  /** From structured output (`:sparkles:`); a gitmoji at the start of the subject wins. */
  gitmoji?: string;
  /** Default `emoji`. */
  gitmojiFormat?: GitmojiFormat;
  /** Conventional types accepted (default the standard ones). */
  types?: readonly string[];
  /** Map an English first word to the imperative ("Added" -> "Add"). Default true; off for other languages. */
  imperative?: boolean;
  /** The case of the description's first letter; default upper for plain and gitmoji, lower for conventional. */
  subjectCase?: 'lower' | 'upper';
  /** Plain subjects keep a leading `area: ` (the repository writes them so). */
  areaPrefix?: boolean;
}

/** `area: `, `area/sub: ` or `a, b: ` at the start of a plain subject. */
const AREA_PREFIX = /^([\w.-]+(?:\/[\w.-]+)*(?:, ?[\w.-]+)*):\s+/;

const CONVENTIONAL_PREFIX = /^([a-z]+)(?:\(([^)]*)\))?(!)?:\s*/i;
const WEAK_ENDINGS = /\s+(and|or|to|for|with|in|of|on|the|a|an|by|from|as|at|into|via|&|-|,)$/i;

/** Cuts `text` to `max` characters at a word boundary, without a dangling preposition or comma. */
export function truncateWords(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max + 1);
  const space = cut.lastIndexOf(' ');
  cut = space > max / 3 ? cut.slice(0, space) : text.slice(0, max);
  let prev = '';
  while (prev !== cut) {
    prev = cut;
    cut = cut.replace(WEAK_ENDINGS, '').replace(/[\s,;:.-]+$/, '');
  }
  return cut;
}

/**
 * Makes a model's subject line follow the rules: one line, no quotes or "Subject:" label, no
 * trailing period, imperative first word, a valid Conventional Commits prefix (lower-case type,
 * description starting lower-case) when asked, and at most `maxLength` characters in all.
 *
 * @example
 * normalizeSubject('Added a parser for diffs.', { maxLength: 72, conventional: false }); // 'Add a parser for diffs'
 * normalizeSubject('Feat(Parser): Added hunk splitting', { maxLength: 72, conventional: true }); // 'feat(parser): add hunk splitting'
 */
export function normalizeSubject(raw: string, options: NormalizeOptions): string {
  let subject = stripThinking(raw).split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '';
  subject = subject.replace(/^(commit message|subject|title)\s*:\s*/i, '');
  subject = subject.replace(/^["'`*]+|["'`*]+$/g, '').trim();
  const style = options.style ?? (options.conventional ? 'conventional' : 'plain');
  const types: readonly string[] = options.types ?? CONVENTIONAL_TYPES;
  let type = options.type?.trim().toLowerCase() ?? '';
  let scope = options.scope?.trim() ?? '';
  let bang = '';
  let gitmoji = options.gitmoji && renderGitmoji(options.gitmoji, 'code') ? renderGitmoji(options.gitmoji, 'code')! : '';
  const lead = leadingGitmoji(subject);
  if (lead) {
    gitmoji = lead.code;
    subject = lead.rest;
  }
  const prefix = CONVENTIONAL_PREFIX.exec(subject);
  if (prefix && types.includes(prefix[1]!.toLowerCase())) {
    type = prefix[1]!.toLowerCase();
    scope = prefix[2]?.trim() ?? scope;
    bang = prefix[3] ?? '';
    subject = subject.slice(prefix[0].length);
  }
  let area = '';
  const areaMatch = style === 'plain' && options.areaPrefix ? AREA_PREFIX.exec(subject) : null;
  if (areaMatch) {
    area = `${areaMatch[1]!}: `;
    subject = subject.slice(areaMatch[0].length);
  }
  subject = subject.replace(/[.!\s]+$/, '').trim();
  if (options.imperative !== false) {
    const [first = '', ...rest] = subject.split(' ');
    subject = [imperativeVerb(first), ...rest].join(' ');
  }
  const cased = (text: string, fallback: 'lower' | 'upper' | undefined): string => {
    const wanted = options.subjectCase ?? fallback;
    return wanted === 'upper' ? capitalize(text) : wanted === 'lower' ? lowerFirst(text) : text;
  };
  if (style === 'gitmoji') {
    const head = `${renderGitmoji(gitmoji || gitmojiForType(type || 'chore'), options.gitmojiFormat ?? 'emoji')!} `;
    return head + truncateWords(cased(subject, 'upper'), Math.max(10, options.maxLength - head.length));
  }
  if (style === 'plain') return area + truncateWords(cased(subject, area ? undefined : 'upper'), Math.max(10, options.maxLength - area.length));
  if (!types.includes(type)) type = 'chore';
  scope = scope.toLowerCase().replace(/[^a-z0-9._/-]+/g, '-').replace(/^-+|-+$/g, '');
  const head = `${type}${scope ? `(${scope})` : ''}${bang}: `;
  return head + truncateWords(cased(subject, 'lower'), Math.max(10, options.maxLength - head.length));
}

function capitalize(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}

/** Lower-cases the first letter unless the word is an acronym or identifier ("API", "README", "iOS"). */
function lowerFirst(text: string): string {
  const word = text.split(' ')[0] ?? '';
  if (word.length > 1 && /[A-Z0-9_]/.test(word.slice(1))) return text;
  return text.length === 0 ? text : text[0]!.toLowerCase() + text.slice(1);
}

/** Trims a body, drops reasoning, and wraps nothing (models wrap; we only clean). */
export function normalizeBody(raw: string): string {
  return stripThinking(raw)
    .replace(/^```[a-z]*\n?|\n?```$/g, '')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
