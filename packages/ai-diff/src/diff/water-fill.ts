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
