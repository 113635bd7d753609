import { ConfigError } from "../util/errors.ts";
import { readGuardChecks, type StoredGuardCheck } from "../warehouse/guard-checks.ts";
import { quoteIdentifier, type SqlSession } from "../warehouse/warehouse.ts";

/** One source's freshness: when data last arrived and how new the newest event is. */
export interface SourceFreshness {
  readonly source: string;
  readonly files: number;
  readonly newestFile: Date | null;
  readonly newestEvent: Date | null;
  /** Hours since the newest file was modified; null without files. */
  readonly ageHours: number | null;
  /** The newest file is older than the file-age SLA (or there is none). */
  readonly breach: boolean;
  /** Hours since the newest event time (read as UTC); null without events. */
  readonly eventAgeHours: number | null;
  /** The source's opt-in event-time SLA (`eventFreshnessHours`); null when it has none. */
  readonly eventSlaHours: number | null;
  /** The newest event is older than the event-time SLA (or there is none); false without one. */
  readonly eventBreach: boolean;
}

/** A publish guard of the last run that checked them (`meta.guard_checks`). */
export type StatusGuardCheck = StoredGuardCheck;

/** What `duckmart status` shows. */
export interface WarehouseStatus {
  readonly runs: readonly Record<string, unknown>[];
  readonly sources: readonly SourceFreshness[];
  readonly marts: readonly { readonly mart: string; readonly rows: number }[];
  /** The run whose guards are shown, whether it accepted changes, and its checks. */
  readonly guards: {
    readonly runId: string;
    readonly acceptedChanges: boolean;
    readonly checks: readonly StatusGuardCheck[];
  } | null;
}

/** The freshness rules `readStatus` applies. */
export interface FreshnessRules {
  /** File-age SLA of every source (`freshnessSlaHours`). */
  readonly slaHours: number;
  /** Opt-in event-time SLA per source (`eventFreshnessHours`). */
  readonly eventFreshnessHours?: Readonly<Record<string, number>>;
  /** The sources to report on, from their declarations. */
  readonly sources: readonly FreshnessSource[];
}

/** What freshness needs of a source's declaration. */
export interface FreshnessSource {
  readonly name: string;
  /** Column whose newest value is the source's event time; none: no event-time SLA. */
  readonly eventTime?: string;
  /** False for a source that may have no files (order lines, orders derived from lines). */
  readonly expectsFiles: boolean;
}

/**
 * Reads the last runs, per-source freshness, per-mart row counts and the
 * publish guards of the last run that checked them. A source breaks its SLA
 * when its newest loaded file is older than `slaHours` (or it has none), and
 * its event-time SLA, where it has one, when its newest event time is older
 * than that many hours. Throws a ConfigError for an event-time SLA on a
 * source that is unknown or has no event time.
 */
export async function readStatus(
  session: SqlSession,
  rules: FreshnessRules,
  now = new Date(),
): Promise<WarehouseStatus> {
  const { slaHours } = rules;
  const eventSlas = rules.eventFreshnessHours ?? {};
  const eventTimeColumn = Object.fromEntries(
    rules.sources.map((source) => [source.name, source.eventTime ?? null]),
  );
  for (const source of Object.keys(eventSlas)) {
    if (!(source in eventTimeColumn))
      throw new ConfigError(
        `setting eventFreshnessHours names unknown source ${source} (known: ${Object.keys(eventTimeColumn).join(", ")})`,
      );
    if (!eventTimeColumn[source])
      throw new ConfigError(
        `setting eventFreshnessHours: source ${source} has no event time, so it cannot have an event-time SLA`,
      );
  }
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
  const rawTables = new Set(
    (
      await session.all<{ name: string }>(
        "select table_name as name from duckdb_tables() where schema_name = 'raw'",
      )
    ).map((row) => row.name),
  );
  for (const { name: source, eventTime: column, expectsFiles } of rules.sources) {
    const newestFile = files.get(source)?.newest ?? null;
    let newestEvent: Date | null = null;
    // A source declared after the last ingest has no raw table yet.
    if (column && rawTables.has(source)) {
      const [row] = await session.all<{ newest: Date | null }>(
        `select max(${quoteIdentifier(column)})::timestamp as newest from raw.${quoteIdentifier(source)}`,
      );
      newestEvent = row?.newest ?? null;
    }
    const ageHours = newestFile ? (now.getTime() - newestFile.getTime()) / 3_600_000 : null;
    const eventAgeHours = newestEvent ? (now.getTime() - newestEvent.getTime()) / 3_600_000 : null;
    const eventSlaHours = eventSlas[source] ?? null;
    sources.push({
      source,
      files: files.get(source)?.files ?? 0,
      newestFile,
      newestEvent,
      ageHours,
      breach: ageHours === null ? expectsFiles : ageHours > slaHours,
      eventAgeHours,
      eventSlaHours,
      eventBreach:
        eventSlaHours !== null && (eventAgeHours === null || eventAgeHours > eventSlaHours),
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
  return { runs, sources, marts, guards: await readGuards(session) };
}

/** The guard checks of the newest run that stored any (none before migration 6 or any daily run). */
async function readGuards(session: SqlSession): Promise<WarehouseStatus["guards"]> {
  const [table] = await session.all<{ n: number }>(
    "select count(*) as n from information_schema.tables where table_catalog = current_database() and table_schema = 'meta' and table_name = 'guard_checks'",
  );
  if (!table?.n) return null;
  const [run] = await session.all<{ run_id: string; accepted_changes: boolean | null }>(
    `select r.run_id, r.accepted_changes from meta.runs r
     where exists (select 1 from meta.guard_checks g where g.run_id = r.run_id)
     order by r.started_at desc limit 1`,
  );
  if (!run) return null;
  const checks = await readGuardChecks(session, run.run_id);
  return {
    runId: run.run_id,
    acceptedChanges: run.accepted_changes === true,
    checks,
  };
}
