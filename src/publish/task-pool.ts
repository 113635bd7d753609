/**
 * Runs async tasks with at most `limit` in flight. After the first failure
 * no queued task starts (each rejects with that failure), so a broken upload
 * stops the publish instead of pushing the remaining files.
 */
export class TaskPool {
  readonly #limit: number;
  readonly #waiting: (() => void)[] = [];
  #active = 0;
  #failure: Error | undefined;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`pool limit must be a positive integer, got ${limit}`);
    this.#limit = limit;
  }

  /** The first error a task threw, if any. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /**
   * Queues `task`. The returned promise is already marked handled, so a
   * failure surfaces where it is awaited, not as an unhandled rejection.
   */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#schedule(task);
    result.catch(() => undefined);
    return result;
  }

  async #schedule<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#limit)
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active += 1;
    try {
      if (this.#failure) throw this.#failure;
      return await task();
    } catch (error) {
      this.#failure ??= error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      this.#active -= 1;
      this.#waiting.shift()?.();
    }
  }
}
