import { createRequire } from "node:module";
import { Command, CommanderError } from "commander";
import { registerDemoCommand } from "./commands/demo-command.ts";
import { registerDocsCommand } from "./commands/docs-command.ts";
import { registerFilesCommand } from "./commands/files-command.ts";
import { registerGenerateCommand } from "./commands/generate-command.ts";
import { registerModelsCommand } from "./commands/models-command.ts";
import { registerQueryCommand } from "./commands/query-command.ts";
import { registerRunCommand } from "./commands/run-command.ts";
import { registerScheduleCommand } from "./commands/schedule-command.ts";
import { registerStatusCommand } from "./commands/status-command.ts";

const { version } = createRequire(import.meta.url)("../../package.json") as { version: string };

const program = new Command("duckmart")
  .description("Scheduled ETL and customer-analytics warehouse on DuckDB")
  .option("--config <file>", "settings file (default config/duckmart.yaml, or $DUCKMART_CONFIG)")
  .version(version, "--version", "print the version")
  .configureOutput({
    // Commander's own errors end with the reason too (SPEC §5): one line, prefixed like ours.
    outputError: (message, write) =>
      write(`duckmart: ${message.replace(/^error: /i, "").trim()} (see duckmart --help)\n`),
  })
  .exitOverride();

registerRunCommand(program);
registerDemoCommand(program);
registerGenerateCommand(program);
registerFilesCommand(program);
registerScheduleCommand(program);
registerStatusCommand(program);
registerQueryCommand(program);
registerDocsCommand(program);
registerModelsCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else {
    // The reason is the last line on stderr (SPEC §5): DuckDB's messages can
    // run over several lines (a caret, "See also …"), so those come first.
    const message = error instanceof Error ? error.message : String(error);
    const [reason, ...details] = message.split("\n");
    const rest = details.filter((line) => line.trim() !== "");
    if (rest.length > 0) process.stderr.write(`${rest.join("\n")}\n`);
    process.stderr.write(`duckmart: ${reason}\n`);
    process.exitCode = 1;
  }
}
