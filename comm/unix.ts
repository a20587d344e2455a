/**
 * Mode 2, the same host: framed binary (see `wire.ts`) over Unix sockets.
 * A client keeps a few persistent connections per peer socket and
 * multiplexes calls over them by request id; a server answers the requests
 * of each connection concurrently.
 *
 * @module
 */
import { withDeadline } from "./deadline.ts";
import { PayloadTooLargeError, PeerError } from "./errors.ts";
import {
  type CallOptions,
  type CommHandler,
  type CommRequest,
  type CommResponse,
  respond,
  type Transport,
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
 * import { serveUnix, UnixTransport } from "./unix.ts";
 * const path = `${await Deno.makeTempDir()}/n2.sock`;
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
          if (!written) {
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
            "server sent a request frame",
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

/** Options of {@linkcode serveUnix}. */
export interface UnixServerOptions {
  /** Largest request payload accepted (default 1 GiB). */
  maxPayloadBytes?: number;
  /**
   * Told about a connection dropped for breaking the protocol (default:
   * ignored; the client sees its calls fail).
   */
  onConnectionError?: (error: unknown) => void;
}

/** A running {@linkcode serveUnix} server. */
export interface UnixServer extends AsyncDisposable {
  /** The socket file. */
  readonly path: string;
  /**
   * Stops at once: stops accepting, drops connections (their calls in
   * flight fail) and removes the socket file.
   */
  close(): Promise<void>;
}

/**
 * Serves `handler` on a Unix socket at `path`. A stale socket file left by
 * a dead server is removed first; a live one, or a file that is not a
 * socket, is an error. The socket is made mode 0600 right after listening,
 * so only this user can connect; put it in a directory only this user can
 * enter to close the window before the chmod too.
 *
 * @example
 * ```ts
 * import { serveUnix } from "./unix.ts";
 * const path = `${await Deno.makeTempDir()}/n1.sock`;
 * await using server = await serveUnix(path, (req) =>
 *   Promise.resolve({ status: 200, headers: {}, payload: req.payload }));
 * console.log((await Deno.stat(server.path)).mode! & 0o777); // 384 (0o600)
 * ```
 */
export async function serveUnix(
  path: string,
  handler: CommHandler,
  options: UnixServerOptions = {},
): Promise<UnixServer> {
  await removeStaleSocket(path);
  const listener = Deno.listen({ transport: "unix", path });
  await Deno.chmod(path, 0o600);
  const inode = (await Deno.lstat(path)).ino;
  const conns = new Set<Deno.UnixConn>();
  const loops = new Set<Promise<void>>();
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      const loop = serveConnection(conn, path, handler, options).finally(() =>
        conns.delete(conn)
      );
      loops.add(loop);
      loop.finally(() => loops.delete(loop));
    }
  })().catch(() => {
    // The listener was closed.
  });
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // Its read loop closed it already.
        }
      }
      await accepting;
      await Promise.all(loops);
      // Another server may have taken the path since; leave its socket.
      const now = await Deno.lstat(path).catch(() => undefined);
      if (now?.ino === inode) await Deno.remove(path).catch(() => {});
    })();
  return { path, close, [Symbol.asyncDispose]: close };
}

async function serveConnection(
  conn: Deno.UnixConn,
  path: string,
  handler: CommHandler,
  options: UnixServerOptions,
): Promise<void> {
  const peer = `client of ${path}`;
  const reader = new FrameReader(conn, {
    peer,
    maxPayloadBytes: options.maxPayloadBytes,
  });
  const writer = new FrameWriter(conn);
  try {
    while (true) {
      const frame = await reader.next();
      if (!frame) return;
      if (frame.kind !== "request") {
        throw new PeerError("peer_protocol", peer, "client sent a response", {
          mode: "unix",
        });
      }
      respond(handler, frame.message)
        .then((message) =>
          writer.write({ kind: "response", id: frame.id, message })
        )
        .catch(() => {
          // The client is gone; there is no one to answer.
        });
    }
  } catch (error) {
    // A read failing because close() closed the connection is no news.
    if (!(error instanceof Deno.errors.BadResource)) {
      options.onConnectionError?.(error);
    }
  } finally {
    try {
      conn.close();
    } catch {
      // close() closed it already.
    }
  }
}

/** Removes a socket file that no server listens on any more. */
async function removeStaleSocket(path: string): Promise<void> {
  const info = await Deno.lstat(path).catch((error) => {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  });
  if (!info) return;
  if (!info.isSocket) {
    throw new Deno.errors.AlreadyExists(`${path} exists and is not a socket`);
  }
  const live = await Deno.connect({ transport: "unix", path }).then(
    (conn) => {
      conn.close();
      return true;
    },
    () => false,
  );
  if (live) {
    throw new Deno.errors.AddrInUse(`a server is listening on ${path}`);
  }
  await Deno.remove(path);
}
