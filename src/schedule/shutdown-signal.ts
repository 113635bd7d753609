/** Why a long-running command was asked to stop. */
export type ShutdownReason = NodeJS.Signals | "parent exited";

/** What {@link listenForShutdown} watches besides SIGTERM and SIGINT. */
export interface ShutdownOptions {
  /**
   * Also stop when the parent process goes away (this process is re-parented).
   * For commands started through npm (`npx duckmart …`, `npm start`): npm
   * passes SIGTERM to the `sh -c` it runs the command in, and that shell dies
   * without passing it on, which would leave this process running as an orphan.
   */
  readonly watchParent?: boolean;
  /** How often the parent is checked (default 500 ms). */
  readonly parentCheckMs?: number;
}

/** A pending request to stop, and the second-request hook. */
export interface ShutdownListener {
  /** Resolves with the first reason to stop. */
  readonly requested: Promise<ShutdownReason>;
  /** Runs `now` on any later SIGTERM/SIGINT (a second signal means "at once"). */
  onSecondSignal(now: () => void): void;
  /** Removes the handlers and the parent check. */
  dispose(): void;
}

/**
 * Listens for SIGTERM/SIGINT, installed as early as possible: as a
 * container's PID 1, a signal that arrives before a handler exists is
 * ignored by the kernel, not fatal. With `watchParent`, the loss of the
 * parent process counts as a SIGTERM.
 *
 * @example
 * const shutdown = listenForShutdown({ watchParent: process.env.npm_command !== undefined });
 * const reason = await shutdown.requested; // then drain
 */
export function listenForShutdown(options: ShutdownOptions = {}): ShutdownListener {
  let resolve: (reason: ShutdownReason) => void = () => {};
  const requested = new Promise<ShutdownReason>((done) => {
    resolve = done;
  });
  let stopping = false;
  let second: (() => void) | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      second?.();
      return;
    }
    stopping = true;
    resolve(signal);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  const parent = process.ppid;
  const timer = options.watchParent
    ? setInterval(() => {
        if (process.ppid === parent || stopping) return;
        stopping = true;
        resolve("parent exited");
      }, options.parentCheckMs ?? 500)
    : undefined;
  // The check alone must not keep the process alive.
  timer?.unref();
  return {
    requested,
    onSecondSignal(now) {
      second = now;
    },
    dispose() {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      if (timer) clearInterval(timer);
    },
  };
}
