import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dailyJob } from "../../jobs/daily.ts";
import { createProgram } from "../../src/cli/program.ts";
import { loadSettings } from "../../src/config/load-settings.ts";
import type { Settings } from "../../src/config/settings.ts";
import { defaultGenerateOptions, generateExports } from "../../src/generate/generate-exports.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { type ChartCache, directoryChartCache } from "../../src/report/chart-cache.ts";
import { formatValue, type ValueKind } from "../../src/report/format-value.ts";
import { reportQuery } from "../../src/report/read-report-data.ts";
import { buildRunReport } from "../../src/report/render-run-report.ts";
import { compareSourceIds } from "../../src/report/report-charts.ts";
import {
  chartCacheDir,
  latestReportKey,
  localReportPath,
  reportKey,
} from "../../src/report/write-run-report.ts";
import { openEnvironment } from "../../src/run/environment.ts";
import type { JobDefinition } from "../../src/run/job.ts";
import { assertSucceeded } from "../../src/run/run-job.ts";
import { startRun } from "../../src/run/start-run.ts";
import { reportStep } from "../../src/run/steps/report-step.ts";
import { analystDatabasePath } from "../../src/serve/analyst-database.ts";
import { objectStoreSink } from "../../src/storage/key-sinks.ts";
import { runTransforms } from "../../src/transform/run-transforms.ts";
import { Warehouse } from "../../src/warehouse/warehouse.ts";
import { startTestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { launchChromium } from "./headless-chromium.ts";

const s3 = await startTestS3();
const root = tempDir("report");
/** Kept after the test (the temp dir is not) so the screenshot can be looked at. */
const artifacts = join(tmpdir(), "duckmart-report-test");
mkdirSync(artifacts, { recursive: true });

/** The daily job with the report step after publish, whether or not jobs/daily.ts has it yet. */
const job: JobDefinition = {
  ...dailyJob,
  steps: [
    ...dailyJob.steps.filter((step) => step.name !== "report" && step.name !== "serve"),
    reportStep,
    ...dailyJob.steps.filter((step) => step.name === "serve"),
  ],
};

const settings: Settings = loadSettings({
  env: {},
  overrides: {
    s3Endpoint: s3.server.endpoint,
    s3Bucket: "duckmart",
    warehouse: join(root, "wh", "warehouse.duckdb"),
    workDir: join(root, "work"),
  },
});

/** One file with a row that cannot be cast, so the report has a rejected row to show. */
function visitsWithOneBadRow(): Buffer {
  const lines = ["user_id,session_start,session_end,device,source_id"];
  for (let i = 0; i < 150; i += 1) {
    const minute = String(i % 60).padStart(2, "0");
    lines.push(`report-test-${i},2024-03-01 10:${minute}:00,2024-03-01 11:${minute}:00,desktop,1`);
  }
  lines.push("report-test-bad,not a time,2024-03-01 11:00:00,desktop,1");
  return Buffer.from(`${lines.join("\n")}\n`);
}

let runId = "";
let html = "";
let martClv = false;

beforeAll(async () => {
  await generateExports(
    { ...defaultGenerateOptions, users: 1500, days: 180, seed: 8 },
    objectStoreSink(s3.store, settings.rawPrefix, "s3://duckmart/raw"),
  );
  await s3.store.write(
    `${settings.rawPrefix}/visits/dt=2024-03-01/part-extra.csv`,
    visitsWithOneBadRow(),
  );
  const environment = await openEnvironment(
    settings,
    silentLogger(),
    "test",
    s3.server.credentials,
  );
  try {
    const record = await startRun(environment, job, "manual");
    assertSucceeded(record);
    runId = record.runId;
  } finally {
    environment.close();
  }
  html = readFileSync(localReportPath(settings.warehouse, runId), "utf8");
  martClv = await withWarehouse(async (w) => (await tables(w)).has("main.mart_clv"));
}, 60_000);

async function withWarehouse<T>(read: (warehouse: Warehouse) => Promise<T>): Promise<T> {
  const warehouse = await Warehouse.open(settings.warehouse, { readOnly: true });
  try {
    return await read(warehouse);
  } finally {
    warehouse.close();
  }
}

async function tables(warehouse: Warehouse): Promise<Set<string>> {
  const rows = await warehouse.all<{ name: string }>(
    "select table_schema || '.' || table_name as name from information_schema.tables",
  );
  return new Set(rows.map((row) => row.name));
}

/** The headline numbers, computed here straight from the marts (not with the report's SQL). */
async function expectedKpis(warehouse: Warehouse): Promise<Record<string, number | null>> {
  const one = async (sql: string) => {
    const [row] = await warehouse.all<Record<string, number | null>>(sql);
    return row ?? {};
  };
  const profile = await one(`select count(*) as buyers, sum(orders_count) as orders,
      sum(revenue_total) as revenue, avg(is_returning::int) as return_rate from main.mart_user_profile`);
  const activity = await one("select dau, wau, mau, sticky_mau from main.mart_activity_summary");
  const ltv = await one(`select
      sum(cum_gross_profit) filter (where lifetime = 0) / sum(cohort_size) filter (where lifetime = 0) as ltv_month_0,
      sum(cum_gross_profit) filter (where lifetime = 5) / sum(cohort_size) filter (where lifetime = 5) as ltv_month_5
    from main.mart_ltv where grain = 'month'`);
  // Costs two ways: the (all) rows of mart_cac and the monthly KPI mart must agree.
  const cac = await one(`select sum(costs) as costs, sum(costs) / sum(new_buyers) as cac
    from main.mart_cac where source_id = '(all)'`);
  const monthly = await one("select sum(costs) as costs from main.mart_kpi_monthly");
  expect(cac.costs).toBeCloseTo(monthly.costs ?? Number.NaN, 4);
  const expected: Record<string, number | null> = {
    ...profile,
    ...activity,
    ...ltv,
    ...cac,
    // Gross profit of every buyer = revenue × margin (SPEC §2).
    romi: ((profile.revenue ?? 0) * settings.margin) / (cac.costs ?? Number.NaN),
  };
  if (martClv) {
    const clv = await one(
      "select sum(predicted_clv) as predicted_clv, avg(p_alive) as mean_p_alive from main.mart_clv",
    );
    Object.assign(expected, clv);
  }
  return expected;
}

describe("run report", () => {
  it("is written locally and published per run and as latest", async () => {
    expect(html.length).toBeGreaterThan(10_000);
    expect(html.length).toBeLessThan(600_000);
    const published = await s3.store.read(reportKey(settings.publishPrefix, runId));
    expect(published.toString("utf8")).toBe(html);
    const latest = await s3.store.read(latestReportKey(settings.publishPrefix));
    expect(latest.toString("utf8")).toBe(html);
    // Self-contained: no script, no stylesheet or image to fetch, no URL but SVG namespaces.
    expect(html).not.toMatch(/<script|<link|<img|@import|url\((?!#)/i);
    const urls = html.match(/https?:\/\/[^\s"')]+/g) ?? [];
    expect(urls.filter((url) => !url.startsWith("http://www.w3.org/"))).toEqual([]);
  });

  it("renders in headless Chromium with every chart drawn and the KPIs of the marts", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      const problems: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error" || message.type() === "warning")
          problems.push(`${message.type()}: ${message.text()}`);
      });
      page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
      const requests: string[] = [];
      await page.route("**/*", (route) => {
        const url = route.request().url();
        if (!url.startsWith("file:")) requests.push(url);
        return url.startsWith("file:") ? route.continue() : route.abort();
      });
      const file = localReportPath(settings.warehouse, runId);
      await page.goto(`file://${file}`, { waitUntil: "load" });

      const figures = await page.$$eval("figure.chart", (nodes) =>
        nodes.map((figure) => {
          const svg = figure.querySelector("svg");
          const box = svg?.getBoundingClientRect();
          return {
            id: figure.getAttribute("data-chart") ?? "",
            skipped: figure.classList.contains("chart-skipped"),
            note: figure.querySelector(".note")?.textContent ?? "",
            width: box?.width ?? 0,
            height: box?.height ?? 0,
            // Vega puts the items of a data mark directly under a g.role-mark.
            marks: svg ? svg.querySelectorAll("g.role-mark > :not(g)").length : 0,
            nodes: svg ? svg.querySelectorAll("g.dag-node").length : 0,
          };
        }),
      );
      const drawn = figures.filter((figure) => !figure.skipped);
      const skipped = figures.filter((figure) => figure.skipped);
      expect(skipped.map((f) => f.id)).toEqual(martClv ? [] : ["clv"]);
      if (!martClv) expect(skipped[0]?.note).toContain("main.mart_clv");
      expect(drawn.map((figure) => figure.id)).toEqual(
        expect.arrayContaining([
          "activity",
          "revenue-monthly",
          "retention",
          "ltv",
          "cac",
          "romi",
          "rfm",
          "return-rates",
          "step-timings",
          "model-timings",
          "model-dag",
        ]),
      );
      for (const figure of drawn) {
        expect(figure.width, figure.id).toBeGreaterThan(100);
        expect(figure.height, figure.id).toBeGreaterThan(50);
        if (figure.id === "model-dag") continue;
        expect(figure.marks, `${figure.id} marks`).toBeGreaterThan(0);
      }
      // One node per model of the run and per raw source the models read.
      const [dag] = await withWarehouse((w) =>
        w.all<{ models: number; sources: number }>(
          `select count(distinct model) as models,
             count(distinct input) filter (where input like 'source:%') as sources
           from (select model, unnest(json_keys(inputs)) as input from meta.model_builds where run_id = $1)`,
          [runId],
        ),
      );
      // The five sources of SPEC §1 and order_lines (§1.2), read though it has no files here.
      expect(dag?.sources).toBe(6);
      expect(drawn.find((f) => f.id === "model-dag")?.nodes).toBe(
        (dag?.models ?? 0) + (dag?.sources ?? 0),
      );
      const marks = Object.fromEntries(
        drawn.map((f) => [f.id, f.id === "model-dag" ? f.nodes : f.marks]),
      );

      const kpis = await page.$$eval(".kpi[data-kpi]", (nodes) =>
        nodes.map((node) => ({
          id: node.getAttribute("data-kpi") ?? "",
          kind: node.getAttribute("data-kind") ?? "",
          value: node.getAttribute("data-value") ?? "",
          text: node.querySelector(".kpi-value")?.textContent ?? "",
        })),
      );
      const expected = await withWarehouse(expectedKpis);
      const shown = new Map(kpis.map((kpi) => [kpi.id, kpi]));
      for (const [id, value] of Object.entries(expected)) {
        const kpi = shown.get(id);
        expect(kpi, `KPI ${id} in the page`).toBeDefined();
        if (!kpi || value === null) continue;
        expect(Number(kpi.value), id).toBeCloseTo(value, 6);
        expect(kpi.text, id).toBe(formatValue(kpi.kind as ValueKind, value, settings.baseCurrency));
      }
      const asOf = await page.$eval("[data-kpi=data_as_of]", (node) =>
        node.getAttribute("data-value"),
      );
      const [dataAsOf] = await withWarehouse((w) =>
        w.all<{ data_as_of: Date }>("select data_as_of from intermediate.int_data_as_of"),
      );
      expect(asOf).toBe(dataAsOf?.data_as_of.toISOString());

      const rejected = await page.$eval("#rejects", (node) => node.textContent ?? "");
      expect(rejected).toContain("part-extra.csv");
      const quarantine = await page.$eval("#quarantine table", (node) => node.textContent ?? "");
      expect(quarantine).toMatch(/negative_revenue/);

      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
      const screenshot = join(artifacts, "report.png");
      await page.screenshot({ path: screenshot, fullPage: true });
      copyFileSync(file, join(artifacts, "report.html"));
      console.log(
        `run report screenshot: ${screenshot} (page ${file}); marks per chart (DAG: nodes) ${JSON.stringify(marks)}`,
      );
    } finally {
      await browser.close();
    }
  });

  it("reuses the charts of marts that no run rebuilt since they were drawn", async () => {
    const inner = directoryChartCache(chartCacheDir(settings.warehouse));
    let hits = 0;
    let writes = 0;
    const counting: ChartCache = {
      async get(key) {
        const svg = await inner.get(key);
        if (svg !== undefined) hits += 1;
        return svg;
      },
      async set(key, svg) {
        writes += 1;
        await inner.set(key, svg);
      },
      retain: (keep) => inner.retain(keep),
    };
    const options = { baseCurrency: settings.baseCurrency };
    const cached = await withWarehouse((w) =>
      buildRunReport(w, runId, { ...options, chartCache: counting }),
    );
    const drawnMetrics = cached.charts.filter((c) => c.section === "metrics" && c.svg);
    // The report step drew them; this render finds every one in the cache.
    expect(hits).toBe(drawnMetrics.length);
    expect(writes).toBe(0);
    const fresh = await withWarehouse((w) => buildRunReport(w, runId, options));
    const differing = cached.charts
      .filter((chart, i) => chart.svg !== fresh.charts[i]?.svg)
      .map((chart) => chart.id);
    expect(differing).toEqual([]);
  });

  it("skips a chart whose mart is missing, with a note, and still renders the rest", async () => {
    const copy = join(root, "without-romi.duckdb");
    copyFileSync(settings.warehouse, copy);
    const warehouse = await Warehouse.open(copy);
    try {
      await warehouse.run("drop table main.mart_romi");
      const report = await buildRunReport(warehouse, runId, { baseCurrency: "RUB" });
      const romi = report.charts.find((chart) => chart.id === "romi");
      expect(romi?.svg).toBeUndefined();
      expect(romi?.skipped).toContain("main.mart_romi");
      expect(report.html).toContain('data-chart="romi"');
      expect(report.charts.filter((chart) => chart.svg !== undefined).length).toBeGreaterThan(8);
    } finally {
      warehouse.close();
    }
  });
});

describe("run report: guards and failing rows", () => {
  it("has a Guards section with every check, its figure and threshold", () => {
    const section = html.slice(html.indexOf('<section id="guards">'));
    expect(section).toContain("<h3>Guards</h3>");
    expect(section).toContain("No run was published before");
    expect(section).toContain("Every guard held.");
    for (const subject of ["visits", "orders", "costs", "mart_user_profile", "data_as_of"])
      expect(section).toContain(`<td>${subject}</td>`);
    expect(section).toMatch(/<td>quarantine_ratio<\/td>/);
  });

  it("shows the rows a failed data test kept under the test", async () => {
    const copy = join(root, "with-failing-rows.duckdb");
    copyFileSync(settings.warehouse, copy);
    const warehouse = await Warehouse.open(copy);
    try {
      await warehouse.run(
        `update meta.data_test_results set status = 'fail', failures = 2, message = '2 row(s) break it'
         where run_id = $1 and test_name = 'mart_rfm.range.r_score'`,
        [runId],
      );
      await warehouse.run(
        `insert into meta.data_test_failures values
           ($1, 'mart_rfm.range.r_score', 1, '{"user_id":"u-broken-1","r_score":7}'),
           ($1, 'mart_rfm.range.r_score', 2, '{"user_id":"u-broken-2","r_score":9}')`,
        [runId],
      );
      await warehouse.run(
        `update meta.guard_checks set status = 'breach', message = 'orders went wrong'
         where run_id = $1 and check_name = 'quarantine_ratio' and subject = 'orders'`,
        [runId],
      );
      const report = await buildRunReport(warehouse, runId, { baseCurrency: "RUB" });
      const tests = report.html.slice(report.html.indexOf('<section id="tests">'));
      expect(tests).toContain("Rows that break <code>mart_rfm.range.r_score</code> (2 row(s)");
      expect(tests).toMatch(/<td>u-broken-1<\/td>\s*<td[^>]*>7<\/td>/);
      expect(tests).toContain("u-broken-2");
      const guards = report.html.slice(report.html.indexOf('<section id="guards">'));
      expect(guards).toContain("guard(s) breached; the run published nothing");
      expect(guards).toContain("orders went wrong");
    } finally {
      warehouse.close();
    }
  });
});

describe("run report, issue 15 charts and fixes", () => {
  it("draws conversion, value at risk and cluster profiles, and return rates with intervals", async () => {
    const report = await withWarehouse((w) =>
      buildRunReport(w, runId, { baseCurrency: settings.baseCurrency }),
    );
    const drawn = new Map(report.charts.map((chart) => [chart.id, chart]));
    for (const id of ["conversion", "value-at-risk", "clusters", "return-rates"])
      expect(drawn.get(id)?.svg, `${id}: ${drawn.get(id)?.skipped}`).toContain("<svg");
    // The value-at-risk table names the first buyer at risk, as mart_value_at_risk ranks them.
    const [first] = await withWarehouse((w) =>
      w.all<{ user_id: string }>("select user_id from main.mart_value_at_risk where risk_rank = 1"),
    );
    expect(drawn.get("value-at-risk")?.svg).toContain(`>${first?.user_id}<`);
    // Error bars: one rule per value besides the bars.
    expect(drawn.get("return-rates")?.svg).toMatch(/class="mark-rule role-mark/);
  });

  it("sorts source ids as numbers and names each source's own payback in the ROMI legend", async () => {
    expect(["10", "(all)", "2", "(unknown)", "1", "b", "a"].sort(compareSourceIds)).toEqual([
      "1",
      "2",
      "10",
      "a",
      "b",
      "(unknown)",
      "(all)",
    ]);
    const report = await withWarehouse((w) =>
      buildRunReport(w, runId, { baseCurrency: settings.baseCurrency }),
    );
    const svg = report.charts.find((chart) => chart.id === "romi")?.svg ?? "";
    const legend = [...svg.matchAll(/>([^<>]+ · (?:payback m\d+|no payback yet))</g)].map(
      (match) => match[1] as string,
    );
    expect(legend.length).toBeGreaterThan(3);
    expect(new Set(legend.map((label) => label.split(" · ")[1])).size).toBeGreaterThan(1);
    const sources = legend.map((label) => label.split(" · ")[0] as string);
    expect(sources).toEqual([...sources].sort(compareSourceIds));
  });

  it("draws an all-cohorts LTV curve that never falls", async () => {
    const curve = await withWarehouse(async (w) =>
      w.all<{ lifetime: number; ltv: number }>(await reportQuery("ltv"), ["month", 12]),
    );
    const all = curve.filter(
      (row) => (row as { cohort_start?: string }).cohort_start === "all cohorts",
    );
    expect(all.length).toBeGreaterThan(3);
    for (let i = 1; i < all.length; i++)
      expect((all[i] as { ltv: number }).ltv).toBeGreaterThanOrEqual(
        (all[i - 1] as { ltv: number }).ltv,
      );
  });

  it("prices months without cost data at the assumed CPA and says so", async () => {
    const copy = join(root, "assumed-cpa.duckdb");
    copyFileSync(settings.warehouse, copy);
    const warehouse = await Warehouse.open(copy);
    try {
      // Forget the costs of the last month and rebuild the CAC marts with assumedCac = 6000.
      await warehouse.run(
        "delete from raw.costs where cast(dt as date) >= (select date_trunc('month', max(cast(dt as date))) from raw.costs)",
      );
      const result = await runTransforms(
        warehouse,
        { ...settings, assumedCac: 6000 },
        {
          runId: "assumed-cpa",
          select: "stg_costs_classified+",
        },
      );
      expect(result.outcomes.filter((outcome) => outcome.error !== undefined)).toEqual([]);
      const report = await buildRunReport(warehouse, runId, { baseCurrency: "RUB" });
      const romi = report.charts.find((chart) => chart.id === "romi")?.svg ?? "";
      const cac = report.charts.find((chart) => chart.id === "cac")?.svg ?? "";
      expect(romi).toContain("assumed CPA");
      expect(cac).toContain("assumed CPA");
      expect(report.html).toContain("assumed CPA");
    } finally {
      warehouse.close();
    }
  });
});

describe("duckmart docs", () => {
  const env = {
    DUCKMART_WAREHOUSE: settings.warehouse,
    DUCKMART_BASE_CURRENCY: settings.baseCurrency,
    DUCKMART_LOG_LEVEL: "error",
  };
  let saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
    Object.assign(process.env, env);
  });
  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  async function docs(args: readonly string[]): Promise<string> {
    const program = createProgram();
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      await program.parseAsync(["docs", ...args], { from: "user" });
    } finally {
      process.stdout.write = write;
    }
    return written.join("").trim();
  }

  it("writes the last run's report to --out and prints the path", async () => {
    const out = join(root, "docs", "report.html");
    expect(await docs(["--out", out])).toBe(out);
    const page = readFileSync(out, "utf8");
    expect(page).toContain(runId);
    expect(page).toContain('data-chart="model-dag"');
  });

  it("reads the analyst database while a run holds the warehouse", async () => {
    const holder = await holdWarehouse(settings.warehouse);
    try {
      const path = await docs(["--run", runId]);
      expect(path).toBe(localReportPath(settings.warehouse, runId));
      const page = readFileSync(path, "utf8");
      expect(page).toContain(analystDatabasePath(settings));
      // The analyst database has no staging tables: the counts come from the report step's record.
      expect(page).toContain("as recorded when the report was first written");
      expect(page).toMatch(/negative_revenue/);
      await expect(docs(["--run", "no-such-run"])).rejects.toThrow(/no-such-run is not recorded/);
    } finally {
      holder.kill();
    }
  });
});

/** Another process holding the warehouse open for writing, as a run does. */
async function holdWarehouse(path: string): Promise<ChildProcess> {
  expect(existsSync(path)).toBe(true);
  const child = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { DuckDBInstance } from "@duckdb/node-api";
       await DuckDBInstance.create(${JSON.stringify(path)});
       process.stdout.write("held\\n");
       setInterval(() => {}, 1000);`,
    ],
    { cwd: join(import.meta.dirname, "..", ".."), stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("held")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`warehouse holder exited with ${code}`)));
  });
  return child;
}
