import { type Logger, pino } from "pino";
import { ConfigError } from "../util/errors.ts";

export type { Logger } from "pino";

/**
 * Paths of log fields that may carry credentials. pino replaces them before a
 * line is written, so a careless `log.info({ config })` cannot leak a secret.
 */
const redactedPaths = [
  "*.secretAccessKey",
  "*.sessionToken",
  "*.accessKeyId",
  "*.credentials",
  "*.authorization",
  "*.Authorization",
  "secretAccessKey",
  "sessionToken",
  "credentials",
];

const logLevels = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

/**
 * Creates the process logger: JSON lines on stderr, or pretty lines when
 * stderr is an interactive terminal. Results go to stdout, never here.
 */
export function createLogger(options: { level?: string; pretty?: boolean } = {}): Logger {
  const pretty = options.pretty ?? Boolean(process.stderr.isTTY);
  const level = options.level ?? process.env.DUCKMART_LOG_LEVEL ?? "info";
  if (!logLevels.includes(level)) {
    throw new ConfigError(
      `setting DUCKMART_LOG_LEVEL: ${JSON.stringify(level)} is not one of ${logLevels.join(", ")}`,
    );
  }
  const redact = { paths: redactedPaths, censor: "[redacted]" };
  if (pretty) {
    return pino({
      level,
      redact,
      transport: {
        target: "pino-pretty",
        options: {
          destination: 2,
          colorize: true,
          ignore: "pid,hostname,runId,job",
          singleLine: true,
        },
      },
    });
  }
  return pino({ level, redact }, pino.destination({ fd: 2, sync: true }));
}

/** A logger that drops everything, for library callers and tests. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
