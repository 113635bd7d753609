import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { StorageError } from "../util/errors.ts";
import { withRetries } from "../util/retry.ts";
import {
  normalizeEtag,
  type ObjectBody,
  type ObjectInfo,
  type ObjectStore,
} from "./object-store.ts";

/** How to reach the bucket. Credentials come from the AWS chain unless given. */
export interface S3Location {
  readonly endpoint?: string;
  readonly bucket: string;
  readonly region: string;
  readonly forcePathStyle: boolean;
  /** Attempts per S3 request in all, the first included (`s3MaxAttempts`). */
  readonly maxAttempts: number;
  /** First backoff delay between attempts (default 100 ms); each later one doubles, with full jitter. */
  readonly retryBaseDelayMs?: number;
  readonly maxSockets?: number;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

const multipartPartSize = 8 * 1024 * 1024;

/**
 * ObjectStore over the S3 API, for AWS and S3-compatible stores (MinIO,
 * s3rver). Checksums are computed only when an operation requires them,
 * which those stores accept; download integrity is checked here instead.
 *
 * One retry budget per request: every S3 request gets at most `maxAttempts`
 * attempts in all. The SDK's own retries are off for the requests retried
 * here (list, head, get, put, delete), so that its attempts and these do not
 * multiply; the parts of a streamed multipart upload, whose body cannot be
 * sent again as a whole, are each retried by the SDK instead, with the same budget.
 */
export class S3ObjectStore implements ObjectStore {
  /** No SDK retries: {@link S3ObjectStore.#attempt} retries each request. */
  readonly #client: S3Client;
  /** SDK retries with the whole budget, for the part requests of streamed uploads only. */
  readonly #uploadClient: S3Client;
  readonly #bucket: string;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;

  constructor(location: S3Location) {
    const maxSockets = location.maxSockets ?? 32;
    const config: S3ClientConfig = {
      region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? location.region,
      forcePathStyle: location.forcePathStyle,
      maxAttempts: 1,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      requestHandler: {
        connectionTimeout: 5_000,
        requestTimeout: 120_000,
        httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
        httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
      },
    };
    if (location.endpoint) config.endpoint = location.endpoint;
    if (location.credentials) config.credentials = location.credentials;
    this.#client = new S3Client(config);
    this.#uploadClient = new S3Client({
      ...config,
      maxAttempts: location.maxAttempts,
      // Standard: exponential backoff with jitter. Adaptive mode rate-limits
      // every later request after one SlowDown (measured 2.1 s → 7.6 s for 40 objects).
      retryMode: "standard",
    });
    this.#bucket = location.bucket;
    this.#maxAttempts = location.maxAttempts;
    this.#baseDelayMs = location.retryBaseDelayMs ?? 100;
  }

  /** Attempts each S3 request gets in all (`s3MaxAttempts`). */
  get maxAttempts(): number {
    return this.#maxAttempts;
  }

  /** The bucket this store reads and writes. */
  get bucket(): string {
    return this.#bucket;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let continuationToken: string | undefined;
    do {
      // A page that arrived garbled (it fails to parse) is retried like a 5xx.
      const page = await this.#attempt(`list s3://${this.#bucket}/${prefix}`, () =>
        this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: prefix,
            ContinuationToken: continuationToken,
          }),
        ),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined) continue;
        yield {
          key: item.Key,
          size: item.Size ?? 0,
          etag: normalizeEtag(item.ETag),
          lastModified: item.LastModified ?? new Date(0),
        };
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const response = await this.#attempt(`head s3://${this.#bucket}/${key}`, () =>
        this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key })),
      );
      return {
        key,
        size: response.ContentLength ?? 0,
        etag: normalizeEtag(response.ETag),
        lastModified: response.LastModified ?? new Date(0),
      };
    } catch (error) {
      if (isNotFound(error) || isNotFound((error as { cause?: unknown }).cause)) return undefined;
      throw error;
    }
  }

  async download(object: ObjectInfo, destination: string): Promise<void> {
    const what = `download s3://${this.#bucket}/${object.key}`;
    await this.#attempt(what, async () => {
      try {
        const response = await this.#client.send(
          new GetObjectCommand({
            Bucket: this.#bucket,
            Key: object.key,
            IfMatch: `"${object.etag}"`,
          }),
        );
        const check = new IntegrityCheck();
        await pipeline(response.Body as Readable, check, createWriteStream(destination));
        check.verify(object, what);
      } catch (error) {
        await rm(destination, { force: true });
        throw error;
      }
    });
  }

  async read(key: string): Promise<Buffer> {
    const what = `read s3://${this.#bucket}/${key}`;
    return this.#attempt(what, async () => {
      const response = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: key }),
      );
      const bytes = Buffer.from(
        await (
          response.Body as { transformToByteArray(): Promise<Uint8Array> }
        ).transformToByteArray(),
      );
      if (response.ContentLength !== undefined && bytes.length !== response.ContentLength) {
        throw new StorageError(`${what}: got ${bytes.length} of ${response.ContentLength} bytes`, {
          transient: true,
        });
      }
      return bytes;
    });
  }

  async write(key: string, body: ObjectBody, contentType?: string): Promise<void> {
    const what = `write s3://${this.#bucket}/${key}`;
    if (!(body instanceof Readable)) {
      const bytes = typeof body === "string" ? Buffer.from(body) : body;
      const md5 = createHash("md5").update(bytes).digest("base64");
      await this.#attempt(what, () =>
        this.#client.send(
          new PutObjectCommand({
            Bucket: this.#bucket,
            Key: key,
            Body: bytes,
            ContentType: contentType,
            ContentMD5: md5,
          }),
        ),
      );
      return;
    }
    try {
      // A stream can be sent once: each part request is retried (by the SDK) instead.
      const upload = new Upload({
        client: this.#uploadClient,
        params: { Bucket: this.#bucket, Key: key, Body: body, ContentType: contentType },
        partSize: multipartPartSize,
        queueSize: 4,
        leavePartsOnError: false,
      });
      await upload.done();
    } catch (error) {
      throw storageError(what, error);
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += 1000) {
      const batch = keys.slice(start, start + 1000);
      const response = await this.#attempt(
        `delete ${batch.length} objects from s3://${this.#bucket}`,
        () =>
          this.#client.send(
            new DeleteObjectsCommand({
              Bucket: this.#bucket,
              Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
            }),
          ),
      );
      const failed = (response.Errors ?? []).filter((e) => e.Code !== "NoSuchKey");
      if (failed.length > 0) {
        throw new StorageError(
          `delete from s3://${this.#bucket} failed for ${failed.map((e) => `${e.Key} (${e.Code})`).join(", ")}`,
        );
      }
    }
  }

  /** Closes idle sockets so the process can exit. */
  close(): void {
    this.#client.destroy();
    this.#uploadClient.destroy();
  }

  /**
   * One S3 request with its whole retry budget: up to `maxAttempts`
   * attempts, retried on transient failures (5xx, throttling, network
   * errors, damaged bodies) with exponential backoff and full jitter.
   * Throws a StorageError naming `what`.
   */
  #attempt<T>(what: string, call: () => Promise<T>): Promise<T> {
    return withRetries(
      async () => {
        try {
          return await call();
        } catch (error) {
          throw storageError(what, error);
        }
      },
      {
        attempts: this.#maxAttempts,
        retryable: isTransientS3Failure,
        baseDelayMs: this.#baseDelayMs,
        maxDelayMs: 5_000,
      },
    );
  }
}

