import type { DataTestDeclaration } from "../transform/test-declarations.ts";

/** The part of a model `martKeysFromModels` reads (a transform `Model` fits). */
export interface KeyedModel {
  readonly name: string;
  readonly metadata: { readonly tests: readonly DataTestDeclaration[] };
}

/**
 * The grain of each mart as the manifest's `keys`: the columns of its
 * narrowest unconditional `unique` test (a `where` clause means the
 * combination is unique only for some rows, so it is not the grain).
 * Marts without such a test are left out and get `[]`.
 *
 * @example
 * const project = await loadProject();
 * await publishRun({ ...options, martKeys: martKeysFromModels(project.models.values()) });
 */
export function martKeysFromModels(
  models: Iterable<KeyedModel>,
): Record<string, readonly string[]> {
  const keys: Record<string, readonly string[]> = {};
  for (const model of models) {
    if (!model.name.startsWith("mart_")) continue;
    for (const test of model.metadata.tests) {
      if (test.kind !== "unique" || test.where !== undefined) continue;
      const current = keys[model.name];
      if (current === undefined || test.columns.length < current.length)
        keys[model.name] = [...test.columns];
    }
  }
  return keys;
}
