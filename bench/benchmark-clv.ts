/**
 * Timing of the CLV fit and scoring on synthetic buyers, for `npm run bench`
 * (issue 6: goal under 10 s at 1M buyers on a 2-core machine).
 */

import { type ClvModel, clvParams, fitClv, scoreClv } from "../src/clv/clv-model.ts";
import { groupCustomers } from "../src/clv/group-customers.ts";
import { drawRepeatPurchaseTimes } from "../src/generate/bgnbd-process.ts";
import { Random } from "../src/generate/random.ts";

/** Options of `benchmarkClv`. */
export interface ClvBenchmarkOptions {
  /** Buyers to simulate (default 1 000 000). */
  readonly buyers?: number;
  /** Seed of the simulation (default 6). */
  readonly seed?: number;
  /** Scoring horizon in days (default 90, the SPEC's clvHorizonDays). */
  readonly horizonDays?: number;
  /** Longest tenure in days; first purchases are spread uniformly over it (default 730). */
  readonly historyDays?: number;
}

/** Wall-clock and CPU milliseconds of each step, and what was fitted. */
export interface ClvBenchmarkResult {
  readonly buyers: number;
  /** Distinct (frequency, recency, tenure) triples: the size the BG/NBD fit works on. */
  readonly groups: number;
  readonly simulateMs: number;
  readonly groupMs: number;
  readonly fitMs: number;
  readonly scoreMs: number;
  /** groupMs + fitMs + scoreMs: everything after the statistics exist. */
  readonly totalMs: number;
  /** CPU time of the same steps (user + system), which contention on a shared box does not inflate. */
  readonly totalCpuMs: number;
  readonly model: ClvModel;
}

/**
 * Simulates buyers from BG/NBD (r 0.5, α 30 days, a 0.8, b 2.5) with
 * Gamma-Gamma spend (p 6, q 3, v 15) in whole days, as production computes
 * them from dates, then times grouping, both fits and scoring.
 *
 * @example
 * const result = benchmarkClv({ buyers: 1_000_000 });
 * console.log(`${result.totalMs.toFixed(0)} ms for ${result.buyers} buyers`);
 */
export function benchmarkClv(options: ClvBenchmarkOptions = {}): ClvBenchmarkResult {
  const buyers = options.buyers ?? 1_000_000;
  const horizon = options.horizonDays ?? 90;
  const historyDays = options.historyDays ?? 730;
  const random = new Random(options.seed ?? 6);
  const truth = { r: 0.5, alpha: 30, a: 0.8, b: 2.5 };
  const frequency = new Float64Array(buyers);
  const recency = new Float64Array(buyers);
  const tenure = new Float64Array(buyers);
  const monetary = new Float64Array(buyers);

  let started = performance.now();
  for (let i = 0; i < buyers; i++) {
    const T = random.int(0, historyDays - 1);
    // Purchases on the same date are one purchase: count distinct whole days.
    const days = new Set(drawRepeatPurchaseTimes(random, truth, T).map(Math.ceil));
    let last = 0;
    for (const day of days) last = Math.max(last, day);
    frequency[i] = days.size;
    recency[i] = last;
    tenure[i] = T;
    if (days.size > 0) {
      const nu = random.gamma(3, 1 / 15);
      let total = 0;
      for (let k = 0; k < days.size; k++) total += random.gamma(6, 1 / nu);
      monetary[i] = total / days.size;
    }
  }
  const simulateMs = performance.now() - started;

  const cpuBefore = process.cpuUsage();
  started = performance.now();
  const { groups } = groupCustomers({ frequency, recency, tenure });
  const groupMs = performance.now() - started;

  started = performance.now();
  const model = fitClv({
    rfm: groups,
    spend: { frequency, monetary, count: new Float64Array(buyers).fill(1) },
  });
  const fitMs = performance.now() - started;

  started = performance.now();
  scoreClv(clvParams(model), { frequency, recency, tenure, monetary }, { horizon });
  const scoreMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);

  return {
    buyers,
    groups: groups.count.length,
    simulateMs,
    groupMs,
    fitMs,
    scoreMs,
    totalMs: groupMs + fitMs + scoreMs,
    totalCpuMs: (cpu.user + cpu.system) / 1000,
    model,
  };
}
