import { describe, expect, it } from "vitest";
import { coarsenRfm, coarsenSpend } from "../../src/clv/coarsen-groups.ts";
import { groupCustomers } from "../../src/clv/group-customers.ts";
import { dayNumber, sufficientStatistics } from "../../src/clv/sufficient-statistics.ts";

describe("sufficientStatistics", () => {
  it("merges same-day orders, uses repeat days only for monetary value and cuts at as-of", () => {
    const stats = sufficientStatistics(
      [
        { customerId: "a", day: 10, revenue: 100 }, // first day: not in monetary
        { customerId: "a", day: 10.7, revenue: 50 }, // same day (floored)
        { customerId: "a", day: 17, revenue: 20 },
        { customerId: "a", day: 17, revenue: 10 }, // same day: 30 that day
        { customerId: "a", day: 24, revenue: 0 },
        { customerId: "a", day: 40, revenue: 999 }, // after as-of
        { customerId: "b", day: 30, revenue: 5 },
      ],
      31,
    );
    expect(stats).toEqual([
      { customerId: "a", frequency: 2, recency: 14, tenure: 21, monetary: 15 },
      { customerId: "b", frequency: 0, recency: 0, tenure: 1, monetary: 0 },
    ]);
  });

  it("converts to weeks", () => {
    const [s] = sufficientStatistics(
      [
        { customerId: "1", day: 0, revenue: 1 },
        { customerId: "1", day: 14, revenue: 3 },
      ],
      21,
      { timeUnitDays: 7 },
    );
    expect(s).toEqual({ customerId: "1", frequency: 1, recency: 2, tenure: 3, monetary: 3 });
  });

  it("numbers days from 1970-01-01", () => {
    expect(dayNumber("1970-01-01")).toBe(0);
    expect(dayNumber("19970101")).toBe(9862);
    expect(dayNumber("1997-09-30") - dayNumber("1997-01-01")).toBe(272);
  });
});

describe("groupCustomers", () => {
  it("collapses equal triples with counts and maps customers back", () => {
    const { groups, groupOf } = groupCustomers({
      frequency: [0, 2, 0, 2, 2],
      recency: [0, 5, 0, 5, 6],
      tenure: [9, 9, 9, 9, 9],
    });
    expect(Array.from(groups.count)).toEqual([2, 2, 1]);
    expect(Array.from(groups.recency)).toEqual([0, 5, 6]);
    expect(Array.from(groupOf)).toEqual([0, 1, 0, 1, 2]);
  });
});

describe("coarsening for the Nelder-Mead stage", () => {
  it("keeps counts, frequency and the recency ≤ tenure invariant", () => {
    const n = 50_000;
    const frequency = Array.from({ length: n }, (_, i) => i % 7);
    const tenure = Array.from({ length: n }, (_, i) => (i * 7919) % 730);
    const recency = tenure.map((t, i) =>
      (frequency[i] as number) === 0 ? 0 : (t * ((i * 31) % 101)) / 100,
    );
    const coarse = coarsenRfm({ frequency, recency, tenure, count: new Array(n).fill(1) }, 5000);
    expect(coarse).toBeDefined();
    const c = coarse as NonNullable<typeof coarse>;
    expect(c.count.length).toBeLessThanOrEqual(5000);
    expect(Array.from(c.count).reduce((s, v) => s + v, 0)).toBe(n);
    for (let i = 0; i < c.count.length; i++) {
      expect(c.recency[i]).toBeLessThanOrEqual(c.tenure[i] as number);
      if (c.frequency[i] === 0) expect(c.recency[i]).toBe(0);
    }
  });

  it("returns small inputs unchanged and groups spend on a log grid", () => {
    const small = { frequency: [1], recency: [1], tenure: [2], count: [1] };
    expect(coarsenRfm(small)).toBe(small);
    const n = 30_000;
    const spend = {
      frequency: Array.from({ length: n }, (_, i) => 1 + (i % 3)),
      monetary: Array.from({ length: n }, (_, i) => 5 + ((i * 7.31) % 200)),
      count: new Array(n).fill(1),
    };
    const coarse = coarsenSpend(spend, 2000);
    expect(coarse).toBeDefined();
    const c = coarse as NonNullable<typeof coarse>;
    expect(c.count.length).toBeLessThanOrEqual(2000);
    expect(Array.from(c.count).reduce((s, v) => s + v, 0)).toBe(n);
  });
});
