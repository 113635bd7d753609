import { describe, expect, it } from "vitest";
import { Calendar } from "../../src/generate/calendar.ts";
import { CsvBuilder } from "../../src/generate/csv-builder.ts";
import { csvField, csvLine } from "../../src/generate/csv-line.ts";
import { Random } from "../../src/generate/random.ts";
import { UserIdMapper, unsigned64ToDecimal } from "../../src/generate/user-id-mapper.ts";
import { readCsv } from "./csv-reader.ts";

describe("csvField", () => {
  it("quotes only what needs quoting and round-trips through an RFC 4180 reader", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("")).toBe("");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    const awkward = ["Concert Hub, LLC", 'Bilet "Express"', "two\nlines", "cr\r", "ünïcødé", ""];
    const builder = new CsvBuilder(["a", "b", "c", "d", "e", "f"]);
    builder.appendLine(csvLine(awkward));
    expect(builder.rows).toBe(1);
    expect(readCsv(builder.toBuffer().toString("utf8")).rows).toEqual([awkward]);
  });

  it("grows its buffer past the initial size without losing bytes", () => {
    const builder = new CsvBuilder(["n", "text"]);
    const lines = Array.from({ length: 20_000 }, (_, n) => csvLine([String(n), `row ${n} ✓`]));
    for (const line of lines) builder.appendLine(line);
    expect(builder.toBuffer().toString("utf8")).toBe(`n,text\n${lines.join("\n")}\n`);
  });
});

describe("UserIdMapper", () => {
  it("writes 64-bit values in decimal exactly", () => {
    const random = new Random(1);
    for (let i = 0; i < 2000; i++) {
      const high = random.nextUint32();
      const low = random.nextUint32();
      expect(unsigned64ToDecimal(high, low)).toBe(((BigInt(high) << 32n) | BigInt(low)).toString());
    }
    expect(unsigned64ToDecimal(0, 0)).toBe("0");
    expect(unsigned64ToDecimal(0xffffffff, 0xffffffff)).toBe("18446744073709551615");
  });

  it("maps distinct users to distinct ids, many beyond the signed 64-bit range", () => {
    const mapper = new UserIdMapper(new Random(7));
    const ids = Array.from({ length: 100_000 }, (_, index) => mapper.idOf(index));
    expect(new Set(ids).size).toBe(ids.length);
    const aboveSigned = ids.filter((id) => BigInt(id) >= 2n ** 63n).length;
    expect(aboveSigned / ids.length).toBeGreaterThan(0.45);
    expect(aboveSigned / ids.length).toBeLessThan(0.55);
    expect(ids.every((id) => /^[1-9]\d{0,19}$/.test(id) && BigInt(id) < 2n ** 64n)).toBe(true);
    expect(new UserIdMapper(new Random(8)).idOf(0)).not.toBe(ids[0]);
  });
});

describe("Calendar", () => {
  it("formats dates and timestamps across month, year and leap-day boundaries", () => {
    const calendar = new Calendar("2024-02-28", 3);
    expect(calendar.date(0)).toBe("2024-02-28");
    expect(calendar.date(1)).toBe("2024-02-29");
    expect(calendar.date(2)).toBe("2024-03-01");
    expect(calendar.date(400)).toBe("2025-04-03");
    expect(calendar.timestamp(0)).toBe("2024-02-28 00:00:00");
    expect(calendar.timestamp(86_399)).toBe("2024-02-28 23:59:59");
    expect(calendar.timestamp(86_400 + 3600 * 13 + 60 * 7 + 5)).toBe("2024-02-29 13:07:05");
    expect(calendar.weekday(0)).toBe(3); // 2024-02-28 was a Wednesday
    expect(calendar.weekday(4)).toBe(7);
    expect(() => new Calendar("2024-02-30", 1)).toThrow(RangeError);
    expect(() => new Calendar("24-02-01", 1)).toThrow(RangeError);
  });
});
