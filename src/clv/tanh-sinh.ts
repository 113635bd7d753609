/**
 * Tanh-sinh (double-exponential) quadrature of positive functions on the open
 * unit interval. It
 * tolerates integrable endpoint singularities such as the p^(a−1) of a Beta
 * density with a < 1, which is why the BG/NBD scoring falls back to it.
 */

/** A point of the unit interval given as p and 1 − p (each accurate near its own endpoint) and their logs. */
export interface UnitPoint {
  readonly p: number;
  readonly q: number;
  readonly lnP: number;
  readonly lnQ: number;
}

/** Result of `integrateUnitInterval`: the estimate and whether the tolerance was reached. */
export interface QuadratureResult {
  readonly value: number;
  readonly converged: boolean;
}

/** ln(1 + e^y) without overflow. */
function softplus(y: number): number {
  return y > 0 ? y + Math.log1p(Math.exp(-y)) : Math.log1p(Math.exp(y));
}

// Beyond |τ| = 7 the nodes sit within e^(−1700) of an endpoint, so only a
// density like p^(a−1) with a < 0.02 still has mass there; the loop below
// stops earlier once the tails are negligible.
const TAU_MAX = 7;

/**
 * ∫₀¹ f dp of a positive f given by its logarithm `logF` (so that a huge
 * density times a tiny Jacobian near an endpoint never becomes ∞·0), by
 * tanh-sinh quadrature with p = 1/(1 + e^(−π sinh τ)), halving the step until
 * two levels agree to `tolerance` (relative).
 *
 * @example
 * integrateUnitInterval(({ lnP }) => Math.log(3) + 2 * lnP).value; // ∫ 3p² dp ≈ 1
 */
export function integrateUnitInterval(
  logF: (point: UnitPoint) => number,
  tolerance = 1e-12,
  maxLevel = 10,
): QuadratureResult {
  const node = (tau: number): number => {
    const u = Math.PI * Math.sinh(tau);
    const lnP = -softplus(-u);
    const lnQ = -softplus(u);
    const p = Math.exp(lnP);
    const q = Math.exp(lnQ);
    // dp/dτ = π cosh τ · p (1 − p), added in logs to ln f.
    const lnJacobian = Math.log(Math.PI * Math.cosh(tau)) + lnP + lnQ;
    return Math.exp(logF({ p, q, lnP, lnQ }) + lnJacobian);
  };
  // Sum over nodes k·h for odd k only (the even ones were summed at coarser levels).
  const sumLevel = (h: number, start: number, stride: number): number => {
    let sum = 0;
    for (let k = start; k * h <= TAU_MAX; k += stride) {
      const tau = k * h;
      const right = node(tau);
      const left = tau === 0 ? 0 : node(-tau);
      sum += right + left;
    }
    return sum;
  };
  let h = 0.5;
  let sum = sumLevel(h, 0, 1);
  let estimate = h * sum;
  for (let level = 1; level <= maxLevel; level++) {
    h /= 2;
    sum += sumLevel(h, 1, 2);
    const next = h * sum;
    if (Math.abs(next - estimate) <= tolerance * Math.abs(next)) {
      return { value: next, converged: true };
    }
    estimate = next;
  }
  return { value: estimate, converged: false };
}
