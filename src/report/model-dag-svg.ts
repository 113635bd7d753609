import { escapeHtml } from "./html.ts";
import type { ReportModel } from "./report-data.ts";

/** Layers top to bottom; a layer not listed (another schema) goes last. */
const layerOrder = ["raw", "staging", "intermediate", "marts"];

const nodeWidth = 184;
const nodeHeight = 36;
const gapX = 14;
const gapY = 30;
const bandPadTop = 20;
const bandPadBottom = 10;
const margin = 10;
/** A row holds at most this many nodes; wider ranks wrap, so the SVG fits a page. */
const maxPerRow = 6;

const styles: Readonly<Record<string, { fill: string; stroke: string; label: string }>> = {
  built: { fill: "#d9f0d3", stroke: "#3a8f3a", label: "rebuilt in this run" },
  up_to_date: { fill: "#f4f4f4", stroke: "#9a9a9a", label: "up to date (not rebuilt)" },
  failed: { fill: "#fde0dd", stroke: "#c0392b", label: "failed" },
  skipped: { fill: "#fff3cd", stroke: "#c99a06", label: "skipped (a parent failed)" },
  source: { fill: "#e8eef7", stroke: "#4c78a8", label: "raw source" },
};

const reasons: Readonly<Record<string, string>> = {
  new: "new model",
  version_changed: "new version",
  inputs_changed: "new inputs",
  missing: "table missing",
  full_refresh: "full refresh",
};

interface DagNode {
  readonly id: string;
  readonly label: string;
  readonly layer: string;
  readonly status: string;
  readonly detail: string;
  readonly title: string;
  readonly parents: readonly string[];
}

interface Placed {
  readonly node: DagNode;
  x: number;
  y: number;
}

/**
 * Draws the model DAG of a run as SVG: raw sources on top, then staging,
 * intermediate and marts bands; inside a band, rows by depth (a model sits
 * below the models of its band it reads), ordered to keep edges short. Each
 * node shows the model, its short version and whether this run rebuilt it;
 * hovering shows rows, seconds and the reason (an SVG `<title>`, no script).
 *
 * @example
 * const svg = renderModelDagSvg(data.models);
 */
export function renderModelDagSvg(models: readonly ReportModel[]): string {
  const nodes = dagNodes(models);
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const layers = [...new Set(nodes.map((node) => node.layer))].sort(
    (a, b) => rank(a) - rank(b) || a.localeCompare(b),
  );

  const depth = new Map<string, number>();
  const depthOf = (node: DagNode, seen: Set<string> = new Set()): number => {
    const known = depth.get(node.id);
    if (known !== undefined) return known;
    if (seen.has(node.id)) return 0;
    seen.add(node.id);
    let value = 0;
    for (const parentId of node.parents) {
      const parent = byId.get(parentId);
      if (parent && parent.layer === node.layer) value = Math.max(value, depthOf(parent, seen) + 1);
    }
    depth.set(node.id, value);
    return value;
  };

  const innerWidth = maxPerRow * (nodeWidth + gapX) - gapX;
  const width = innerWidth + 2 * margin + 2 * gapX;
  const placed = new Map<string, Placed>();
  const bands: { layer: string; top: number; bottom: number }[] = [];
  let y = margin;
  for (const layer of layers) {
    const members = nodes.filter((node) => node.layer === layer);
    const top = y;
    y += bandPadTop;
    const maxDepth = Math.max(...members.map((node) => depthOf(node)));
    for (let d = 0; d <= maxDepth; d += 1) {
      const ranked = orderByParents(
        members.filter((node) => depthOf(node) === d),
        placed,
      );
      for (let start = 0; start < ranked.length; start += maxPerRow) {
        const row = ranked.slice(start, start + maxPerRow);
        const rowWidth = row.length * (nodeWidth + gapX) - gapX;
        let x = margin + gapX + (innerWidth - rowWidth) / 2;
        for (const node of row) {
          placed.set(node.id, { node, x, y });
          x += nodeWidth + gapX;
        }
        y += nodeHeight + gapY;
      }
    }
    y -= gapY;
    y += bandPadBottom;
    bands.push({ layer, top, bottom: y });
    y += 8;
  }
  const legendTop = y + 6;
  const height = legendTop + 22;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="dag" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif">`,
    `<defs><marker id="dag-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L8,4L0,8z" fill="#8a8a8a"/></marker></defs>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  );
  for (const band of bands) {
    parts.push(
      `<g class="dag-layer" data-layer="${escapeHtml(band.layer)}"><rect x="${margin}" y="${band.top}" width="${width - 2 * margin}" height="${band.bottom - band.top}" rx="6" fill="${band.layer === "raw" ? "#fafcff" : "#fbfbfb"}" stroke="#e3e3e3"/>`,
      `<text x="${margin + 8}" y="${band.top + 14}" font-size="11" font-weight="600" fill="#666">${escapeHtml(band.layer)}</text></g>`,
    );
  }
  parts.push('<g class="dag-edges" fill="none">');
  for (const child of placed.values()) {
    for (const parentId of child.node.parents) {
      const parent = placed.get(parentId);
      if (!parent) continue;
      const x1 = parent.x + nodeWidth / 2;
      const y1 = parent.y + nodeHeight;
      const x2 = child.x + nodeWidth / 2;
      const y2 = child.y - 1;
      const bend = Math.max(12, (y2 - y1) / 2);
      const rebuilt = child.node.status === "built";
      parts.push(
        `<path class="dag-edge" d="M${x1},${y1}C${x1},${y1 + bend} ${x2},${y2 - bend} ${x2},${y2}" stroke="${rebuilt ? "#3a8f3a" : "#b5b5b5"}" stroke-opacity="${rebuilt ? 0.55 : 0.8}" stroke-width="1.1" marker-end="url(#dag-arrow)"/>`,
      );
    }
  }
  parts.push("</g>");
  for (const { node, x, y: top } of placed.values()) {
    const style = styles[node.status] ?? (styles.up_to_date as (typeof styles)[string]);
    parts.push(
      `<g class="dag-node" data-model="${escapeHtml(node.id)}" data-status="${escapeHtml(node.status)}" transform="translate(${x},${top})">`,
      `<title>${escapeHtml(node.title)}</title>`,
      `<rect width="${nodeWidth}" height="${nodeHeight}" rx="4" fill="${style.fill}" stroke="${style.stroke}"/>`,
      `<text x="8" y="15" font-size="11" font-weight="600" fill="#222">${escapeHtml(clip(node.label, 29))}</text>`,
      `<text x="8" y="28" font-size="9.5" fill="#555">${escapeHtml(clip(node.detail, 36))}</text>`,
      "</g>",
    );
  }
  let legendX = margin;
  parts.push(`<g class="dag-legend" font-size="10" fill="#444">`);
  for (const style of Object.values(styles)) {
    parts.push(
      `<rect x="${legendX}" y="${legendTop}" width="12" height="12" rx="2" fill="${style.fill}" stroke="${style.stroke}"/>`,
      `<text x="${legendX + 16}" y="${legendTop + 10}">${escapeHtml(style.label)}</text>`,
    );
    legendX += 26 + style.label.length * 5.6;
  }
  parts.push("</g></svg>");
  return parts.join("");
}

