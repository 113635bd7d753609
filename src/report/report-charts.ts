import { scheme } from "vega";
import type { TopLevelSpec } from "vega-lite";
import type { Logger } from "../log/logger.ts";
import { toError } from "../util/errors.ts";
import type { SqlSession } from "../warehouse/warehouse.ts";
import { type ChartCache, chartCacheKey } from "./chart-cache.ts";
import { formatValue } from "./format-value.ts";
import { plainRow } from "./plain-row.ts";
import { reportQuery } from "./read-report-data.ts";
import { renderChartSvg } from "./render-chart-svg.ts";
import type { ChartRow, ReportData } from "./report-data.ts";

/** Which part of the report a chart belongs to. */
export type ChartSection = "metrics" | "run";

/**
 * A chart spec, or why there is none: `skip` (a missing mart, no rows yet)
 * leaves a note in the report; `omit` drops the chart, for data this
 * deployment simply does not have (no order lines, so no categories).
 */
export type ChartBuild =
  | { readonly spec: TopLevelSpec }
  | { readonly skip: string }
  | { readonly omit: true };

/** One chart of the report: the marts it needs and how to build its spec. */
export interface ReportChart {
  readonly id: string;
  readonly section: ChartSection;
  readonly title: string;
  /** One or two sentences under the title: how to read it. */
  readonly caption: string;
  /** Relations (`schema.table`) the chart reads; a missing one skips it with a note. */
  readonly requires: readonly string[];
  build(context: ChartContext): Promise<ChartBuild>;
}

/** What a chart's build can read. */
export interface ChartContext {
  readonly session: SqlSession;
  readonly data: ReportData;
}

/** A chart after rendering: its SVG, or the note saying why it was skipped. */
export interface RenderedChart {
  readonly id: string;
  readonly section: ChartSection;
  readonly title: string;
  readonly caption: string;
  readonly svg?: string;
  readonly skipped?: string;
}

/** Cohorts shown at most in the retention heatmaps and LTV curves. */
export const maxCohorts = 12;
/** Sources shown at most in the CAC and ROMI charts (besides "(all)"). */
export const maxSources = 8;
/** Values shown at most per first-order dimension. */
export const maxDimensionValues = 10;

/** Short on purpose: Vega repeats it on every text; the page's CSS sets the real font stack. */
const font = "sans-serif";

const config = {
  font,
  background: "white",
  view: { stroke: null },
  // Vega cuts labels at 180 px by default: event names and long source ids lost their ends.
  axis: {
    labelFontSize: 11,
    titleFontSize: 11,
    titleFontWeight: 500,
    gridColor: "#eeeeee",
    labelLimit: 320,
  },
  legend: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 500, labelLimit: 320 },
  header: { labelFontSize: 12, labelFontWeight: 600, titleFontSize: 12 },
  title: { fontSize: 12, fontWeight: 600, anchor: "start" },
  // Per-mark ARIA labels would double the SVG size; the figure caption describes the chart.
  aria: false,
} as const;

/** `n` colours sampled from a continuous Vega scheme, dark to light. */
function palette(n: number, name = "viridis"): string[] {
  const interpolate = scheme(name) as ((t: number) => string) | undefined;
  if (typeof interpolate !== "function") return Array.from({ length: n }, () => "#4c78a8");
  return Array.from({ length: n }, (_, i) => interpolate(n === 1 ? 0.3 : (0.85 * i) / (n - 1)));
}

const categorical = [
  "#4c78a8",
  "#f58518",
  "#54a24b",
  "#e45756",
  "#72b7b2",
  "#b279a2",
  "#eeca3b",
  "#9d755d",
  "#ff9da6",
  "#bab0ac",
];

/**
 * Source ids in the order a reader expects: numbers as numbers (1, 2, 10,
 * not 1, 10, 2), then text; `(unknown)` and `(all)` last.
 */
export function compareSourceIds(a: string, b: string): number {
  const rank = (s: string) => (s === "(all)" ? 2 : s === "(unknown)" ? 1 : 0);
  return rank(a) - rank(b) || a.localeCompare(b, "en", { numeric: true });
}

function rows(result: readonly Record<string, unknown>[]): ChartRow[] {
  return result.map((row) => plainRow(row, "day"));
}

async function query(session: SqlSession, name: string, params?: readonly (string | number)[]) {
  return rows(await session.all(await reportQuery(name), params));
}

/** Month cohorts when there are enough of them to read a trend, else weeks. */
async function cohortGrain(session: SqlSession, mart: string): Promise<"month" | "week"> {
  const [row] = await session.all<{ n: number }>(
    `select count(distinct cohort_start) as n from main.${mart} where grain = 'month'`,
  );
  return (row?.n ?? 0) >= 4 ? "month" : "week";
}

