/**
 * The receiving end of the http2 mode. {@linkcode http2Handler} is a fetch
 * handler the node mounts as a route of its `Deno.serve` (which speaks h2c
 * with prior knowledge); {@linkcode serveHttp2} is a standalone server on
 * `node:http2`, for TLS above all: `Deno.serve` as a TLS h2 server stalls
 * ~44 ms on every response over a few KB and on large request bodies
 * (measured with the node:http2 client, Deno 2.9.6).
 *
 * Known risk: Deno 2.9's node:http2 (nghttp2) can abort the process when a
 * session receives a GOAWAY (denoland/deno#36788); `Http2Transport` never
 * sends one, other clients may.
 *
 * @module
 */
import type http2 from "node:http2";
import type net from "node:net";
import { RequestError } from "../runtime/errors.ts";
import { PayloadTooLargeError } from "./errors.ts";
import { BodyBuffer, declaredLength } from "./http2_body.ts";
import { COMM_HEADER, decodeMeta, encodeMeta } from "./http2_meta.ts";
import {
  type CommHandler,
  type CommRequest,
  type CommResponse,
  errorResponse,
  respond,
} from "./message.ts";
import { DEFAULT_MAX_PAYLOAD_BYTES } from "./wire.ts";

/** Options of {@linkcode http2Handler}. */
export interface Http2HandlerOptions {
  /** Largest request payload accepted; larger ones get 413 (default 1 GiB). */
  maxPayloadBytes?: number;
}

const NULL_BODY_STATUS = new Set([204, 205, 304]);

/**
 * A fetch handler serving comm calls with `handler`: any path, `POST` with
 * the comm header; anything else gets 400, a body over the limit 413. Every
 * answer carries the comm header, so callers tell it from other endpoints.
 *
 * @example
 * ```ts
 * import { http2Handler } from "./http2_server.ts";
 * const comm = http2Handler((req) =>
 *   Promise.resolve({ status: 200, headers: {}, payload: req.payload }));
 * const server = Deno.serve({ port: 0, onListen() {} }, (req) =>
 *   new URL(req.url).pathname === "/_eddy/comm" ? comm(req) : new Response(null, { status: 404 }));
 * await server.shutdown();
 * ```
 */
export function http2Handler(
  handler: CommHandler,
  options: Http2HandlerOptions = {},
): (req: Request) => Promise<Response> {
  const max = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  return async (req) => {
    const meta = decodeMeta(req.headers.get(COMM_HEADER));
    if (req.method !== "POST" || typeof meta?.target !== "string") {
      await req.body?.cancel();
      return toResponse(errorResponse(badRequest(), 400));
    }
    let payload: Uint8Array;
    try {
      payload = await readBody(req, max);
    } catch (error) {
      await req.body?.cancel().catch(() => {});
      return toResponse(refusal(error));
    }
    const request = { target: meta.target, headers: meta.headers, payload };
    // Deno aborts a request's signal when its client resets the stream.
    return toResponse(await respond(handler, request, req.signal));
  };
}

/** Bodies up to this size are read with `bytes()`, larger ones streamed. */
const SMALL_BODY_BYTES = 256 * 1024;

/**
 * The request body, capped. Measured on Deno 2.9: `bytes()` is ~100 µs
 * faster per call than iterating the body stream, but slower past ~256 KiB
 * (it grows its buffer as chunks come); a larger body of declared length is
 * streamed into one buffer allocated up front.
 */
async function readBody(req: Request, max: number): Promise<Uint8Array> {
  const declared = declaredLength(req.headers.get("content-length"));
  if (declared !== undefined && declared <= Math.min(max, SMALL_BODY_BYTES)) {
    return await req.bytes();
  }
  const body = new BodyBuffer(declared, max);
  const reader = req.body?.getReader();
  try {
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      body.push(value);
    }
  } catch (error) {
    await reader?.cancel().catch(() => {});
    throw error;
  }
  return body.finish();
}

function toResponse(response: CommResponse): Response {
  return new Response(
    // Payloads live in plain ArrayBuffers; TypeScript cannot know it.
    NULL_BODY_STATUS.has(response.status)
      ? null
      : response.payload as Uint8Array<ArrayBuffer>,
    {
      status: response.status,
      headers: {
        "content-type": "application/octet-stream",
        [COMM_HEADER]: encodeMeta({ headers: response.headers }),
      },
    },
  );
}

function badRequest(): RequestError {
  return new RequestError(
    "bad_comm_request",
    `a comm call is a POST with a valid ${COMM_HEADER} header`,
  );
}

