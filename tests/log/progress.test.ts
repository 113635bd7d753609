import { describe, expect, it } from "vitest";
import { createProgress } from "../../src/log/progress.ts";

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  const stream = {
    isTTY,
    write: (text: string) => written.push(text),
  } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe("createProgress", () => {
  it("draws a bar on a terminal", () => {
    const { stream, written } = fakeStream(true);
    const progress = createProgress("ingest", stream);
    progress.advance(1, 4);
    progress.advance(4, 4);
    progress.finish();
    expect(written[0]).toBe(`\ringest [${"#".repeat(8)}${" ".repeat(22)}] 1/4`);
    expect(written[1]).toContain("] 4/4");
    expect(written.at(-1)).toBe("\n");
  });

  it("writes nothing when stderr is not a terminal", () => {
    const { stream, written } = fakeStream(false);
    const progress = createProgress("ingest", stream);
    progress.advance(1, 2);
    progress.finish();
    expect(written).toEqual([]);
  });
});

describe("createLogger", () => {
  it("refuses an unknown log level naming the variable", async () => {
    const { createLogger } = await import("../../src/log/logger.ts");
    expect(() => createLogger({ level: "bogus", pretty: false })).toThrow(
      /DUCKMART_LOG_LEVEL: "bogus" is not one of trace, debug/,
    );
  });
});
