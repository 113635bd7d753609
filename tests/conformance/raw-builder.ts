// Hand-written raw rows for adversarial scenarios: rows are added object by
// object, numbered per object key like ingest's `_file_row` (or at an
// explicit `_file_row`), with the object's key and last-modified time.
import type { RawData, RawRow } from "./harness.ts";
import type { Cell, SourceName } from "./reference/staging.ts";

export type RowInput = Readonly<Record<string, Cell>>;

export class RawBuilder {
  readonly #rows: Record<SourceName, RawRow[]> = {
    visits: [],
    orders: [],
    events: [],
    costs: [],
    fx_rates: [],
  };
  readonly #nextRow = new Map<string, number>();

  /** Adds rows of one object of `source`; returns the builder for chaining. */
  add(
    source: SourceName,
    object: { readonly key?: string; readonly modified?: string },
    rows: readonly RowInput[],
  ): this {
    const key = object.key ?? `raw/${source}/part-000.csv`;
    const modified = object.modified ?? "2020-01-01 00:00:00";
    for (const row of rows) {
      const position =
        typeof row._file_row === "number" ? row._file_row : (this.#nextRow.get(key) ?? 1);
      this.#nextRow.set(key, position + 1);
      this.#rows[source].push({
        ...row,
        _file_key: key,
        _file_row: position,
        _file_modified: modified,
      });
    }
    return this;
  }

  build(): RawData {
    return this.#rows;
  }
}

/** A session of `minutes` minutes (default 5) from `start`. */
export function session(
  userId: string | null,
  start: string,
  sourceId: string | null = null,
  extra: RowInput = {},
): RowInput {
  const end = new Date(Date.parse(`${start.replace(" ", "T")}Z`) + 5 * 60_000)
    .toISOString()
    .slice(0, 19)
    .replace("T", " ");
  return {
    user_id: userId,
    session_start: start,
    session_end: end,
    device: null,
    source_id: sourceId,
    ...extra,
  };
}

/** An order in the base currency unless `extra` says otherwise. */
export function order(
  orderId: string | null,
  userId: string | null,
  createdAt: string | null,
  revenue: number | null,
  extra: RowInput = {},
): RowInput {
  return { order_id: orderId, user_id: userId, created_at: createdAt, revenue, ...extra };
}
