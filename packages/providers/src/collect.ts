/**
 * Reads a whole async iterable into an array (Array.fromAsync is Node 22+).
 *
 * @example
 * const branches = await collect(github.listBranches('octokit/core.js'));
 */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
