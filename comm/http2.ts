/**
 * Mode 3, other hosts: HTTP/2 over TCP, h2c on a trusted network or TLS.
 * The client is `node:http2`: Deno's `fetch` turns Nagle on and stalls
 * ~44 ms on every request body.
 *
 * A call is `POST <endpoint>` with the payload as the body and the target
 * and headers in one JSON header (see `http2_meta.ts`); the answer's status
 * is the response's status.
 *
 * @module
 */
import type http2 from "node:http2";
import type net from "node:net";
import type tls from "node:tls";
import { withDeadline } from "./deadline.ts";
import { PayloadTooLargeError, PeerError } from "./errors.ts";
import { BodyBuffer, declaredLength } from "./http2_body.ts";
import { COMM_HEADER, decodeMeta, encodeMeta } from "./http2_meta.ts";
import type {
  CallOptions,
  CommRequest,
  CommResponse,
  Transport,
} from "./message.ts";
import { DEFAULT_MAX_PAYLOAD_BYTES } from "./wire.ts";

/** Options of {@linkcode Http2Transport}. */
export interface Http2TransportOptions {
  /** Default per-call timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** Largest request or response payload (default 1 GiB). */
  maxPayloadBytes?: number;
  /** PEM CA certificate(s) that sign the peers' TLS certificates. */
  ca?: string | string[];
}

/** RFC 9113 error code CANCEL. */
const NGHTTP2_CANCEL = 0x8;

/** The Node modules the client runs on. */
interface NodeNet {
  h2: typeof http2;
  net: typeof net;
  tls: typeof tls;
}

/**
 * node:http2 costs ~90 ms and ~15 MB to load here, node:net and node:tls
 * another ~25 ms of a node's start, and only nodes that talk to other
 * hosts need them: they load on the first call.
 */
let nodeNet: Promise<NodeNet> | undefined;
function loadNodeNet(): Promise<NodeNet> {
  return nodeNet ??= Promise.all([
    import("node:http2"),
    import("node:net"),
    import("node:tls"),
  ]).then(([h2, net, tls]) => ({
    h2: h2.default,
    net: net.default,
    tls: tls.default,
  }));
}

/** Receive window per stream and session, for large responses. */
const WINDOW_BYTES = 8 * 1024 * 1024;

/** A session and how to end it: by destroying its socket. */
interface OpenSession {
  session: http2.ClientHttp2Session;
  end(): void;
}

/**
 * Calls peers over HTTP/2: one persistent session per origin, every call a
 * stream on it. `http://` endpoints are h2c with prior knowledge,
 * `https://` ones TLS with ALPN h2 checked against `ca`. A session that
 * fails, closes or is told to go away is dropped, and the next call opens a
 * new one. A response without the comm header (not an eddy endpoint, a
 * proxy's error page) is a `peer_protocol` error.
 *
 * @example
 * ```ts
 * import { Http2Transport } from "./http2.ts";
 * import { http2Handler } from "./http2_server.ts";
 * const server = Deno.serve(
 *   { hostname: "127.0.0.1", port: 0, onListen() {} },
 *   http2Handler((req) =>
 *     Promise.resolve({ status: 200, headers: {}, payload: req.payload })),
 * );
 * const comm = new Http2Transport();
 * const res = await comm.call(`http://127.0.0.1:${server.addr.port}/comm`, {
 *   target: "echo",
 *   headers: {},
 *   payload: new TextEncoder().encode("hi"),
 * });
 * console.log(res.status, new TextDecoder().decode(res.payload)); // 200 hi
 * await comm.close();
 * await server.shutdown();
 * ```
 */
export class Http2Transport implements Transport {
  readonly mode = "http2" as const;
  readonly #sessions = new Map<string, OpenSession>();
  readonly #timeoutMs: number;
  readonly #maxPayload: number;
  readonly #ca: string | string[] | undefined;

  constructor(options: Http2TransportOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxPayload = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.#ca = options.ca;
  }

