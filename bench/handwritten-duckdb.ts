/**
 * Runs bench/handwritten-duckdb.sql, the hand-written DuckDB baseline of
 * `npm run bench` (issue 14), on local export files, timing every statement.
 * Plain DuckDB through its Node client: nothing of duckmart is imported, so
 * the baseline cannot inherit the project's SQL or its overheads.
 */
import { readFileSync } from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";

/** The sources the script reads, each from its own list of CSV files. */
export const handwrittenSources = ["visits", "orders", "events", "costs", "fx_rates"] as const;
export type HandwrittenSource = (typeof handwrittenSources)[number];

/** What the script reads and how DuckDB may use the machine. */
export interface HandwrittenInput {
  /** DuckDB file the tables are written to (":memory:" for none). */
  readonly databasePath: string;
  /** Absolute paths of the CSV exports of each source. */
  readonly files: Readonly<Record<HandwrittenSource, readonly string[]>>;
  readonly baseCurrency: string;
  readonly margin: number;
  readonly assumedCac: number | null;
  /** e.g. "4GB"; empty or absent keeps DuckDB's default. */
  readonly memoryLimit?: string;
  /** 0 or absent keeps DuckDB's default (all cores). */
  readonly threads?: number;
  readonly tempDirectory?: string;
}

/** One statement of the script: the table it creates and how long it took. */
export interface HandwrittenStatement {
  readonly table: string;
  /** The `-- section:` the statement is in (`load and stage` or `marts`). */
  readonly section: string;
  readonly seconds: number;
}

/** How long the script took, in all and by section and statement. */
export interface HandwrittenResult {
  /** Open, every statement, close (the file is checkpointed on close). */
  readonly seconds: number;
  readonly sections: Readonly<Record<string, number>>;
  readonly statements: readonly HandwrittenStatement[];
  /** The `mart_*` tables the script made, in the order it made them. */
  readonly marts: readonly string[];
}

/** The script's statements with their section, split at `;` that ends a line. */
export function handwrittenStatements(
  sql = readFileSync(new URL("./handwritten-duckdb.sql", import.meta.url), "utf8"),
): { readonly section: string; readonly table: string; readonly sql: string }[] {
  const statements: { section: string; table: string; sql: string }[] = [];
  let section = "";
  for (const chunk of sql.split(/;[ \t]*(?:\r?\n|$)/)) {
    for (const match of chunk.matchAll(/^-- section: (.+)$/gm)) section = match[1]?.trim() ?? "";
    const code = chunk.replace(/--.*$/gm, "").trim();
    if (code === "") continue;
    const table = /^create\s+table\s+(\w+)/i.exec(code)?.[1];
    if (table === undefined) throw new Error(`handwritten-duckdb.sql: not a create table: ${code}`);
    statements.push({ section, table, sql: chunk });
  }
  return statements;
}

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** Runs the script into `input.databasePath` and returns its timings. */
export async function runHandwrittenDuckDb(input: HandwrittenInput): Promise<HandwrittenResult> {
  for (const source of handwrittenSources) {
    if (input.files[source].length === 0)
      throw new Error(`handwritten baseline: no ${source} files`);
  }
  const statements = handwrittenStatements();
  const started = performance.now();
  const config: Record<string, string> = {};
  if (input.memoryLimit) config.memory_limit = input.memoryLimit;
  if (input.threads) config.threads = String(input.threads);
  if (input.tempDirectory) config.temp_directory = input.tempDirectory;
  const instance = await DuckDBInstance.create(input.databasePath, config);
  const connection = await instance.connect();
  const timed: HandwrittenStatement[] = [];
  try {
    for (const source of handwrittenSources) {
      await connection.run(
        `set variable ${source}_files = [${input.files[source].map(literal).join(", ")}]::varchar[]`,
      );
    }
    await connection.run(`set variable base_currency = ${literal(input.baseCurrency)}`);
    await connection.run(`set variable margin = ${Number(input.margin)}::double`);
    await connection.run(
      `set variable assumed_cac = ${input.assumedCac === null ? "null" : Number(input.assumedCac)}::double`,
    );
    for (const statement of statements) {
      const statementStarted = performance.now();
      try {
        await connection.run(statement.sql);
      } catch (error) {
        throw new Error(`handwritten-duckdb.sql, create table ${statement.table}: ${error}`, {
          cause: error,
        });
      }
      timed.push({
        table: statement.table,
        section: statement.section,
        seconds: (performance.now() - statementStarted) / 1000,
      });
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  const sections: Record<string, number> = {};
  for (const statement of timed) {
    sections[statement.section] = (sections[statement.section] ?? 0) + statement.seconds;
  }
  return {
    seconds: (performance.now() - started) / 1000,
    sections,
    statements: timed,
    marts: timed.map((statement) => statement.table).filter((table) => table.startsWith("mart_")),
  };
}
