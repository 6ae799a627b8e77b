/**
 * Splits `capacity` across items of the given sizes fairly: items smaller than the fair share
 * get all they need, the rest get an equal share of what is left (water-filling).
 *
 * @example
 * waterFill([100, 5000, 300, 8000], 3000); // [100, 1300, 300, 1300]
 */
export function waterFill(sizes: readonly number[], capacity: number): number[] {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (total <= capacity) return [...sizes];
  const order = sizes.map((size, index) => ({ size, index })).sort((a, b) => a.size - b.size);
  const out = new Array<number>(sizes.length).fill(0);
  let left = Math.max(0, capacity);
  for (let i = 0; i < order.length; i++) {
    const share = Math.floor(left / (order.length - i));
    const { size, index } = order[i]!;
    const take = Math.min(size, share);
    out[index] = take;
    left -= take;
  }
  return out;
}

/**
 * {@link waterFill} for sizes that are costly to measure (token counts): `measure(i, cap)` returns
 * item `i`'s exact size when it is at most `cap`, else any number above `cap`. Items are measured
 * only as far as the water level needs, and the level only rises, so a measure can resume where
 * it stopped. Items above the level share what is left equally (the remainder one each, last first).
 *
 * @example
 * waterFillLazy(4, 3000, (i, cap) => Math.min([100, 5000, 300, 8000][i]!, cap + 1)); // [100, 1300, 300, 1300]
 */
export function waterFillLazy(count: number, capacity: number, measure: (index: number, cap: number) => number): number[] {
  const out = new Array<number>(count).fill(0);
  let active = Array.from({ length: count }, (_, i) => i);
  let left = Math.max(0, capacity);
  while (active.length > 0) {
    const level = Math.floor(left / active.length);
    const above: number[] = [];
    for (const i of active) {
      const size = measure(i, level);
      if (size <= level) {
        out[i] = size;
        left -= size;
      } else above.push(i);
    }
    if (above.length === active.length) {
      const extra = left - level * above.length;
      above.forEach((i, k) => (out[i] = level + (k >= above.length - extra ? 1 : 0)));
      break;
    }
    active = above;
  }
  return out;
}