function cohortLabel(grain: "month" | "week", start: string): string {
  return grain === "month" ? start.slice(0, 7) : start;
}

const noRows = (mart: string) => ({ skip: `${mart} has no rows yet` });

const activityChart: ReportChart = {
  id: "activity",
  section: "metrics",
  title: "Active users: DAU, WAU and MAU, with the sticky factor",
  caption:
    "Distinct users with a session per day, ISO week and month (mart_activity, last 365 days), and below, per month, the mean daily active users over the month's active users (DAU/MAU): how often a monthly user comes back.",
  requires: ["main.mart_activity"],
  async build({ session }) {
    const labels: Record<string, string> = { day: "DAU", week: "WAU", month: "MAU" };
    const activity = (await query(session, "activity")).map((row) => ({
      metric: labels[String(row.grain)] ?? String(row.grain),
      period_start: row.period_start,
      active_users: row.active_users,
    }));
    if (activity.length === 0) return noRows("mart_activity");
    const sticky = await query(session, "sticky");
    return {
      spec: {
        config,
        vconcat: [
          {
            width: 640,
            height: 200,
            data: { values: activity },
            mark: { type: "line", strokeWidth: 1.5, interpolate: "step-after" },
            encoding: {
              x: {
                field: "period_start",
                type: "temporal",
                timeUnit: "utcyearmonthdate",
                title: null,
              },
              y: { field: "active_users", type: "quantitative", title: "active users" },
              color: {
                field: "metric",
                type: "nominal",
                title: null,
                scale: { domain: ["DAU", "WAU", "MAU"], range: ["#4c78a8", "#f58518", "#54a24b"] },
                legend: { orient: "top", direction: "horizontal" },
              },
            },
          },
          {
            width: 640,
            height: 100,
            data: { values: sticky },
            mark: { type: "line", point: true, color: "#54a24b" },
            encoding: {
              x: { field: "month", type: "temporal", timeUnit: "utcyearmonth", title: null },
              y: {
                field: "sticky",
                type: "quantitative",
                title: "sticky DAU/MAU",
                axis: { format: ".0%" },
              },
            },
          },
        ],
      },
    };
  },
};

/** Revenue per month as stacked bars, split as `split` says (colour, stacking order). */
function monthlyRevenueBars(
  values: readonly ChartRow[] | readonly Record<string, unknown>[],
  baseCurrency: string,
  height: number,
  split: Record<string, unknown>,
): TopLevelSpec {
  return {
    config,
    width: 640,
    height,
    data: { values: values as Record<string, unknown>[] },
    mark: "bar",
    encoding: {
      x: { field: "month", type: "ordinal", timeUnit: "utcyearmonth", title: null },
      y: {
        field: "revenue",
        type: "quantitative",
        aggregate: "sum",
        title: `revenue (${baseCurrency})`,
      },
      ...split,
    },
  } as TopLevelSpec;
}

const revenueChart: ReportChart = {
  id: "revenue-monthly",
  section: "metrics",
  title: "Revenue per month: new and returning buyers",
  caption:
    "Revenue of each month's orders (mart_kpi_monthly), split by whether the buyer's first order fell in that month.",
  requires: ["main.mart_kpi_monthly"],
  async build({ session, data }) {
    const months = await query(session, "kpi-monthly");
    if (months.length === 0) return noRows("mart_kpi_monthly");
    const values = months.flatMap((row) => [
      { month: row.month, buyers: "new buyers", revenue: row.revenue_new_buyers },
      { month: row.month, buyers: "returning buyers", revenue: row.revenue_returning_buyers },
    ]);
    return {
      spec: monthlyRevenueBars(values, data.baseCurrency, 200, {
        color: {
          field: "buyers",
          type: "nominal",
          title: null,
          scale: { range: ["#4c78a8", "#9ecae9"] },
          legend: { orient: "top", direction: "horizontal" },
        },
      }),
    };
  },
};

/** Categories drawn by name in the category chart; the rest are stacked as one. */
export const maxCategories = 10;

const categoryChart: ReportChart = {
  id: "categories",
  section: "metrics",
  title: "Revenue per month by product category",
  caption: `Line revenue of each month's orders by the category of the line (mart_category_monthly; from order lines, SPEC §1.2), stacked. The ${maxCategories} categories with the most revenue by name, the others as one.`,
  requires: ["main.mart_category_monthly"],
  async build({ session, data }) {
    const values = await query(session, "category-monthly", [maxCategories]);
    // No order lines in this deployment: there is nothing to say, not a problem to report.
    if (values.length === 0) return { omit: true };
    const order = [...new Map(values.map((row) => [String(row.category), Number(row.rank)]))]
      .sort((a, b) => a[1] - b[1])
      .map(([category]) => category);
    return {
      spec: monthlyRevenueBars(values, data.baseCurrency, 220, {
        color: {
          field: "category",
          type: "nominal",
          title: null,
          sort: order,
          scale: { domain: order, range: categorical },
          legend: { orient: "right" },
        },
        order: { field: "rank", type: "quantitative", sort: "ascending" },
      }),
    };
  },
};

