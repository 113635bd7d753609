import { dirname, join } from "node:path";
import type { Command } from "commander";
import { loadJob } from "../../../jobs/index.ts";
import { loadSettings } from "../../config/load-settings.ts";
import { openEnvironment } from "../../run/environment.ts";
import { assertSucceeded } from "../../run/run-job.ts";
import { startRun } from "../../run/start-run.ts";
import { type EmbeddedS3, startEmbeddedS3 } from "../../storage/embedded-s3.ts";
import { objectStoreSink } from "../../storage/key-sinks.ts";
import { commandContext } from "../cli-context.ts";
import { printRunSummary } from "../run-summary.ts";

/**
 * `duckmart demo`: the embedded default. Without an endpoint it starts an
 * S3 server on loopback (data under the warehouse's folder), generates the
 * demo exports when the bucket has none, and runs the daily job.
 */
export async function demoCommand(_options: unknown, command: Command): Promise<void> {
  const { settings: configured, logger } = commandContext(command);
  let embedded: EmbeddedS3 | undefined;
  let settings = configured;
  if (!configured.s3Endpoint) {
    embedded = await startEmbeddedS3(
      join(dirname(configured.warehouse), "s3"),
      configured.s3Bucket,
    );
    logger.info(
      { endpoint: embedded.endpoint, bucket: embedded.bucket },
      "embedded S3 server started",
    );
    settings = loadSettings({
      file: command.optsWithGlobals<{ config?: string }>().config,
      overrides: { s3Endpoint: embedded.endpoint },
    });
  }
  const environment = await openEnvironment(settings, logger, "demo", embedded?.credentials);
  try {
    if (await isEmpty(environment.store.list(`${settings.rawPrefix}/`))) {
      const { defaultGenerateOptions, generateExports } = await import(
        "../../generate/generate-exports.ts"
      );
      const summary = await generateExports(
        defaultGenerateOptions,
        objectStoreSink(
          environment.store,
          settings.rawPrefix,
          `s3://${settings.s3Bucket}/${settings.rawPrefix}`,
        ),
      );
      logger.info(
        { files: summary.files, rows: summary.rows, bgnbd: summary.bgnbd },
        "demo exports generated",
      );
    }
    const record = await startRun(environment, await loadJob("daily"), "demo");
    await printRunSummary(environment, record, { headlines: true });
    assertSucceeded(record);
  } finally {
    environment.close();
    await embedded?.stop();
  }
}

async function isEmpty(listing: AsyncIterable<unknown>): Promise<boolean> {
  for await (const _ of listing) return false;
  return true;
}
