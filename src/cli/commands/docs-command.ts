import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import type { Logger } from "../../log/logger.ts";
import { renderDataDictionary } from "../../report/data-dictionary.ts";
import { writeRunReport } from "../../report/write-run-report.ts";
import { projectFor } from "../../run/steps/run-project.ts";
import { analystDatabasePath } from "../../serve/analyst-database.ts";
import { resolveSources } from "../../sources/resolve-sources.ts";
import { DuckmartError, toError } from "../../util/errors.ts";
import { Warehouse } from "../../warehouse/warehouse.ts";
import { commandContext } from "../cli-context.ts";

/**
 * `duckmart docs [--run RUN_ID] [--out FILE]`: writes the HTML report of the
 * newest (or the given) run and prints its path; with `--dictionary`, the
 * data dictionary of the configured sources and models instead. It reads the warehouse
 * read-only; while a run holds the warehouse it reads the analyst database
 * (the last completed run) instead.
 */
export async function docsCommand(
  options: { run?: string; out?: string; dictionary?: boolean },
  command: Command,
): Promise<void> {
  const { settings, logger } = commandContext(command);
  if (options.dictionary) {
    const path = resolve(
      options.out ?? join(dirname(resolve(settings.warehouse)), "reports", "data-dictionary.md"),
    );
    const dictionary = renderDataDictionary(resolveSources(settings), await projectFor(settings));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, dictionary);
    process.stdout.write(`${path}\n`);
    return;
  }
  const { database, note } = await openForReport(
    settings.warehouse,
    analystDatabasePath(settings),
    logger,
  );
  try {
    if (note) logger.warn(note);
    const written = await writeRunReport(database, {
      runId: options.run,
      baseCurrency: settings.baseCurrency,
      warehousePath: settings.warehouse,
      outFile: options.out,
      databasePath: database.path,
      logger,
    });
    process.stdout.write(`${written.path}\n`);
  } finally {
    database.close();
  }
}

async function openForReport(
  warehousePath: string,
  analystPath: string,
  logger: Logger,
): Promise<{ database: Warehouse; note?: string }> {
  if (!existsSync(warehousePath)) {
    throw new DuckmartError(`no warehouse at ${warehousePath}: run \`duckmart run\` first`);
  }
  try {
    return { database: await Warehouse.open(warehousePath, { readOnly: true, logger }) };
  } catch (error) {
    if (!/lock/i.test(toError(error).message)) throw error;
    if (!existsSync(analystPath)) {
      throw new DuckmartError(
        `a run holds the warehouse ${warehousePath} and there is no analyst database at ${analystPath} yet; try again when the run is over`,
        { cause: error },
      );
    }
    return {
      database: await Warehouse.open(analystPath, { readOnly: true, logger }),
      note: `a run holds the warehouse; reporting from the analyst database ${analystPath} (the last completed run)`,
    };
  }
}
