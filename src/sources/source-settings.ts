import { z } from "zod";
import { columnTypes } from "./source-declaration.ts";

/** An S3 key prefix: letters, digits, `. _ = -`, separated by `/`, no `.` or `..` parts. */
export const s3Prefix = z
  .string()
  .regex(
    /^[A-Za-z0-9._=-]+(\/[A-Za-z0-9._=-]+)*$/,
    "a key prefix of letters, digits, . _ = - separated by /",
  )
  .refine(
    (value) => !value.split("/").some((part) => part === "." || part === ".."),
    "no . or .. parts",
  );

const identifier = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, "lowercase letters, digits and _, starting with a letter");

/**
 * What feeds one contract column, as written in the settings file: an export
 * column's name (`"Buy Ts"`), or an object with exactly one of `from`, `sql`,
 * `value`, `generate`, plus an optional `format`. A user-defined source's
 * columns also carry their `type`, `required` flag and `description`.
 */
export const columnSettingSchema = z.union([
  z.string().min(1),
  z
    .object({
      from: z.string().min(1).optional(),
      sql: z.string().min(1).optional(),
      value: z.union([z.string(), z.number(), z.boolean()]).optional(),
      generate: z.literal("row", { error: "the only generated value is row" }).optional(),
      format: z.string().min(1).optional(),
      type: z.enum(columnTypes).optional(),
      required: z.boolean().optional(),
      description: z.string().optional(),
    })
    .strict(),
]);

/** CSV dialect of a source's files (SPEC §1.1). */
export const csvDialectSchema = z
  .object({
    delimiter: z.string().length(1, "one character, e.g. ; or a tab").default(","),
    quote: z.string().length(1, "one character").default('"'),
    decimal: z.enum([".", ","]).default("."),
  })
  .strict();

/** The dialect of an export written as SPEC §1 says: comma, `"`, decimal point. */
export type CsvDialect = z.infer<typeof csvDialectSchema>;

/** One entry of the `sources:` setting: a mapping of a built-in source, or a new source. */
export const sourceSettingSchema = z
  .object({
    description: z.string().optional(),
    prefix: s3Prefix.optional(),
    csv: csvDialectSchema.optional(),
    columns: z.record(z.string(), columnSettingSchema).default({}),
    key: z.array(z.string().min(1)).min(1).optional(),
    rules: z.array(z.object({ reason: identifier, when: z.string().min(1) }).strict()).optional(),
  })
  .strict();

/** The `sources:` setting: source name → mapping or declaration. */
export const sourcesSettingSchema = z.record(identifier, sourceSettingSchema);

/** What the `sources:` setting holds once validated. */
export type SourcesSetting = z.infer<typeof sourcesSettingSchema>;

/** `categoryRules`: an ordered list of `{match: RE2 regex, category}` (SPEC §1.2). */
export const categoryRulesSchema = z.array(
  z.object({ match: z.string().min(1), category: z.string().min(1) }).strict(),
);

/** One entry of `categoryRules`. */
export type CategoryRule = z.infer<typeof categoryRulesSchema>[number];
