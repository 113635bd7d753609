import { createHash } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Settings } from "../config/settings.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import { readStagingCounts } from "../transform/staging-counts.ts";
import { PublishError } from "../util/errors.ts";
import { quoteLiteral, type SqlSession } from "../warehouse/warehouse.ts";
import { formatLocalTimestamp, type PublishManifest } from "./manifest.ts";

/** The rules of SPEC §4 "Publish guards". */
export type GuardCheckName =
  | "quarantine_ratio"
  | "history_change"
  | "data_as_of"
  | "mart_not_empty";

/** pass, breach, or a breach published anyway with `--accept-changes`. */
export type GuardStatus = "pass" | "breach" | "accepted";

/** One guard evaluated for a run, as stored in `meta.guard_checks`. */
export interface GuardCheck {
  readonly check: GuardCheckName;
  /** The source, `<month> <metric>` of mart_kpi_monthly, `data_as_of`, or the mart. */
  readonly subject: string;
  /** The published run compared with; null on a first run. */
  readonly comparedRunId: string | null;
  readonly previous: string | null;
  readonly current: string | null;
  /** The measured share or relative change; null where the rule has no number. */
  readonly figure: number | null;
  readonly threshold: number | null;
  readonly status: GuardStatus;
  /** One line naming the subject, the figures and the rule. */
  readonly message: string;
}

/** What {@link checkPublishGuards} compares. */
export interface GuardInputs {
  /** The run's warehouse after transform and test. */
  readonly session: SqlSession;
  readonly store: ObjectStore;
  readonly settings: Pick<Settings, "maxQuarantineRatio" | "maxHistoryChange" | "workDir">;
  readonly runId: string;
  /** The manifest readers follow now; undefined before the first publish. */
  readonly previous: PublishManifest | undefined;
}

/** Marts that must not go from rows to none (SPEC §4). */
export const martsThatMustNotEmpty = [
  "mart_user_profile",
  "mart_activity",
  "mart_kpi_monthly",
] as const;

const kpiMart = "mart_kpi_monthly";
const kpiMetrics = ["revenue", "buyers"] as const;

/**
 * Compares the run in the warehouse with the last published run (SPEC §4):
 * each source's quarantined share, the revenue and buyers of months that
 * were closed at that run, `data_as_of`, and marts that had rows. Returns
 * every check with its figures, breaches included; deciding what a breach
 * does is the caller's (see {@link describeBreaches}).
 *
 * @example
 * const checks = await checkPublishGuards({ session, store, settings, runId, previous });
 * if (checks.some((c) => c.status === "breach")) throw new GuardError(describeBreaches(checks));
 */
export async function checkPublishGuards(inputs: GuardInputs): Promise<GuardCheck[]> {
  return [
    ...(await quarantineChecks(inputs)),
    ...(await historyChecks(inputs)),
    ...(await dataAsOfChecks(inputs)),
    ...(await emptyMartChecks(inputs)),
  ];
}

/**
 * One line naming every breach, for the run's error (the CLI's last stderr
 * line): source, reason and share; month, metric and old → new; and so on.
 */
export function describeBreaches(checks: readonly GuardCheck[]): string {
  const breaches = checks.filter((check) => check.status !== "pass");
  return `publish guards found ${breaches.length} breach(es); nothing was published and the previous manifest stays in force (\`duckmart run --accept-changes\` publishes anyway): ${breaches.map((check) => check.message).join("; ")}`;
}

async function quarantineChecks(inputs: GuardInputs): Promise<GuardCheck[]> {
  const threshold = inputs.settings.maxQuarantineRatio;
  const counts = await readStagingCounts(inputs.session);
  return counts.map((source) => {
    const total = source.staged + source.quarantined;
    const share = total === 0 ? 0 : source.quarantined / total;
    const breach = share > threshold;
    const reasons = Object.entries(source.quarantinedByReason)
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .map(([reason, rows]) => `${reason} ${rows}`)
      .join(", ");
    const figures = `${source.quarantined} of ${total} rows quarantined (${percent(share)})`;
    return {
      check: "quarantine_ratio",
      subject: source.source,
      comparedRunId: inputs.previous?.run_id ?? null,
      previous: null,
      current: `${source.quarantined}/${total}`,
      figure: share,
      threshold,
      status: breach ? "breach" : "pass",
      message: breach
        ? `source ${source.source}: ${figures}${reasons ? `, by reason ${reasons}` : ""} exceeds maxQuarantineRatio ${percent(threshold)}`
        : `source ${source.source}: ${figures}, within maxQuarantineRatio ${percent(threshold)}`,
    };
  });
}

interface KpiMonth {
  readonly month: string;
  readonly revenue: number;
  readonly buyers: number;
}

/**
 * Revenue and buyers of every month before the month of the previous run's
 * as_of_date, now against then: a month missing on one side counts as 0, a
 * month that was 0 breaches when it is not 0 now.
 */
