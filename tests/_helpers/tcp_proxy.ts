/**
 * A loopback TCP proxy that can delay every chunk (a WAN link between an
 * edge site and the cloud) and be cut and restored (the uplink going down
 * and coming back).
 *
 * @module
 */

/** A running proxy. */
export interface TcpProxy extends AsyncDisposable {
  /** The port it listens on (kept across cut and restore). */
  port: number;
  /** Drops every connection and stops accepting. */
  cut(): void;
  /** Accepts again on the same port. */
  restore(): void;
}

/**
 * Proxies `127.0.0.1:port` to `127.0.0.1:target` (a port, or a function
 * that gives it when a client connects), each chunk delayed by `delayMs` in
 * each direction (order kept).
 *
 * @example
 * ```ts ignore
 * await using link = startTcpProxy(4222, { delayMs: 25 });
 * link.cut(); link.restore();
 * ```
 */
export function startTcpProxy(
  target: number | (() => number),
  options: { delayMs?: number } = {},
): TcpProxy {
  const delayMs = options.delayMs ?? 0;
  const open = new Set<Deno.Conn>();
  let listener: Deno.Listener | undefined;
  let port = 0;
  const listen = () => {
    listener = Deno.listen({ hostname: "127.0.0.1", port });
    port = (listener.addr as Deno.NetAddr).port;
    const current = listener;
    (async () => {
      for await (const client of current) {
        pair(client).catch(() => {});
      }
    })().catch(() => {});
  };
  const pair = async (client: Deno.Conn) => {
    let server: Deno.Conn;
    try {
      server = await Deno.connect({
        hostname: "127.0.0.1",
        port: typeof target === "number" ? target : target(),
      });
    } catch {
      client.close();
      return;
    }
    open.add(client);
    open.add(server);
    const end = () => {
      for (const c of [client, server]) {
        open.delete(c);
        try {
          c.close();
        } catch { /* closed already */ }
      }
    };
    await Promise.race([pipe(client, server), pipe(server, client)])
      .catch(() => {});
    end();
  };
  const pipe = async (from: Deno.Conn, to: Deno.Conn) => {
    const buffer = new Uint8Array(64 * 1024);
    let chain = Promise.resolve();
    while (true) {
      const n = await from.read(buffer);
      if (n === null) break;
      const chunk = buffer.slice(0, n);
      const due = Date.now() + delayMs;
      // Chunks keep their order; each waits out its own delay.
      chain = chain.then(async () => {
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        let written = 0;
        while (written < chunk.length) {
          written += await to.write(chunk.subarray(written));
        }
      }).catch(() => {
        // The other side closed (or the link was cut): the pair ends.
      });
    }
    await chain;
  };
  const cut = () => {
    listener?.close();
    listener = undefined;
    for (const c of open) {
      try {
        c.close();
      } catch { /* closed already */ }
    }
    open.clear();
  };
  listen();
  return {
    get port() {
      return port;
    },
    cut,
    restore: listen,
    [Symbol.asyncDispose]: () => Promise.resolve(cut()),
  };
}
