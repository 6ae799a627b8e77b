import { jsonrepair } from 'jsonrepair';
import type { z } from 'zod';

/**
 * Removes reasoning output: `<think>…</think>` / `<thinking>…</thinking>` blocks, an unclosed
 * block at the start, and everything before a lone closing tag (templates that open it in the prompt).
 *
 * @example
 * stripThinking('<think>hmm</think>\nAdd parser'); // 'Add parser'
 */
export function stripThinking(text: string): string {
  let out = text.replace(/<(think|thinking|reasoning)>[\s\S]*?<\/\1>/gi, '');
  const lone = /<\/(think|thinking|reasoning)>/i.exec(out);
  if (lone) out = out.slice(lone.index + lone[0].length);
  out = out.replace(/^\s*<(think|thinking|reasoning)>[\s\S]*$/i, '');
  return out.trim();
}

/** The first balanced `{…}` in `text` (strings and escapes respected), or null. */
export function firstJsonObject(text: string): string | null {
  const start = text.indexOf('{');
  if (start === -1) return null;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return text.slice(start);
}

export type ParseOutcome<T> = { ok: true; value: T; repaired: boolean } | { ok: false; error: string };

/**
 * Parses a model's JSON answer: strips reasoning and code fences, takes the first JSON object,
 * tries `JSON.parse`, then `jsonrepair` (trailing commas, single quotes, missing brackets...),
 * and validates with `schema`. `repaired` tells whether anything beyond whitespace was fixed.
 */
export function parseModelJson<T>(raw: string | unknown, schema: z.ZodType<T>): ParseOutcome<T> {
  if (typeof raw !== 'string') {
    const direct = schema.safeParse(raw);
    return direct.success ? { ok: true, value: direct.data, repaired: false } : { ok: false, error: direct.error.issues[0]?.message ?? 'invalid' };
  }
  const cleaned = stripThinking(raw).replace(/^```[a-zA-Z]*\s*\n?/, '').replace(/\n?```\s*$/, '').trim();
  const candidate = firstJsonObject(cleaned);
  if (candidate === null) return { ok: false, error: 'no JSON object in the answer' };
  let repaired = candidate !== raw.trim();
  let data: unknown;
  try {
    data = JSON.parse(candidate);
  } catch {
    try {
      data = JSON.parse(jsonrepair(candidate));
      repaired = true;
    } catch {
      return { ok: false, error: 'unrepairable JSON' };
    }
  }
  const checked = schema.safeParse(data);
  if (!checked.success) return { ok: false, error: `schema mismatch: ${checked.error.issues[0]?.message ?? 'invalid'}` };
  return { ok: true, value: checked.data, repaired };
}
