import { csvLine } from "./csv-line.ts";

/**
 * Accumulates one CSV object as UTF-8 bytes in a growing buffer. Writing each
 * line straight into bytes, instead of keeping an array of line strings until
 * the file is complete, keeps a day's rows out of the garbage-collected heap.
 */
export class CsvBuilder {
  private buffer = Buffer.allocUnsafe(64 * 1024);
  private length = 0;
  private rowCount = 0;

  /** Starts the object with its header row. */
  constructor(header: readonly string[]) {
    this.append(csvLine(header));
  }

  /** Data rows appended so far (the header not counted). */
  get rows(): number {
    return this.rowCount;
  }

  /** Appends one already-formatted line (without its line break). */
  appendLine(line: string): void {
    this.append(line);
    this.rowCount++;
  }

  /** The object's bytes: every line followed by `\n`. */
  toBuffer(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }

  private append(line: string): void {
    // A UTF-8 character takes at most 3 bytes per UTF-16 unit, plus one for the line break.
    const needed = this.length + line.length * 3 + 1;
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.length += this.buffer.write(line, this.length, "utf8");
    this.buffer[this.length++] = 0x0a;
  }
}
