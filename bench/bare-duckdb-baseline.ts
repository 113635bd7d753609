import { statSync } from "node:fs";
import { relative } from "node:path";
import type { Settings } from "../src/config/settings.ts";
import { ensureRawTables } from "../src/ingest/raw-tables.ts";
import { silentLogger } from "../src/log/logger.ts";
import { builtInSources as sources } from "../src/sources/built-in-sources.ts";
import { duckdbType } from "../src/sources/source-declaration.ts";
import { codeModels } from "../src/transform/code-models/index.ts";
import { loadProject } from "../src/transform/project.ts";
import { setSettingVariables } from "../src/transform/settings-variables.ts";
import { migrate } from "../src/warehouse/migrate.ts";
import { quoteIdentifier, quoteLiteral, Warehouse } from "../src/warehouse/warehouse.ts";

/** One model built by the baseline. */
export interface BaselineModel {
  readonly model: string;
  readonly type: "sql" | "code";
  readonly seconds: number;
}

/** What the bare-DuckDB baseline did and how long each part took. */
export interface BaselineResult {
  readonly files: number;
  readonly rawRows: number;
  /** read_csv of every file into the raw tables, with the same lineage columns. */
  readonly loadSeconds: number;
  /** Every SQL model as a plain `create table … as`, in DAG order. */
  readonly sqlModelsSeconds: number;
  /** The code models (CLV fit and scores), called directly. */
  readonly codeModelsSeconds: number;
  readonly seconds: number;
  readonly models: readonly BaselineModel[];
}

/**
 * The floor a full build is compared with: DuckDB alone, no orchestration,
 * no S3, no publish. It reads the same files from local disk straight into
 * the raw tables (types declared, bad rows dropped by `ignore_errors`, the
 * lineage columns the staging SQL needs computed in SQL), then runs the same
 * model SQL in DAG order with plain `create table … as` — no transactions,
 * versions, fingerprints, data tests or run records — and calls the code
 * models' build functions directly.
 */
export async function runBareDuckDbBaseline(options: {
  readonly databasePath: string;
  readonly exportsDir: string;
  /** Absolute paths of the export files to load. */
  readonly files: readonly string[];
  readonly settings: Settings;
}): Promise<BaselineResult> {
  const { settings } = options;
  const started = performance.now();
  const warehouse = await Warehouse.open(options.databasePath, {
    memoryLimit: settings.memoryLimit,
    threads: settings.threads,
    tempDirectory: settings.tempDirectory,
  });
  try {
    // The code models record their fits in meta tables; schema setup is not orchestration.
    await migrate(warehouse);
    await ensureRawTables(warehouse);

    const modified = options.files.map(
      (file) =>
        `(${quoteLiteral(file)}, ${quoteLiteral(statSync(file).mtime.toISOString().replace("Z", ""))}::timestamp)`,
    );
    await warehouse.run(
      `create temp table bench_file_times (filename varchar, modified timestamp); insert into bench_file_times values ${modified.join(", ")}`,
    );
    const loadStarted = performance.now();
    let rawRows = 0;
    for (const source of sources) {
      const files = options.files.filter(
        (file) => relative(options.exportsDir, file).split("/")[0] === source.name,
      );
      if (files.length === 0) continue;
      const columns = source.columns
        .map((c) => `${quoteLiteral(c.name)}: '${duckdbType(c.type).toUpperCase()}'`)
        .join(", ");
      const names = source.columns.map((c) => quoteIdentifier(c.name));
      await warehouse.run(
        `create temp table bench_read as select * from read_csv([${files.map(quoteLiteral).join(", ")}],
           header = true, auto_detect = false, columns = {${columns}}, filename = true,
           hive_partitioning = false, ignore_errors = true)`,
      );
      await warehouse.run(
        `insert into raw.${quoteIdentifier(source.name)} (${names.join(", ")}, _file_key, _file_row, _file_modified, _run_id)
         select ${names.map((n) => `r.${n}`).join(", ")},
                'raw/' || substr(r.filename, ${options.exportsDir.length + 2}),
                r.rowid - f.first_rowid + 1, t.modified, 'baseline'
         from bench_read r
         join (select filename, min(rowid) as first_rowid from bench_read group by filename) f using (filename)
         join bench_file_times t using (filename)`,
      );
      await warehouse.run("drop table bench_read");
      const [count] = await warehouse.all<{ n: number }>(
        `select count(*) as n from raw.${quoteIdentifier(source.name)}`,
      );
      rawRows += count?.n ?? 0;
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;

    const project = await loadProject({ codeModels });
    for (const schema of new Set([...project.models.values()].map((m) => m.schema))) {
      await warehouse.run(`create schema if not exists ${quoteIdentifier(schema)}`);
    }
    await setSettingVariables(
      warehouse,
      settings,
      new Set([...project.models.values()].flatMap((model) => model.settings)),
    );
    const models: BaselineModel[] = [];
    for (const name of project.graph.order) {
      const model = project.models.get(name);
      if (!model) continue;
      const relation = `${quoteIdentifier(model.schema)}.${quoteIdentifier(model.name)}`;
      const modelStarted = performance.now();
      if (model.type === "sql") {
        await warehouse.run(`create table ${relation} as\n${model.sql}`);
      } else {
        await model.build({
          session: warehouse,
          relation,
          settings,
          runId: "baseline",
          logger: silentLogger(),
        });
      }
      models.push({
        model: name,
        type: model.type,
        seconds: (performance.now() - modelStarted) / 1000,
      });
    }
    const sum = (type: "sql" | "code") =>
      models.filter((m) => m.type === type).reduce((total, m) => total + m.seconds, 0);
    return {
      files: options.files.length,
      rawRows,
      loadSeconds,
      sqlModelsSeconds: sum("sql"),
      codeModelsSeconds: sum("code"),
      seconds: (performance.now() - started) / 1000,
      models,
    };
  } finally {
    warehouse.close();
  }
}
