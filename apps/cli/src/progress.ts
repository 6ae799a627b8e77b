import cliProgress from 'cli-progress';
import type { ProgressEvent } from '@gitfleet/git';

/** Work shorter than this never shows a bar; nor does a bar come back sooner after output. */
const SHOW_AFTER_MS = 400;

/** Bars on screen now: output clears them first (see {@link clearProgress}). */
const visible = new Set<Progress>();

/**
 * Clears every bar before the command writes to a terminal: stdout and stderr share the screen,
 * and text written while a bar is drawn would be glued to it (and the bar later drawn over it).
 */
export function clearProgress(): void {
  for (const progress of visible) progress.clear();
}

/**
 * A progress line on stderr, only on a TTY and only for long work: the bar appears after
 * SHOW_AFTER_MS, so quick commands and piped or CI runs print nothing extra.
 */
export class Progress {
  private bar: cliProgress.SingleBar | undefined;
  private quietSince = Date.now();
  private readonly enabled = Boolean(process.stderr.isTTY) && !process.env['CI'];
  private stage = '';

  update(stage: string, event: ProgressEvent): void {
    if (!this.enabled || Date.now() - this.quietSince < SHOW_AFTER_MS) return;
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
      visible.add(this);
    }
    if (event.total !== undefined) this.bar.setTotal(event.total);
    this.bar.update(event.done);
  }

  /** A callback bound to one stage, for `onProgress` options. */
  for(stage: string): (event: ProgressEvent) => void {
    return (event) => this.update(stage, event);
  }

  /** Removes the bar from the screen; it may come back once output has paused for a while. */
  clear(): void {
    this.stop();
    this.quietSince = Date.now();
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
    visible.delete(this);
  }
}
