import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { assertInside, localPathForKey } from "../../src/storage/safe-path.ts";

describe("localPathForKey", () => {
  const folder = "/tmp/duckmart-downloads";
  it.each([
    "../../etc/passwd",
    "/etc/passwd",
    "raw/orders/../../../x.csv",
    "..",
    "raw/\u0000nul.csv",
    "raw/\u202Eevil\u2215..\u2215x.csv",
    "C:\\Windows\\x.csv",
  ])("keeps %j inside its folder", (key) => {
    const path = localPathForKey(folder, key);
    expect(path.startsWith(`${resolve(folder)}/`)).toBe(true);
    expect(path.slice(resolve(folder).length + 1)).not.toContain("/");
  });

  it("gives different keys different paths", () => {
    expect(localPathForKey(folder, "a/x.csv")).not.toBe(localPathForKey(folder, "b/x.csv"));
  });

  it("refuses paths outside the folder", () => {
    expect(() => assertInside(folder, "/tmp/other")).toThrow(/escapes/);
    expect(() => assertInside(folder, folder)).toThrow(/escapes/);
  });
});
