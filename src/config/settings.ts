import cron from "node-cron";
import { z } from "zod";

const s3Prefix = z
  .string()
  .regex(
    /^[A-Za-z0-9._=-]+(\/[A-Za-z0-9._=-]+)*$/,
    "a key prefix of letters, digits, . _ = - separated by /",
  )
  .refine(
    (value) => !value.split("/").some((part) => part === "." || part === ".."),
    "no . or .. parts",
  );

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
