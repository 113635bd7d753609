import { type Command, InvalidArgumentError } from "commander";
import { createObjectStore } from "../../storage/create-object-store.ts";
import { directorySink, type KeySink, objectStoreSink } from "../../storage/key-sinks.ts";
import { commandContext } from "../cli-context.ts";

/** `duckmart generate --users N --days D --seed S [--out s3://bucket/prefix | DIR]`. */
export function registerGenerateCommand(program: Command): void {
  program
    .command("generate")
    .description("write deterministic synthetic raw exports (same seed, same bytes)")
    .option("--users <n>", "distinct visitors (default: the demo's)", positiveInteger)
    .option("--days <n>", "days of exports, one object per source per day", positiveInteger)
    .option("--seed <n>", "random seed", integer)
    .option("--start <date>", "first day, YYYY-MM-DD")
    .option(
      "--out <target>",
      "s3://bucket/prefix or a local folder (default: the configured bucket's raw prefix)",
    )
    .action(
      async (
        options: { users?: number; days?: number; seed?: number; start?: string; out?: string },
        command: Command,
      ) => {
        const { settings, logger } = commandContext(command);
        // Loaded on demand: the generator is only needed by this command and demo.
        const { defaultGenerateOptions, generateExports } = await import(
          "../../generate/generate-exports.ts"
        );
        let sink: KeySink;
        let close = () => {};
        if (options.out && !options.out.startsWith("s3://")) {
          sink = directorySink(options.out);
        } else {
          const [bucket, ...prefix] = (options.out?.slice("s3://".length) ?? "").split("/");
          const target = { ...settings, s3Bucket: bucket || settings.s3Bucket };
          const store = createObjectStore(target);
          const keyPrefix = options.out ? prefix.filter(Boolean).join("/") : settings.rawPrefix;
          sink = objectStoreSink(store, keyPrefix, `s3://${target.s3Bucket}/${keyPrefix}`);
          close = () => store.close();
        }
        try {
          const summary = await generateExports(
            {
              users: options.users ?? defaultGenerateOptions.users,
              days: options.days ?? defaultGenerateOptions.days,
              seed: options.seed ?? defaultGenerateOptions.seed,
              startDate: options.start ?? defaultGenerateOptions.startDate,
            },
            sink,
          );
          logger.info({ bgnbd: summary.bgnbd, planted: summary.planted }, "generated");
          const rows = Object.entries(summary.rows)
            .map(([source, count]) => `${source} ${count}`)
            .join(", ");
          process.stdout.write(`wrote ${summary.files} objects to ${sink.location}: ${rows}\n`);
        } finally {
          close();
        }
      },
    );
}

function integer(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError("not a whole number");
  return Number(value);
}

function positiveInteger(value: string): number {
  const number = integer(value);
  if (number <= 0) throw new InvalidArgumentError("must be at least 1");
  return number;
}
