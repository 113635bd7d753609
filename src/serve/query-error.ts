import { DuckmartError } from "../util/errors.ts";

/**
 * A `duckmart query` statement failed. `refused` is true when the sandbox
 * stopped it (a write, a file or network access, a settings change), as
 * opposed to a mistake in the SQL itself.
 */
export class QueryError extends DuckmartError {
  readonly refused: boolean;

  constructor(message: string, options: { cause?: unknown; refused: boolean }) {
    super(message, options);
    this.refused = options.refused;
  }
}
