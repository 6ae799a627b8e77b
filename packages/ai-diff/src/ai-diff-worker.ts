/**
 * Worker entry of the process-wide pool (see pool.ts): every CPU-bound step of the pipeline
 * (parsing, classifying, screening for secrets, token counting, packing, reduce rendering) runs
 * here, never on the caller's event loop, except a small change when the caller opts in
 * (`inProcessMaxChars`: the same module, imported on the caller's thread). Exposed as
 * `@gitfleet/ai-diff/worker` so bundlers can ship a copy.
 */
import type { TokenEncoding } from './config/models.js';
import { countTokens } from './diff/count-tokens.js';
import { precountSync, prepare, prepareByBytes, type DiffSource, type PrepareSettings, type PreparedDiff } from './diff/prepare.js';
import { renderReduceSync, type ReduceInput } from './diff/render-reduce.js';
import { scanForSecrets } from './diff/secret-scan.js';
import type { CountShare } from './diff/shared-counts.js';

export type WorkerTask =
  | { op: 'prepare'; source: DiffSource; settings: PrepareSettings; share?: CountShare }
  | { op: 'precount'; source: DiffSource; settings: PrepareSettings; share: CountShare }
  | { op: 'prepare-by-bytes'; source: DiffSource; settings: PrepareSettings }
  | { op: 'reduce'; input: ReduceInput }
  | { op: 'count'; texts: string[]; encoding: TokenEncoding }
  | { op: 'warm' };

export type WorkerResult = PreparedDiff | { user: string; tokens: number } | number[] | null;

export default async function run(task: WorkerTask): Promise<WorkerResult> {
  switch (task.op) {
    case 'prepare':
      return prepare(task.source, task.settings, task.share);
    case 'prepare-by-bytes':
      return prepareByBytes(task.source, task.settings);
    case 'precount':
      precountSync(task.source, task.settings, task.share);
      return null;
    case 'reduce':
      return renderReduceSync(task.input);
    case 'count':
      return task.texts.map((text) => countTokens(text, task.encoding));
    case 'warm':
      // Starts the thread, loads this module and sets the secret rules up (their first run costs
      // tens of ms) while the caller reads the diff.
      await scanForSecrets([{ path: 'warm-up.txt', text: 'warm-up' }]);
      return null;
  }
}
