import { describe, expect, it } from "vitest";
import { renderModelDagSvg } from "../../src/report/model-dag-svg.ts";
import type { ReportModel } from "../../src/report/report-data.ts";

function model(
  name: string,
  layer: string,
  parents: readonly string[],
  extra: Partial<ReportModel> = {},
): ReportModel {
  const schema = layer === "marts" ? "main" : layer;
  return {
    model: name,
    relation: `${schema}.${name}`,
    layer,
    version: `${name.length}abcdef0123456789`,
    status: "built",
    reason: "inputs_changed",
    rows: 10,
    seconds: 0.25,
    parents: parents.filter((p) => !p.startsWith("raw.")),
    sources: parents.filter((p) => p.startsWith("raw.")).map((p) => p.slice(4)),
    error: null,
    ...extra,
  };
}

/** Node positions (translate) by model name. */
function positions(svg: string): Map<string, { x: number; y: number; status: string }> {
  const found = new Map<string, { x: number; y: number; status: string }>();
  for (const match of svg.matchAll(
    /<g class="dag-node" data-model="([^"]+)" data-status="([^"]+)" transform="translate\(([\d.]+),([\d.]+)\)">/g,
  )) {
    found.set(match[1] as string, {
      status: match[2] as string,
      x: Number(match[3]),
      y: Number(match[4]),
    });
  }
  return found;
}

describe("model DAG SVG", () => {
  const models = [
    model("stg_orders_classified", "staging", ["raw.orders", "stg_fx_rates"]),
    model("stg_fx_rates", "staging", ["raw.fx_rates"], { status: "up_to_date", reason: null }),
    model("stg_orders", "staging", ["stg_orders_classified"]),
    model("int_buyers", "intermediate", ["stg_orders"]),
    model("mart_rfm", "marts", ["int_buyers"], { status: "failed", error: "boom <b>" }),
    model("mart_<odd>", "marts", ["mart_rfm"], {
      status: "skipped",
      reason: "parent mart_rfm failed",
    }),
  ];
  const svg = renderModelDagSvg(models);
  const at = positions(svg);

  it("draws one node per model and raw source, with status, short version and an edge per input", () => {
    expect([...at.keys()].sort()).toEqual(
      [...models.map((m) => m.model), "raw.fx_rates", "raw.orders"]
        .map((name) => name.replace("<", "&lt;").replace(">", "&gt;"))
        .sort(),
    );
    expect(at.get("stg_fx_rates")?.status).toBe("up_to_date");
    expect(at.get("mart_rfm")?.status).toBe("failed");
    expect(svg).toContain("v21abcdef · rebuilt · new inputs");
    expect(svg).toContain("v12abcdef · up to date");
    expect(svg.match(/class="dag-edge"/g)).toHaveLength(7);
    // Text is escaped, so a name or error cannot inject markup.
    expect(svg).not.toContain("<odd>");
    expect(svg).toContain("error: boom &lt;b&gt;");
  });

  it("puts layers top to bottom and a model below the models it reads", () => {
    const y = (name: string) => at.get(name)?.y ?? Number.NaN;
    expect(y("raw.orders")).toBeLessThan(y("stg_fx_rates"));
    expect(y("stg_fx_rates")).toBeLessThan(y("stg_orders_classified"));
    expect(y("stg_orders_classified")).toBeLessThan(y("stg_orders"));
    expect(y("stg_orders")).toBeLessThan(y("int_buyers"));
    expect(y("int_buyers")).toBeLessThan(y("mart_rfm"));
    expect(y("mart_rfm")).toBeLessThan(y("mart_&lt;odd&gt;"));
    for (const layer of ["raw", "staging", "intermediate", "marts"])
      expect(svg).toContain(`data-layer="${layer}"`);
  });

  it("wraps a wide rank so the drawing stays page-wide", () => {
    const wide = Array.from({ length: 14 }, (_, i) =>
      model(`stg_${String(i).padStart(2, "0")}`, "staging", ["raw.visits"]),
    );
    const drawn = positions(renderModelDagSvg(wide));
    const rows = new Set([...drawn.values()].filter((p) => p.status !== "source").map((p) => p.y));
    expect(rows.size).toBe(3);
    const width = Number(/width="(\d+)"/.exec(renderModelDagSvg(wide))?.[1]);
    expect(width).toBeLessThan(1250);
  });
});
