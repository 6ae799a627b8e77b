import { describe, expect, it } from 'vitest';
import { DAMAGE_KINDS, damage } from '../src/index.js';

const file = Buffer.from('{"format":"gitfleet-cache","version":1}\n{"a":1}\n{"a":22}\n{"a":333}\n{"count":3}\n');

describe('damage', () => {
  it('makes each kind of damage, and every one changes the file', () => {
    const foreign = Buffer.from('{"other":true}\n');
    for (const kind of DAMAGE_KINDS) expect(damage(file, kind, foreign).equals(file), kind).toBe(false);
    expect(damage(file, 'truncated at a line boundary').toString()).toMatch(/^(.*\n)+$/);
    expect(damage(file, 'last line missing').toString()).toBe(file.toString().replace('{"count":3}\n', ''));
    expect(damage(file, 'truncated mid-line').toString()).not.toMatch(/\n$/);
    expect(damage(file, 'empty')).toHaveLength(0);
    expect(damage(file, 'garbage')).toHaveLength(file.length);
    expect(damage(file, 'another format version').toString()).toMatch(/^\{"format":"gitfleet-cache","version":999\}\n\{"a":1\}/);
    const digit = damage(file, 'a changed digit (same size)');
    expect(digit).toHaveLength(file.length);
    expect(digit.toString().split('').filter((c, i) => c !== file.toString()[i])).toHaveLength(1);
    expect(damage(file, "another key's entry", foreign)).toEqual(foreign);
  });

  it('gives an unversioned file a header of another version', () => {
    expect(damage(Buffer.from('{"a":1}'), 'another format version').toString()).toBe('{"format":"gitfleet-cache","version":999}\n{"a":1}');
  });
});
