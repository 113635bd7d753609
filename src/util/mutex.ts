/** A promise-based mutual exclusion lock for one process. */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `work` after every earlier holder has finished. */
  runExclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(work, work);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
