import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { expect, it } from "vitest";
import { testStep } from "../../../src/run/steps/test-step.ts";
import { LocalFolderObjectStore } from "../../../src/storage/local-folder-object-store.ts";
import { loadProject } from "../../../src/transform/project.ts";
import { tempDir } from "../../support/temp-dir.ts";
import { buildAll, fixtureWarehouse, testSettings } from "../../transform/fixture-warehouse.ts";

const mart = `/*
description: one row that breaks a warn test
grain: one row per thing
columns:
  score: {description: score, tests: [{range: {name: low_score, max: 0.5, severity: warn}}]}
*/
select 0.9 as score
`;

it("logs each warned data test once", async () => {
  const sqlDir = tempDir("test-step");
  mkdirSync(join(sqlDir, "marts"));
  writeFileSync(join(sqlDir, "marts/mart_things.sql"), mart);
  const warehouse = await fixtureWarehouse();
  await buildAll(warehouse, undefined, { sqlDir });
  const lines: { level: number; test?: string }[] = [];
  const logger = pino(
    { level: "debug" },
    { write: (line: string) => lines.push(JSON.parse(line)) },
  );
  const outcome = await testStep.run({
    runId: "r1",
    job: "daily",
    trigger: "manual",
    settings: testSettings(),
    warehouse,
    store: new LocalFolderObjectStore(tempDir("test-step-store")),
    logger,
    options: {},
    results: { project: await loadProject({ sqlDir }) },
  });
  expect(outcome.detail).toMatchObject({ warned: 1, failed: 0 });
  const warnings = lines.filter((line) => line.level === 40);
  expect(warnings.map((line) => line.test)).toEqual(["mart_things.low_score"]);
});
