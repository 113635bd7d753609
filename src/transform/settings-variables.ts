import { type SettingName, type Settings, settingNames, snakeCaseOf } from "../config/settings.ts";
import { quoteLiteral, type SqlSession } from "../warehouse/warehouse.ts";

/** `baseCurrency` → `base_currency`: the DuckDB variable a model reads with `getvariable('base_currency')`. */
export function variableNameFor(setting: SettingName): string {
  return snakeCaseOf(setting);
}

/** The setting behind a DuckDB variable name, or undefined when there is none. */
export function settingForVariable(variable: string): SettingName | undefined {
  return settingNames.find((name) => variableNameFor(name) === variable);
}

/**
 * Sets one DuckDB variable per setting so that models read settings with
 * `getvariable(…)`. Numbers become DOUBLE, so `revenue * getvariable('margin')`
 * never falls into integer arithmetic; structured settings (lists, mappings)
 * become JSON, which a model reads typed with `from_json(getvariable(…), shape)`.
 */
export async function setSettingVariables(
  session: SqlSession,
  settings: Settings,
  names: Iterable<SettingName>,
): Promise<void> {
  for (const name of names) {
    const value = settings[name];
    // An unset optional number (assumedCac) is a NULL DOUBLE, so `coalesce` and comparisons type-check.
    const literal =
      value === null
        ? "null::double"
        : typeof value === "number"
          ? `${value}::double`
          : typeof value === "boolean"
            ? String(value)
            : typeof value === "object"
              ? `${quoteLiteral(JSON.stringify(value))}::json`
              : quoteLiteral(String(value));
    await session.run(`set variable ${variableNameFor(name)} = ${literal}`);
  }
}