const retentionChart: ReportChart = {
  id: "retention",
  section: "metrics",
  title: "Retention by cohort and lifetime",
  caption: `Share of each cohort active in each lifetime (mart_retention): left, visitor cohorts (active = had a session); right, buyer cohorts (active = placed an order). The ${maxCohorts} most recent cohorts; lifetime 0 is 100% by definition, so the colour scale stops at the highest later value.`,
  requires: ["main.mart_retention"],
  async build({ session }) {
    const grain = await cohortGrain(session, "mart_retention");
    const values = (await query(session, "retention", [grain, maxCohorts])).map(
      (row): ChartRow => ({
        ...row,
        cohort: cohortLabel(grain, String(row.cohort_start)),
      }),
    );
    if (values.length === 0) return noRows("mart_retention");
    const heatmap = (basis: string, title: string, event: string) => {
      const later = values.filter((v) => v.basis === basis && Number(v.lifetime) > 0);
      const top = Math.max(0.01, ...later.map((v) => Number(v.retention_rate)));
      return {
        title,
        width: { step: 26 },
        height: { step: 18 },
        transform: [{ filter: { field: "basis", equal: basis } }],
        mark: { type: "rect" as const },
        encoding: {
          x: {
            field: "lifetime",
            type: "ordinal" as const,
            title: `${grain}s since first ${event}`,
            axis: { labelAngle: 0 },
          },
          y: { field: "cohort", type: "ordinal" as const, title: `${grain} cohort` },
          color: {
            field: "retention_rate",
            type: "quantitative" as const,
            title: "active",
            scale: { scheme: "blues", domain: [0, top], clamp: true },
            legend: { format: ".0%" },
          },
        },
      };
    };
    return {
      spec: {
        config,
        data: { values },
        hconcat: [
          heatmap("visits", "visitors (active = had a session)", "visit"),
          heatmap("orders", "buyers (active = placed an order)", "order"),
        ],
        resolve: { scale: { color: "independent" } },
      },
    };
  },
};

const ltvChart: ReportChart = {
  id: "ltv",
  section: "metrics",
  title: "LTV curves by cohort",
  caption: `Cumulative gross profit per buyer of each cohort by lifetime (mart_ltv), the ${maxCohorts} most recent cohorts. The dashed black line is all cohorts together: lifetime by lifetime it adds the gross profit per buyer of the cohorts that reached that lifetime, so fewer cohorts at later lifetimes make it less certain, never lower.`,
  requires: ["main.mart_ltv"],
  async build({ session, data }) {
    const grain = await cohortGrain(session, "mart_ltv");
    const values = (await query(session, "ltv", [grain, maxCohorts])).map((row) => ({
      ...row,
      cohort:
        row.cohort_start === "all cohorts"
          ? "all cohorts"
          : cohortLabel(grain, String(row.cohort_start)),
    }));
    if (values.length === 0) return noRows("mart_ltv");
    const cohorts = [...new Set(values.map((v) => v.cohort))].filter((c) => c !== "all cohorts");
    return {
      spec: {
        config,
        width: 640,
        height: 260,
        data: { values },
        mark: { type: "line", point: { size: 16 } },
        encoding: {
          x: {
            field: "lifetime",
            type: "quantitative",
            title: `${grain}s since first order`,
            axis: { tickMinStep: 1, format: "d" },
          },
          y: { field: "ltv", type: "quantitative", title: `LTV (${data.baseCurrency})` },
          color: {
            field: "cohort",
            type: "ordinal",
            title: `${grain} cohort`,
            scale: {
              domain: [...cohorts, "all cohorts"],
              range: [...palette(cohorts.length), "#000000"],
            },
          },
          strokeDash: {
            condition: { test: "datum.cohort === 'all cohorts'", value: [6, 3] },
            value: [1, 0],
          },
          strokeWidth: {
            condition: { test: "datum.cohort === 'all cohorts'", value: 2.5 },
            value: 1.3,
          },
        },
      },
    };
  },
};

function sourcePalette(sources: readonly string[]): { domain: string[]; range: string[] } {
  const named = sources.filter((s) => s !== "(all)").sort(compareSourceIds);
  return {
    domain: [...named, "(all)"],
    range: [...named.map((_, i) => categorical[i % categorical.length] as string), "#000000"],
  };
}