/** Options of {@linkcode serveHttp2}. */
export interface Http2ServerOptions {
  /** Address to listen on (default 127.0.0.1). */
  hostname?: string;
  /** Port (default 0: any free port). */
  port?: number;
  /** PEM certificate chain and key; without them the server speaks h2c. */
  tls?: { cert: string; key: string };
  /** Largest request payload accepted; larger ones get 413 (default 1 GiB). */
  maxPayloadBytes?: number;
}

/** Flow-control window of {@linkcode serveHttp2}, per stream and session. */
const WINDOW_BYTES = 8 * 1024 * 1024;

/** A running {@linkcode serveHttp2} server. */
export interface Http2Server extends AsyncDisposable {
  /** The endpoint to call: `http://` or `https://`, host and port. */
  readonly url: string;
  readonly port: number;
  /** Stops at once; calls in flight fail. */
  close(): Promise<void>;
}

/**
 * Serves `handler` over HTTP/2 on its own port: TLS (ALPN h2) with `tls`,
 * h2c with prior knowledge otherwise. Any path answers, as with
 * {@linkcode http2Handler}.
 *
 * @example
 * ```ts
 * import { serveHttp2 } from "./http2_server.ts";
 * await using server = await serveHttp2({}, (req) =>
 *   Promise.resolve({ status: 200, headers: {}, payload: req.payload }));
 * console.log(server.url.startsWith("http://127.0.0.1:")); // true
 * ```
 */
export async function serveHttp2(
  options: Http2ServerOptions,
  handler: CommHandler,
): Promise<Http2Server> {
  const max = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const hostname = options.hostname ?? "127.0.0.1";
  // Windows larger than HTTP/2's 64 KiB default let a large payload flow
  // without waiting for a WINDOW_UPDATE every 64 KiB (16 MB uploads took
  // ~40% less time in bench/comm.ts).
  const settings = { initialWindowSize: WINDOW_BYTES };
  // Loaded here, not at import: most nodes serve comm through Deno.serve.
  const h2 = (await import("node:http2")).default;
  const server = options.tls
    ? h2.createSecureServer({ ...options.tls, allowHTTP1: false, settings })
    : h2.createServer({ settings });
  // Closing ends the TCP connections themselves, without a GOAWAY: Deno
  // 2.9's node:http2 (nghttp2) can abort a client process that receives one
  // (denoland/deno#36788).
  const sockets = new Set<net.Socket>();
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("session", (session) => {
    // A client that goes away mid-call is its own problem.
    session.on("error", () => {});
    session.setLocalWindowSize(WINDOW_BYTES);
  });
  server.on(
    "stream",
    (stream, head) => serveStream(stream, head, handler, max),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as net.AddressInfo;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  return {
    url: `${options.tls ? "https" : "http"}://${host}:${port}`,
    port,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function serveStream(
  stream: http2.ServerHttp2Stream,
  head: http2.IncomingHttpHeaders,
  handler: CommHandler,
  max: number,
): void {
  const send = (response: CommResponse) => {
    if (stream.destroyed || stream.closed) return;
    const bytes = NULL_BODY_STATUS.has(response.status)
      ? 0
      : response.payload.byteLength;
    stream.respond({
      ":status": response.status,
      "content-type": "application/octet-stream",
      ...(bytes > 0 ? { "content-length": String(bytes) } : {}),
      [COMM_HEADER]: encodeMeta({ headers: response.headers }),
    }, { endStream: bytes === 0 });
    if (bytes > 0) stream.end(response.payload);
  };
  // The client went away; nothing to answer, and the handler is told.
  const gone = new AbortController();
  stream.on("error", () => {});
  stream.on("close", () => gone.abort());
  const meta = decodeMeta(head[COMM_HEADER] as string | undefined);
  if (head[":method"] !== "POST" || typeof meta?.target !== "string") {
    return send(errorResponse(badRequest(), 400));
  }
  let body: BodyBuffer;
  try {
    body = new BodyBuffer(declaredLength(head["content-length"]), max);
  } catch (error) {
    return send(refusal(error));
  }
  let refused = false;
  stream.on("data", (chunk: Uint8Array) => {
    if (refused) return;
    try {
      body.push(chunk);
    } catch (error) {
      refused = true;
      send(refusal(error));
    }
  });
  stream.on("end", async () => {
    if (refused) return;
    let request: CommRequest;
    try {
      request = {
        target: meta.target as string,
        headers: meta.headers,
        payload: body.finish(),
      };
    } catch (error) {
      return send(refusal(error));
    }
    send(await respond(handler, request, gone.signal));
  });
}

/** The response to a comm request this server refuses before its handler. */
function refusal(error: unknown): CommResponse {
  return errorResponse(
    error,
    error instanceof PayloadTooLargeError ? 413 : 500,
  );
}
