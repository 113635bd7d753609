import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/**
 * Renders a Vega-Lite spec to an SVG string in Node: Vega-Lite compiles it to
 * Vega, and a headless Vega view (`renderer: "none"`) writes the SVG. No
 * browser and no `canvas` package are needed: without canvas, Vega estimates
 * text widths from the font size, which is close enough for axis layout.
 *
 * Every `id` in the SVG (clip paths, gradients) becomes `idPrefix-N`:
 * Vega numbers clip paths from 1 in every view, and a page that inlines
 * several SVGs would otherwise resolve `url(#clip1)` to another chart's.
 *
 * @example
 * const svg = await renderChartSvg({ data: { values: [{ a: 1 }] }, mark: "bar", encoding: { x: { field: "a" } } }, "c1");
 */
export async function renderChartSvg(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  const vega = compile(spec).spec;
  const view = new View(parse(vega), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    return slim(roundGeometry(prefixIds(svg, idPrefix)));
  } finally {
    view.finalize();
  }
}

const geometry = /(\s(?:d|transform|x|y|x1|x2|y1|y2|width|height|viewBox)=")([^"]*)"/g;

/**
 * Vega writes coordinates with up to 15 decimals; a tenth of a pixel is
 * invisible, and rounding there halves the report. Only geometry
 * attributes are touched, never text.
 */
function roundGeometry(svg: string): string {
  return svg.replace(
    geometry,
    (_, head: string, value: string) =>
      `${head}${value.replace(/(-?\d+\.\d)\d+/g, "$1").replace(/\.0(?=\D|$)/g, "")}"`,
  );
}

/**
 * Drops what a static inline SVG does not use: ARIA roles of containers
 * (the figure caption describes the chart), default opacity, pointer
 * events, and empty background paths. Mark classes stay.
 */
function slim(svg: string): string {
  return svg
    .replace(/ (?:role|aria-roledescription|aria-hidden)="[^"]*"/g, "")
    .replace(/ (?:opacity="1"|pointer-events="none"|stroke-miterlimit="4")/g, "")
    .replace(/<path class="background" d="M0,0h0v0h0Z"\/>/g, "")
    .replace(/<path class="foreground" d="" display="none"\/>/g, "");
}

function prefixIds(svg: string, prefix: string): string {
  // Vega numbers gradients with a process-wide counter; renumbering in
  // order of appearance makes the same chart the same SVG in every run.
  const ids = new Map<string, string>();
  for (const match of svg.matchAll(/\bid="([^"]+)"/g)) {
    const id = match[1] as string;
    if (!ids.has(id)) ids.set(id, `${prefix}-${ids.size + 1}`);
  }
  const rename = (id: string) => ids.get(id) ?? `${prefix}-${id}`;
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${rename(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${rename(id)})`)
    .replace(/href="#([^"]+)"/g, (_, id: string) => `href="#${rename(id)}"`);
}
