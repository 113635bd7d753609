import type { SourceName } from "../../src/sources/built-in-sources.ts";
import {
  type RawData,
  type RawRow as ReferenceRow,
  stage as referenceStage,
  type Staged,
} from "../conformance/reference/staging.ts";
import { readCsv } from "./csv-reader.ts";

/** One generated object as the tests see it: its key, bytes and position in the write order. */
export interface WrittenObject {
  readonly key: string;
  readonly body: Buffer;
  /** Stands in for S3's last-modified time: objects written later are newer. */
  readonly writeIndex: number;
}

/** A raw row with where it came from. */
export interface RawRow {
  readonly objectKey: string;
  readonly writeIndex: number;
  readonly row: number;
  readonly values: Readonly<Record<string, string>>;
}

/** What SPEC §1 staging makes of the raw rows, computed independently of the generator. */
export interface StagingOutcome {
  readonly raw: Record<SourceName, RawRow[]>;
  readonly staged: Record<SourceName, RawRow[]>;
  readonly quarantined: Record<SourceName, Record<string, number>>;
  readonly superseded: Record<SourceName, number>;
  /** Keys whose winner differs between "newest object" and "greatest object key" ordering. */
  readonly orderingDisagreements: number;
  /** Quarantined winners that break more than one rule (the reason would be ambiguous). */
  readonly ambiguousRows: number;
}

const sourceNames: readonly SourceName[] = ["fx_rates", "events", "costs", "visits", "orders"];
const outcomeOf = (staged: Staged, source: SourceName) =>
  source === "fx_rates" ? staged.fxRates : staged[source];
const lineage = (row: ReferenceRow): string => `${row._file_key}#${row._file_row}`;

/**
 * Applies SPEC §1 staging to the objects through the one reference
 * implementation (`tests/conformance/reference/staging.ts`): the write order
 * stands in for S3's last-modified time.
 */
export function stage(objects: readonly WrittenObject[], baseCurrency = "RUB"): StagingOutcome {
  const raw = Object.fromEntries(sourceNames.map((s) => [s, [] as RawRow[]])) as Record<
    SourceName,
    RawRow[]
  >;
  for (const object of objects) {
    const source = object.key.split("/")[0] as SourceName;
    const { header, rows } = readCsv(object.body.toString("utf8"));
    rows.forEach((cells, row) => {
      const values = Object.fromEntries(header.map((name, index) => [name, cells[index] ?? ""]));
      raw[source].push({ objectKey: object.key, writeIndex: object.writeIndex, row, values });
    });
  }
  const byLineage = new Map<string, RawRow>();
  const referenceRaw = (modified: (row: RawRow) => number, change?: (row: RawRow) => RawRow) =>
    Object.fromEntries(
      sourceNames.map((source) => [
        source,
        raw[source].map((original): ReferenceRow => {
          const row = change ? change(original) : original;
          const reference = {
            ...row.values,
            _file_key: row.objectKey,
            _file_row: row.row + 1,
            _file_modified: new Date(Date.UTC(2000, 0, 1) + modified(row) * 1000)
              .toISOString()
              .slice(0, 19)
              .replace("T", " "),
          };
          byLineage.set(lineage(reference), original);
          return reference;
        }),
      ]),
    ) as unknown as RawData;
  const settings = { baseCurrency, margin: 1 };
  const newest = referenceStage(
    referenceRaw((row) => row.writeIndex),
    settings,
  );

  const staged = {} as Record<SourceName, RawRow[]>;
  const quarantined = {} as Record<SourceName, Record<string, number>>;
  const superseded = {} as Record<SourceName, number>;
  for (const source of sourceNames) {
    const outcome = outcomeOf(newest, source);
    staged[source] = outcome.stagedRaw.map((row) => byLineage.get(lineage(row)) as RawRow);
    const reasons: Record<string, number> = {};
    for (const { reason } of outcome.quarantined) reasons[reason] = (reasons[reason] ?? 0) + 1;
    quarantined[source] = reasons;
    superseded[source] = outcome.superseded;
  }

  // Equal modified times leave the key rule to the greater object key: count
  // the keys whose winner changes.
  const greatestKey = referenceStage(
    referenceRaw(() => 0),
    settings,
  );
  const winners = (result: Staged): Set<string> =>
    new Set(
      sourceNames.flatMap((source) => {
        const outcome = outcomeOf(result, source);
        return [
          ...outcome.stagedRaw,
          ...outcome.quarantined
            .filter(({ reason }) => !reason.startsWith("missing_"))
            .map(({ row }) => row),
        ].map(lineage);
      }),
    );
  const newestWinners = winners(newest);
  const orderingDisagreements = [...winners(greatestKey)].filter(
    (row) => !newestWinners.has(row),
  ).length;

  // Only orders have two rules: a negative revenue that also has no FX rate
  // would be quarantined as no_fx_rate once its revenue were positive.
  const negative = new Set(
    newest.orders.quarantined
      .filter(({ reason }) => reason === "negative_revenue")
      .map(({ row }) => lineage(row)),
  );
  const repaired = referenceStage(
    referenceRaw(
      (row) => row.writeIndex,
      (row) =>
        negative.has(`${row.objectKey}#${row.row + 1}`)
          ? { ...row, values: { ...row.values, revenue: String(-Number(row.values.revenue)) } }
          : row,
    ),
    settings,
  );
  const ambiguousRows = repaired.orders.quarantined.filter(
    ({ reason, row }) => reason === "no_fx_rate" && negative.has(lineage(row)),
  ).length;

  return { raw, staged, quarantined, superseded, orderingDisagreements, ambiguousRows };
}
