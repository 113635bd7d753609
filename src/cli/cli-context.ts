import type { Command } from "commander";
import { loadSettings } from "../config/load-settings.ts";
import type { Settings } from "../config/settings.ts";
import { createLogger, type Logger } from "../log/logger.ts";

/** Settings and logger for a command, from the global options. */
export function commandContext(command: Command): { settings: Settings; logger: Logger } {
  const globals = command.optsWithGlobals<{ config?: string }>();
  const settings = loadSettings({ file: globals.config });
  return { settings, logger: createLogger() };
}
