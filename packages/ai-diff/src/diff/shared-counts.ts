import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { DiffLines } from './types.js';

/**
 * How the planning worker and a helper worker share line token counts: `control` (an Int32Array
 * on a SharedArrayBuffer) holds a ready flag and a stop flag; the planner posts the table of
 * counts on `port` once it has parsed the diff. Both parse the same text the same way, so a line
 * has the same index in both.
 */
export interface CountShare {
  control: Int32Array;
  port: MessagePort;
}

const READY = 0;
const STOP = 1;

export function createControl(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
}

/** Lines of all the texts, in order: the size of the shared table. */
export function lineCount(docs: readonly DiffLines[]): number {
  return docs.reduce((sum, doc) => sum + doc.starts.length, 0);
}

/** Planner: creates the shared table of counts and hands it to the helper. */
export function offerCounts(share: CountShare, docs: readonly DiffLines[]): Int32Array {
  const counts = new Int32Array(new SharedArrayBuffer(Math.max(1, lineCount(docs)) * Int32Array.BYTES_PER_ELEMENT));
  share.port.postMessage(counts);
  Atomics.store(share.control, READY, 1);
  Atomics.notify(share.control, READY);
  return counts;
}

/** Helper: waits (blocking its own thread) for the planner's table; null when told to stop first. */
export function acceptCounts(share: CountShare, timeoutMs: number): Int32Array | null {
  Atomics.wait(share.control, READY, 0, timeoutMs);
  if (stopped(share)) return null;
  const message = receiveMessageOnPort(share.port);
  return message?.message instanceof Int32Array ? message.message : null;
}

/** Planner (or the caller): the helper stops at its next line. */
export function stopHelper(control: Int32Array): void {
  Atomics.store(control, STOP, 1);
  Atomics.notify(control, READY);
}

export function stopped(share: CountShare): boolean {
  return Atomics.load(share.control, STOP) === 1;
}
