import type { Logger } from "../log/logger.ts";
import type { StagingCounts } from "../transform/staging-counts.ts";
import type { SqlSession } from "../warehouse/warehouse.ts";
import type { ChartCache } from "./chart-cache.ts";
import { formatBytes, formatTimestamp, formatValue, type ValueKind } from "./format-value.ts";
import { type Cell, escapeHtml, htmlTable, raw } from "./html.ts";
import { renderModelDagSvg } from "./model-dag-svg.ts";
import { readReportData } from "./read-report-data.ts";
import { type RenderedChart, renderReportCharts } from "./report-charts.ts";
import { reportCss } from "./report-css.ts";
import type { ReportData, ReportStep } from "./report-data.ts";

/** Options of {@link renderRunReport} and {@link buildRunReport}. */
export interface RenderRunReportOptions {
  /** Currency revenue is expressed in (settings.baseCurrency). */
  readonly baseCurrency: string;
  /** Where the numbers are read from, shown in the footer. */
  readonly databasePath?: string;
  /** Quarantine counts to show instead of reading `staging.*`. */
  readonly staging?: readonly StagingCounts[];
  /** Where the report is published, shown in the footer. */
  readonly publishedAs?: string;
  /** Reuse charts whose marts did not change since they were drawn. */
  readonly chartCache?: ChartCache;
  /** The clock, for the "generated at" line (tests pin it). */
  readonly now?: Date;
  readonly logger?: Logger;
}

/** A rendered report with what went into it. */
export interface RunReport {
  readonly html: string;
  readonly data: ReportData;
  readonly charts: readonly RenderedChart[];
}

/** One headline number: shown in a card with `data-kpi` and the exact value in `data-value`. */
export interface Kpi {
  readonly id: string;
  readonly label: string;
  readonly kind: ValueKind;
  readonly value: number | null;
  readonly note: string;
}

/**
 * Renders the run report of `runId` (default: the newest run) as one
 * self-contained HTML page: inline CSS and SVG, no script, no network.
 *
 * @example
 * const html = await renderRunReport(warehouse, undefined, { baseCurrency: "RUB" });
 */
export async function renderRunReport(
  session: SqlSession,
  runId: string | undefined,
  options: RenderRunReportOptions,
): Promise<string> {
  return (await buildRunReport(session, runId, options)).html;
}

/** Like {@link renderRunReport}, also returning the data and charts (for the step record and tests). */
export async function buildRunReport(
  session: SqlSession,
  runId: string | undefined,
  options: RenderRunReportOptions,
): Promise<RunReport> {
  const data = await readReportData(session, {
    runId,
    baseCurrency: options.baseCurrency,
    databasePath: options.databasePath,
    staging: options.staging,
  });
  const charts = await renderReportCharts(session, data, {
    logger: options.logger,
    cache: options.chartCache,
  });
  const html = page(data, charts, options);
  return { html, data, charts };
}

