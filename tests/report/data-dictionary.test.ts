import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadSettings } from "../../src/config/load-settings.ts";
import { renderDataDictionary } from "../../src/report/data-dictionary.ts";
import { projectFor } from "../../src/run/steps/run-project.ts";
import { resolveSources } from "../../src/sources/resolve-sources.ts";

async function dictionaryFor(sources: unknown) {
  const settings = loadSettings({ file: "config/duckmart.yaml", env: {}, overrides: { sources } });
  return renderDataDictionary(resolveSources(settings), await projectFor(settings));
}

describe("the data dictionary", () => {
  it("is committed as docs/data-dictionary.md for the default settings, and current", async () => {
    const committed = readFileSync(
      new URL("../../docs/data-dictionary.md", import.meta.url),
      "utf8",
    );
    // Regenerate with: node bin/duckmart.js docs --dictionary --out docs/data-dictionary.md
    expect(committed).toBe(await dictionaryFor(undefined));
  });

  it("documents every source column, the mapping that feeds it, and every model column", async () => {
    const text = await dictionaryFor({
      orders: {
        columns: {
          order_id: { generate: "row" },
          created_at: { from: "Buy Ts", format: "%Y-%m-%d %H:%M" },
          currency: { value: "USD" },
        },
      },
      refunds: {
        columns: { refund_id: { type: "text", required: true, description: "the refund" } },
        key: ["refund_id"],
        rules: [{ reason: "odd_id", when: "refund_id like 'x%'" }],
      },
    });
    expect(text).toContain(
      "| order_id | text | yes | order identifier | generated `{object key}:{row}` |",
    );
    expect(text).toContain("export column `buy ts`, format `%Y-%m-%d %H:%M`");
    expect(text).toContain(
      "| currency | text |  | currency as exported (empty means the base currency) | constant `USD` |",
    );
    expect(text).toContain("### refunds (user-defined)");
    expect(text).toContain("`odd_id` when `refund_id like 'x%'`");
    expect(text).toContain("#### staging.stg_refunds_quarantine");
    expect(text).toMatch(/#### main\.mart_rfm[\s\S]*\| m_score \| monetary score 1-5 \|/);
  });
});
