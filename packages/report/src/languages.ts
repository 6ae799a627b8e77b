/**
 * Path kinds (a lower-cased extension such as `.ts`, or a file name such as `Makefile`) to
 * languages, from GitHub Linguist's data (the `linguist-languages` package, extracted at build
 * time into dist/generated/linguist.js): name and colour.
 * Linguist picks between languages sharing an extension by looking at the content; the report only
 * has the path, so for those it takes the common one.
 */

export interface Language {
  name: string;
  color: string | null;
}

interface LinguistLanguage {
  name: string;
  type: string;
  color?: string;
  extensions?: readonly string[];
  filenames?: readonly string[];
}

/** For an extension several languages share: the one a path most likely is. */
const PREFERRED = [
  'Markdown', 'C', 'JSON', 'YAML', 'SQL', 'Rust', 'Objective-C', 'Perl', 'Text', 'C#', 'F#', 'R', 'Verilog', 'D', 'HTML',
  'TypeScript', 'XML', 'PHP', 'TeX', 'INI', 'Makefile', 'JavaScript', 'Python', 'Go', 'Java', 'Ruby', 'Shell',
];
const TYPE_ORDER = ['programming', 'markup', 'data', 'prose'];

export interface LanguageMap {
  /** The language of a path kind, or undefined when Linguist does not know it. */
  of(kind: string): Language | undefined;
}

function rank(kind: string, language: LinguistLanguage): number[] {
  const preferred = PREFERRED.indexOf(language.name);
  const primary = language.extensions?.[0]?.toLowerCase() === kind ? 0 : 1;
  const type = TYPE_ORDER.indexOf(language.type);
  return [preferred === -1 ? PREFERRED.length : preferred, primary, type === -1 ? TYPE_ORDER.length : type];
}

function better(kind: string, a: LinguistLanguage, b: LinguistLanguage): boolean {
  const [ra, rb] = [rank(kind, a), rank(kind, b)];
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! < rb[i]!;
  return a.name < b.name;
}

let cached: Promise<LanguageMap> | undefined;

/** Linguist's data is loaded once, on first use. */
export function languageMap(): Promise<LanguageMap> {
  cached ??= import('./client-assets.js').then((module) => buildMap(module.linguistLanguages));
  return cached;
}

export function buildMap(languages: readonly LinguistLanguage[]): LanguageMap {
  const byExtension = new Map<string, LinguistLanguage>();
  const byName = new Map<string, LinguistLanguage>();
  for (const language of languages) {
    for (const extension of language.extensions ?? []) {
      const key = extension.toLowerCase();
      const current = byExtension.get(key);
      if (!current || better(key, language, current)) byExtension.set(key, language);
    }
    for (const file of language.filenames ?? []) {
      const current = byName.get(file);
      if (!current || better(file, language, current)) byName.set(file, language);
    }
  }
  const plain = (language: LinguistLanguage | undefined): Language | undefined => (language ? { name: language.name, color: language.color ?? null } : undefined);
  return { of: (kind) => plain(byName.get(kind) ?? (kind.startsWith('.') ? byExtension.get(kind) : undefined)) };
}
