interface Subscriber<T> {
  queue: T[];
  wake: (() => void) | undefined;
}

/**
 * Fan-out of a run's events: every iteration gets the events pushed from the moment it starts,
 * in order, then the end (or the error that ended the run). Leaving a loop early unsubscribes it.
 */
export class EventChannel<T> implements AsyncIterable<T> {
  private readonly subscribers = new Set<Subscriber<T>>();
  private ended = false;
  private failure: { error: unknown } | undefined;

  push(event: T): void {
    for (const s of this.subscribers) {
      s.queue.push(event);
      s.wake?.();
    }
  }

  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (error !== undefined) this.failure = { error };
    for (const s of this.subscribers) s.wake?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    const sub: Subscriber<T> = { queue: [], wake: undefined };
    this.subscribers.add(sub);
    let head = 0;
    const next = async (): Promise<IteratorResult<T>> => {
      for (;;) {
        if (head < sub.queue.length) {
          const value = sub.queue[head++]!;
          if (head > 1024) {
            sub.queue.splice(0, head);
            head = 0;
          }
          return { value, done: false };
        }
        if (this.ended) {
          this.subscribers.delete(sub);
          if (this.failure) throw this.failure.error;
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => (sub.wake = resolve));
        sub.wake = undefined;
      }
    };
    return {
      next,
      return: () => {
        this.subscribers.delete(sub);
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
