/**
 * The server side of the unix mode: answers the framed requests of each
 * connection concurrently (see `unix.ts` for the client, `wire.ts` for the
 * framing).
 *
 * @module
 */
import { PeerError } from "./errors.ts";
import { type CommHandler, respond } from "./message.ts";
import { FrameReader, type FrameReaderOptions, FrameWriter } from "./wire.ts";

/** Options of {@linkcode serveUnix}. */
export interface UnixServerOptions {
  /**
   * Largest request payload accepted (default 1 GiB); a larger one drops
   * its connection (clients check their own limit before sending).
   */
  maxPayloadBytes?: number;
  /**
   * Where request payloads are read into (default: a new `Uint8Array` per
   * payload, which the handler owns).
   */
  allocate?: FrameReaderOptions["allocate"];
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
 * import { serveUnix } from "./unix_server.ts";
 * const tmp = await Deno.makeTempDir();
 * const path = `${tmp}/n1.sock`;
 * await using server = await serveUnix(path, (req) =>
 *   Promise.resolve({ status: 200, headers: {}, payload: req.payload }));
 * console.log((await Deno.stat(server.path)).mode! & 0o777); // 384 (0o600)
 * await Deno.remove(tmp, { recursive: true });
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
    allocate: options.allocate,
  });
  const writer = new FrameWriter(conn);
  // Requests being served, by id: a cancel frame or the end of the
  // connection aborts their handlers' signals.
  const serving = new Map<number, AbortController>();
  try {
    while (true) {
      const frame = await reader.next();
      if (!frame) return;
      if (frame.kind === "cancel") {
        serving.get(frame.id)?.abort();
        continue;
      }
      if (frame.kind !== "request") {
        throw new PeerError("peer_protocol", peer, "client sent a response", {
          mode: "unix",
        });
      }
      const gone = new AbortController();
      serving.set(frame.id, gone);
      respond(handler, frame.message, gone.signal)
        .then((message) => {
          if (serving.get(frame.id) === gone) serving.delete(frame.id);
          if (!gone.signal.aborted) {
            return writer.write({ kind: "response", id: frame.id, message });
          }
        })
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
    for (const gone of serving.values()) gone.abort();
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