const cacChart: ReportChart = {
  id: "cac",
  section: "metrics",
  title: "CAC by source and month",
  caption: `Costs of the month over the new buyers it acquired (mart_cac), for the ${maxSources} sources with the most costs and for all sources together (black); a month without new buyers of a source has no point.`,
  requires: ["main.mart_cac"],
  async build({ session, data }) {
    const values = (await query(session, "cac", [maxSources])).filter((row) => row.cac !== null);
    if (values.length === 0) return { skip: "mart_cac has no month with costs and new buyers" };
    const sources = [...new Set(values.map((v) => String(v.source_id)))];
    const assumed = values.find((row) => row.cac_basis === "assumed");
    return {
      spec: {
        config,
        ...(assumed
          ? {
              title: `Months without cost data: CAC = assumed CPA of ${formatValue("money", Number(assumed.cac), data.baseCurrency)} (square points)`,
            }
          : {}),
        width: 640,
        height: 240,
        data: { values },
        mark: { type: "line", point: { size: 20 } },
        encoding: {
          x: { field: "month", type: "temporal", timeUnit: "utcyearmonth", title: null },
          y: { field: "cac", type: "quantitative", title: `CAC (${data.baseCurrency})` },
          ...(assumed
            ? {
                shape: {
                  field: "cac_basis",
                  type: "nominal",
                  title: "CAC from",
                  scale: { domain: ["costs", "assumed"], range: ["circle", "square"] },
                },
              }
            : {}),
          color: {
            field: "source_id",
            type: "nominal",
            title: "source",
            scale: sourcePalette(sources),
          },
          strokeWidth: {
            condition: { test: "datum.source_id === '(all)'", value: 2.5 },
            value: 1.3,
          },
        },
      },
    };
  },
};

const romiChart: ReportChart = {
  id: "romi",
  section: "metrics",
  title: "ROMI curves by source, with payback marked",
  caption: `Gross profit to date of the buyers a source acquired over what they cost, by months since their first order, over every cohort that reached that month (mart_romi); the dashed line is payback (ROMI = 1, log-like scale) and a diamond marks the first month a source's curve reaches it, also named in the legend. The ${maxSources} sources with the most costs, and all sources (black).`,
  requires: ["main.mart_romi"],
  async build({ session, data }) {
    const curves = await query(session, "romi", [maxSources]);
    if (curves.length === 0) return { skip: "mart_romi has no cohort with costs yet" };
    // Each source's own payback month (the first lifetime its plotted curve reaches 1).
    const label = (row: ChartRow) =>
      `${row.source_id} · ${row.payback_lifetime === null ? "no payback yet" : `payback m${row.payback_lifetime}`}${Number(row.assumed_cohorts) > 0 ? " · assumed CPA" : ""}`;
    const assumed = curves.find((row) => Number(row.assumed_cohorts) > 0);
    const values = curves.map((row) => ({ ...row, source: label(row) }));
    const sources = [...new Set(curves.map((row) => String(row.source_id)))];
    const palette = sourcePalette(sources);
    const labels = new Map(curves.map((row) => [String(row.source_id), label(row)]));
    const x = {
      field: "lifetime",
      type: "quantitative" as const,
      title: "months since first order",
      axis: { tickMinStep: 1, format: "d" },
    };
    const y = {
      field: "romi",
      type: "quantitative" as const,
      title: "ROMI",
      scale: { type: "symlog" as const },
    };
    const color = {
      field: "source",
      type: "nominal" as const,
      title: "source",
      scale: { domain: palette.domain.map((s) => labels.get(s) ?? s), range: palette.range },
    };
    return {
      spec: {
        config,
        ...(assumed
          ? {
              title: `Cohorts of months without cost data are priced at the assumed CPA of ${formatValue("money", Number(assumed.assumed_cpa), data.baseCurrency)} per new buyer`,
            }
          : {}),
        width: 640,
        height: 260,
        data: { values },
        layer: [
          {
            mark: { type: "rule", strokeDash: [4, 4], color: "#888888" },
            encoding: { y: { datum: 1 } },
          },
          { mark: { type: "line", strokeWidth: 1.5 }, encoding: { x, y, color } },
          {
            transform: [{ filter: "datum.lifetime === datum.payback_lifetime" }],
            mark: { type: "point", shape: "diamond", size: 120, filled: true, opacity: 1 },
            encoding: { x, y, color },
          },
        ],
      },
    };
  },
};

const segmentOrder = [
  "champions",
  "loyal",
  "potential_loyalist",
  "new",
  "promising",
  "need_attention",
  "about_to_sleep",
  "at_risk",
  "cant_lose",
  "hibernating",
];

