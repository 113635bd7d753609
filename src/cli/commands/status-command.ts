import { existsSync } from "node:fs";
import type { Command } from "commander";
import { readStatus } from "../../schedule/status.ts";
import { analystDatabasePath } from "../../serve/analyst-database.ts";
import { DuckmartError, toError } from "../../util/errors.ts";
import { Warehouse } from "../../warehouse/warehouse.ts";
import { commandContext } from "../cli-context.ts";
import { formatTable } from "../format-table.ts";

/**
 * `duckmart status`: last runs, per-source freshness and per-mart rows.
 * Exits non-zero when a source breaks its freshness SLA, so it can serve as
 * a monitoring probe. While a run holds the warehouse it reads the
 * analyst database (the last completed run) instead.
 */
export function registerStatusCommand(program: Command): void {
  program
    .command("status")
    .description(
      "last runs, source freshness and mart sizes; non-zero exit when a source breaks its SLA",
    )
    .action(async (_options: unknown, command: Command) => {
      const { settings } = commandContext(command);
      const { warehouse, note } = await openForReading(
        settings.warehouse,
        analystDatabasePath(settings),
      );
      try {
        const status = await readStatus(warehouse, settings.freshnessSlaHours);
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
          `sources (freshness SLA ${settings.freshnessSlaHours} h)`,
          formatTable(
            ["source", "files", "newest file", "newest event", "age h", "SLA"],
            status.sources.map((s) => [
              s.source,
              s.files,
              s.newestFile,
              s.newestEvent,
              s.ageHours === null ? null : Math.round(s.ageHours * 10) / 10,
              s.breach ? "BREACH" : "ok",
            ]),
          ),
          "",
          "marts",
          formatTable(
            ["mart", "rows"],
            status.marts.map((m) => [m.mart, m.rows]),
          ),
        ];
        process.stdout.write(`${lines.join("\n")}\n`);
        const late = status.sources.filter((s) => s.breach);
        if (late.length > 0) {
          throw new DuckmartError(
            `freshness SLA (${settings.freshnessSlaHours} h) broken by ${late
              .map((s) =>
                s.ageHours === null
                  ? `${s.source} (no files)`
                  : `${s.source} (${s.ageHours.toFixed(1)} h)`,
              )
              .join(", ")}`,
          );
        }
      } finally {
        warehouse.close();
      }
    });
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
