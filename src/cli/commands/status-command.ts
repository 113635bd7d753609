import { existsSync } from "node:fs";
import type { Command } from "commander";
import { readStatus } from "../../schedule/status.ts";
import { analystDatabasePath } from "../../serve/analyst-database.ts";
import { resolveSources } from "../../sources/resolve-sources.ts";
import { DuckmartError, toError } from "../../util/errors.ts";
import { Warehouse } from "../../warehouse/warehouse.ts";
import { commandContext } from "../cli-context.ts";
import { formatTable } from "../format-table.ts";

/**
 * `duckmart status`: last runs, per-source freshness (file age, and event
 * time where a source opts in), per-mart rows and the last run's publish
 * guards. Exits non-zero when a source breaks either freshness SLA, so it
 * can serve as a monitoring probe. While a run holds the warehouse it reads the
 * analyst database (the last completed run) instead.
 */
export async function statusCommand(_options: unknown, command: Command): Promise<void> {
  const { settings } = commandContext(command);
  const { warehouse, note } = await openForReading(
    settings.warehouse,
    analystDatabasePath(settings),
  );
  try {
    const status = await readStatus(warehouse, {
      slaHours: settings.freshnessSlaHours,
      eventFreshnessHours: settings.eventFreshnessHours,
      sources: resolveSources(settings).map((source) => ({
        name: source.declaration.name,
        ...(source.declaration.eventTime === undefined
          ? {}
          : { eventTime: source.declaration.eventTime }),
        expectsFiles: source.listed && !source.declaration.optional,
      })),
    });
    const hours = (value: number | null) => (value === null ? null : Math.round(value * 10) / 10);
    const lines = [
      ...(note ? [note, ""] : []),
      "last runs",
      formatTable(
        ["run", "job", "trigger", "status", "started", "seconds", "error"],
        status.runs.map((r) => [
          r.run_id,
          r.job,
          r.trigger,
          r.status,
          r.started_at,
          r.seconds,
          r.error,
        ]),
      ),
      "",
      `sources (file-age SLA ${settings.freshnessSlaHours} h; event-time SLA where set in eventFreshnessHours)`,
      formatTable(
        [
          "source",
          "files",
          "newest file",
          "age h",
          "SLA",
          "newest event",
          "event age h",
          "event SLA",
        ],
        status.sources.map((s) => [
          s.source,
          s.files,
          s.newestFile,
          hours(s.ageHours),
          s.breach ? "BREACH" : "ok",
          s.newestEvent,
          hours(s.eventAgeHours),
          s.eventSlaHours === null
            ? "-"
            : `${s.eventBreach ? "BREACH" : "ok"} (${s.eventSlaHours} h)`,
        ]),
      ),
      "",
      "marts",
      formatTable(
        ["mart", "rows"],
        status.marts.map((m) => [m.mart, m.rows]),
      ),
      ...(status.guards
        ? [
            "",
            `guards of run ${status.guards.runId}${status.guards.acceptedChanges ? " (published with --accept-changes)" : ""}`,
            formatTable(
              ["check", "subject", "published", "now", "figure", "threshold", "status"],
              status.guards.checks.map((c) => [
                c.check,
                c.subject,
                c.previous,
                c.current,
                c.figure === null ? null : Number(c.figure.toPrecision(4)),
                c.threshold,
                c.status === "pass" ? "ok" : c.status.toUpperCase(),
              ]),
            ),
          ]
        : []),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    const late = status.sources.filter((s) => s.breach);
    const stale = status.sources.filter((s) => s.eventBreach);
    const problems = [
      ...(late.length > 0
        ? [
            `freshness SLA (${settings.freshnessSlaHours} h) broken by ${late
              .map((s) =>
                s.ageHours === null
                  ? `${s.source} (no files)`
                  : `${s.source} (${s.ageHours.toFixed(1)} h)`,
              )
              .join(", ")}`,
          ]
        : []),
      ...(stale.length > 0
        ? [
            `event-time freshness broken by ${stale
              .map((s) =>
                s.eventAgeHours === null
                  ? `${s.source} (no events, SLA ${s.eventSlaHours} h)`
                  : `${s.source} (newest event ${s.eventAgeHours.toFixed(1)} h old, SLA ${s.eventSlaHours} h)`,
              )
              .join(", ")}`,
          ]
        : []),
    ];
    if (problems.length > 0) throw new DuckmartError(problems.join("; "));
  } finally {
    warehouse.close();
  }
}

async function openForReading(
  warehousePath: string,
  analystPath: string,
): Promise<{ warehouse: Warehouse; note?: string }> {
  if (!existsSync(warehousePath))
    throw new DuckmartError(`no warehouse at ${warehousePath}: run \`duckmart run\` first`);
  try {
    return { warehouse: await Warehouse.open(warehousePath, { readOnly: true }) };
  } catch (error) {
    if (!/lock/i.test(toError(error).message) || !existsSync(analystPath)) throw error;
    return {
      warehouse: await Warehouse.open(analystPath, { readOnly: true }),
      note: `a run holds the warehouse; showing the last completed run from ${analystPath}`,
    };
  }
}
