import type { Random } from "./random.ts";

/**
 * Decides on which days each kind of planted dirty row appears, and carries a
 * planting over to the next day when a day has no row it can spoil, so the
 * planted counts hit their targets whenever the data has room for them.
 */
export class DirtPlan<Kind extends string> {
  private readonly scheduled = new Map<Kind, Int32Array>();
  private readonly pendingCounts = new Map<Kind, number>();
  private readonly placedCounts = new Map<Kind, number>();

  /** Spreads `targets[kind]` plantings of every kind over `days` days, uniformly at random. */
  constructor(random: Random, days: number, targets: Readonly<Record<Kind, number>>) {
    for (const kind of Object.keys(targets) as Kind[]) {
      const perDay = new Int32Array(days);
      for (let planting = 0; planting < targets[kind]; planting++) {
        const day = random.int(0, days - 1);
        perDay[day] = (perDay[day] as number) + 1;
      }
      this.scheduled.set(kind, perDay);
      this.pendingCounts.set(kind, 0);
      this.placedCounts.set(kind, 0);
    }
  }

  /** Makes the plantings scheduled for `day` due; call once per day, in day order. */
  openDay(day: number): void {
    for (const [kind, perDay] of this.scheduled) {
      this.pendingCounts.set(kind, (this.pendingCounts.get(kind) ?? 0) + (perDay[day] ?? 0));
    }
  }

  /** How many plantings of `kind` are due and not yet placed. */
  due(kind: Kind): number {
    return this.pendingCounts.get(kind) ?? 0;
  }

  /** Records that one planting of `kind` was placed. */
  place(kind: Kind): void {
    const due = this.due(kind);
    if (due <= 0) throw new RangeError(`no planting of ${kind} is due`);
    this.pendingCounts.set(kind, due - 1);
    this.placedCounts.set(kind, (this.placedCounts.get(kind) ?? 0) + 1);
  }

  /** How many plantings of `kind` were placed so far. */
  placed(kind: Kind): number {
    return this.placedCounts.get(kind) ?? 0;
  }
}
