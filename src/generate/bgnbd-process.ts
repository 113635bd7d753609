import type { BgNbdParams } from "../clv/types.ts";
import type { Random } from "./random.ts";

/**
 * Draws the repeat purchase times of one customer whose first purchase is at
 * time 0, following the BG/NBD story exactly: lambda ~ Gamma(r, rate alpha),
 * p ~ Beta(a, b); while alive the customer buys as a Poisson process of rate
 * lambda, and after each repeat purchase becomes inactive with probability p
 * (never at time 0, so a customer always has the chance of a first repeat).
 *
 * The parameters (Fader, Hardie & Lee 2005) here have time in days: a
 * customer's purchase rate is lambda ~ Gamma(shape r, rate alpha), so alpha
 * is a scale in days (mean rate r/alpha per day); the probability of dying
 * after a repeat purchase is p ~ Beta(a, b).
 *
 * Returns the times in fractional days since the first purchase, ascending,
 * each > 0 and <= `observationDays` (the customer's tenure T). Its length is
 * the model's frequency x and its last element the recency t_x.
 *
 * @example
 * const times = drawRepeatPurchaseTimes(new Random(1), { r: 0.8, alpha: 40, a: 1.2, b: 3 }, 90);
 */
export function drawRepeatPurchaseTimes(
  random: Random,
  params: BgNbdParams,
  observationDays: number,
): number[] {
  const { r, alpha, a, b } = params;
  if (!(r > 0 && alpha > 0 && a > 0 && b > 0)) {
    throw new RangeError(`BG/NBD parameters must be positive, got ${JSON.stringify(params)}`);
  }
  if (!(observationDays >= 0) || !Number.isFinite(observationDays)) {
    throw new RangeError(`observationDays must be finite and >= 0, got ${observationDays}`);
  }
  const lambda = random.gamma(r, 1 / alpha);
  const p = random.beta(a, b);
  const times: number[] = [];
  // lambda can underflow to 0 for tiny r: exponential(0) is Infinity and the loop ends.
  let time = random.exponential(lambda);
  while (time <= observationDays) {
    times.push(time);
    if (random.next() < p) break;
    time += random.exponential(lambda);
  }
  return times;
}