/** The headline numbers of the report, in card order. */
export function reportKpis(data: ReportData): Kpi[] {
  const k = data.kpis;
  if (!k) return [];
  const kpis: Kpi[] = [
    { id: "buyers", label: "Buyers", kind: "count", value: k.buyers, note: "users with an order" },
    { id: "orders", label: "Orders", kind: "count", value: k.orders, note: "staged orders" },
    {
      id: "revenue",
      label: "Revenue",
      kind: "money",
      value: k.revenue,
      note: "all orders, base currency",
    },
    {
      id: "return_rate",
      label: "Return rate",
      kind: "percent",
      value: k.returnRate,
      note: "buyers with 2+ orders",
    },
    { id: "dau", label: "DAU", kind: "decimal", value: k.dau, note: "mean daily active users" },
    { id: "wau", label: "WAU", kind: "decimal", value: k.wau, note: "mean weekly active users" },
    { id: "mau", label: "MAU", kind: "decimal", value: k.mau, note: "mean monthly active users" },
    {
      id: "sticky_mau",
      label: "Sticky factor",
      kind: "percent",
      value: k.stickyMau,
      note: "DAU / MAU",
    },
    {
      id: "ltv_month_0",
      label: "LTV, month 0",
      kind: "money",
      value: k.ltvMonth0,
      note: "gross profit per buyer, first month",
    },
    {
      id: "ltv_month_5",
      label: "LTV, month 5",
      kind: "money",
      value: k.ltvMonth5,
      note: "cumulative, six months",
    },
    {
      id: "costs",
      label: "Marketing costs",
      kind: "money",
      value: k.costs,
      note: k.assumedMonths > 0 ? "all sources, with assumed CPA" : "all sources",
    },
    {
      id: "cac",
      label: "CAC",
      kind: "money",
      value: k.cac,
      note:
        k.assumedMonths > 0
          ? `costs per new buyer; assumed CPA ${formatValue("money", k.assumedCpa, data.baseCurrency)} in ${k.assumedMonths} month(s) without cost data`
          : "costs per new buyer",
    },
    {
      id: "romi",
      label: "ROMI to date",
      kind: "ratio",
      value: k.romi,
      note: "gross profit / costs",
    },
  ];
  if (data.clv) {
    kpis.push(
      {
        id: "predicted_clv",
        label: "Predicted CLV",
        kind: "money",
        value: data.clv.predictedClv,
        note: `all buyers, next ${data.clv.horizonDays ?? "?"} days`,
      },
      {
        id: "mean_p_alive",
        label: "Mean P(alive)",
        kind: "percent",
        value: data.clv.meanPAlive,
        note: "BG/NBD, over buyers",
      },
    );
  }
  return kpis;
}