  /** POSTs `request` to `endpoint`, an `http://` or `https://` URL. */
  call(
    endpoint: string,
    request: CommRequest,
    options: CallOptions = {},
  ): Promise<CommResponse> {
    if (request.payload.byteLength > this.#maxPayload) {
      return Promise.reject(
        new PayloadTooLargeError(request.payload.byteLength, this.#maxPayload),
      );
    }
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return Promise.reject(new TypeError(`${endpoint} is not a URL`));
    }
    let stream: http2.ClientHttp2Stream | undefined;
    const response = loadNodeNet().then((node) =>
      new Promise<CommResponse>((resolve, reject) => {
        stream = this.#session(node, url.origin).request({
          ":method": "POST",
          ":path": url.pathname + url.search,
          "content-type": "application/octet-stream",
          "content-length": String(request.payload.byteLength),
          [COMM_HEADER]: encodeMeta({
            target: request.target,
            headers: request.headers,
          }),
        });
        this.#receive(endpoint, stream, resolve, reject);
        stream.end(request.payload);
      })
    );
    return withDeadline(response, {
      peer: endpoint,
      mode: this.mode,
      timeoutMs: options.timeoutMs ?? this.#timeoutMs,
      signal: options.signal,
      cancel: () => stream?.close(NGHTTP2_CANCEL),
    });
  }

  /** Closes every session; calls in flight reject with `peer_unreachable`. */
  async close(): Promise<void> {
    const open = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(
      open.map(({ session, end }) =>
        new Promise<void>((resolve) => {
          if (session.destroyed) return resolve();
          session.once("close", () => resolve());
          end();
        })
      ),
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #session(node: NodeNet, origin: string): http2.ClientHttp2Session {
    const open = this.#sessions.get(origin)?.session;
    if (open && !open.closed && !open.destroyed) return open;
    let socket: net.Socket | undefined;
    const session = node.h2.connect(origin, {
      createConnection: (url: URL) => socket = this.#connect(node, url),
      settings: { initialWindowSize: WINDOW_BYTES },
    });
    // Large responses flow without a WINDOW_UPDATE every 64 KiB.
    session.once("connect", () => session.setLocalWindowSize(WINDOW_BYTES));
    const drop = () => {
      if (this.#sessions.get(origin)?.session === session) {
        this.#sessions.delete(origin);
      }
    };
    // Streams report the failure to their calls; the session only goes.
    session.on("error", drop);
    session.on("goaway", drop);
    session.on("close", drop);
    this.#sessions.set(origin, { session, end: () => socket?.destroy() });
    return session;
  }

  /**
   * The session's socket, made here so that it can be closed without a
   * GOAWAY: Deno 2.9's node:http2 (nghttp2) can abort the process that
   * receives one (denoland/deno#36788), and a peer served by node:http2
   * must not die because this node closed its sessions.
   */
  #connect({ net, tls }: NodeNet, url: URL): net.Socket {
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    const tlsPort = Number(url.port || 443);
    const socket = url.protocol === "https:"
      ? tls.connect({
        host,
        port: tlsPort,
        ca: this.#ca,
        ALPNProtocols: ["h2"],
        servername: net.isIP(host) ? undefined : host,
      })
      : net.connect({ host, port: Number(url.port || 80) });
    socket.setNoDelay(true);
    return socket;
  }

  #receive(
    peer: string,
    stream: http2.ClientHttp2Stream,
    resolve: (response: CommResponse) => void,
    reject: (error: unknown) => void,
  ): void {
    let status = 0;
    let headers: Record<string, string> = {};
    let body: BodyBuffer | undefined;
    // Deno's node:http2 can emit "data" before "response": hold those chunks.
    const early: Uint8Array[] = [];
    let ended = false;
    let settled = false;
    const fail = (error: PeerError) => {
      if (settled) return;
      settled = true;
      reject(error);
      stream.close(NGHTTP2_CANCEL);
    };
    const protocol = (problem: string) =>
      fail(new PeerError("peer_protocol", peer, problem, { mode: this.mode }));
    const take = (chunk: Uint8Array) => {
      try {
        body!.push(chunk);
      } catch (error) {
        protocol((error as Error).message);
      }
    };
    const finish = () => {
      if (settled || !body || !ended) return;
      try {
        const payload = body.finish();
        settled = true;
        resolve({ status, headers, payload });
      } catch (error) {
        protocol((error as Error).message);
      }
    };
    stream.on("response", (head) => {
      status = Number(head[":status"]);
      const meta = decodeMeta(head[COMM_HEADER] as string | undefined);
      if (!meta) {
        return protocol(
          `answered ${status} without a valid ${COMM_HEADER} header: not an eddy comm endpoint`,
        );
      }
      headers = meta.headers;
      try {
        body = new BodyBuffer(
          declaredLength(head["content-length"]),
          this.#maxPayload,
        );
      } catch (error) {
        return protocol((error as Error).message);
      }
      for (const chunk of early.splice(0)) take(chunk);
      finish();
    });
    stream.on("data", (chunk: Uint8Array) => {
      if (settled) return;
      if (body) take(chunk);
      else early.push(chunk);
    });
    stream.on("end", () => {
      ended = true;
      finish();
    });
    stream.on("error", (error: Error) =>
      fail(
        new PeerError("peer_unreachable", peer, error.message, {
          mode: this.mode,
        }),
      ));
    stream.on("close", () =>
      fail(
        new PeerError(
          "peer_unreachable",
          peer,
          `stream closed before the response ended (code ${stream.rstCode})`,
          { mode: this.mode },
        ),
      ));
  }
}