const rfmChart: ReportChart = {
  id: "rfm",
  section: "metrics",
  title: "RFM segments: buyers and revenue",
  caption:
    "Buyers in each RFM segment and the revenue they brought to date (mart_rfm), best segments first.",
  requires: ["main.mart_rfm"],
  async build({ session, data }) {
    const values = await query(session, "rfm");
    if (values.length === 0) return noRows("mart_rfm");
    const order = [
      ...segmentOrder,
      ...values.map((v) => String(v.segment)).filter((s) => !segmentOrder.includes(s)),
    ];
    const bars = (field: string, title: string) => ({
      width: 300,
      height: { step: 18 },
      mark: { type: "bar" as const },
      encoding: {
        y: { field: "segment", type: "nominal" as const, sort: order, title: null },
        x: { field, type: "quantitative" as const, title },
        color: {
          field: "segment",
          type: "nominal" as const,
          sort: order,
          scale: { range: categorical },
          legend: null,
        },
      },
    });
    return {
      spec: {
        config,
        data: { values },
        hconcat: [bars("buyers", "buyers"), bars("revenue", `revenue (${data.baseCurrency})`)],
      },
    };
  },
};

const clvChart: ReportChart = {
  id: "clv",
  section: "metrics",
  title: "Predicted CLV and P(alive)",
  caption:
    "Left, how predicted CLV over the model's horizon is distributed among buyers (mart_clv; the last bar collects the top 1%). Right, buyers by days since their last purchase and probability of still being alive (BG/NBD); the black line is the mean P(alive) of each column. Under BG/NBD a buyer with a single purchase day has P(alive) = 1, hence the full top row.",
  requires: ["main.mart_clv"],
  async build({ session, data }) {
    const histogram = await query(session, "clv-histogram", [30]);
    if (histogram.length === 0) return noRows("mart_clv");
    const cells = await query(session, "clv-alive");
    const binDays = Number(cells[0]?.bin_days ?? 1);
    const heat = cells.map((c) => ({
      ...c,
      days_end: Number(c.days_since_last) + binDays,
      p_alive_end: Number(c.p_alive_bin) + 0.05,
    }));
    const means = [...new Map(cells.map((c) => [c.days_since_last, c])).values()].map((c) => ({
      days: Number(c.days_since_last) + binDays / 2,
      mean_p_alive: c.mean_p_alive,
    }));
    const horizon = data.clv?.horizonDays ?? null;
    const top = Math.max(...histogram.map((bin) => Number(bin.bin_end)));
    return {
      spec: {
        config,
        hconcat: [
          {
            width: 300,
            height: 220,
            data: { values: histogram },
            mark: { type: "rect", color: "#4c78a8", stroke: "white", strokeWidth: 0.5 },
            encoding: {
              x: {
                field: "bin_start",
                type: "quantitative",
                title: `predicted CLV${horizon ? `, next ${horizon} days` : ""} (${data.baseCurrency})`,
                axis: { format: top >= 100 ? ",.0f" : ",.2~f" },
              },
              x2: { field: "bin_end" },
              y: { field: "buyers", type: "quantitative", title: "buyers" },
              y2: { datum: 0 },
            },
          },
          {
            width: 300,
            height: 220,
            layer: [
              {
                data: { values: heat },
                mark: { type: "rect" },
                encoding: {
                  x: {
                    field: "days_since_last",
                    type: "quantitative",
                    title: "days since last purchase",
                  },
                  x2: { field: "days_end" },
                  y: {
                    field: "p_alive_bin",
                    type: "quantitative",
                    title: "P(alive)",
                    scale: { domain: [0, 1] },
                  },
                  y2: { field: "p_alive_end" },
                  color: {
                    field: "buyers",
                    type: "quantitative",
                    title: "buyers",
                    scale: { type: "log", scheme: "greens" },
                  },
                },
              },
              {
                data: { values: means },
                mark: { type: "line", color: "#000000", strokeWidth: 1.5 },
                encoding: {
                  x: { field: "days", type: "quantitative" },
                  y: { field: "mean_p_alive", type: "quantitative" },
                },
              },
            ],
          },
        ],
      },
    };
  },
};

