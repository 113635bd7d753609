import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  defaultGenerateOptions,
  demoBgNbdParameters,
  type GenerateOptions,
  type GenerationSummary,
  generateExports,
} from "../../src/generate/generate-exports.ts";
import { builtInSources as sources } from "../../src/sources/built-in-sources.ts";
import { type RawRow, type StagingOutcome, stage, type WrittenObject } from "./staging-model.ts";

interface Generated {
  readonly objects: WrittenObject[];
  readonly summary: GenerationSummary;
}

async function generate(options: GenerateOptions): Promise<Generated> {
  const objects: WrittenObject[] = [];
  const summary = await generateExports(options, {
    // A sink that yields to the event loop, as a real one would.
    write: async (key, body) => {
      await new Promise((resolve) => setImmediate(resolve));
      objects.push({ key, body, writeIndex: objects.length });
    },
  });
  return { objects, summary };
}

function digest(objects: readonly WrittenObject[]): string {
  const hash = createHash("sha256");
  for (const { key, body } of objects) hash.update(key).update("\0").update(body).update("\0");
  return hash.digest("hex");
}

// SPEC §1 column order, written out here rather than imported from the generator.
const expectedHeaders: Record<string, string> = {
  visits: "user_id,session_start,session_end,device,source_id",
  orders: "order_id,user_id,created_at,revenue,currency,tickets_count,service,event_id,device",
  events: "event_id,event_type,region,city",
  costs: "dt,source_id,costs",
  fx_rates: "dt,currency,rate",
};

const timestampPattern = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const decimalPattern = /^-?\d+(\.\d+)?$/;
const seconds = (timestamp: string): number => Date.parse(`${timestamp.replace(" ", "T")}Z`) / 1000;
const dateOfKey = (key: string): string => /dt=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1] ?? "";

function isValidTimestamp(text: string): boolean {
  return (
    timestampPattern.test(text) &&
    new Date(`${text.replace(" ", "T")}Z`).toISOString().slice(0, 19) === text.replace(" ", "T")
  );
}

function expectPlantedCountsMatch(summary: GenerationSummary, outcome: StagingOutcome): void {
  expect(outcome.quarantined).toEqual(summary.planted.quarantined);
  expect(outcome.superseded).toEqual(summary.planted.superseded);
  for (const source of Object.keys(outcome.staged) as (keyof StagingOutcome["staged"])[]) {
    expect(outcome.staged[source].length, source).toBe(summary.expectedStaged[source]);
    expect(outcome.raw[source].length, source).toBe(summary.rows[source]);
  }
  expect(outcome.orderingDisagreements).toBe(0);
  expect(outcome.ambiguousRows).toBe(0);
}

