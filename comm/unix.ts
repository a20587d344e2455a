/**
 * Mode 2, the same host: framed binary (see `wire.ts`) over Unix sockets.
 * The client keeps a few persistent connections per peer socket and
 * multiplexes calls over them by request id; `unix_server.ts` is the
 * server.
 *
 * @module
 */
import { withDeadline } from "./deadline.ts";
import { PayloadTooLargeError, PeerError } from "./errors.ts";
import type {
  CallOptions,
  CommRequest,
  CommResponse,
  Transport,
} from "./message.ts";
import { DEFAULT_MAX_PAYLOAD_BYTES, FrameReader, FrameWriter } from "./wire.ts";

/** Options of {@linkcode UnixTransport}. */
export interface UnixTransportOptions {
  /** Connections kept per peer socket (default 2). */
  connectionsPerPeer?: number;
  /** Default per-call timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** Largest request or response payload (default 1 GiB). */
  maxPayloadBytes?: number;
}

/**
 * Calls peers on this host through their Unix sockets. A call goes on the
 * least busy connection to its peer; a new one is opened while all are busy
 * and fewer than `connectionsPerPeer` exist. A connection that fails is
 * dropped and its calls reject with `peer_unreachable`; the next call
 * connects again. A connection whose writes are still stuck when a call
 * times out is dropped too, since its peer is not reading.
 *
 * @example
 * ```ts
 * import { UnixTransport } from "./unix.ts";
 * import { serveUnix } from "./unix_server.ts";
 * const tmp = await Deno.makeTempDir();
 * const path = `${tmp}/n2.sock`;
 * const server = await serveUnix(path, (req) =>
 *   Promise.resolve({ status: 200, headers: {}, payload: req.payload }));
 * const comm = new UnixTransport();
 * const res = await comm.call(path, {
 *   target: "echo",
 *   headers: {},
 *   payload: new TextEncoder().encode("hi"),
 * });
 * console.log(res.status, new TextDecoder().decode(res.payload)); // 200 hi
 * await comm.close();
 * await server.close();
 * await Deno.remove(tmp, { recursive: true });
 * ```
 */
export class UnixTransport implements Transport {
  readonly mode = "unix" as const;
  readonly #pools = new Map<string, Channel[]>();
  readonly #perPeer: number;
  readonly #timeoutMs: number;
  readonly #maxPayload: number;

  constructor(options: UnixTransportOptions = {}) {
    this.#perPeer = Math.max(1, options.connectionsPerPeer ?? 2);
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxPayload = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  }