async function historyChecks(inputs: GuardInputs): Promise<GuardCheck[]> {
  const { previous } = inputs;
  const published = previous?.marts[kpiMart];
  if (!previous || !published || previous.data_as_of === null) return [];
  const closedBefore = `${previous.data_as_of.slice(0, 7)}-01`;
  const before = byMonth(await readPublishedKpis(inputs, published.files));
  const now = byMonth(
    (await relationExists(inputs.session, "main", kpiMart))
      ? await inputs.session.all<{ month: string; revenue: number; buyers: number }>(
          `select strftime(month, '%Y-%m-%d') as month, coalesce(revenue, 0) as revenue, coalesce(buyers, 0) as buyers from main.${kpiMart}`,
        )
      : [],
  );
  const months = [...new Set([...before.keys(), ...now.keys()])]
    .filter((month) => month < closedBefore)
    .sort();
  const threshold = inputs.settings.maxHistoryChange;
  const checks: GuardCheck[] = [];
  for (const month of months) {
    for (const metric of kpiMetrics) {
      const old = before.get(month)?.[metric] ?? 0;
      const current = now.get(month)?.[metric] ?? 0;
      const change =
        old === 0 ? (current === 0 ? 0 : null) : Math.abs(current - old) / Math.abs(old);
      const breach = change === null || change > threshold;
      const label = `${month.slice(0, 7)} ${metric}`;
      const moved = `${formatNumber(old)} → ${formatNumber(current)}`;
      checks.push({
        check: "history_change",
        subject: label,
        comparedRunId: previous.run_id,
        previous: String(old),
        current: String(current),
        figure: change,
        threshold,
        status: breach ? "breach" : "pass",
        message: breach
          ? `${kpiMart} ${label} ${moved} (${change === null ? "was 0" : signedPercent(old, current)}) exceeds maxHistoryChange ${percent(threshold)} for a month closed at run ${previous.run_id}`
          : `${kpiMart} ${label} ${moved}, within maxHistoryChange ${percent(threshold)}`,
      });
    }
  }
  return checks;
}

async function dataAsOfChecks(inputs: GuardInputs): Promise<GuardCheck[]> {
  const [row] = (await relationExists(inputs.session, "intermediate", "int_data_as_of"))
    ? await inputs.session.all<{ data_as_of: Date | null }>(
        "select data_as_of from intermediate.int_data_as_of",
      )
    : [];
  const current = formatLocalTimestamp(row?.data_as_of ?? null);
  const previous = inputs.previous?.data_as_of ?? null;
  const backwards = previous !== null && (current === null || instant(current) < instant(previous));
  return [
    {
      check: "data_as_of",
      subject: "data_as_of",
      comparedRunId: inputs.previous?.run_id ?? null,
      previous,
      current,
      figure: null,
      threshold: null,
      status: backwards ? "breach" : "pass",
      message: backwards
        ? `data_as_of went backwards: ${previous} → ${current ?? "none"} (published run ${inputs.previous?.run_id})`
        : `data_as_of ${previous ?? "none"} → ${current ?? "none"}, not backwards`,
    },
  ];
}

async function emptyMartChecks(inputs: GuardInputs): Promise<GuardCheck[]> {
  const checks: GuardCheck[] = [];
  for (const mart of martsThatMustNotEmpty) {
    const had = inputs.previous?.marts[mart]?.rows ?? null;
    const [row] = (await relationExists(inputs.session, "main", mart))
      ? await inputs.session.all<{ n: number }>(`select count(*) as n from main.${mart}`)
      : [];
    const rows = row?.n ?? 0;
    const emptied = had !== null && had > 0 && rows === 0;
    checks.push({
      check: "mart_not_empty",
      subject: mart,
      comparedRunId: inputs.previous?.run_id ?? null,
      previous: had === null ? null : String(had),
      current: String(rows),
      figure: null,
      threshold: null,
      status: emptied ? "breach" : "pass",
      message: emptied
        ? `${mart} had ${had} rows in published run ${inputs.previous?.run_id} and now has none`
        : `${mart} has ${rows} rows (published: ${had ?? "none"})`,
    });
  }
  return checks;
}

/** The published Parquet of mart_kpi_monthly, fetched and checked against the manifest, then read. */
async function readPublishedKpis(
  inputs: GuardInputs,
  files: PublishManifest["marts"][string]["files"],
): Promise<KpiMonth[]> {
  const folder = join(inputs.settings.workDir, "guards", inputs.runId);
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { recursive: true });
  try {
    const paths: string[] = [];
    for (const [index, file] of files.entries()) {
      const bytes = await inputs.store.read(file.key);
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      if (sha256 !== file.sha256) {
        throw new PublishError(
          `published ${file.key} has SHA-256 ${sha256}, the manifest says ${file.sha256}: cannot compare ${kpiMart} with it`,
        );
      }
      const path = join(folder, `part-${index}.parquet`);
      await writeFile(path, bytes);
      paths.push(path);
    }
    if (paths.length === 0) return [];
    return await inputs.session.all<{ month: string; revenue: number; buyers: number }>(
      `select strftime(month, '%Y-%m-%d') as month, coalesce(revenue, 0) as revenue, coalesce(buyers, 0) as buyers
       from read_parquet([${paths.map(quoteLiteral).join(", ")}])`,
    );
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

async function relationExists(session: SqlSession, schema: string, name: string): Promise<boolean> {
  const [row] = await session.all<{ n: number }>(
    "select count(*) as n from information_schema.tables where table_catalog = current_database() and table_schema = $1 and table_name = $2",
    [schema, name],
  );
  return (row?.n ?? 0) > 0;
}

function byMonth(rows: readonly KpiMonth[]): Map<string, KpiMonth> {
  return new Map(
    rows.map((row) => [
      row.month,
      { month: row.month, revenue: Number(row.revenue), buyers: Number(row.buyers) },
    ]),
  );
}

/** A local timestamp without zone, as an instant for ordering. */
function instant(text: string): number {
  return Date.parse(`${text}Z`);
}

function percent(share: number): string {
  return `${Number((share * 100).toPrecision(3))}%`;
}

function signedPercent(old: number, current: number): string {
  const change = (current - old) / Math.abs(old);
  return `${change >= 0 ? "+" : "−"}${percent(Math.abs(change))}`;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
