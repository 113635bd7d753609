import { sources } from "../ingest/sources.ts";
import { quoteIdentifier, type SqlSession } from "../warehouse/warehouse.ts";

/** How staging accounted for one source's raw rows: raw = staged + quarantined + superseded. */
export interface StagingCounts {
  readonly source: string;
  readonly raw: number;
  readonly staged: number;
  readonly quarantined: number;
  readonly superseded: number;
  /** Quarantined rows per reason, e.g. `{ negative_revenue: 3, no_fx_rate: 1 }`. */
  readonly quarantinedByReason: Readonly<Record<string, number>>;
}

/**
 * Per source, the raw rows and what staging made of them, for the run
 * summary. Read from `staging.stg_<source>_classified`, which holds one row
 * per raw row with its outcome; a source never transformed counts zero.
 */
export async function readStagingCounts(session: SqlSession): Promise<StagingCounts[]> {
  const tables = new Set(
    (
      await session.all<{ relation: string }>(
        "select table_schema || '.' || table_name as relation from information_schema.tables",
      )
    ).map((row) => row.relation),
  );
  const counts: StagingCounts[] = [];
  for (const { name } of sources) {
    const raw = tables.has(`raw.${name}`)
      ? ((
          await session.all<{ n: number }>(`select count(*) as n from raw.${quoteIdentifier(name)}`)
        )[0]?.n ?? 0)
      : 0;
    const classified = `staging.stg_${name}_classified`;
    const rows = tables.has(classified)
      ? await session.all<{ row_status: string; quarantine_reason: string | null; n: number }>(
          `select row_status, quarantine_reason, count(*) as n from ${classified} group by all order by all`,
        )
      : [];
    const total = (status: string) =>
      rows.filter((r) => r.row_status === status).reduce((sum, r) => sum + r.n, 0);
    const byReason: Record<string, number> = {};
    for (const row of rows) {
      if (row.row_status === "quarantined") byReason[row.quarantine_reason ?? "unknown"] = row.n;
    }
    counts.push({
      source: name,
      raw,
      staged: total("staged"),
      quarantined: total("quarantined"),
      superseded: total("superseded"),
      quarantinedByReason: byReason,
    });
  }
  return counts;
}
