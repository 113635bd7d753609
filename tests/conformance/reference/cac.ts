// mart_cac and mart_romi (SPEC §3): costs and new buyers per month and
// acquisition source, then the buyers' cumulative gross profit against cac.
import type { MartRow } from "./columns.ts";
import { type Buyer, lifetimeOf, lifetimesOf, type Model, unknown } from "./definitions.ts";
import { compareText, dayOf, formatDate, monthIndex, monthStartOfIndex } from "./time.ts";

export const all = "(all)";

interface CacCell {
  readonly month: number;
  readonly sourceId: string;
  readonly costs: number;
  readonly buyers: readonly Buyer[];
  /** SPEC §3: `assumed` when assumedCac is set and the month has no staged cost rows. */
  readonly basis: "costs" | "assumed";
}

/** The mart_cac rows before formatting, month by month, `(all)` and `(unknown)` included. */
function cacCells(model: Model): CacCell[] {
  const costs = new Map<number, Map<string, number>>();
  for (const cost of model.costs) {
    const month = monthIndex(cost.day);
    const bySource = costs.get(month) ?? new Map<string, number>();
    bySource.set(cost.sourceId, (bySource.get(cost.sourceId) ?? 0) + cost.costs);
    costs.set(month, bySource);
  }
  const newBuyers = new Map<number, Map<string, Buyer[]>>();
  for (const buyer of model.buyers.values()) {
    const month = monthIndex(dayOf(buyer.first.createdAt));
    const bySource = newBuyers.get(month) ?? new Map<string, Buyer[]>();
    const list = bySource.get(buyer.acquisitionSource) ?? [];
    list.push(buyer);
    bySource.set(buyer.acquisitionSource, list);
    newBuyers.set(month, bySource);
  }
  const cells: CacCell[] = [];
  const months = [...new Set([...costs.keys(), ...newBuyers.keys()])].sort((a, b) => a - b);
  for (const month of months) {
    const monthCosts = costs.get(month) ?? new Map<string, number>();
    const monthBuyers = newBuyers.get(month) ?? new Map<string, Buyer[]>();
    const sources = new Set([...monthCosts.keys(), ...monthBuyers.keys()]);
    sources.delete(unknown);
    const assumedCac = model.settings.assumedCac ?? null;
    const basis = assumedCac !== null && !costs.has(month) ? "assumed" : "costs";
    cells.push({
      basis,
      month,
      sourceId: all,
      costs: [...monthCosts.values()].reduce((a, b) => a + b, 0),
      buyers: [...monthBuyers.values()].flat(),
    });
    const unknownBuyers = monthBuyers.get(unknown) ?? [];
    if (unknownBuyers.length > 0)
      cells.push({ basis, month, sourceId: unknown, costs: 0, buyers: unknownBuyers });
    for (const sourceId of [...sources].sort(compareText)) {
      cells.push({
        basis,
        month,
        sourceId,
        costs: monthCosts.get(sourceId) ?? 0,
        buyers: monthBuyers.get(sourceId) ?? [],
      });
    }
  }
  return cells;
}

function cacOf(model: Model, cell: CacCell): number | null {
  if (cell.basis === "assumed") return model.settings.assumedCac ?? null;
  return cell.buyers.length === 0 ? null : cell.costs / cell.buyers.length;
}

export function cac(model: Model): MartRow[] {
  return cacCells(model).map((cell) => ({
    month: formatDate(monthStartOfIndex(cell.month)),
    source_id: cell.sourceId,
    costs: cell.costs,
    new_buyers: cell.buyers.length,
    cac: cacOf(model, cell),
    cac_basis: cell.basis,
  }));
}

export function romi(model: Model): MartRow[] {
  const margin = model.settings.margin;
  const rows: MartRow[] = [];
  for (const cell of cacCells(model)) {
    if (cell.buyers.length === 0) continue;
    const start = monthStartOfIndex(cell.month);
    const cellCac = cacOf(model, cell);
    const byLifetime = new Map<number, number>();
    for (const buyer of cell.buyers) {
      for (const order of buyer.orders) {
        const lifetime = lifetimeOf(start, dayOf(order.createdAt), "month");
        byLifetime.set(lifetime, (byLifetime.get(lifetime) ?? 0) + order.revenue * margin);
      }
    }
    const cellRows: MartRow[] = [];
    let cumulative = 0;
    for (const lifetime of lifetimesOf(model, start, "month")) {
      cumulative += byLifetime.get(lifetime) ?? 0;
      const cellLtv = cumulative / cell.buyers.length;
      cellRows.push({
        cohort_start: formatDate(start),
        source_id: cell.sourceId,
        lifetime,
        new_buyers: cell.buyers.length,
        cac: cellCac,
        ltv: cellLtv,
        romi: cellCac === null || cellCac === 0 ? null : cellLtv / cellCac,
        payback_lifetime: null,
        cac_basis: cell.basis,
      });
    }
    const payback = cellRows.find((row) => row.romi !== null && (row.romi as number) >= 1);
    for (const row of cellRows) rows.push({ ...row, payback_lifetime: payback?.lifetime ?? null });
  }
  return rows;
}