const returnRateChart: ReportChart = {
  id: "return-rates",
  section: "metrics",
  title: "Return rate by first-order dimension, with 95% intervals",
  caption: `Share of buyers who placed a second order, by an attribute of their first order (mart_return_rates), with its 95% Wilson interval as a line: a short bar with a long line rests on few buyers, so a high rate there may be chance. The ${maxDimensionValues} values with the most buyers per dimension, largest first.`,
  requires: ["main.mart_return_rates"],
  async build({ session }) {
    const values = await query(session, "return-rates", [maxDimensionValues]);
    if (values.length === 0) return noRows("mart_return_rates");
    const y = {
      field: "value",
      type: "nominal" as const,
      // The query's order (most buyers first): a field sort conflicts between the layers.
      sort: null,
      title: null,
      axis: { labelLimit: 200, labelFontSize: 10 },
    };
    const dimensions = [...new Set(values.map((row) => String(row.dimension)))];
    // One small chart per dimension (not a facet: Vega-Lite cannot facet layers with independent scales cleanly).
    return {
      spec: {
        config,
        data: { values },
        columns: 3,
        concat: dimensions.map((dimension) => ({
          title: dimension,
          transform: [{ filter: { field: "dimension", equal: dimension } }],
          width: 150,
          height: { step: 13 },
          encoding: { y },
          layer: [
            {
              mark: { type: "bar" as const, color: "#9ecae9" },
              encoding: {
                x: {
                  field: "return_rate",
                  type: "quantitative" as const,
                  title: "return rate",
                  scale: { domain: [0, 1] },
                  axis: { format: ".0%", tickCount: 4 },
                },
              },
            },
            {
              mark: { type: "rule" as const, color: "#1f4e79", strokeWidth: 1.5 },
              encoding: {
                x: { field: "return_rate_ci_low", type: "quantitative" as const },
                x2: { field: "return_rate_ci_high" },
              },
            },
            {
              mark: { type: "tick" as const, color: "#1f4e79", thickness: 2, size: 9 },
              encoding: { x: { field: "return_rate", type: "quantitative" as const } },
            },
          ],
        })),
      },
    };
  },
};

const conversionChart: ReportChart = {
  id: "conversion",
  section: "metrics",
  title: "Conversion of visitors into buyers by days since the first visit",
  caption: `Share of visitors who placed a first order on the day of their first visit, within 7 and 30 days, and to date, by acquisition source (mart_conversion, weekly cohorts; a day-d share counts only cohorts whose every visitor has had d days). The ${maxSources} sources with the most visitors, and all sources (black).`,
  requires: ["main.mart_conversion", "main.mart_activity", "main.mart_user_profile"],
  async build({ session }) {
    const values = await query(session, "conversion", [maxSources]);
    if (values.length === 0) return noRows("mart_conversion");
    const sources = [...new Set(values.map((v) => String(v.source_id)))];
    const order = ["same day", "within 7 days", "within 30 days", "to date"];
    return {
      spec: {
        config,
        width: 480,
        height: 240,
        data: { values },
        mark: { type: "line", point: { size: 30 } },
        encoding: {
          x: {
            field: "label",
            type: "ordinal",
            sort: order,
            title: "first order placed",
            axis: { labelAngle: 0 },
          },
          y: {
            field: "conversion",
            type: "quantitative",
            title: "share of visitors",
            axis: { format: ".0%" },
          },
          color: {
            field: "source_id",
            type: "nominal",
            title: "source",
            scale: sourcePalette(sources),
          },
          strokeWidth: {
            condition: { test: "datum.source_id === '(all)'", value: 2.5 },
            value: 1.3,
          },
        },
      },
    };
  },
};

/** Buyers listed in the value-at-risk table. */
export const valueAtRiskRows = 20;

