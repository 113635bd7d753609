import type { Command } from "commander";
import { defaultGenerateOptions, generateExports } from "../../generate/generate-exports.ts";
import { createObjectStore } from "../../storage/create-object-store.ts";
import { directorySink, type KeySink, objectStoreSink } from "../../storage/key-sinks.ts";
import { commandContext } from "../cli-context.ts";

/** `duckmart generate --users N --days D --seed S [--out s3://bucket/prefix | DIR]`. */
export async function generateCommand(
  options: { users?: number; days?: number; seed?: number; start?: string; out?: string },
  command: Command,
): Promise<void> {
  const { settings, logger } = commandContext(command);
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
}
