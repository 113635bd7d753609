import { createHash } from "node:crypto";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** What the proxy does to a request it picks. */
export type Fault =
  /**
   * Answers with an S3 XML error instead of forwarding (503 SlowDown, 500
   * InternalError…). With `echoRequest`, the error carries the canonical
   * request with every header, as S3's SignatureDoesNotMatch does, session
   * token included.
   */
  | {
      readonly kind: "error";
      readonly status: number;
      readonly code: string;
      readonly echoRequest?: boolean;
    }
  /** Destroys the connection before anything reaches the server. */
  | { readonly kind: "reset" }
  /** Waits, then forwards the request (a slow store) or resets the connection. */
  | { readonly kind: "stall"; readonly ms: number; readonly after: "forward" | "reset" }
  /**
   * Forwards, then sends the status, the headers (Content-Length untouched)
   * and only `keep` of the body before destroying the socket.
   */
  | { readonly kind: "cut-body"; readonly keep: number }
  /**
   * Forwards, then sends a shorter body with a Content-Length that matches
   * it: a response HTTP cannot tell from a whole one.
   */
  | { readonly kind: "short-body"; readonly keep: number }
  /** Forwards, then flips one byte of the body, length unchanged. */
  | { readonly kind: "corrupt-body" }
  /** Forwards (the request takes effect), then destroys the connection instead of answering. */
  | { readonly kind: "drop-response" };

/** Which requests a rule looks at. Strings match exactly, regular expressions anywhere. */
export interface RequestMatcher {
  readonly method?: string;
  /** The decoded path, e.g. `/duckmart/raw/orders/part-000.csv`. */
  readonly path?: string | RegExp;
  /** The raw query string without `?`, e.g. `list-type=2&prefix=raw%2Forders%2F`. */
  readonly query?: string | RegExp;
}

/** One fault and when it fires. */
export interface FaultRule {
  readonly match: RequestMatcher;
  readonly fault: Fault;
  /** Fires on these matching requests, counted from 1 in arrival order. */
  readonly nth?: readonly number[];
  /**
   * Or fires with this probability, decided by a hash of the seed, the
   * request (method, path, query) and how often that same request was seen,
   * so the outcome does not depend on the order of concurrent requests.
   */
  readonly rate?: number;
  /** With `rate`: the same request is faulted at most this many times (default: no limit). */
  readonly perRequest?: number;
  /** At most this many faults from this rule (default: no limit). */
  readonly limit?: number;
}

/** One request the proxy saw. */
export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  /** Kind of the fault injected, if any. */
  readonly fault?: Fault["kind"];
}

/** Matchers for the S3 operations duckmart uses (path-style addressing). */
export const s3Requests = {
  /** ListObjectsV2 on a bucket. */
  list: (bucket: string): RequestMatcher => ({
    method: "GET",
    path: new RegExp(`^/${escapeRegExp(bucket)}/?$`),
    query: /(^|&)list-type=2(&|$)/,
  }),
  /** GetObject of keys starting with `prefix`. */
  getObject: (bucket: string, prefix = ""): RequestMatcher => ({
    method: "GET",
    path: new RegExp(`^/${escapeRegExp(bucket)}/${escapeRegExp(prefix)}`),
  }),
  /** PutObject (one request, no multipart) of keys matching `key`. */
  putObject: (bucket: string, key: RegExp): RequestMatcher => ({
    method: "PUT",
    path: new RegExp(`^/${escapeRegExp(bucket)}/${key.source}`),
    query: /^(x-id=PutObject)?$/,
  }),
  /** UploadPart of a multipart upload. */
  uploadPart: (bucket: string): RequestMatcher => ({
    method: "PUT",
    path: new RegExp(`^/${escapeRegExp(bucket)}/`),
    query: /(^|&)partNumber=/,
  }),
  /** CompleteMultipartUpload. */
  completeMultipart: (bucket: string): RequestMatcher => ({
    method: "POST",
    path: new RegExp(`^/${escapeRegExp(bucket)}/`),
    query: /(^|&)uploadId=/,
  }),
} as const;

/**
 * A fault-injecting HTTP proxy on 127.0.0.1 in front of an S3 API server.
 * Requests go through untouched (Host header included, so SigV4 signatures
 * still verify) unless a rule picks them. Point a client at `endpoint`.
 *
 * @example
 * const proxy = await FaultProxy.start(s3.server.endpoint);
 * proxy.setRules([{ match: s3Requests.list("duckmart"), fault: { kind: "error", status: 503, code: "SlowDown" }, nth: [1, 2] }]);
 * await runCli(["run", "--job", "ingest"], { ...s3.env, DUCKMART_S3_ENDPOINT: proxy.endpoint });
 */
export class FaultProxy {
  readonly endpoint: string;
  readonly #server: Server;
  readonly #target: URL;
  readonly #seed: number;
  readonly #sockets = new Set<Socket>();
  #rules: readonly FaultRule[] = [];
  #matched: number[] = [];
  #fired: number[] = [];
  #seen = new Map<string, number>();
  #faultedPerRequest = new Map<string, number>();
  #log: ProxiedRequest[] = [];
  readonly #extraObjects = new Map<string, ExtraObject>();