const valueAtRiskChart: ReportChart = {
  id: "value-at-risk",
  section: "metrics",
  title: `Valuable buyers slipping away: the top ${valueAtRiskRows} by value at risk`,
  caption:
    "Buyers in the top two monetary quintiles (m_score 4-5) whose chance of still being active (BG/NBD P(alive)) is below the riskPAlive setting, ranked by value at risk: the gross profit their past pace would bring over the CLV horizon, times the chance they are gone (mart_value_at_risk).",
  requires: ["main.mart_value_at_risk"],
  async build({ session, data }) {
    const values = await query(session, "value-at-risk", [valueAtRiskRows]);
    if (values.length === 0)
      return { skip: "mart_value_at_risk has no buyer: no valuable buyer is likely gone" };
    const [total] = await query(session, "value-at-risk-total");
    const money = data.baseCurrency;
    const columns: readonly {
      field: string;
      title: string;
      width: number;
      format?: string;
      align?: "left" | "right";
    }[] = [
      { field: "risk_rank", title: "#", width: 24, align: "right" },
      { field: "user_id", title: "buyer", width: 150, align: "left" },
      { field: "segment", title: "RFM segment", width: 120, align: "left" },
      { field: "rfm_cell", title: "RFM", width: 40, align: "right" },
      { field: "orders_count", title: "orders", width: 50, format: ",d", align: "right" },
      {
        field: "gross_profit_total",
        title: `gross profit (${money})`,
        width: 110,
        format: ",.0f",
        align: "right",
      },
      {
        field: "days_since_last_order",
        title: "days idle",
        width: 60,
        format: ",d",
        align: "right",
      },
      { field: "p_alive", title: "P(alive)", width: 60, format: ".0%", align: "right" },
      {
        field: "value_at_risk",
        title: `value at risk (${money})`,
        width: 110,
        format: ",.0f",
        align: "right",
      },
    ];
    return {
      spec: {
        config,
        title: `${formatValue("count", Number(total?.buyers ?? 0))} buyers at risk, ${formatValue("money", Number(total?.value_at_risk ?? 0), money)} of gross profit at risk in all`,
        data: { values },
        hconcat: columns.map((column) => ({
          width: column.width,
          height: { step: 16 },
          title: { text: column.title, fontSize: 11, fontWeight: 600, anchor: "end" as const },
          mark: {
            type: "text" as const,
            align: column.align ?? "left",
            fontSize: 11,
            ...(column.align === "right" ? { x: column.width } : { x: 0 }),
          },
          encoding: {
            y: { field: "risk_rank", type: "ordinal" as const, axis: null },
            text: {
              field: column.field,
              type: (column.format ? "quantitative" : "nominal") as "quantitative" | "nominal",
              ...(column.format ? { format: column.format } : {}),
            },
          },
        })),
        spacing: 6,
      },
    };
  },
};

/**
 * The mean silhouette over buyers, from the clusters' means weighted by
 * their buyers: exact when every buyer is in the silhouette sample (up to
 * 10,000), an estimate beyond.
 */
function weightedSilhouette(rows: readonly ChartRow[]): number | null {
  const scored = rows.filter((row) => row.silhouette !== null);
  const weight = scored.reduce((sum, row) => sum + Number(row.buyers), 0);
  if (weight === 0) return null;
  return scored.reduce((sum, row) => sum + Number(row.silhouette) * Number(row.buyers), 0) / weight;
}

const clusterChart: ReportChart = {
  id: "clusters",
  section: "metrics",
  title: "Behavioural segments by k-means, next to the RFM segments",
  caption:
    "Buyers grouped by k-means on standardised log recency, frequency and spend (mart_cluster_summary); k is the number of clusters with the best mean silhouette (1 = tight, well separated; 0 = overlapping). Per cluster: its share of buyers and of revenue, its members' mean days since the last order, orders and spend, and their mean silhouette.",
  requires: ["main.mart_cluster_summary"],
  async build({ session, data }) {
    const rows = await query(session, "clusters");
    if (rows.length === 0)
      return { skip: "mart_cluster_summary has no rows (fewer than 3 buyers)" };
    const values = rows.map((row) => ({
      ...row,
      name: `${row.cluster} · ${row.label}`,
    }));
    const [first] = rows;
    const names = values.map((v) => v.name);
    const panel = (field: string, title: string, format: string, showLabels: boolean) => ({
      width: 110,
      height: { step: 20 },
      mark: { type: "bar" as const },
      encoding: {
        y: {
          field: "name",
          type: "nominal" as const,
          sort: names,
          title: null,
          axis: showLabels ? { labelLimit: 320 } : null,
        },
        x: { field, type: "quantitative" as const, title, axis: { format, tickCount: 3 } },
        color: {
          field: "name",
          type: "nominal" as const,
          sort: names,
          scale: { range: categorical },
          legend: null,
        },
      },
    });
    return {
      spec: {
        config,
        title: `k = ${first?.k} clusters, mean silhouette ${weightedSilhouette(rows)?.toFixed(3) ?? "n/a"}`,
        data: { values },
        hconcat: [
          panel("share_of_buyers", "share of buyers", ".0%", true),
          panel("revenue_share", "share of revenue", ".0%", false),
          panel("mean_recency_days", "days since last order", ",.0f", false),
          panel("mean_frequency", "orders", ",.1f", false),
          panel("mean_monetary", `spend (${data.baseCurrency})`, ",.0f", false),
          panel("silhouette", "silhouette", ".2f", false),
        ],
      },
    };
  },
};

/** A horizontal bar per row: the run section's timing charts. */
function timingBars(
  values: readonly Record<string, unknown>[],
  bar: { readonly field: string; readonly step: number },
  color: Record<string, unknown>,
): TopLevelSpec {
  return {
    config,
    width: 560,
    height: { step: bar.step },
    data: { values: values as Record<string, unknown>[] },
    mark: { type: "bar" },
    encoding: {
      y: { field: bar.field, type: "nominal", sort: null, title: null },
      x: { field: "seconds", type: "quantitative", title: "seconds" },
      color: { type: "nominal", title: null, ...color },
    },
  } as TopLevelSpec;
}

