import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countCsvRecords } from "../../src/ingest/csv-records.ts";
import { quoteLiteral, Warehouse } from "../../src/warehouse/warehouse.ts";
import { tempDir } from "../support/temp-dir.ts";

/*
 * The loader holds DuckDB's loaded + rejected rows against a count made in
 * Node, so a row DuckDB drops silently fails the file instead of vanishing.
 * That only works if both delimit records alike: checked here, input by input,
 * against DuckDB reading the file the way the loader does.
 */

const dir = tempDir("csv-records");
let duck: Warehouse;
beforeAll(async () => {
  duck = await Warehouse.open(":memory:");
});
afterAll(() => duck.close());

/** Rows DuckDB returns plus distinct rejected lines, reading like the CSV format does. */
async function duckdbRecords(path: string, columns: number): Promise<number> {
  const declared = Array.from({ length: columns }, (_, i) => `'c${i}': 'VARCHAR'`).join(", ");
  await duck.run("drop table if exists reject_errors; drop table if exists reject_scans");
  const [loaded] = await duck.all<{ n: number }>(
    `select count(*) as n from read_csv([${quoteLiteral(path)}], header = true, auto_detect = false,
       columns = {${declared}}, delim = ',', quote = '"', escape = '"', strict_mode = true,
       store_rejects = true, rejects_table = 'reject_errors', rejects_scan = 'reject_scans')`,
  );
  const [rejected] = await duck.all<{ n: number }>(
    "select count(distinct line) as n from reject_errors",
  );
  return (loaded?.n ?? 0) + (rejected?.n ?? 0);
}

const inputs: readonly [string, string, number][] = [
  ["plain", "a,b,c\n1,2,3\n4,5,6\n", 3],
  ["no final line break", "a,b,c\n1,2,3\n4,5,6", 3],
  ["header only", "a,b,c\n", 3],
  ["blank lines between and after", "a,b,c\n1,2,3\n\n\n4,5,6\n\n", 3],
  ["CRLF with a blank line", "a,b,c\r\n1,2,3\r\n\r\n4,5,6\r\n", 3],
  ["CR only", "a,b,c\r1,2,3\r4,5,6\r", 3],
  ["a line of spaces (a short row)", "a,b,c\n1,2,3\n   \n4,5,6\n", 3],
  ["quoted line breaks", 'a,b,c\n1,"x\ny\nz",3\n4,5,6\n', 3],
  ["escaped quotes", 'a,b,c\n1,"say ""hi""\nthere",3\n4,5,6\n', 3],
  ["a quote inside an unquoted value", 'a,b,c\n1,x"y,3\n4,5,6\n', 3],
  ["text after a closing quote", 'a,b,c\n1,"x"y,3\n4,5,6\n', 3],
  ["short and long rows", "a,b,c\n1,2\n1,2,3,4\n4,5,6\n", 3],
  ["single column with blank lines", "a\n1\n\n2\n\n", 1],
  ["a long row spanning lines", 'a,b,c\n1,"x\ny",3,4\n4,5,6\n', 3],
  ["a short row spanning lines", 'a,b,c\n1,"x\ny"\n4,5,6\n', 3],
  ["several bad rows in a row", "a,b,c\n1\n2\n3,4,5,6\n7,8,9\n", 3],
];

describe("countCsvRecords agrees with DuckDB's reader", () => {
  it("on invalid UTF-8 inside a quoted value that spans lines", async () => {
    const path = join(dir, "invalid-utf8-multiline.csv");
    writeFileSync(
      path,
      Buffer.concat([
        Buffer.from('a,b,c\n1,"x\n'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('y",3\n4,5,6\n'),
      ]),
    );
    expect((await countCsvRecords(path, 3)).dataRecords).toBe(await duckdbRecords(path, 3));
  });

  it.each(inputs)("%s", async (name, text, columns) => {
    const path = join(dir, `${name.replace(/\W+/g, "-")}.csv`);
    writeFileSync(path, text);
    const counted = await countCsvRecords(path, columns);
    expect(counted.unclosedQuote).toBeUndefined();
    expect(counted.dataRecords).toBe(await duckdbRecords(path, columns));
  });

  it("reports where an unclosed quote opened, on its physical line", async () => {
    const path = join(dir, "unclosed.csv");
    writeFileSync(path, 'a,b,c\n1,"multi\nline",3\n4,"never closed,6\n7,8,9\n');
    expect(await countCsvRecords(path, 3)).toMatchObject({
      unclosedQuote: { line: 4, record: 2 },
    });
  });
});