describe("generateExports at the demo scale", () => {
  let demo: Generated;
  beforeAll(async () => {
    demo = await generate(defaultGenerateOptions);
  });

  it("is byte-identical for the same seed, in the same write order, and differs for another seed", async () => {
    const again = await generate(defaultGenerateOptions);
    expect(again.objects.map((object) => object.key)).toEqual(
      demo.objects.map((object) => object.key),
    );
    expect(digest(again.objects)).toBe(digest(demo.objects));
    expect(again.summary).toEqual(demo.summary);
    const other = await generate({
      ...defaultGenerateOptions,
      seed: defaultGenerateOptions.seed + 1,
    });
    expect(digest(other.objects)).not.toBe(digest(demo.objects));
    const visitsOf = (generated: Generated) =>
      generated.objects.find((object) => object.key.startsWith("visits/"))?.body.toString("utf8");
    expect(visitsOf(other)).not.toBe(visitsOf(demo));
  });

  it("writes one object per source per day, day by day, under {source}/dt=YYYY-MM-DD/part-000.csv", () => {
    const { days } = defaultGenerateOptions;
    expect(demo.summary.files).toBe(5 * days);
    expect(demo.objects).toHaveLength(5 * days);
    expect(new Set(demo.objects.map((object) => object.key)).size).toBe(5 * days);
    const dates = demo.objects.map((object) => dateOfKey(object.key));
    expect(dates.every((date, index) => index === 0 || date >= (dates[index - 1] as string))).toBe(
      true,
    );
    expect(dates[0]).toBe("2024-01-01");
    expect(dates.at(-1)).toBe(demo.summary.lastDate);
    for (const object of demo.objects) {
      expect(object.key).toMatch(
        /^(visits|orders|events|costs|fx_rates)\/dt=\d{4}-\d{2}-\d{2}\/part-000\.csv$/,
      );
    }
    expect(demo.summary.bytes).toBe(
      demo.objects.reduce((sum, object) => sum + object.body.length, 0),
    );
  });

  it("gives every file its SPEC header, with every required column of the ingest's source definitions", () => {
    for (const object of demo.objects) {
      const source = object.key.split("/")[0] as string;
      const text = object.body.toString("utf8");
      expect(text.charCodeAt(0)).not.toBe(0xfeff);
      expect(text.slice(0, text.indexOf("\n"))).toBe(expectedHeaders[source]);
      expect(text.endsWith("\n")).toBe(true);
    }
    // The generator writes every built-in source but order lines (SPEC §1.2 is optional).
    for (const definition of sources.filter((source) => source.name !== "order_lines")) {
      const header = (expectedHeaders[definition.name as keyof typeof expectedHeaders] ?? "").split(
        ",",
      );
      for (const column of definition.columns.filter((c) => c.required))
        expect(header).toContain(column.name);
    }
  });

  it("reports planted counts that an independent SPEC §1 staging finds in the files", () => {
    const outcome = stage(demo.objects);
    expectPlantedCountsMatch(demo.summary, outcome);
    // The demo must show every kind of problem at least once.
    expect(demo.summary.planted.quarantined.visits).toMatchObject({
      session_end_before_start: expect.any(Number),
      missing_session_end: expect.any(Number),
    });
    expect(Object.keys(demo.summary.planted.quarantined.orders).sort()).toEqual([
      "missing_user_id",
      "negative_revenue",
      "no_fx_rate",
    ]);
    expect(demo.summary.planted.quarantined.costs.negative_costs).toBeGreaterThan(0);
    expect(demo.summary.planted.superseded.visits).toBeGreaterThan(0);
    expect(demo.summary.planted.superseded.orders).toBeGreaterThan(0);
    expect(demo.summary.bgnbd).toEqual(demoBgNbdParameters);
  });

  it("rejects options outside what it can generate", async () => {
    const sink = { write: async () => {} };
    await expect(generateExports({ users: 0, days: 10, seed: 1 }, sink)).rejects.toThrow(/users/);
    await expect(generateExports({ users: 10, days: 1.5, seed: 1 }, sink)).rejects.toThrow(/days/);
    await expect(generateExports({ users: 10, days: 10, seed: 0.5 }, sink)).rejects.toThrow(/seed/);
    await expect(
      generateExports({ users: 10, days: 10, seed: 1, startDate: "2024-13-01" }, sink),
    ).rejects.toThrow(/startDate/);
    await expect(
      generateExports({ users: 10, days: 10, seed: 1, startDate: "2023-02-29" }, sink),
    ).rejects.toThrow(/startDate/);
    await expect(
      generateExports(
        { users: 10, days: 10, seed: 1, bgnbd: { r: 1, alpha: 0, a: 1, b: 1 } },
        sink,
      ),
    ).rejects.toThrow(/bgnbd/);
  });

  it("draws repeat purchases from the BG/NBD parameters it is given", async () => {
    const ordersPerBuyer = (generated: Generated): number[] => {
      const counts = new Map<string, number>();
      for (const row of stage(generated.objects).staged.orders) {
        counts.set(row.values.user_id ?? "", (counts.get(row.values.user_id ?? "") ?? 0) + 1);
      }
      return [...counts.values()];
    };
    const base = { users: 4000, days: 90, seed: 5 };
    // p ≈ 0.99: a buyer dies after the first repeat purchase, so nobody reaches three orders.
    const dying = await generate({ ...base, bgnbd: { r: 2, alpha: 10, a: 99, b: 1 } });
    expect(dying.summary.bgnbd).toEqual({ r: 2, alpha: 10, a: 99, b: 1 });
    const dyingCounts = ordersPerBuyer(dying);
    expect(dyingCounts.filter((count) => count >= 3).length / dyingCounts.length).toBeLessThan(
      0.03,
    );
    expect(dyingCounts.filter((count) => count === 2).length / dyingCounts.length).toBeGreaterThan(
      0.5,
    );
    // p ≈ 0 and a purchase every 5 days: buyers keep buying.
    const loyal = await generate({ ...base, bgnbd: { r: 20, alpha: 100, a: 0.01, b: 100 } });
    const loyalCounts = ordersPerBuyer(loyal);
    expect(loyalCounts.filter((count) => count >= 3).length / loyalCounts.length).toBeGreaterThan(
      0.6,
    );
  });

  it("honours startDate and works for a single day", async () => {
    const oneDay = await generate({ users: 50, days: 1, seed: 3, startDate: "2023-12-31" });
    expect(oneDay.objects.map((object) => object.key)).toEqual([
      "events/dt=2023-12-31/part-000.csv",
      "fx_rates/dt=2023-12-31/part-000.csv",
      "costs/dt=2023-12-31/part-000.csv",
      "visits/dt=2023-12-31/part-000.csv",
      "orders/dt=2023-12-31/part-000.csv",
    ]);
    expectPlantedCountsMatch(oneDay.summary, stage(oneDay.objects));
  });
});