  /** Sends `request` to the server listening on the socket at `path`. */
  call(
    path: string,
    request: CommRequest,
    options: CallOptions = {},
  ): Promise<CommResponse> {
    if (request.payload.byteLength > this.#maxPayload) {
      return Promise.reject(
        new PayloadTooLargeError(request.payload.byteLength, this.#maxPayload),
      );
    }
    return this.#pick(path).send(request, {
      timeoutMs: options.timeoutMs ?? this.#timeoutMs,
      signal: options.signal,
    });
  }

  /** Closes every connection; calls in flight reject with `peer_unreachable`. */
  async close(): Promise<void> {
    const channels = [...this.#pools.values()].flat();
    this.#pools.clear();
    await Promise.all(channels.map((channel) => channel.close()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #pick(path: string): Channel {
    let channels = this.#pools.get(path);
    if (!channels) this.#pools.set(path, channels = []);
    let best: Channel | undefined;
    for (const channel of channels) {
      if (!best || channel.inFlight < best.inFlight) best = channel;
    }
    if (best && (best.inFlight === 0 || channels.length >= this.#perPeer)) {
      return best;
    }
    const channel = new Channel(path, this.#maxPayload, () => {
      const at = channels.indexOf(channel);
      if (at >= 0) channels.splice(at, 1);
      if (channels.length === 0 && this.#pools.get(path) === channels) {
        this.#pools.delete(path);
      }
    });
    channels.push(channel);
    return channel;
  }
}

interface Pending {
  resolve: (response: CommResponse) => void;
  reject: (error: unknown) => void;
}

/** One client connection: connects at once, multiplexes calls by id. */
class Channel {
  readonly #path: string;
  readonly #maxPayload: number;
  readonly #onClose: () => void;
  readonly #pending = new Map<number, Pending>();
  readonly #ready: Promise<{ conn: Deno.UnixConn; writer: FrameWriter }>;
  #loop: Promise<void> = Promise.resolve();
  #conn: Deno.UnixConn | undefined;
  #failure: PeerError | undefined;
  #nextId = 0;
  /** Calls sent and not yet settled, to spread calls over connections. */
  inFlight = 0;

  constructor(path: string, maxPayload: number, onClose: () => void) {
    this.#path = path;
    this.#maxPayload = maxPayload;
    this.#onClose = onClose;
    this.#ready = Deno.connect({ transport: "unix", path }).then((conn) => {
      if (this.#failure) {
        conn.close();
        throw this.#failure;
      }
      this.#conn = conn;
      this.#loop = this.#read(conn);
      return { conn, writer: new FrameWriter(conn) };
    }, (error) => {
      const failure = this.#unreachable(error);
      this.#fail(failure);
      throw failure;
    });
    // Calls observe failures through their own promises.
    this.#ready.catch(() => {});
  }

  async send(
    message: CommRequest,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<CommResponse> {
    if (this.#failure) throw this.#failure;
    const id = this.#id();
    const response = new Promise<CommResponse>((resolve, reject) =>
      this.#pending.set(id, { resolve, reject })
    );
    this.inFlight++;
    let written = false;
    this.#ready
      .then(({ writer }) => writer.write({ kind: "request", id, message }))
      .then(() => written = true, (error) => {
        this.#settle(id)?.reject(
          error instanceof PeerError ? error : this.#unreachable(error),
        );
      });
    try {
      return await withDeadline(response, {
        peer: this.#path,
        mode: "unix",
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        cancel: () => {
          this.#settle(id);
          if (options.signal?.aborted) {
            // Tell the server to stop serving it; the frame follows the
            // request's, so it cannot arrive first.
            this.#ready
              .then(({ writer }) => writer.write({ kind: "cancel", id }))
              .catch(() => {});
          } else if (!written) {
            this.#fail(
              this.#unreachable("writes stalled past a call's timeout"),
            );
          }
        },
      });
    } finally {
      this.inFlight--;
    }
  }

  async close(): Promise<void> {
    this.#fail(this.#unreachable("transport closed"));
    await this.#ready.catch(() => {});
    await this.#loop;
  }

  async #read(conn: Deno.UnixConn): Promise<void> {
    const reader = new FrameReader(conn, {
      peer: this.#path,
      maxPayloadBytes: this.#maxPayload,
    });
    try {
      while (!this.#failure) {
        const frame = await reader.next();
        if (!frame) throw this.#unreachable("connection closed by peer");
        if (frame.kind !== "response") {
          throw new PeerError(
            "peer_protocol",
            this.#path,
            `server sent a ${frame.kind} frame`,
            { mode: "unix" },
          );
        }
        // A response to a call that timed out is dropped.
        this.#settle(frame.id)?.resolve(frame.message);
      }
    } catch (error) {
      this.#fail(error instanceof PeerError ? error : this.#unreachable(error));
    }
  }

  #id(): number {
    do this.#nextId = (this.#nextId + 1) >>> 0; while (
      this.#nextId === 0 || this.#pending.has(this.#nextId)
    );
    return this.#nextId;
  }

  #settle(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    this.#pending.delete(id);
    return pending;
  }

  #fail(failure: PeerError): void {
    if (this.#failure) return;
    this.#failure = failure;
    this.#onClose();
    try {
      this.#conn?.close();
    } catch {
      // Already closed by the read loop's failure.
    }
    for (const pending of this.#pending.values()) pending.reject(failure);
    this.#pending.clear();
  }

  #unreachable(cause: unknown): PeerError {
    const why = cause instanceof Error ? cause.message : String(cause);
    return new PeerError("peer_unreachable", this.#path, why, { mode: "unix" });
  }
}
