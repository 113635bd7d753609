// mart_activity and mart_activity_summary (SPEC §3).
import type { MartRow } from "./columns.ts";
import type { Model } from "./definitions.ts";
import { dayOf, formatDate, type Grain, periodStart, secondsBetween } from "./time.ts";

interface Period {
  readonly users: Set<string>;
  sessions: number;
  seconds: number;
}

function periods(model: Model, grain: Grain): Map<number, Period> {
  const byStart = new Map<number, Period>();
  for (const visit of model.visits) {
    const start = periodStart(dayOf(visit.start), grain);
    const period = byStart.get(start) ?? { users: new Set<string>(), sessions: 0, seconds: 0 };
    period.users.add(visit.userId);
    period.sessions++;
    period.seconds += secondsBetween(visit.start, visit.end);
    byStart.set(start, period);
  }
  return new Map([...byStart].sort(([a], [b]) => a - b));
}

const grains: readonly Grain[] = ["day", "week", "month"];

export function activity(model: Model): MartRow[] {
  return grains.flatMap((grain) =>
    [...periods(model, grain)].map(([start, period]) => ({
      grain,
      period_start: formatDate(start),
      active_users: period.users.size,
      sessions: period.sessions,
      avg_session_seconds: period.seconds / period.sessions,
    })),
  );
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : a / b;
}

export function activitySummary(model: Model): MartRow[] {
  const [days, weeks, months] = grains.map((grain) => [...periods(model, grain).values()]) as [
    Period[],
    Period[],
    Period[],
  ];
  const dau = mean(days.map((p) => p.users.size));
  const wau = mean(weeks.map((p) => p.users.size));
  const mau = mean(months.map((p) => p.users.size));
  const sessions = model.visits.length;
  const seconds = model.visits.reduce((sum, v) => sum + secondsBetween(v.start, v.end), 0);
  return [
    {
      dau,
      wau,
      mau,
      sticky_wau: ratio(dau, wau),
      sticky_mau: ratio(dau, mau),
      sessions_per_user_per_day: mean(days.map((p) => p.sessions / p.users.size)),
      avg_session_seconds: sessions === 0 ? null : seconds / sessions,
    },
  ];
}