/** Counts and hashes bytes on their way to disk. */
class IntegrityCheck extends Transform {
  readonly #md5 = createHash("md5");
  #bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.#bytes += chunk.length;
    this.#md5.update(chunk);
    this.push(chunk);
    callback();
  }

  verify(object: ObjectInfo, what: string): void {
    if (this.#bytes !== object.size) {
      throw new StorageError(`${what}: got ${this.#bytes} of ${object.size} bytes`, {
        transient: true,
      });
    }
    // A multipart ETag ("<md5>-<parts>") is not the MD5 of the body.
    if (/^[0-9a-f]{32}$/i.test(object.etag)) {
      const md5 = this.#md5.digest("hex");
      if (md5 !== object.etag.toLowerCase()) {
        throw new StorageError(`${what}: body MD5 ${md5} differs from ETag ${object.etag}`, {
          transient: true,
        });
      }
    }
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "NotFound" || e?.name === "NoSuchKey" || e?.$metadata?.httpStatusCode === 404;
}

const transientCodes = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ERR_STREAM_PREMATURE_CLOSE",
  "UND_ERR_SOCKET",
]);

/**
 * Network failures, throttling and 5xx from S3 are worth another attempt;
 * this decides the `transient` flag of the StorageErrors this store throws.
 */
function isTransientS3Failure(error: unknown): boolean {
  if (error instanceof StorageError) {
    if (!error.permanent) return true;
    return error.cause !== undefined && isTransientS3Failure(error.cause);
  }
  const e = error as {
    code?: string;
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  if (!e || typeof e !== "object") return false;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode ?? 0;
  if (status >= 500 || status === 429) return true;
  if (e.name === "SlowDown" || e.name === "RequestTimeout" || e.name === "TimeoutError")
    return true;
  if (e.code && transientCodes.has(e.code)) return true;
  if (isGarbledResponse(error)) return true;
  return /socket hang up|aborted|premature close/i.test(e.message ?? "");
}

/** A successful response whose body did not parse: damaged on the way, worth another attempt. */
function isGarbledResponse(error: unknown): boolean {
  const e = error as { message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode ?? 0;
  return (
    status >= 200 && status < 300 && /XML parse error|Deserialization error/i.test(e.message ?? "")
  );
}

function storageError(what: string, error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  // One line: the CLI's last stderr line is the reason (SDK messages can span several).
  const detail = [e?.name, status ? `HTTP ${status}` : undefined, e?.message]
    .filter(Boolean)
    .join(" ")
    .replace(/\s*\n\s*/g, " ");
  const hint =
    e?.name === "CredentialsProviderError"
      ? " (no S3 credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile, and DUCKMART_S3_ENDPOINT for a store other than AWS; `npm start` runs the self-contained demo)"
      : "";
  return new StorageError(`${what} failed: ${detail}${hint}`, {
    cause: error,
    transient: isTransientS3Failure(error),
  });
}
