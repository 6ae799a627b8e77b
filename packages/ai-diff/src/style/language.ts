import { AiDiffError } from '../errors.js';

/** A message language: a canonical BCP 47 code and its English name. */
export interface MessageLanguage {
  code: string;
  name: string;
}

/**
 * `fr`, `pt-BR`, `zh-Hant` -> `{ code, name }`; `en` (or nothing) -> null: English needs no
 * instruction. Anything that is not a language tag is a caller mistake.
 */
export function resolveLanguage(code: string | undefined): MessageLanguage | null {
  if (code === undefined || code.trim() === '') return null;
  let canonical: string;
  try {
    [canonical = ''] = Intl.getCanonicalLocales(code.trim().replace(/_/g, '-'));
  } catch {
    throw new AiDiffError('GITFLEET_AI_INVALID_OPTION', `language: not a language code: ${JSON.stringify(code)} (e.g. fr, de, pt-BR, ja)`);
  }
  if (!/^[a-z]{2,3}$/.test(primary(canonical))) {
    throw new AiDiffError('GITFLEET_AI_INVALID_OPTION', `language: not a language code: ${JSON.stringify(code)} (e.g. fr, de, pt-BR, ja)`);
  }
  if (primary(canonical) === 'en') return null;
  const name = new Intl.DisplayNames(['en'], { type: 'language' }).of(canonical) ?? canonical;
  return { code: canonical, name };
}

/** `pt-BR` -> `pt`. */
export function primary(code: string): string {
  return code.split('-')[0]!.toLowerCase();
}
