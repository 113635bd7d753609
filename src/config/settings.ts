import cron from "node-cron";
import { z } from "zod";
import { categoryRulesSchema, s3Prefix, sourcesSettingSchema } from "../sources/source-settings.ts";

const cronExpression = z
  .string()
  .refine(cron.validate, "a cron expression of 5 or 6 fields, e.g. 0 3 * * *");

/** Numbers from YAML arrive as numbers, from the environment as text. */
const numberSetting = (schema: z.ZodNumber) =>
  z.preprocess(
    (value) => (typeof value === "string" && value.trim() !== "" ? Number(value) : value),
    schema,
  );

/**
 * A number that may be left unset: empty text (YAML `""` or an empty
 * environment variable) and null mean "not set".
 */
const optionalNumberSetting = (schema: z.ZodNumber) =>
  z.preprocess(
    (value) =>
      value === "" || value === null || (typeof value === "string" && value.trim() === "")
        ? null
        : typeof value === "string"
          ? Number(value)
          : value,
    schema.nullable(),
  );

const flagSetting = () =>
  z.union([
    z.boolean(),
    z
      .enum(["true", "false", "1", "0"], { error: "true or false" })
      .transform((v) => v === "true" || v === "1"),
  ]);

/** A structured setting: a YAML mapping or list, or JSON text from the environment. */
const structuredSetting = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => {
    if (typeof value !== "string") return value;
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }, schema);

const memoryAmount = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, "an amount such as 512MB or 4GB");

/**
 * Every setting of SPEC §5 with its default. Each key can be overridden by
 * the environment variable DUCKMART_<KEY_IN_SNAKE_CASE>.
 */
export const settingsSchema = z
  .object({
    /** S3-compatible endpoint; empty means AWS (or, for `demo`, an embedded server). */
    s3Endpoint: z.string().url("a URL such as http://127.0.0.1:9000").or(z.literal("")).default(""),
    s3Bucket: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        "an S3 bucket name (3-63 lowercase letters, digits, . -)",
      )
      .default("duckmart"),
    /** Region used when the AWS chain names none. */
    s3Region: z.string().min(1).default("us-east-1"),
    /** Path-style addressing, which MinIO and most S3-compatible stores need. */
    s3ForcePathStyle: flagSetting().default(true),
    rawPrefix: s3Prefix.default("raw"),
    publishPrefix: s3Prefix.default("marts"),
    warehouse: z.string().min(1).default(".duckmart/warehouse.duckdb"),
    /** Local folder for downloads and other scratch files. */
    workDir: z.string().min(1).default(".duckmart/work"),
    baseCurrency: z
      .string()
      .regex(/^[A-Z]{3}$/, "a three-letter ISO 4217 code such as RUB")
      .default("RUB"),
    margin: numberSetting(z.number().finite().min(0).max(1000)).default(1),
    maxRejectRatio: numberSetting(z.number().min(0).max(1)).default(0.01),
    clvHorizonDays: numberSetting(z.number().int().positive()).default(90),
    /**
     * Fixed cost per acquired buyer (base currency) for months without any
     * staged cost rows (SPEC §3 mart_cac `cac_basis = assumed`); null = unset.
     */
    assumedCac: optionalNumberSetting(z.number().finite().min(0)).default(null),
    /** mart_value_at_risk takes buyers whose P(alive) is below this. */
    riskPAlive: numberSetting(z.number().min(0).max(1)).default(0.5),
    /** mart_clusters chooses k in 2..maxClusters. */
    maxClusters: numberSetting(z.number().int().min(2).max(20)).default(6),
    keepRuns: numberSetting(z.number().int().min(1)).default(7),
    downloadConcurrency: numberSetting(z.number().int().min(1).max(256)).default(16),
    s3MaxAttempts: numberSetting(z.number().int().min(1).max(20)).default(5),
    memoryLimit: memoryAmount.or(z.literal("")).default(""),
    threads: numberSetting(z.number().int().min(0).max(1024)).default(0),
    tempDirectory: z.string().default(""),
    lockTimeoutSeconds: numberSetting(z.number().min(0)).default(60),
    freshnessSlaHours: numberSetting(z.number().positive()).default(36),
    timezone: z
      .string()
      .refine(isTimeZone, "an IANA time zone such as UTC or Europe/Moscow")
      .default("UTC"),
    dailySchedule: cronExpression.default("0 3 * * *"),
    ingestSchedule: cronExpression.default("0 * * * *"),
    /** A folder of the user's own SQL models, laid out like sql/ (staging/, intermediate/, marts/). */
    modelsDir: z.string().default(""),
    /** SPEC §1.2: derive orders from staged order lines instead of reading the orders source. */
    ordersFromLines: flagSetting().default(false),
    /** SPEC §1.2: ordered `{match: regex, category}`; the first match names a line's category. */
    categoryRules: structuredSetting(categoryRulesSchema).default([]),
    /** Per-source export mappings and user-defined sources (SPEC §1.1). */
    sources: structuredSetting(sourcesSettingSchema).default({}),
    // Publish guards and event-time freshness (issue 13, SPEC §4): kept together.
    /** A source whose quarantined share (quarantined / (staged + quarantined)) exceeds it stops publish. */
    maxQuarantineRatio: numberSetting(z.number().min(0).max(1)).default(0.05),
    /** Largest relative move of a closed month's revenue or buyers in mart_kpi_monthly before publish stops. */
    maxHistoryChange: numberSetting(z.number().min(0)).default(0.01),
    /** Opt-in per source: `status` fails when its newest event time is older than this many hours. */
    eventFreshnessHours: structuredSetting(
      z.record(
        z.string().regex(/^[a-z][a-z0-9_]*$/, "source names of lowercase letters, digits and _"),
        z.number().positive("a positive number of hours"),
      ),
    ).default({}),
  })
  .strict();

/** Validated settings. */
export type Settings = Readonly<z.infer<typeof settingsSchema>>;

/** Names of all settings. */
export type SettingName = keyof Settings;

/** `s3Endpoint` → `s3_endpoint`; a one-letter word stays a word: `riskPAlive` → `risk_p_alive`. */
export function snakeCaseOf(setting: string): string {
  return setting
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

/** `s3Endpoint` → `DUCKMART_S3_ENDPOINT`, `riskPAlive` → `DUCKMART_RISK_P_ALIVE`. */
export function environmentVariableFor(setting: string): string {
  return `DUCKMART_${snakeCaseOf(setting).toUpperCase()}`;
}

/** All setting names, in declaration order. */
export const settingNames = Object.keys(settingsSchema.shape) as SettingName[];

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
