/** Reports progress of a long step: a live line on an interactive terminal, nothing otherwise. */
export interface Progress {
  advance(done: number, total: number): void;
  finish(): void;
}

const silent: Progress = { advance() {}, finish() {} };

/**
 * A one-line progress bar on stderr when it is a terminal; log files and CI
 * get nothing (the JSON logs already say what finished).
 */
export function createProgress(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  if (!stream.isTTY) return silent;
  let shown = false;
  return {
    advance(done, total) {
      const width = 30;
      const filled = total === 0 ? width : Math.round((width * done) / total);
      stream.write(
        `\r${label} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total}`,
      );
      shown = true;
    },
    finish() {
      if (shown) stream.write("\n");
    },
  };
}
