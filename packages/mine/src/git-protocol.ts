import type { GitWorkSettings } from './git-work.js';

/** Operations that answer once. */
export type CallOp = 'clone' | 'facts' | 'commitGraph';
/** Operations that answer with a stream of items (each acknowledged before the next is sent). */
export type StreamOp = 'history' | 'blame';

/** From the pipeline to the git helper process. */
export type ToWorker =
  | { type: 'init'; settings: GitWorkSettings }
  | { type: 'call'; id: number; op: CallOp; args: unknown[] }
  | { type: 'stream'; id: number; op: StreamOp; args: unknown[] }
  | { type: 'abort'; id: number }
  | { type: 'ack'; id: number };

/** From the git helper process to the pipeline. */
export type FromWorker =
  | { id: number; type: 'progress'; done: number; total?: number | undefined; percent?: number | undefined }
  | { id: number; type: 'item'; value: unknown }
  | { id: number; type: 'result'; value: unknown }
  | { id: number; type: 'error'; error: { code: string; message: string }; aborted: boolean };
