import { existsSync, readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { resolveSources } from "../sources/resolve-sources.ts";
import { ConfigError } from "../util/errors.ts";
import { environmentVariableFor, type Settings, settingNames, settingsSchema } from "./settings.ts";

/** Where settings come from: a YAML file, the environment, and explicit overrides. */
export interface SettingsSources {
  /** Path of the YAML file; a missing default file is fine, a missing named one is not. */
  readonly file?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Values that win over both, e.g. from the demo command. */
  readonly overrides?: Partial<Record<keyof Settings, unknown>>;
}

export const defaultSettingsFile = "config/duckmart.yaml";

/**
 * Reads, merges and validates the settings. Precedence: overrides, then
 * environment variables, then the YAML file, then defaults. A wrong value
 * throws a ConfigError naming the setting, where it came from and what is allowed.
 */
export function loadSettings(sources: SettingsSources = {}): Settings {
  const env = sources.env ?? process.env;
  const file = sources.file ?? env.DUCKMART_CONFIG ?? defaultSettingsFile;
  const explicitFile = sources.file !== undefined || env.DUCKMART_CONFIG !== undefined;
  const origin = new Map<string, string>();
  const merged: Record<string, unknown> = {};

  for (const [key, value] of Object.entries(readSettingsFile(file, explicitFile))) {
    merged[key] = value;
    origin.set(key, `${file}: ${key}`);
  }
  for (const name of settingNames) {
    const variable = environmentVariableFor(name);
    const value = env[variable];
    if (value !== undefined) {
      merged[name] = value;
      origin.set(name, variable);
    }
  }
  for (const [key, value] of Object.entries(sources.overrides ?? {})) {
    if (value === undefined) continue;
    merged[key] = value;
    origin.set(key, `override ${key}`);
  }

  const parsed = settingsSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, origin));
  // A mapping that cannot work stops the run here, naming the setting (SPEC §1.1).
  resolveSources(parsed.data);
  return Object.freeze(parsed.data);
}

function readSettingsFile(file: string, mustExist: boolean): Record<string, unknown> {
  if (!existsSync(file)) {
    if (mustExist) throw new ConfigError(`settings file ${file} does not exist`);
    return {};
  }
  let document: unknown;
  try {
    document = parseYaml(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError(`settings file ${file} is not valid YAML: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== "object" || Array.isArray(document)) {
    throw new ConfigError(`settings file ${file} must hold a mapping of setting: value`);
  }
  return document as Record<string, unknown>;
}

function describeIssues(error: z.ZodError, origin: ReadonlyMap<string, string>): string {
  const lines = error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      return `unknown setting ${issue.keys.join(", ")} (known: ${settingNames.join(", ")})`;
    }
    const name = String(issue.path[0] ?? "");
    const where = origin.get(name) ?? `default of ${name}`;
    return `setting ${issue.path.join(".")} (${where}): ${issue.message}`;
  });
  return `invalid settings: ${lines.join("; ")}`;
}
