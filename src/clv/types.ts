/**
 * Shared types of the CLV models (BG/NBD for purchase counts, Gamma-Gamma for
 * spend; Fader, Hardie & Lee 2005). Times are in one unit chosen by the caller
 * (production: days; the CDNOW literature: weeks); rate parameters (α, v's
 * scale) are per that unit.
 */

/** BG/NBD parameters: λ ~ Gamma(shape r, rate α), dropout p ~ Beta(a, b). */
export interface BgNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

/** Gamma-Gamma parameters: spend per transaction ~ Gamma(p, ν), ν ~ Gamma(q, v). */
export interface GammaGammaParams {
  readonly p: number;
  readonly q: number;
  readonly v: number;
}

/**
 * Recency-frequency-tenure sufficient statistics of a group of `count`
 * customers sharing them: frequency = repeat purchases, recency = time of the
 * last purchase after the first, tenure = time from the first purchase to the
 * end of observation (T in the papers).
 */
export interface RfmTriple {
  readonly frequency: number;
  readonly recency: number;
  readonly tenure: number;
  readonly count: number;
}

/**
 * Column-oriented `RfmTriple`s (one index = one group), the form the fit and
 * the scoring loop over; `Float64Array`s and plain arrays both fit.
 */
export interface RfmColumns {
  readonly frequency: ArrayLike<number>;
  readonly recency: ArrayLike<number>;
  readonly tenure: ArrayLike<number>;
  readonly count: ArrayLike<number>;
}

/** Spend sufficient statistics of `count` customers: repeat purchases and their mean value. */
export interface SpendPair {
  readonly frequency: number;
  readonly monetary: number;
  readonly count: number;
}

/** Column-oriented `SpendPair`s. */
export interface SpendColumns {
  readonly frequency: ArrayLike<number>;
  readonly monetary: ArrayLike<number>;
  readonly count: ArrayLike<number>;
}

/** A log-likelihood prepared for repeated evaluation at log-parameters θ. */
export interface PreparedLikelihood {
  /** Customers summed over (Σ count). */
  readonly customers: number;
  /** Groups evaluated per call. */
  readonly groups: number;
  /** Log-likelihood at θ = ln(parameters); fills `gradient` (∂/∂θ) when given. */
  evaluate(theta: ArrayLike<number>, gradient?: Float64Array): number;
}

/** Outcome of one maximum-likelihood fit; a fit that did not converge says so here. */
export interface FitResult<P> {
  /** Maximum-likelihood estimates (the best point found even when not converged). */
  readonly params: P;
  /** Log-likelihood at `params`, summed over customers. */
  readonly logLikelihood: number;
  /** The SPEC stopping rule held at a proper local maximum (see `maximizeLogLikelihood`). */
  readonly converged: boolean;
  /** Nelder-Mead plus polish iterations spent. */
  readonly iterations: number;
  /** Customers the likelihood summed over (Σ count). */
  readonly customers: number;
  /** Why the fit is not converged, or how it ended. */
  readonly message: string;
  /** Asymptotic standard errors of ln(parameter), from the observed information; NaN when singular. */
  readonly logParamStdErrors: Readonly<Record<keyof P, number>>;
}
