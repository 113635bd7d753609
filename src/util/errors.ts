/**
 * Root of every error duckmart raises on purpose. Subclasses say which domain
 * failed; `permanent` tells the scheduler whether a retry can help.
 */
export class DuckmartError extends Error {
  /** A retry with the same inputs fails the same way (bad input, failed test). */
  readonly permanent: boolean = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A setting is missing or has a value outside what is allowed. */
export class ConfigError extends DuckmartError {}

/** An input file or row cannot be accepted. */
export class InputError extends DuckmartError {}

/** The object store failed; network and throttling failures are worth a retry. */
export class StorageError extends DuckmartError {
  override readonly permanent: boolean;

  constructor(message: string, options?: { cause?: unknown; transient?: boolean }) {
    super(message, options);
    this.permanent = !(options?.transient ?? false);
  }
}

/** A SQL model failed to build. */
export class ModelError extends DuckmartError {}

/** A data test of severity error failed. */
export class QualityError extends DuckmartError {}

/** Publishing the marts failed; the previous manifest stays in force. */
export class PublishError extends DuckmartError {}

/**
 * A publish guard found a breach (SPEC §4): the run stops before publish and
 * the previous manifest stays in force. Retrying cannot help; accepting can.
 */
export class GuardError extends PublishError {}

/** Another process holds the warehouse lock. */
export class LockError extends DuckmartError {
  override readonly permanent = false;
}

/**
 * Whether another attempt can help: a DuckmartError that is not permanent
 * (network, throttling and 5xx from the store, a busy lock). Anything else —
 * bad input, a failed test, a bug — fails the same way again.
 */
export function isTransient(error: unknown): boolean {
  return error instanceof DuckmartError && !error.permanent;
}

/** Coerces anything thrown into an Error, keeping the original as `cause`. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === "string" ? thrown : JSON.stringify(thrown), { cause: thrown });
}
