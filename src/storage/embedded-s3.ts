import { type ChildProcess, fork } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { StorageError } from "../util/errors.ts";
import { packagePath } from "../util/package-path.ts";

/** An S3 API server on loopback, for the demo and the tests. */
export interface EmbeddedS3 {
  readonly endpoint: string;
  readonly bucket: string;
  /** The static credentials the server accepts. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  stop(): Promise<void>;
}

const childScript = packagePath("src/storage/s3rver-child.mjs");

/**
 * Starts s3rver on a free 127.0.0.1 port with its data under `directory`
 * (s3rver can write keys with `..` outside it: give it a folder of its own)
 * and a bucket named `bucket`. The server dies with this process.
 */
export async function startEmbeddedS3(directory: string, bucket: string): Promise<EmbeddedS3> {
  await mkdir(directory, { recursive: true });
  const child = fork(childScript, [directory, bucket], {
    execArgv: ["--openssl-legacy-provider"],
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (message: { port?: number }) => {
      if (typeof message?.port === "number") resolve(message.port);
      else reject(new StorageError(`embedded S3 server sent ${JSON.stringify(message)}`));
    });
    child.once("exit", (code) =>
      reject(
        new StorageError(
          `embedded S3 server exited with ${code} before it listened: ${stderr.trim()}`,
        ),
      ),
    );
    child.once("error", (error) =>
      reject(new StorageError("embedded S3 server failed to start", { cause: error })),
    );
  });
  child.unref();
  child.channel?.unref();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 3_000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.disconnect();
  });
}