describe("generateExports at a larger scale", () => {
  const options = { users: 20_000, days: 60, seed: 7, startDate: "2024-03-01" };
  let generated: Generated;
  let outcome: StagingOutcome;
  const raw = (source: keyof StagingOutcome["raw"]): RawRow[] => outcome.raw[source];

  beforeAll(async () => {
    generated = await generate(options);
    outcome = stage(generated.objects);
  });

  it("reports planted counts that an independent SPEC §1 staging finds, tens of rows and well under 1%", () => {
    expectPlantedCountsMatch(generated.summary, outcome);
    for (const source of ["visits", "orders"] as const) {
      const quarantined = Object.values(outcome.quarantined[source]).reduce((sum, n) => sum + n, 0);
      expect(quarantined).toBeGreaterThan(0);
      expect(quarantined).toBeLessThan(50);
      expect(quarantined / raw(source).length).toBeLessThan(0.005);
    }
  });

  it("has values that load without rejects: timestamps, dates, plain decimals, integer ticket counts", () => {
    // Collect offenders instead of asserting per value: tens of thousands of expect calls are slow.
    const bad: string[] = [];
    const check = (ok: boolean, what: string, value: string | undefined): void => {
      if (!ok) bad.push(`${what}: ${value}`);
    };
    for (const { values } of raw("visits")) {
      check(isValidTimestamp(values.session_start ?? ""), "session_start", values.session_start);
      const end = values.session_end ?? "";
      check(end === "" || isValidTimestamp(end), "session_end", end);
    }
    for (const { values } of raw("orders")) {
      const created = values.created_at ?? "";
      check(created === "" || isValidTimestamp(created), "created_at", created);
      check(decimalPattern.test(values.revenue ?? ""), "revenue", values.revenue);
      check(/^[1-6]$/.test(values.tickets_count ?? ""), "tickets_count", values.tickets_count);
      check(/^\d+$/.test(values.order_id ?? ""), "order_id", values.order_id);
      check(/^\d+$/.test(values.event_id ?? ""), "event_id", values.event_id);
    }
    for (const { values } of [...raw("costs"), ...raw("fx_rates")]) {
      check(/^\d{4}-\d{2}-\d{2}$/.test(values.dt ?? ""), "dt", values.dt);
      check(
        decimalPattern.test(values.costs ?? values.rate ?? ""),
        "amount",
        values.costs ?? values.rate,
      );
    }
    expect(bad).toEqual([]);
  });

  it("has exactly `users` distinct visitors with opaque ids beyond the signed 64-bit range", () => {
    const visitors = new Set(raw("visits").map((row) => row.values.user_id ?? ""));
    expect(visitors.size).toBe(options.users);
    expect(generated.summary.visitors).toBe(options.users);
    const ids = [...visitors];
    expect(ids.every((id) => /^\d{1,20}$/.test(id) && BigInt(id) < 2n ** 64n)).toBe(true);
    expect(ids.filter((id) => BigInt(id) >= 2n ** 63n).length).toBeGreaterThan(ids.length / 3);
  });

  it("gives visitors several sessions of seconds to an hour on desktop and touch, some without a source", () => {
    const visits = outcome.staged.visits;
    expect(visits.length / options.users).toBeGreaterThan(1.8);
    expect(visits.length / options.users).toBeLessThan(4);
    const lengths = visits.map(
      (row) => seconds(row.values.session_end ?? "") - seconds(row.values.session_start ?? ""),
    );
    lengths.sort((x, y) => x - y);
    expect(lengths[0]).toBeGreaterThanOrEqual(1);
    expect(lengths[Math.floor(lengths.length / 2)]).toBeGreaterThan(60);
    expect(lengths[Math.floor(lengths.length / 2)]).toBeLessThan(900);
    expect(lengths.at(-1)).toBeLessThanOrEqual(2 * 3600);
    expect(new Set(visits.map((row) => row.values.device))).toEqual(new Set(["desktop", "touch"]));
    const withoutSource =
      visits.filter((row) => row.values.source_id === "").length / visits.length;
    expect(withoutSource).toBeGreaterThan(0.05);
    expect(withoutSource).toBeLessThan(0.4);
    expect(new Set(visits.map((row) => row.values.source_id))).toEqual(
      new Set(["", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]),
    );
  });

  it("places every order of a visitor inside a session of that user on that day, except a few buyers with no visit", () => {
    const sessionsByUserDay = new Map<string, [number, number][]>();
    const visitors = new Set<string>();
    for (const { values } of outcome.staged.visits) {
      const key = `${values.user_id} ${values.session_start?.slice(0, 10)}`;
      const list = sessionsByUserDay.get(key) ?? [];
      list.push([seconds(values.session_start ?? ""), seconds(values.session_end ?? "")]);
      sessionsByUserDay.set(key, list);
      visitors.add(values.user_id ?? "");
    }
    const buyers = new Set<string>();
    const buyersWithoutVisits = new Set<string>();
    for (const { values } of outcome.staged.orders) {
      const user = values.user_id ?? "";
      buyers.add(user);
      if (!visitors.has(user)) {
        buyersWithoutVisits.add(user);
        expect(values.device).toBe("");
        continue;
      }
      const at = seconds(values.created_at ?? "");
      const sessions = sessionsByUserDay.get(`${user} ${values.created_at?.slice(0, 10)}`) ?? [];
      expect(
        sessions.some(([start, end]) => start <= at && at <= end),
        `order ${values.order_id}`,
      ).toBe(true);
    }
    expect(buyers.size).toBe(generated.summary.buyers);
    expect(buyersWithoutVisits.size).toBe(generated.summary.buyersWithoutVisits);
    expect(buyersWithoutVisits.size).toBeGreaterThan(0);
    expect(buyersWithoutVisits.size).toBeLessThanOrEqual(20);
    expect(buyers.size / options.users).toBeGreaterThan(0.08);
    expect(buyers.size / options.users).toBeLessThan(0.18);
  });

  it("has repeat buyers, log-normal-looking revenue and 1-6 tickets from a handful of operators", () => {
    const orders = outcome.staged.orders;
    const perBuyer = new Map<string, number>();
    for (const { values } of orders)
      perBuyer.set(values.user_id ?? "", (perBuyer.get(values.user_id ?? "") ?? 0) + 1);
    const repeatShare = [...perBuyer.values()].filter((count) => count > 1).length / perBuyer.size;
    expect(repeatShare).toBeGreaterThan(0.15);
    expect(repeatShare).toBeLessThan(0.6);
    const rub = orders
      .filter((row) => row.values.currency === "RUB")
      .map((row) => Number(row.values.revenue));
    const positive = rub.filter((value) => value > 0);
    expect(positive.length).toBeGreaterThan(rub.length * 0.98);
    // log revenue is roughly symmetric: mean and median of the logs close, the raw mean above the median.
    const logs = positive.map(Math.log).sort((x, y) => x - y);
    const logMean = logs.reduce((sum, value) => sum + value, 0) / logs.length;
    expect(Math.abs(logMean - (logs[Math.floor(logs.length / 2)] as number))).toBeLessThan(0.1);
    const sorted = [...positive].sort((x, y) => x - y);
    expect(positive.reduce((sum, value) => sum + value, 0) / positive.length).toBeGreaterThan(
      sorted[Math.floor(sorted.length / 2)] as number,
    );
    expect(new Set(orders.map((row) => row.values.tickets_count))).toEqual(
      new Set(["1", "2", "3", "4", "5", "6"]),
    );
    const services = new Set(orders.map((row) => row.values.service));
    expect(services.size).toBeGreaterThanOrEqual(4);
    expect(services.size).toBeLessThanOrEqual(8);
    expect([...services].some((service) => service?.includes(","))).toBe(true);
  });

  it("puts a few per cent of orders in USD or EUR, each with a rate on or before its date", () => {
    const orders = raw("orders");
    const foreign = orders.filter(
      (row) => row.values.currency === "USD" || row.values.currency === "EUR",
    );
    expect(foreign.length / orders.length).toBeGreaterThan(0.01);
    expect(foreign.length / orders.length).toBeLessThan(0.1);
    const rateDates = new Map<string, string[]>();
    for (const { values } of raw("fx_rates")) {
      rateDates.set(values.currency ?? "", [
        ...(rateDates.get(values.currency ?? "") ?? []),
        values.dt ?? "",
      ]);
    }
    expect([...rateDates.keys()].sort()).toEqual(["EUR", "USD"]);
    for (const { values } of orders) {
      const currency = values.currency ?? "";
      if (currency === "RUB" || currency === "GBP") continue;
      const date = (values.created_at ?? "").slice(0, 10);
      expect(
        (rateDates.get(currency) ?? []).some((dt) => dt <= date),
        `order ${values.order_id}`,
      ).toBe(true);
    }
    const gbp = orders.filter((row) => row.values.currency === "GBP").length;
    expect(gbp).toBe(generated.summary.planted.quarantined.orders.no_fx_rate);
  });

  it("has daily USD and EUR rates wandering around 90 and 100 RUB", () => {
    for (const [currency, centre] of [
      ["USD", 90],
      ["EUR", 100],
    ] as const) {
      const rates = raw("fx_rates").filter((row) => row.values.currency === currency);
      expect(rates).toHaveLength(options.days);
      const values = rates.map((row) => Number(row.values.rate));
      expect(Math.min(...values)).toBeGreaterThan(centre * 0.75);
      expect(Math.max(...values)).toBeLessThan(centre * 1.25);
      expect(new Set(values).size).toBeGreaterThan(options.days / 2);
    }
  });

  it("has daily costs per source, roughly proportional to that source's visits, at different prices", () => {
    const costs = raw("costs");
    expect(costs).toHaveLength(options.days * 10);
    const visitsPerSourceDay = new Map<string, number>();
    for (const { values } of raw("visits")) {
      if (values.source_id === "") continue;
      const key = `${values.session_start?.slice(0, 10)} ${values.source_id}`;
      visitsPerSourceDay.set(key, (visitsPerSourceDay.get(key) ?? 0) + 1);
    }
    const pricePerVisit = new Map<string, number[]>();
    for (const { values } of outcome.staged.costs) {
      const visits = visitsPerSourceDay.get(`${values.dt} ${values.source_id}`) ?? 0;
      if (visits < 30) continue;
      const prices = pricePerVisit.get(values.source_id ?? "") ?? [];
      prices.push(Number(values.costs) / visits);
      pricePerVisit.set(values.source_id ?? "", prices);
    }
    expect(pricePerVisit.size).toBe(10);
    const medians: number[] = [];
    for (const prices of pricePerVisit.values()) {
      prices.sort((x, y) => x - y);
      const median = prices[Math.floor(prices.length / 2)] as number;
      medians.push(median);
      // Proportional: the daily price per visit stays within a narrow band around the source's median.
      expect(
        prices.filter((price) => Math.abs(price / median - 1) < 0.35).length / prices.length,
      ).toBeGreaterThan(0.9);
    }
    expect(Math.max(...medians) / Math.min(...medians)).toBeGreaterThan(3);
    const visitsBySource = new Map<string, number>();
    for (const [key, count] of visitsPerSourceDay) {
      const source = key.split(" ")[1] ?? "";
      visitsBySource.set(source, (visitsBySource.get(source) ?? 0) + count);
    }
    const shares = [...visitsBySource.values()];
    expect(Math.max(...shares) / Math.min(...shares)).toBeGreaterThan(2);
  });

  it("exports each event once on the first day an order needs it, and re-exports a few later", () => {
    const firstExport = new Map<string, string>();
    for (const row of raw("events")) {
      const id = row.values.event_id ?? "";
      const date = dateOfKey(row.objectKey);
      if (!firstExport.has(id)) firstExport.set(id, date);
    }
    const firstNeeded = new Map<string, string>();
    for (const row of raw("orders")) {
      const id = row.values.event_id ?? "";
      const date = dateOfKey(row.objectKey);
      if (!firstNeeded.has(id) || date < (firstNeeded.get(id) as string)) firstNeeded.set(id, date);
    }
    expect(firstExport).toEqual(firstNeeded);
    expect(generated.summary.events).toBe(firstExport.size);
    const staged = outcome.staged.events;
    expect(new Set(staged.map((row) => row.values.event_type)).size).toBe(6);
    expect(new Set(staged.map((row) => row.values.region)).size).toBe(10);
    expect(staged.every((row) => (row.values.city ?? "") !== "")).toBe(true);
  });

  it("re-exports orders only as clean copies under a later or the same day's key", () => {
    const byId = new Map<string, RawRow[]>();
    for (const row of raw("orders")) {
      const list = byId.get(row.values.order_id ?? "") ?? [];
      list.push(row);
      byId.set(row.values.order_id ?? "", list);
    }
    const repeated = [...byId.values()].filter((rows) => rows.length > 1);
    expect(repeated).toHaveLength(generated.summary.planted.superseded.orders);
    for (const [original, copy] of repeated) {
      expect((copy?.objectKey ?? "") >= (original?.objectKey ?? "")).toBe(true);
      for (const row of [original, copy]) {
        expect(row?.values.user_id).not.toBe("");
        expect(Number(row?.values.revenue)).toBeGreaterThan(0);
        expect(row?.values.currency).not.toBe("GBP");
      }
    }
  });
});

