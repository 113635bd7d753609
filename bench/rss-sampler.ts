/** Samples the process's resident set size to find the peak of a stretch of work. */
export interface RssSampler {
  /** Starts a new stretch; returns the peak (MB) of the one that ended. */
  mark(): number;
  /** Peak RSS (MB) since the last mark. */
  peakMb(): number;
  stop(): void;
}

/**
 * Polls `process.memoryUsage.rss()` every `intervalMs`. RSS includes
 * DuckDB's native memory, which `maxRSS` alone cannot attribute to a step.
 * DuckDB queries run off the event loop, so the timer keeps ticking while
 * they work; a long synchronous stretch in JavaScript delays a sample, and
 * the next one catches what it left behind.
 */
export function startRssSampler(intervalMs = 50): RssSampler {
  let peak = process.memoryUsage.rss();
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  return {
    mark() {
      sample();
      const ended = peak;
      peak = process.memoryUsage.rss();
      return mb(ended);
    },
    peakMb() {
      sample();
      return mb(peak);
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/** Peak RSS of the whole process so far, in MB (the kernel's high-water mark). */
export function maxRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
