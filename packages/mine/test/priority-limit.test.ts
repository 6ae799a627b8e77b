import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { PriorityLimit } from '../src/priority-limit.js';

describe('PriorityLimit', () => {
  it('runs at most `concurrency` tasks, and the highest priority waiting next (ties in arrival order)', async () => {
    const limit = new PriorityLimit(2);
    const order: string[] = [];
    let running = 0;
    let peak = 0;
    const task = (name: string, ms: number) => async () => {
      peak = Math.max(peak, ++running);
      order.push(name);
      await sleep(ms);
      running--;
      return name;
    };
    const results = await Promise.all([
      limit.run(1, task('a', 30)),
      limit.run(1, task('b', 30)),
      limit.run(5, task('small-late', 5)),
      limit.run(50, task('big', 5)),
      limit.run(5, task('small-later', 5)),
      limit.run(0, async () => {
        throw new Error('boom');
      }).catch((e: Error) => e.message),
    ]);
    expect(results).toEqual(['a', 'b', 'small-late', 'big', 'small-later', 'boom']);
    expect(order).toEqual(['a', 'b', 'big', 'small-late', 'small-later']);
    expect(peak).toBe(2);
    // A failed task frees its slot.
    expect(await limit.run(0, async () => 'after')).toBe('after');
  });
});
