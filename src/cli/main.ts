import { CommanderError } from "commander";
import { createProgram } from "./program.ts";

try {
  await createProgram().parseAsync(process.argv);
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
