/** Worker side: sending history in batches with backpressure (at most BATCH_WINDOW unconsumed). */
import type { MessagePort } from 'node:worker_threads';
import type { Commit } from '../../types.js';
import { BATCH_WINDOW, type ConsumerMessage, type WalkerMessage } from './protocol.js';

export const BATCH_SIZE = 256;
/** A partial batch is sent after this long, so slow filtered walks still deliver promptly. */
const BATCH_MAX_DELAY_MS = 50;

/** Posts batches and waits for credit when BATCH_WINDOW batches are unconsumed. */
export class BatchSender {
  private credits = BATCH_WINDOW;
  private stopped = false;
  private wake: (() => void) | undefined;
  private batch: Commit[] = [];
  private started = Date.now();

  constructor(private readonly port: MessagePort) {
    port.on('message', (message: ConsumerMessage) => {
      if (message.type === 'more') this.credits++;
      else this.stopped = true;
      this.wake?.();
    });
    port.on('close', () => {
      this.stopped = true;
      this.wake?.();
    });
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Queues a commit; resolves once the walk may continue. */
  async add(commit: Commit): Promise<void> {
    this.batch.push(commit);
    if (this.batch.length >= BATCH_SIZE || Date.now() - this.started >= BATCH_MAX_DELAY_MS) await this.flush(false);
  }

  /** Sends the pending batch; unless it is the last one, waits until the consumer has room. */
  async flush(last: boolean): Promise<void> {
    if (this.batch.length > 0) {
      this.post({ type: 'batch', commits: this.batch });
      this.credits--;
    }
    this.batch = [];
    if (last) return;
    // Yielding also lets a `stop` from the consumer arrive.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.credits <= 0 && !this.stopped) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
    this.started = Date.now();
  }

  post(message: WalkerMessage): void {
    if (!this.stopped) this.port.postMessage(message);
  }

  close(): void {
    this.port.close();
  }
}