  private constructor(server: Server, target: URL, seed: number) {
    this.#server = server;
    this.#target = target;
    this.#seed = seed;
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Starts a proxy for `target` (e.g. `http://127.0.0.1:4568`) on a free port. */
  static async start(target: string, options: { seed?: number } = {}): Promise<FaultProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const proxy = new FaultProxy(server, new URL(target), options.seed ?? 1);
    server.on("connection", (socket) => {
      proxy.#sockets.add(socket);
      socket.on("close", () => proxy.#sockets.delete(socket));
    });
    server.on("request", (req, res) => {
      proxy.#handle(req, res).catch(() => res.destroy());
    });
    return proxy;
  }

  /** Replaces the rules and clears the request log and all counters. */
  setRules(rules: readonly FaultRule[]): void {
    this.#rules = rules;
    this.#matched = rules.map(() => 0);
    this.#fired = rules.map(() => 0);
    this.#seen.clear();
    this.#faultedPerRequest.clear();
    this.#log = [];
  }

  /** Every request since the last `setRules`, in arrival order. */
  get requests(): readonly ProxiedRequest[] {
    return this.#log;
  }

  /** How many faults were injected since the last `setRules`. */
  get faults(): number {
    return this.#fired.reduce((sum, n) => sum + n, 0);
  }

  /** Stops listening and drops open connections. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Not `new URL()`: it would resolve `..` segments of the key.
    const [rawPath = "/", ...rest] = (req.url ?? "/").split("?");
    const method = req.method ?? "GET";
    const path = decodeURIComponent(rawPath);
    const query = rest.join("?");
    const fault = this.#pick(method, path, query);
    this.#log.push({
      method,
      path,
      query,
      headers: req.headers,
      ...(fault ? { fault: fault.kind } : {}),
    });
    const body = await readBody(req);
    const extra = this.#extraObjects.get(path);
    if (!fault && extra && (method === "GET" || method === "HEAD"))
      return sendObject(res, extra, method === "HEAD");
    if (!fault) return this.#forward(req, body, res);
    switch (fault.kind) {
      case "error":
        return sendS3Error(res, fault, path, fault.echoRequest ? canonicalRequest(req) : undefined);
      case "reset":
        req.socket.destroy();
        return;
      case "stall":
        await sleep(fault.ms);
        if (fault.after === "reset") req.socket.destroy();
        else await this.#forward(req, body, res);
        return;
      default:
        return this.#forwardAndMangle(req, body, res, fault);
    }
  }

  #pick(method: string, path: string, query: string): Fault | undefined {
    const identity = `${method} ${path}?${query}`;
    const occurrence = (this.#seen.get(identity) ?? 0) + 1;
    this.#seen.set(identity, occurrence);
    // Every matching rule counts the request, whichever of them fires.
    const candidates = [...this.#rules.entries()].filter(([, rule]) =>
      matches(rule.match, method, path, query),
    );
    for (const [index] of candidates) this.#matched[index] = (this.#matched[index] ?? 0) + 1;
    for (const [index, rule] of candidates) {
      if (rule.limit !== undefined && (this.#fired[index] ?? 0) >= rule.limit) continue;
      const key = `${index} ${identity}`;
      const faulted = this.#faultedPerRequest.get(key) ?? 0;
      let fire = false;
      if (rule.nth) fire = rule.nth.includes(this.#matched[index] ?? 0);
      else if (rule.rate !== undefined)
        fire =
          (rule.perRequest === undefined || faulted < rule.perRequest) &&
          chance(this.#seed, `${index} ${identity}`, occurrence) < rule.rate;
      if (!fire) continue;
      this.#fired[index] = (this.#fired[index] ?? 0) + 1;
      this.#faultedPerRequest.set(key, faulted + 1);
      return rule.fault;
    }
    return undefined;
  }

  /**
   * Serves objects the server behind cannot hold (keys with `..` segments,
   * which s3rver resolves on its disk): they are added to listings of
   * `bucket` whose prefix they start with, and answered on GET and HEAD.
   */
  addObjects(bucket: string, objects: readonly { key: string; body: Buffer }[]): void {
    for (const object of objects) {
      this.#extraObjects.set(`/${bucket}/${object.key}`, {
        ...object,
        bucket,
        etag: createHash("md5").update(object.body).digest("hex"),
        lastModified: new Date(Math.floor(Date.now() / 1000) * 1000),
      });
    }
  }

  async #forward(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const upstream = await this.#send(req, body);
    let data = upstream.body;
    const headers = { ...upstream.headers };
    const [rawPath = "/", ...rest] = (req.url ?? "/").split("?");
    const query = new URLSearchParams(rest.join("?"));
    if (req.method === "GET" && query.get("list-type") === "2" && upstream.status === 200) {
      const bucket = decodeURIComponent(rawPath).replace(/^\/|\/$/g, "");
      data = this.#withExtraObjects(bucket, query, data);
      headers["content-length"] = String(data.length);
    }
    res.writeHead(upstream.status, headers);
    res.end(data);
  }

  #withExtraObjects(bucket: string, query: URLSearchParams, listing: Buffer): Buffer {
    const prefix = query.get("prefix") ?? "";
    const extra = [...this.#extraObjects.values()].filter(
      (object) => object.bucket === bucket && object.key.startsWith(prefix),
    );
    if (extra.length === 0) return listing;
    const contents = extra
      .map(
        (object) =>
          `<Contents><Key>${xmlEscape(object.key)}</Key><LastModified>${object.lastModified.toISOString()}</LastModified><ETag>&quot;${object.etag}&quot;</ETag><Size>${object.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
      )
      .join("");
    const text = listing
      .toString("utf8")
      .replace(
        /<KeyCount>(\d+)<\/KeyCount>/,
        (_, n) => `<KeyCount>${Number(n) + extra.length}</KeyCount>`,
      )
      .replace("</ListBucketResult>", `${contents}</ListBucketResult>`);
    return Buffer.from(text);
  }

  async #forwardAndMangle(
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
    fault: Fault,
  ): Promise<void> {
    const upstream = await this.#send(req, body);
    const headers = { ...upstream.headers };
    switch (fault.kind) {
      case "drop-response":
        req.socket.destroy();
        return;
      case "cut-body": {
        res.writeHead(upstream.status, headers);
        res.write(upstream.body.subarray(0, Math.min(fault.keep, upstream.body.length - 1)));
        // Let the partial body reach the client before the connection dies.
        await sleep(20);
        req.socket.destroy();
        return;
      }
      case "short-body": {
        const short = upstream.body.subarray(0, Math.min(fault.keep, upstream.body.length - 1));
        headers["content-length"] = String(short.length);
        res.writeHead(upstream.status, headers);
        res.end(short);
        return;
      }
      case "corrupt-body": {
        const copy = Buffer.from(upstream.body);
        const at = Math.floor(copy.length / 2);
        if (copy.length > 0) copy[at] = (copy[at] as number) ^ 0xff;
        res.writeHead(upstream.status, headers);
        res.end(copy);
        return;
      }
      default:
        throw new Error(`fault ${fault.kind} is not a response fault`);
    }
  }

  #send(
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const upstream = request(
        {
          host: this.#target.hostname,
          port: this.#target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (response) => {
          readBody(response).then(
            (data) =>
              resolve({
                status: response.statusCode ?? 502,
                headers: response.headers,
                body: data,
              }),
            reject,
          );
        },
      );
      upstream.on("error", reject);
      upstream.end(body);
    });
  }
}

interface ExtraObject {
  readonly bucket: string;
  readonly key: string;
  readonly body: Buffer;
  readonly etag: string;
  readonly lastModified: Date;
}

function sendObject(res: ServerResponse, object: ExtraObject, headOnly: boolean): void {
  res.writeHead(200, {
    "content-type": "application/octet-stream",
    "content-length": object.body.length,
    etag: `"${object.etag}"`,
    "last-modified": object.lastModified.toUTCString(),
  });
  res.end(headOnly ? undefined : object.body);
}

function matches(matcher: RequestMatcher, method: string, path: string, query: string): boolean {
  if (matcher.method && matcher.method !== method) return false;
  if (matcher.path !== undefined && !test(matcher.path, path)) return false;
  if (matcher.query !== undefined && !test(matcher.query, query)) return false;
  return true;
}

function test(pattern: string | RegExp, value: string): boolean {
  return typeof pattern === "string" ? pattern === value : pattern.test(value);
}

/** A number in [0, 1) from the seed and the request: the same request, the same draw. */
function chance(seed: number, identity: string, occurrence: number): number {
  const digest = createHash("sha256")
    .update(`${seed}\u0000${identity}\u0000${occurrence}`)
    .digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

async function readBody(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The request as S3 echoes it in a SignatureDoesNotMatch error: method, path, query, every header. */
function canonicalRequest(req: IncomingMessage): string {
  const [path = "/", query = ""] = (req.url ?? "/").split("?");
  const headers = Object.entries(req.headers)
    .map(([name, value]) => `${name}:${String(value)}`)
    .sort();
  return [req.method, path, query, ...headers].join("\n");
}

/** An S3 error document, as S3 sends it. */
function sendS3Error(
  res: ServerResponse,
  fault: { readonly status: number; readonly code: string },
  resource: string,
  canonical?: string,
): void {
  const { status, code } = fault;
  const echo = canonical
    ? `<CanonicalRequest>${xmlEscape(canonical)}</CanonicalRequest><CanonicalRequestBytes>${Buffer.from(canonical).toString("hex")}</CanonicalRequestBytes>`
    : "";
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected ${code} by the fault proxy</Message><Resource>${xmlEscape(resource)}</Resource>${echo}<RequestId>fault-proxy</RequestId></Error>`;
  res.writeHead(status, {
    "content-type": "application/xml",
    "content-length": Buffer.byteLength(body),
    ...(status === 503 ? { "retry-after": "0" } : {}),
  });
  res.end(body);
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
