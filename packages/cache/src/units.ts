import bytes from 'bytes';
import ms from 'ms';
import { InvalidOptionError } from './errors.js';

/**
 * Parses a size: bytes (`1048576`) or a number with a unit, `K`, `M`, `G`, `T` (powers of 1024;
 * `KB`, `KiB` and lower case are the same). Throws InvalidOptionError naming `what` otherwise.
 *
 * @example
 * parseSize('512K'); // 524288
 * parseSize('2G'); // 2147483648
 */
export function parseSize(text: string, what = 'size'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?\s*$/i.exec(text);
  const value = match ? bytes.parse(`${match[1]}${match[2] ? `${match[2]}b` : 'b'}`) : null;
  if (value === null || !Number.isFinite(value) || value < 1) {
    throw new InvalidOptionError(`${what} must be a positive size in bytes or with a unit (512K, 100M, 2G), got '${text}'`);
  }
  return Math.floor(value);
}

/** A size for people: `12.4MB`, `2GB`, `512B`. */
export function formatSize(n: number): string {
  return bytes.format(n, { decimalPlaces: 1 }) ?? `${n}B`;
}

/**
 * Parses an age with a unit: `30m`, `12h`, `7d`, `2w` (also `90s`, `1y`, `2 days`). A bare number
 * is refused, so `--older-than 7` cannot silently mean 7 ms.
 *
 * @example
 * parseAge('7d'); // 604800000
 */
export function parseAge(text: string, what = 'age'): number {
  const value = /^\s*\d+(\.\d+)?\s*[a-z]+\s*$/i.test(text) ? ms(text.trim() as ms.StringValue) : undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionError(`${what} must be a number with a unit (30m, 12h, 7d, 2w), got '${text}'`);
  }
  return value;
}
