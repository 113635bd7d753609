import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSettings } from "../../src/config/load-settings.ts";
import { environmentVariableFor } from "../../src/config/settings.ts";
import { ConfigError } from "../../src/util/errors.ts";
import { tempDir } from "../support/temp-dir.ts";

const dir = tempDir("settings");
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe("loadSettings", () => {
  it("maps every setting to DUCKMART_<SNAKE_CASE>", () => {
    expect(environmentVariableFor("s3Endpoint")).toBe("DUCKMART_S3_ENDPOINT");
    expect(environmentVariableFor("baseCurrency")).toBe("DUCKMART_BASE_CURRENCY");
    expect(environmentVariableFor("warehouse")).toBe("DUCKMART_WAREHOUSE");
    expect(environmentVariableFor("maxRejectRatio")).toBe("DUCKMART_MAX_REJECT_RATIO");
    expect(environmentVariableFor("riskPAlive")).toBe("DUCKMART_RISK_P_ALIVE");
    expect(environmentVariableFor("assumedCac")).toBe("DUCKMART_ASSUMED_CAC");
  });

  it("leaves assumedCac unset when empty, and reads the issue 15 settings from the environment", () => {
    const defaults = loadSettings({ file: file("f.yaml", 'assumedCac: ""\n'), env: {} });
    expect(defaults.assumedCac).toBeNull();
    expect(defaults.riskPAlive).toBe(0.5);
    expect(defaults.maxClusters).toBe(6);
    const set = loadSettings({
      file: file("g.yaml", "assumedCac: 6\n"),
      env: {
        DUCKMART_RISK_P_ALIVE: "0.3",
        DUCKMART_MAX_CLUSTERS: "4",
        DUCKMART_ASSUMED_CAC: "450",
      },
    });
    expect([set.assumedCac, set.riskPAlive, set.maxClusters]).toEqual([450, 0.3, 4]);
    expect(
      loadSettings({ file: file("h.yaml", ""), env: { DUCKMART_ASSUMED_CAC: "" } }).assumedCac,
    ).toBeNull();
    expect(() =>
      loadSettings({ file: file("i.yaml", ""), env: { DUCKMART_RISK_P_ALIVE: "1.5" } }),
    ).toThrow(/setting riskPAlive \(DUCKMART_RISK_P_ALIVE\)/);
    expect(() => loadSettings({ file: file("j.yaml", "maxClusters: 1\n"), env: {} })).toThrow(
      /setting maxClusters/,
    );
  });

  it("takes defaults, then the file, then the environment", () => {
    const path = file("a.yaml", "margin: 0.4\nbaseCurrency: USD\n");
    const settings = loadSettings({
      file: path,
      env: { DUCKMART_MARGIN: "0.25", DUCKMART_S3_FORCE_PATH_STYLE: "false" },
    });
    expect(settings.margin).toBe(0.25);
    expect(settings.baseCurrency).toBe("USD");
    expect(settings.s3ForcePathStyle).toBe(false);
    expect(settings.rawPrefix).toBe("raw");
    expect(settings.maxRejectRatio).toBe(0.01);
  });

  it("names the setting, where it came from and what is allowed", () => {
    expect(() =>
      loadSettings({ file: file("b.yaml", ""), env: { DUCKMART_MARGIN: "lots" } }),
    ).toThrow(/setting margin \(DUCKMART_MARGIN\)/);
    expect(() => loadSettings({ file: file("c.yaml", "baseCurrency: rub\n"), env: {} })).toThrow(
      /setting baseCurrency \(.*c\.yaml: baseCurrency\): a three-letter ISO 4217 code/,
    );
    expect(() => loadSettings({ file: file("d.yaml", "rawPrefix: ../up\n"), env: {} })).toThrow(
      ConfigError,
    );
    expect(() => loadSettings({ file: file("e.yaml", "marginn: 1\n"), env: {} })).toThrow(
      /unknown setting marginn/,
    );
    expect(() => loadSettings({ file: join(dir, "missing.yaml"), env: {} })).toThrow(
      /does not exist/,
    );
  });
});

describe("publish guard and freshness settings", () => {
  it("default to SPEC §4's thresholds and no event-time SLA", () => {
    const settings = loadSettings({ env: {}, file: file("empty.yaml", "") });
    expect(settings.maxQuarantineRatio).toBe(0.05);
    expect(settings.maxHistoryChange).toBe(0.01);
    expect(settings.eventFreshnessHours).toEqual({});
  });

  it("take the per-source event-time SLA from YAML or as JSON from the environment", () => {
    const yaml = loadSettings({ file: file("f.yaml", "eventFreshnessHours:\n  orders: 48\n") });
    expect(yaml.eventFreshnessHours).toEqual({ orders: 48 });
    const env = loadSettings({
      env: {
        DUCKMART_EVENT_FRESHNESS_HOURS: '{"visits": 6, "orders": 24}',
        DUCKMART_MAX_QUARANTINE_RATIO: "0.2",
        DUCKMART_MAX_HISTORY_CHANGE: "0",
      },
      file: file("empty2.yaml", ""),
    });
    expect(env.eventFreshnessHours).toEqual({ visits: 6, orders: 24 });
    expect(env.maxQuarantineRatio).toBe(0.2);
    expect(env.maxHistoryChange).toBe(0);
  });

  it("refuse wrong values naming the setting", () => {
    const load = (env: Record<string, string>) => () =>
      loadSettings({ env, file: file("empty3.yaml", "") });
    expect(load({ DUCKMART_MAX_QUARANTINE_RATIO: "1.5" })).toThrow(
      /setting maxQuarantineRatio \(DUCKMART_MAX_QUARANTINE_RATIO\)/,
    );
    expect(load({ DUCKMART_MAX_HISTORY_CHANGE: "-0.1" })).toThrow(/setting maxHistoryChange/);
    expect(load({ DUCKMART_EVENT_FRESHNESS_HOURS: '{"orders": -1}' })).toThrow(
      /setting eventFreshnessHours\.orders \(DUCKMART_EVENT_FRESHNESS_HOURS\): .*positive/,
    );
    expect(load({ DUCKMART_EVENT_FRESHNESS_HOURS: "48" })).toThrow(/setting eventFreshnessHours/);
  });
});