describe("a later period of the same seed", () => {
  it("uses ids no earlier period used: users, orders and events", async () => {
    const idsOf = async (options: { days: number; startDate?: string }) => {
      const users = new Set<string>();
      const orders = new Set<string>();
      const events = new Set<string>();
      await generateExports(
        { users: 300, seed: 9, ...options },
        {
          write: async (key, body) => {
            const rows = body.toString("utf8").trimEnd().split("\n").slice(1);
            for (const row of rows) {
              const fields = row.split(",");
              if (key.startsWith("visits/")) users.add(fields[0] as string);
              if (key.startsWith("orders/")) {
                orders.add(fields[0] as string);
                users.add(fields[1] as string);
              }
              if (key.startsWith("events/")) events.add(fields[0] as string);
            }
          },
        },
      );
      return { users, orders, events };
    };
    const earlier = await idsOf({ days: 20 });
    const later = await idsOf({ days: 2, startDate: "2024-01-21" });
    for (const kind of ["users", "orders", "events"] as const) {
      const shared = [...later[kind]].filter((id) => id !== "" && earlier[kind].has(id));
      expect(shared, kind).toEqual([]);
      expect(later[kind].size, kind).toBeGreaterThan(0);
    }
    // The default start keeps its ids.
    expect([...earlier.orders].sort()[0]).toBe("10000000001");
  });
});
