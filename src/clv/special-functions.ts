/**
 * The special functions the CLV models need, re-exported from `@stdlib` in one
 * place so the CommonJS interop (default import of an `export =` module) lives
 * here only.
 */
import betalnImpl from "@stdlib/math-base-special-betaln";
import digammaImpl from "@stdlib/math-base-special-digamma";
import gammalnImpl from "@stdlib/math-base-special-gammaln";

/** Natural log of |Γ(x)|; `gammaln(0.5)` ≈ 0.5724. */
export const gammaln: (x: number) => number = gammalnImpl;

/** Natural log of the beta function B(a, b) = Γ(a)Γ(b)/Γ(a+b). */
export const betaln: (a: number, b: number) => number = betalnImpl;

/** Digamma ψ(x) = d/dx ln Γ(x). */
export const digamma: (x: number) => number = digammaImpl;
