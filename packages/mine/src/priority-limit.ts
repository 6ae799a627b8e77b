/**
 * Runs tasks `concurrency` at a time, the highest `priority` first among those waiting. Fed the
 * sizes of repositories, it starts the largest first, so the run does not end on one big
 * repository extracted alone (longest-processing-time-first scheduling).
 */
export class PriorityLimit {
  private running = 0;
  private readonly waiting: { priority: number; order: number; start: () => void }[] = [];
  private order = 0;

  constructor(private readonly concurrency: number) {}

  async run<T>(priority: number, task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      await new Promise<void>((start) => {
        this.waiting.push({ priority, order: this.order++, start });
      });
    } else this.running++;
    try {
      return await task();
    } finally {
      this.next();
    }
  }

  private next(): void {
    if (this.waiting.length === 0) {
      this.running--;
      return;
    }
    let best = 0;
    for (let i = 1; i < this.waiting.length; i++) {
      const w = this.waiting[i]!;
      const b = this.waiting[best]!;
      if (w.priority > b.priority || (w.priority === b.priority && w.order < b.order)) best = i;
    }
    // The slot passes straight to the next task: `running` stays the same.
    this.waiting.splice(best, 1)[0]!.start();
  }
}
