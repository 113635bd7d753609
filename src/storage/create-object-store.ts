import type { Settings } from "../config/settings.ts";
import { S3ObjectStore } from "./s3-object-store.ts";

/** The bucket of the settings, credentials from the AWS chain unless given. */
export function createObjectStore(
  settings: Settings,
  credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string },
): S3ObjectStore {
  return new S3ObjectStore({
    endpoint: settings.s3Endpoint || undefined,
    bucket: settings.s3Bucket,
    region: settings.s3Region,
    forcePathStyle: settings.s3ForcePathStyle,
    maxAttempts: settings.s3MaxAttempts,
    maxSockets: Math.max(settings.downloadConcurrency, 8),
    credentials,
  });
}