function rank(layer: string): number {
  const index = layerOrder.indexOf(layer);
  return index === -1 ? layerOrder.length : index;
}

function clip(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

function dagNodes(models: readonly ReportModel[]): DagNode[] {
  const sources = [...new Set(models.flatMap((model) => model.sources))].sort();
  const nodes: DagNode[] = sources.map((source) => ({
    id: `raw.${source}`,
    label: `raw.${source}`,
    layer: "raw",
    status: "source",
    detail: "loaded by ingest",
    title: `raw.${source}: raw rows of every loaded ${source} file`,
    parents: [],
  }));
  for (const model of models) {
    const short = model.version.slice(0, 8);
    const state =
      model.status === "built"
        ? `rebuilt · ${reasons[model.reason ?? ""] ?? model.reason ?? ""}`
        : model.status === "up_to_date"
          ? "up to date"
          : model.status;
    const facts = [
      `${model.relation} (version ${model.version})`,
      `status: ${model.status}${model.reason ? ` (${model.reason})` : ""}`,
      model.rows === null ? undefined : `rows: ${model.rows.toLocaleString("en-US")}`,
      model.status === "built" ? `build: ${model.seconds.toFixed(3)} s` : undefined,
      model.error ? `error: ${model.error}` : undefined,
    ].filter((line) => line !== undefined);
    nodes.push({
      id: model.model,
      label: model.model,
      layer: model.layer,
      status: model.status,
      detail: `v${short} · ${state}`,
      title: facts.join("\n"),
      parents: [...model.parents, ...model.sources.map((source) => `raw.${source}`)],
    });
  }
  return nodes;
}

/**
 * Orders a row by the mean x of each node's already placed parents (the
 * barycenter heuristic), so edges run mostly straight down; nodes without a
 * placed parent keep name order at the end.
 */
function orderByParents(row: readonly DagNode[], placed: ReadonlyMap<string, Placed>): DagNode[] {
  const center = (node: DagNode): number => {
    const xs = node.parents
      .map((id) => placed.get(id)?.x)
      .filter((x): x is number => x !== undefined);
    return xs.length === 0 ? Number.POSITIVE_INFINITY : xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  return [...row].sort((a, b) => center(a) - center(b) || a.id.localeCompare(b.id));
}
