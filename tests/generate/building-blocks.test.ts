import { describe, expect, it } from "vitest";
import { DayBuckets } from "../../src/generate/day-buckets.ts";
import { DirtPlan } from "../../src/generate/dirt-plan.ts";
import { Random } from "../../src/generate/random.ts";
import { WeightedTable } from "../../src/generate/weighted-table.ts";

describe("WeightedTable", () => {
  it("draws each index in proportion to its weight and never a zero-weight one", () => {
    const table = new WeightedTable([2, 0, 1, 5]);
    const random = new Random(11);
    const counts = [0, 0, 0, 0];
    const draws = 80_000;
    for (let i = 0; i < draws; i++) {
      const index = table.draw(random);
      counts[index] = (counts[index] ?? 0) + 1;
    }
    expect(counts[1]).toBe(0);
    for (const [index, weight] of [
      [0, 2],
      [2, 1],
      [3, 5],
    ] as const) {
      const p = weight / 8;
      const observed = (counts[index] ?? 0) / draws;
      expect(Math.abs(observed - p)).toBeLessThan(4.5 * Math.sqrt((p * (1 - p)) / draws));
    }
    expect(() => new WeightedTable([0, 0])).toThrow(RangeError);
    expect(() => new WeightedTable([1, Number.NaN])).toThrow(RangeError);
  });
});

describe("DayBuckets", () => {
  it("keeps records per day in insertion order, grows, drops days outside the period and hands a day out once", () => {
    const buckets = new DayBuckets(3, 2);
    for (let n = 0; n < 100; n++) buckets.push(1, [n, n + 0.5]);
    buckets.push(2, [7, 8]);
    buckets.push(3, [9, 9]);
    buckets.push(-1, [9, 9]);
    const day1 = buckets.take(1);
    expect(day1).toHaveLength(200);
    expect(day1[0]).toBe(0);
    expect(day1[199]).toBe(99.5);
    expect([...buckets.take(2)]).toEqual([7, 8]);
    expect([...buckets.take(0)]).toEqual([]);
    expect(() => buckets.take(1)).toThrow(RangeError);
    expect(() => buckets.push(2, [1])).toThrow(RangeError);
  });
});

describe("DirtPlan", () => {
  it("places exactly the targets when days have room, carrying plantings over days that have none", () => {
    const days = 30;
    const plan = new DirtPlan(new Random(5), days, { a: 12, b: 3 });
    let placedA = 0;
    for (let day = 0; day < days; day++) {
      plan.openDay(day);
      // Odd days have no room for kind a: its plantings must wait for the next even day.
      if (day % 2 === 0 || day === days - 1) {
        while (plan.due("a") > 0) {
          plan.place("a");
          placedA++;
        }
      }
      while (plan.due("b") > 0) plan.place("b");
    }
    expect(placedA).toBe(12);
    expect(plan.placed("a")).toBe(12);
    expect(plan.placed("b")).toBe(3);
    expect(() => plan.place("b")).toThrow(RangeError);
  });
});
