/**
 * What a `GitFleet` handed out and must release on `close()`: fleets, datasets, repositories.
 * Held weakly, so something the caller dropped is not kept alive by the registry.
 */
export class Owned {
  readonly #refs = new Set<WeakRef<AsyncDisposable>>();

  add<T extends AsyncDisposable>(resource: T): T {
    for (const ref of this.#refs) if (ref.deref() === undefined) this.#refs.delete(ref);
    this.#refs.add(new WeakRef(resource));
    return resource;
  }

  /** Disposes every live resource; one that fails does not stop the others. */
  async disposeAll(): Promise<void> {
    const live = [...this.#refs].flatMap((ref) => ref.deref() ?? []);
    this.#refs.clear();
    await Promise.allSettled(live.map((resource) => resource[Symbol.asyncDispose]()));
  }
}