function page(
  data: ReportData,
  charts: readonly RenderedChart[],
  options: RenderRunReportOptions,
): string {
  const { run } = data;
  const title = `duckmart run ${run.runId}`;
  const metrics = charts.filter((chart) => chart.section === "metrics");
  const runCharts = new Map(
    charts.filter((chart) => chart.section === "run").map((chart) => [chart.id, chart]),
  );
  const body = [
    header(data),
    notices(data),
    headline(data),
    '<section id="metrics"><h2>Metrics</h2>',
    metrics.map(figure).join("\n"),
    "</section>",
    '<section id="run"><h2>The run</h2>',
    stepsSection(data, runCharts.get("step-timings")),
    sourcesSection(data),
    rejectsSection(data),
    quarantineSection(data),
    guardsSection(data),
    testsSection(data),
    modelsSection(data, runCharts.get("model-timings")),
    "</section>",
    footer(data, charts, options),
  ].join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="duckmart">
<title>${escapeHtml(title)}</title>
<style>${reportCss}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

function badge(status: string): string {
  return `<span class="badge status-${escapeHtml(status.replace(/[^a-z_]/gi, ""))}">${escapeHtml(status.replace(/_/g, " "))}</span>`;
}

function seconds(from: Date, to: Date | null): number | null {
  return to ? (to.getTime() - from.getTime()) / 1000 : null;
}

function header(data: ReportData): string {
  const { run } = data;
  const facts: [string, string][] = [
    ["job", `${run.job} (${run.trigger})`],
    ["started", formatTimestamp(run.startedAt)],
    ["finished", run.finishedAt ? formatTimestamp(run.finishedAt) : "still running"],
    ["duration", formatValue("seconds", seconds(run.startedAt, run.finishedAt))],
    ["host", run.host ? `${run.host} (pid ${run.pid ?? "?"})` : "n/a"],
  ];
  return `<header>
<p class="eyebrow">duckmart run report</p>
<h1>Run <code>${escapeHtml(run.runId)}</code> ${badge(run.status)}</h1>
<p class="as-of">Data as of <strong data-kpi="data_as_of" data-value="${escapeHtml(data.dataAsOf?.toISOString() ?? "")}">${escapeHtml(formatTimestamp(data.dataAsOf))}</strong> <span class="muted">(the latest session start or order among staged rows)</span></p>
<dl class="facts">${facts.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join("")}</dl>
${run.error ? `<p class="error">Error: ${escapeHtml(run.error)}</p>` : ""}
</header>`;
}

function notices(data: ReportData): string {
  const notes: string[] = [];
  if (data.martsRunId !== null && data.martsRunId !== data.run.runId) {
    notes.push(
      `The metrics below are the marts as they are now, last built by run <code>${escapeHtml(data.martsRunId)}</code>; the run section is run <code>${escapeHtml(data.run.runId)}</code>'s own record.`,
    );
  }
  if (data.run.status === "failed") {
    notes.push(
      "This run failed: it published nothing, so readers of the manifest still see the previous run.",
    );
  }
  return notes.map((note) => `<p class="notice">${note}</p>`).join("\n");
}

function headline(data: ReportData): string {
  const k = data.kpis;
  if (!k) {
    return '<section id="kpis"><h2>Headline</h2><p class="note">The marts are not built yet, so there are no headline numbers.</p></section>';
  }
  const cur = data.baseCurrency;
  const b = (kind: ValueKind, value: number | null) =>
    `<b>${escapeHtml(formatValue(kind, value, kind === "money" ? cur : undefined))}</b>`;
  const sentences = [
    `By <b>${escapeHtml(formatTimestamp(data.dataAsOf))}</b>, ${b("count", k.buyers)} buyers had placed ${b("count", k.orders)} orders worth ${b("money", k.revenue)}; ${b("percent", k.returnRate)} of them came back for a second order.`,
    `On an average day ${b("decimal", k.dau)} users had a session, in an average week ${b("decimal", k.wau)} and in an average month ${b("decimal", k.mau)}; the sticky factor (DAU/MAU) is ${b("percent", k.stickyMau)}.`,
    `Marketing cost ${b("money", k.costs)} in all: ${b("money", k.cac)} per new buyer (CAC). Each ${escapeHtml(cur)} spent has brought back ${b("ratio", k.romi)} ${escapeHtml(cur)} of gross profit so far (ROMI).`,
    ...(k.assumedMonths > 0
      ? [
          `${b("count", k.assumedMonths)} month(s) have no cost data: their new buyers are priced at the assumed CPA of ${b("money", k.assumedCpa)} each (setting assumedCac), in the costs, CAC and ROMI above and in the charts.`,
        ]
      : []),
    `A buyer brings ${b("money", k.ltvMonth0)} of gross profit in the month of their first order and ${b("money", k.ltvMonth5)} by the end of month 5 (LTV, cohorts weighted by size).`,
  ];
  if (data.clv) {
    sentences.push(
      `Over the next ${data.clv.horizonDays ?? "?"} days the CLV model expects ${b("count", data.clv.expectedPurchases)} more purchases and ${b("money", data.clv.predictedClv)} of gross profit from today's buyers (${b("money", data.clv.meanPredictedClv)} each); on average a buyer is ${b("percent", data.clv.meanPAlive)} likely to still be active.`,
    );
  }
  const cards = reportKpis(data)
    .map(
      (kpi) =>
        `<div class="kpi" data-kpi="${escapeHtml(kpi.id)}" data-value="${kpi.value ?? ""}" data-kind="${kpi.kind}"><div class="kpi-label">${escapeHtml(kpi.label)}</div><div class="kpi-value">${escapeHtml(formatValue(kpi.kind, kpi.value, kpi.kind === "money" ? cur : undefined))}</div><div class="kpi-note">${escapeHtml(kpi.note)}</div></div>`,
    )
    .join("");
  return `<section id="kpis"><h2>Headline</h2>
<div class="sentences">${sentences.map((s) => `<p>${s}</p>`).join("")}</div>
<div class="kpis">${cards}</div>
</section>`;
}

function figure(chart: RenderedChart | undefined): string {
  if (!chart) return "";
  const head = `<figcaption><h3>${escapeHtml(chart.title)}</h3><p>${escapeHtml(chart.caption)}</p></figcaption>`;
  if (chart.svg === undefined) {
    return `<figure class="chart chart-skipped" data-chart="${escapeHtml(chart.id)}">${head}<p class="note">Not drawn: ${escapeHtml(chart.skipped ?? "no data")}.</p></figure>`;
  }
  return `<figure class="chart" data-chart="${escapeHtml(chart.id)}">${head}<div class="svg">${chart.svg}</div></figure>`;
}

function detailText(step: ReportStep): string {
  if (!step.detail) return "";
  return Object.entries(step.detail)
    .filter(([, value]) => value === null || typeof value !== "object")
    .map(([key, value]) => `${key} ${typeof value === "number" ? round(value) : String(value)}`)
    .join(" · ");
}

function round(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString("en-US") : value.toFixed(3);
}

function stepsSection(data: ReportData, chart: RenderedChart | undefined): string {
  const rows: Cell[][] = data.steps.map((step) => [
    step.step,
    raw(badge(step.status)),
    formatTimestamp(step.startedAt),
    step.seconds === null ? null : Number(step.seconds.toFixed(3)),
    step.rows,
    step.error ? `${detailText(step)} ${step.error}`.trim() : detailText(step),
  ]);
  return `<section id="steps"><h3>Steps</h3>
${htmlTable(["step", "status", "started", "seconds", "rows", "detail"], rows, { numeric: [false, false, false, true, true, false] })}
<p class="muted">Steps after the report (e.g. refreshing the analyst database) run once it is written and are not shown.</p>
${chart ? figure(chart) : ""}
</section>`;
}

function sourcesSection(data: ReportData): string {
  const rows: Cell[][] = data.sources.map((s) => [
    s.source,
    s.runFilesLoaded,
    s.runFilesFailed,
    s.runRowsRead,
    s.runRowsLoaded,
    s.runRowsRejected,
    formatBytes(s.runBytes),
    s.files,
    s.rowsLoaded,
    s.rowsRejected,
  ]);
  const total = (pick: (s: (typeof data.sources)[number]) => number) =>
    data.sources.reduce((sum, s) => sum + pick(s), 0);
  if (data.sources.length > 0) {
    rows.push([
      raw("<b>all</b>"),
      total((s) => s.runFilesLoaded),
      total((s) => s.runFilesFailed),
      total((s) => s.runRowsRead),
      total((s) => s.runRowsLoaded),
      total((s) => s.runRowsRejected),
      formatBytes(total((s) => s.runBytes)),
      total((s) => s.files),
      total((s) => s.rowsLoaded),
      total((s) => s.rowsRejected),
    ]);
  }
  const failed =
    data.failedFiles.length === 0
      ? ""
      : `<h4>Files that failed as a whole</h4>${htmlTable(
          ["file", "source", "reason"],
          data.failedFiles.map((f) => [f.key, f.source, f.reason]),
        )}`;
  return `<section id="sources"><h3>Files and rows per source</h3>
<p>This run loaded the new and changed files; the right-hand columns are what the warehouse holds from all runs. Rows read = loaded + rejected.</p>
${htmlTable(
  [
    "source",
    "files loaded",
    "files failed",
    "rows read",
    "rows loaded",
    "rows rejected",
    "bytes",
    "files held",
    "rows held",
    "rejected held",
  ],
  rows,
  { numeric: [false, true, true, true, true, true, true, true, true, true] },
)}
${failed}
</section>`;
}

function rejectsSection(data: ReportData): string {
  if (data.rejects.length === 0) {
    return '<section id="rejects"><h3>Rejected rows</h3><p>No row of this run\'s files was rejected at load.</p></section>';
  }
  const rows: Cell[][] = data.rejects.map((r) => [
    r.source,
    r.column,
    r.reason,
    r.rows,
    r.files,
    `${r.exampleFile}${r.exampleRow === null ? "" : `:${r.exampleRow}`}${r.exampleValue === null ? "" : ` → ${clip(r.exampleValue, 60)}`}`,
  ]);
  return `<section id="rejects"><h3>Rejected rows</h3>
<p>Rows of this run's files that could not be parsed or cast (kept in <code>meta.rejected_rows</code>).</p>
${htmlTable(["source", "column", "reason", "rows", "files", "example"], rows)}
</section>`;
}

function clip(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

function quarantineSection(data: ReportData): string {
  if (data.stagingOrigin === "unavailable") {
    return '<section id="quarantine"><h3>Quarantined rows</h3><p class="note">Not available: this database has no staging tables and the run recorded no counts.</p></section>';
  }
  const rows: Cell[][] = data.staging.map((s) => [
    s.source,
    s.raw,
    s.staged,
    s.quarantined,
    s.superseded,
    Object.entries(s.quarantinedByReason)
      .map(([reason, count]) => `${reason} ${count.toLocaleString("en-US")}`)
      .join(", "),
  ]);
  return `<section id="quarantine"><h3>Quarantined rows</h3>
<p>How staging accounted for every raw row (raw = staged + quarantined + superseded), with the reasons rows were quarantined${data.stagingOrigin === "report step record" ? " (as recorded when the report was first written)" : ""}.</p>
${htmlTable(["source", "raw rows", "staged", "quarantined", "superseded", "quarantine reasons"], rows)}
</section>`;
}

function testsSection(data: ReportData): string {
  if (data.tests.length === 0) {
    return '<section id="tests"><h3>Data tests</h3><p>This run ran no data tests.</p></section>';
  }
  const passed = data.tests.filter((t) => t.status === "pass").length;
  const failed = data.tests.filter((t) => t.status !== "pass" && t.severity === "error").length;
  const warned = data.tests.filter((t) => t.status !== "pass" && t.severity !== "error").length;
  const row = (t: (typeof data.tests)[number]): Cell[] => [
    t.model,
    t.name,
    t.kind,
    t.severity,
    raw(badge(t.status)),
    t.failures,
    t.message,
  ];
  const headers = ["model", "test", "kind", "severity", "status", "failures", "message"];
  const problems = data.tests.filter((t) => t.status !== "pass");
  const byModel = new Map<string, (typeof data.tests)[number][]>();
  for (const test of data.tests)
    byModel.set(test.model, [...(byModel.get(test.model) ?? []), test]);
  const perModel: Cell[][] = [...byModel.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([model, tests]) => {
      const kinds = new Map<string, number>();
      for (const test of tests) kinds.set(test.kind, (kinds.get(test.kind) ?? 0) + 1);
      return [
        model,
        tests.length,
        tests.filter((t) => t.status === "pass").length,
        tests.filter((t) => t.status !== "pass" && t.severity === "error").length,
        tests.filter((t) => t.status !== "pass" && t.severity !== "error").length,
        Number(tests.reduce((sum, t) => sum + t.seconds, 0).toFixed(3)),
        [...kinds].map(([kind, n]) => `${kind} ${n}`).join(", "),
      ];
    });
  return `<section id="tests"><h3>Data tests</h3>
<p><b>${passed}</b> passed, <b>${failed}</b> failed, <b>${warned}</b> warned.</p>
${problems.length > 0 ? htmlTable(headers, problems.map(row), { className: "problems" }) : ""}
${problems.map(failingRowsTable).join("\n")}
<details><summary>Tests per model</summary>
${htmlTable(["model", "tests", "passed", "failed", "warned", "seconds", "kinds"], perModel)}
</details>
</section>`;
}

/** The rows a failed test kept (SPEC §4: up to 100), under the test. */
function failingRowsTable(test: ReportData["tests"][number]): string {
  if (test.failingRows.length === 0) return "";
  const columns = [...new Set(test.failingRows.flatMap((row) => Object.keys(row)))];
  const cells: Cell[][] = test.failingRows.map((row) =>
    columns.map((column) => {
      const value = row[column];
      if (value === null || value === undefined) return null;
      return typeof value === "number"
        ? value
        : clip(typeof value === "string" ? value : JSON.stringify(value), 80);
    }),
  );
  const kept =
    test.failingRows.length < test.failures
      ? `${test.failingRows.length} of ${test.failures} rows`
      : `${test.failingRows.length} row(s)`;
  return `<details class="failing-rows" open><summary>Rows that break <code>${escapeHtml(test.name)}</code> (${kept}, kept in <code>meta.data_test_failures</code>)</summary>
${htmlTable(columns, cells)}
</details>`;
}

/** SPEC §4 publish guards: every check with its figure and threshold. */
function guardsSection(data: ReportData): string {
  const { guards } = data;
  if (!guards) {
    return '<section id="guards"><h3>Guards</h3><p>This run checked no publish guards (only runs that publish do).</p></section>';
  }
  const breaches = guards.checks.filter((c) => c.status !== "pass");
  const compared = guards.comparedRunId
    ? `Compared with the published run <code>${escapeHtml(guards.comparedRunId)}</code>.`
    : "No run was published before: there was no history, data_as_of or mart size to compare with.";
  const verdict =
    breaches.length === 0
      ? "Every guard held."
      : guards.acceptedChanges
        ? `<b>${breaches.length}</b> guard(s) breached; the run was published anyway with <code>--accept-changes</code>.`
        : `<b>${breaches.length}</b> guard(s) breached; the run published nothing${guards.comparedRunId ? " and the previous manifest stayed in force" : ""}.`;
  const rows: Cell[][] = guards.checks.map((c) => [
    c.check,
    c.subject,
    c.previous,
    c.current,
    c.figure === null ? null : Number(c.figure.toPrecision(4)),
    c.threshold,
    raw(badge(c.status)),
    c.message,
  ]);
  return `<section id="guards"><h3>Guards</h3>
<p>${compared} ${verdict}</p>
${htmlTable(["check", "subject", "published", "this run", "figure", "threshold", "status", "message"], rows, breaches.length > 0 ? { className: "problems" } : undefined)}
</section>`;
}

function modelsSection(data: ReportData, chart: RenderedChart | undefined): string {
  if (data.models.length === 0) {
    return '<section id="models"><h3>Models</h3><p>This run did not run the transforms.</p></section>';
  }
  const count = (status: string) => data.models.filter((m) => m.status === status).length;
  const rows: Cell[][] = data.models.map((m) => [
    m.model,
    m.layer,
    m.version.slice(0, 8),
    raw(badge(m.status)),
    m.reason,
    m.rows,
    m.status === "built" ? Number(m.seconds.toFixed(3)) : null,
  ]);
  return `<section id="models"><h3>Models</h3>
<p><b>${count("built")}</b> rebuilt, <b>${count("up_to_date")}</b> up to date, <b>${count("failed")}</b> failed, <b>${count("skipped")}</b> skipped.</p>
<figure class="chart" data-chart="model-dag"><figcaption><h3>Model DAG</h3><p>Every model of the project by layer, each with its version (short) and whether this run rebuilt it; an arrow points from a model to one that reads it. Hover a model for its rows and build time.</p></figcaption><div class="svg">${renderModelDagSvg(data.models)}</div></figure>
${chart ? figure(chart) : ""}
<details><summary>All ${data.models.length} models</summary>
${htmlTable(["model", "layer", "version", "status", "reason", "rows", "seconds"], rows)}
</details>
</section>`;
}

function footer(
  data: ReportData,
  charts: readonly RenderedChart[],
  options: RenderRunReportOptions,
): string {
  const drawn = charts.filter((chart) => chart.svg !== undefined).length;
  const parts = [
    `Generated ${escapeHtml(formatTimestamp(options.now ?? new Date()))} UTC by duckmart`,
    data.databasePath ? `from ${escapeHtml(data.databasePath)}` : "",
    `${drawn} of ${charts.length} charts drawn`,
    options.publishedAs ? `published as ${escapeHtml(options.publishedAs)}` : "",
  ].filter((part) => part !== "");
  return `<footer>${parts.join(" · ")}</footer>`;
}
