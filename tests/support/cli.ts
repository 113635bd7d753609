import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** What a CLI process printed and how it ended. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

const bin = fileURLToPath(new URL("../../bin/duckmart.js", import.meta.url));
const root = fileURLToPath(new URL("../../", import.meta.url));

/** Runs the real `duckmart` CLI in a child process with `env` added. */
export function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { ...process.env, DUCKMART_LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The last non-empty line of a text. */
export function lastLine(text: string): string {
  return text.trimEnd().split("\n").pop() ?? "";
}
