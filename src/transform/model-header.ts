import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { columnSqlTypes } from "../warehouse/kysely/warehouse-columns.ts";
import { type ColumnMetadata, type ModelMetadata, modelKinds } from "./model.ts";
import { type DataTestDeclaration, parseTestDeclarations } from "./test-declarations.ts";

const columnSchema = z.union([
  z.string(),
  z.null(),
  z
    .object({
      description: z.string().optional(),
      type: z.enum(columnSqlTypes).optional(),
      tests: z.array(z.unknown()).optional(),
    })
    .strict(),
]);

const headerSchema = z
  .object({
    description: z.string().min(1),
    grain: z.string().min(1),
    kind: z.enum(modelKinds).default("table"),
    key: z.array(z.string().min(1)).min(1).optional(),
    partitioned_by: z.array(z.string().min(1)).min(1).optional(),
    lookups: z.record(z.string().min(1), z.string().min(1)).optional(),
    partition_of: z
      .record(
        z.string().min(1),
        z.array(z.union([z.string().min(1), z.array(z.string().min(1)).min(1)])).min(1),
      )
      .optional(),
    columns: z.record(z.string(), columnSchema).default({}),
    tests: z.array(z.unknown()).default([]),
  })
  .strict();

/**
 * The header schema with the rules that tie fields together. Built once:
 * zod compiles a schema on its first parse, which cost more than the
 * parse itself when every model built its own.
 */
const checkedHeaderSchema = headerSchema
  .refine((header) => (header.kind === "incremental_by_key") === (header.key !== undefined), {
    message:
      "kind incremental_by_key needs a key (the columns whose rows decide a row), and only it takes one",
    path: ["key"],
  })
  .refine(
    (header) =>
      (header.kind === "incremental_by_partition") === (header.partitioned_by !== undefined),
    {
      message:
        "kind incremental_by_partition needs partitioned_by (the columns that name a partition), and only it takes one",
      path: ["partitioned_by"],
    },
  )
  .refine(
    (header) =>
      header.lookups === undefined ||
      header.kind === "incremental_by_key" ||
      header.kind === "incremental_by_partition",
    {
      message:
        "lookups (for each parent, the condition naming the rows a changed row of it affects) are for kinds incremental_by_key and incremental_by_partition only",
      path: ["lookups"],
    },
  )
  .refine(
    (header) => header.partition_of === undefined || header.kind === "incremental_by_partition",
    {
      message:
        "partition_of (for each parent without the partition columns, the partitions a row of it falls in) is for kind incremental_by_partition only",
      path: ["partition_of"],
    },
  )
  .superRefine((header, context) => {
    const width = header.partitioned_by?.length ?? 0;
    for (const [parent, partitions] of Object.entries(header.partition_of ?? {}))
      partitions.forEach((partition, i) => {
        const expressions = typeof partition === "string" ? [partition] : partition;
        if (expressions.length !== width)
          context.addIssue({
            code: "custom",
            message: `${expressions.length} expression(s) for the ${width} partitioned_by column(s)`,
            path: ["partition_of", parent, i],
          });
      });
  });

/**
 * Reads a model's metadata from the YAML inside the block comment that opens
 * its file, so that description, grain, columns and tests live in one place
 * next to the query. Throws an Error saying what is wrong; the caller adds
 * the file name.
 *
 * For example, a header holding `grain: one row per buyer` and
 * `columns: {user_id: {description: the buyer, type: VARCHAR, tests: [unique, not_null]}}`.
 */
export function parseModelHeader(sql: string): ModelMetadata {
  const match = /^\s*\/\*([\s\S]*?)\*\//.exec(sql);
  if (match === null) throw new Error("the file must open with a /* … */ block of YAML metadata");
  let document: unknown;
  try {
    document = parseYaml(match[1] as string);
  } catch (error) {
    throw new Error(`the metadata block is not valid YAML: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parsed = checkedHeaderSchema.safeParse(document ?? {});
  if (!parsed.success) {
    const detail = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "header"}: ${issue.message}`,
    );
    throw new Error(`invalid metadata: ${detail.join("; ")}`);
  }
  const columns: ColumnMetadata[] = [];
  const tests: DataTestDeclaration[] = [];
  for (const [name, value] of Object.entries(parsed.data.columns)) {
    const description = typeof value === "string" ? value : (value?.description ?? "");
    const type = typeof value === "object" ? value?.type : undefined;
    columns.push({ name, description: description.trim(), ...(type ? { type } : {}) });
    if (value !== null && typeof value === "object") {
      try {
        tests.push(...parseTestDeclarations(value.tests, name));
      } catch (error) {
        throw new Error(`column ${name}: ${(error as Error).message}`, { cause: error });
      }
    }
  }
  tests.push(...parseTestDeclarations(parsed.data.tests));
  const names = new Set<string>();
  for (const test of tests) {
    if (names.has(test.name)) throw new Error(`two tests are named ${test.name}; give one a name`);
    names.add(test.name);
  }
  return {
    description: parsed.data.description.trim(),
    grain: parsed.data.grain.trim(),
    kind: parsed.data.kind,
    ...(parsed.data.key ? { key: parsed.data.key } : {}),
    ...(parsed.data.partitioned_by ? { partitionedBy: parsed.data.partitioned_by } : {}),
    ...(parsed.data.lookups ? { lookups: parsed.data.lookups } : {}),
    ...(parsed.data.partition_of
      ? {
          partitionOf: Object.fromEntries(
            Object.entries(parsed.data.partition_of).map(([parent, partitions]) => [
              parent,
              partitions.map((partition) =>
                typeof partition === "string" ? [partition] : partition,
              ),
            ]),
          ),
        }
      : {}),
    columns,
    tests,
  };
}