const stepChart: ReportChart = {
  id: "step-timings",
  section: "run",
  title: "Step timings",
  caption: "Wall time of each step of this run, in order.",
  requires: ["meta.run_steps"],
  async build({ data }) {
    const values = data.steps
      .filter((step) => step.seconds !== null)
      .map((step) => ({ step: step.step, seconds: step.seconds, status: step.status }));
    if (values.length === 0) return { skip: "no step of this run has finished" };
    return {
      spec: timingBars(
        values,
        { field: "step", step: 20 },
        {
          field: "status",
          scale: { domain: ["succeeded", "failed"], range: ["#54a24b", "#e45756"] },
          legend: null,
        },
      ),
    };
  },
};

const modelTimingChart: ReportChart = {
  id: "model-timings",
  section: "run",
  title: "Slowest model builds",
  caption: "The 15 models of this run that took longest to build, coloured by layer.",
  requires: ["meta.model_builds"],
  async build({ data }) {
    const values = data.models
      .filter((model) => model.status === "built" || model.status === "failed")
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, 15)
      .map((model) => ({ model: model.model, layer: model.layer, seconds: model.seconds }));
    if (values.length === 0) return { skip: "no model was rebuilt in this run" };
    return {
      spec: timingBars(
        values,
        { field: "model", step: 16 },
        {
          field: "layer",
          scale: {
            domain: ["staging", "intermediate", "marts"],
            range: ["#9ecae9", "#4c78a8", "#f58518"],
          },
          legend: { orient: "bottom", direction: "horizontal" },
        },
      ),
    };
  },
};

/** The charts of the run report, in page order. */
export const reportCharts: readonly ReportChart[] = [
  activityChart,
  revenueChart,
  categoryChart,
  retentionChart,
  ltvChart,
  cacChart,
  romiChart,
  conversionChart,
  rfmChart,
  clusterChart,
  clvChart,
  valueAtRiskChart,
  returnRateChart,
  stepChart,
  modelTimingChart,
];

/**
 * Builds and renders every chart. A chart whose mart is missing, or whose
 * query or rendering fails, becomes a note in the report rather than failing
 * it: the report is how an operator finds out what went wrong.
 *
 * With a cache, a metrics chart whose marts have the same data fingerprints
 * as when it was last drawn (no mart it reads was rebuilt) is taken from the
 * cache: drawing is most of the report's cost in a run with nothing new.
 */
export async function renderReportCharts(
  session: SqlSession,
  data: ReportData,
  options: { readonly logger?: Logger; readonly cache?: ChartCache } = {},
): Promise<RenderedChart[]> {
  const rendered: RenderedChart[] = [];
  const used = new Set<string>();
  for (const chart of reportCharts) {
    const head = {
      id: chart.id,
      section: chart.section,
      title: chart.title,
      caption: chart.caption,
    };
    const missing = chart.requires.filter((relation) => !data.relations.has(relation));
    if (missing.length > 0) {
      rendered.push({ ...head, skipped: `${missing.join(", ")} is not in this database` });
      continue;
    }
    const key = options.cache ? await cacheKey(chart, data) : undefined;
    if (key !== undefined) {
      used.add(key);
      const cached = await options.cache?.get(key);
      if (cached !== undefined) {
        rendered.push({ ...head, svg: cached });
        continue;
      }
    }
    try {
      const build = await chart.build({ session, data });
      if ("omit" in build) continue;
      if ("skip" in build) {
        rendered.push({ ...head, skipped: build.skip });
        continue;
      }
      const svg = await renderChartSvg(build.spec, `chart-${chart.id}`);
      rendered.push({ ...head, svg });
      if (key !== undefined) await options.cache?.set(key, svg);
    } catch (thrown) {
      const error = toError(thrown);
      options.logger?.warn({ chart: chart.id, err: error.message }, "report chart failed; skipped");
      rendered.push({ ...head, skipped: `could not be drawn: ${error.message}` });
    }
  }
  await options.cache?.retain(used);
  return rendered;
}

/** Only metrics charts are cached, and only when every mart they read has a known fingerprint. */
async function cacheKey(chart: ReportChart, data: ReportData): Promise<string | undefined> {
  if (chart.section !== "metrics") return undefined;
  const fingerprints = chart.requires.map((relation) => data.dataFingerprints.get(relation));
  if (fingerprints.some((fingerprint) => fingerprint === undefined)) return undefined;
  return chartCacheKey(chart.id, [data.baseCurrency, ...(fingerprints as string[])]);
}
