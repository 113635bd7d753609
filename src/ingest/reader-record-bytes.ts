import type { SqlSession } from "../warehouse/warehouse.ts";

const mebibyte = 1024 * 1024;

/**
 * How large a record DuckDB's CSV or JSON reader may meet, which also sizes
 * its read buffer: DuckDB reserves the whole buffer against `memory_limit`
 * up front (a CSV buffer is 16 × `max_line_size` by default, a JSON one
 * 2 × `maximum_object_size`), so a fixed 64 MiB line limit made every CSV
 * fail under a 1 GB limit. The size is the next power of two above the
 * largest file (no record is longer than its file), at least 1 MiB, at most
 * `ceiling`, and small enough that `buffersPerRecord` such buffers take at
 * most a quarter of the memory limit. Longer records are rejected by the reader.
 *
 * @example
 * const bytes = await readerRecordBytes(session, 52_000, 64 * 1024 * 1024, 1); // 1 MiB
 */
export async function readerRecordBytes(
  session: SqlSession,
  largestFileBytes: number,
  ceiling: number,
  buffersPerRecord: number,
): Promise<number> {
  let size = mebibyte;
  while (size <= largestFileBytes && size < ceiling) size *= 2;
  const [row] = await session.all<{ limit: string }>(
    "select current_setting('memory_limit') as limit",
  );
  const limit = parseMemoryAmount(row?.limit ?? "");
  const fits = limit === undefined ? ceiling : Math.floor(limit / (4 * buffersPerRecord));
  return Math.max(mebibyte, Math.min(size, ceiling, fits));
}

const units: Readonly<Record<string, number>> = {
  b: 1,
  bytes: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  tb: 1000 ** 4,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** `22.8 MiB` → bytes; undefined for anything else (e.g. no limit). */
export function parseMemoryAmount(text: string): number | undefined {
  const match = /^\s*([\d.]+)\s*([a-z]+)\s*$/i.exec(text);
  const factor = match ? units[(match[2] as string).toLowerCase()] : undefined;
  if (!match || factor === undefined) return undefined;
  return Number(match[1]) * factor;
}
