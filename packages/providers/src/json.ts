// Tolerant readers for provider JSON: a missing or odd field gives the fallback, never a throw.
export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
export const obj = (value: unknown, key: string): Json => (isObject(value) && isObject(value[key]) ? value[key] : {});
export const arr = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : []);

export function str(value: Json, key: string): string | null {
  const v = value[key];
  return typeof v === 'string' ? v : null;
}

export function num(value: Json, key: string): number | null {
  const v = value[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export const bool = (value: Json, key: string): boolean => value[key] === true;
export const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
