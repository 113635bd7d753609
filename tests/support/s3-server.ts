import { join } from "node:path";
import { afterAll } from "vitest";
import { type EmbeddedS3, startEmbeddedS3 } from "../../src/storage/embedded-s3.ts";
import { S3ObjectStore } from "../../src/storage/s3-object-store.ts";
import { tempDir } from "./temp-dir.ts";

/** A real S3 API server (s3rver) on loopback for one test file, with a store on it. */
export interface TestS3 {
  readonly server: EmbeddedS3;
  readonly store: S3ObjectStore;
  /** Environment that points the CLI at this server. */
  readonly env: Record<string, string>;
}

/** Starts s3rver in a throwaway folder; stopped after the test file. */
export async function startTestS3(bucket = "duckmart"): Promise<TestS3> {
  const server = await startEmbeddedS3(join(tempDir("s3rver"), "data"), bucket);
  const store = new S3ObjectStore({
    endpoint: server.endpoint,
    bucket,
    region: "us-east-1",
    forcePathStyle: true,
    maxAttempts: 3,
    credentials: server.credentials,
  });
  afterAll(async () => {
    store.close();
    await server.stop();
  });
  return {
    server,
    store,
    env: {
      DUCKMART_S3_ENDPOINT: server.endpoint,
      DUCKMART_S3_BUCKET: bucket,
      AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
      AWS_REGION: "us-east-1",
    },
  };
}
