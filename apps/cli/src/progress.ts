import cliProgress from 'cli-progress';
import type { ProgressEvent } from '@gitfleet/git';

/** Work shorter than this never shows a bar. */
const SHOW_AFTER_MS = 400;

/**
 * A progress line on stderr, only on a TTY and only for long work: the bar appears after
 * SHOW_AFTER_MS, so quick commands and piped or CI runs print nothing extra.
 */
export class Progress {
  private bar: cliProgress.SingleBar | undefined;
  private readonly started = Date.now();
  private readonly enabled = Boolean(process.stderr.isTTY) && !process.env['CI'];
  private stage = '';

  update(stage: string, event: ProgressEvent): void {
    if (!this.enabled || Date.now() - this.started < SHOW_AFTER_MS) return;
    if (this.bar && stage !== this.stage) this.stop();
    if (!this.bar) {
      this.stage = stage;
      const withTotal = event.total !== undefined;
      this.bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: withTotal ? `${stage} [{bar}] {value}/{total} {eta_formatted}` : `${stage} {value}`,
          hideCursor: true,
          clearOnComplete: true,
          fps: 10,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(event.total ?? 0, event.done);
    }
    if (event.total !== undefined) this.bar.setTotal(event.total);
    this.bar.update(event.done);
  }

  /** A callback bound to one stage, for `onProgress` options. */
  for(stage: string): (event: ProgressEvent) => void {
    return (event) => this.update(stage, event);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
