import type { SqlSession } from "../warehouse/warehouse.ts";

/** One source's freshness: when data last arrived and how new the newest event is. */
export interface SourceFreshness {
  readonly source: string;
  readonly files: number;
  readonly newestFile: Date | null;
  readonly newestEvent: Date | null;
  readonly ageHours: number | null;
  readonly breach: boolean;
}

/** What `duckmart status` shows. */
export interface WarehouseStatus {
  readonly runs: readonly Record<string, unknown>[];
  readonly sources: readonly SourceFreshness[];
  readonly marts: readonly { readonly mart: string; readonly rows: number }[];
}

/** The newest event time of each source, by its time column. */
const eventTimeColumn: Readonly<Record<string, string | null>> = {
  visits: "session_start",
  orders: "created_at",
  events: null,
  costs: "dt",
  fx_rates: "dt",
};

/**
 * Reads the last runs, per-source freshness and per-mart row counts. A
 * source breaks its SLA when its newest loaded file is older than
 * `slaHours` (or it has none).
 */
export async function readStatus(
  session: SqlSession,
  slaHours: number,
  now = new Date(),
): Promise<WarehouseStatus> {
  const runs = await session.all(
    `select run_id, job, trigger, status, started_at,
            round(epoch(coalesce(finished_at, now()::timestamp) - started_at), 1) as seconds,
            left(error, 120) as error
     from meta.runs order by started_at desc limit 10`,
  );
  const files = new Map(
    (
      await session.all<{ source: string; files: number; newest: Date | null }>(
        "select source, count(*) as files, max(last_modified) as newest from meta.loaded_files group by source",
      )
    ).map((row) => [row.source, row]),
  );
  const sources: SourceFreshness[] = [];
  for (const [source, column] of Object.entries(eventTimeColumn)) {
    const newestFile = files.get(source)?.newest ?? null;
    let newestEvent: Date | null = null;
    if (column) {
      const [row] = await session.all<{ newest: Date | null }>(
        `select max(${column})::timestamp as newest from raw.${source}`,
      );
      newestEvent = row?.newest ?? null;
    }
    const ageHours = newestFile ? (now.getTime() - newestFile.getTime()) / 3_600_000 : null;
    sources.push({
      source,
      files: files.get(source)?.files ?? 0,
      newestFile,
      newestEvent,
      ageHours,
      breach: ageHours === null || ageHours > slaHours,
    });
  }
  const martNames = await session.all<{ table_name: string }>(
    "select table_name from duckdb_tables() where schema_name = 'main' and table_name like 'mart\\_%' escape '\\' order by 1",
  );
  const marts: { mart: string; rows: number }[] = [];
  for (const { table_name } of martNames) {
    const [row] = await session.all<{ n: number }>(
      `select count(*) as n from main."${table_name}"`,
    );
    marts.push({ mart: table_name, rows: row?.n ?? 0 });
  }
  return { runs, sources, marts };
}
