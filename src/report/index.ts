/**
 * The run report (issue 8): one self-contained HTML page per run with the
 * headline KPIs, charts of the marts rendered server-side from Vega-Lite to
 * SVG, and the run's own record (files, rejects, quarantine, tests, steps,
 * the model DAG).
 *
 * @example
 * import { writeRunReport } from "./report/index.ts";
 * const { path } = await writeRunReport(warehouse, { baseCurrency: "RUB", warehousePath: settings.warehouse });
 */
export { type ChartCache, directoryChartCache } from "./chart-cache.ts";
export { formatValue, type ValueKind } from "./format-value.ts";
export { renderModelDagSvg } from "./model-dag-svg.ts";
export { readReportData } from "./read-report-data.ts";
export { renderChartSvg } from "./render-chart-svg.ts";
export {
  buildRunReport,
  type Kpi,
  type RenderRunReportOptions,
  type RunReport,
  renderRunReport,
  reportKpis,
} from "./render-run-report.ts";
export { type RenderedChart, reportCharts } from "./report-charts.ts";
export type { ReportData } from "./report-data.ts";
export {
  chartCacheDir,
  latestReportKey,
  localReportPath,
  pruneReports,
  reportKey,
  type WriteRunReportOptions,
  type WrittenRunReport,
  writeRunReport,
} from "./write-run-report.ts";
