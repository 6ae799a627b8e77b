import { gitmojis } from 'gitmojis';

/** How a gitmoji is written at the start of a subject: the emoji (`✨`) or its code (`:sparkles:`). */
export type GitmojiFormat = 'emoji' | 'code';

/** Every gitmoji code (`:sparkles:`), from the `gitmojis` package (the gitmoji project's own list). */
export const GITMOJI_CODES: readonly string[] = gitmojis.map((g) => g.code);

/** The ones most commits need, with what they mean: shown in the prompt (the schema lists them all). */
const COMMON = ['sparkles', 'bug', 'ambulance', 'memo', 'art', 'zap', 'fire', 'white_check_mark', 'lock', 'recycle', 'heavy_plus_sign', 'heavy_minus_sign', 'arrow_up', 'wrench', 'construction_worker', 'truck', 'boom', 'lipstick', 'pencil2', 'rewind', 'label', 'adhesive_bandage', 'package', 'green_heart'];

type Gitmoji = (typeof gitmojis)[number];
const byCode = new Map<string, Gitmoji>(gitmojis.map((g) => [g.code, g]));
/** Emoji without variation selectors (`⚡️` is written with and without U+FE0F). */
const bare = (emoji: string): string => emoji.replace(/\uFE0F/g, '');
const byEmoji = new Map(gitmojis.map((g) => [bare(g.emoji), g]));
/** Longest emoji first, so a prefix match never stops inside a longer one. */
const emojis = [...byEmoji.keys()].sort((a, b) => b.length - a.length);

/** `- :sparkles: Introduce new features.` lines for the prompt. */
export function gitmojiGuide(): string {
  return COMMON.map((name) => gitmojis.find((g) => g.name === name))
    .filter((g) => g !== undefined)
    .map((g) => `- ${g.code} ${g.description}`)
    .join('\n');
}

/** The gitmoji that starts `subject` (as emoji or code), with the rest of the subject; null when none. */
export function leadingGitmoji(subject: string): { code: string; rest: string } | null {
  const text = subject.trimStart();
  const code = /^(:[a-z0-9_+-]+:)\s*/.exec(text);
  if (code && byCode.has(code[1]!)) return { code: code[1]!, rest: text.slice(code[0].length) };
  const plain = bare(text);
  for (const emoji of emojis) {
    if (plain.startsWith(emoji)) {
      // Skip the emoji in the original text, variation selectors included.
      let at = 0;
      for (let seen = 0; seen < emoji.length; at++) if (text[at] !== '\uFE0F') seen++;
      while (text[at] === '\uFE0F') at++;
      return { code: byEmoji.get(emoji)!.code, rest: text.slice(at).trimStart() };
    }
  }
  return null;
}

/** `:sparkles:` written as the emoji or as the code; unknown codes give null. */
export function renderGitmoji(code: string, format: GitmojiFormat): string | null {
  const entry = byCode.get(code) ?? byCode.get(`:${code.replace(/^:|:$/g, '')}:`);
  if (!entry) return null;
  return format === 'code' ? entry.code : entry.emoji;
}

const FROM_TYPE: Record<string, string> = {
  feat: ':sparkles:',
  fix: ':bug:',
  docs: ':memo:',
  style: ':art:',
  refactor: ':recycle:',
  perf: ':zap:',
  test: ':white_check_mark:',
  build: ':package:',
  ci: ':construction_worker:',
  chore: ':wrench:',
  revert: ':rewind:',
};

/** The gitmoji for a Conventional Commits type (`feat` -> `:sparkles:`), for messages built locally. */
export function gitmojiForType(type: string): string {
  return FROM_TYPE[type] ?? ':wrench:';
}
