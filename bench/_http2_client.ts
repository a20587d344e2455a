/**
 * A bare node:http2 client for the floors: one session, a POST per call.
 * Its socket is made as eddy's `Http2Transport` makes its own (no Nagle)
 * and destroyed at the end rather than closed with a GOAWAY, which can
 * abort a Deno node:http2 peer (denoland/deno#36788).
 */
import http2 from "node:http2";
import net from "node:net";

/** POSTs payloads to one origin; resolves when each response has ended. */
export interface RawHttp2Client {
  post(payload: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens a raw HTTP/2 (h2c) session to `url`.
 *
 * @example
 * ```ts ignore
 * const client = rawHttp2Client("http://127.0.0.1:8080");
 * await client.post(new Uint8Array(1024));
 * await client.close();
 * ```
 */
export function rawHttp2Client(url: string): RawHttp2Client {
  let socket: net.Socket | undefined;
  const session = http2.connect(url, {
    createConnection: (at: URL) => {
      socket = net.connect({ host: at.hostname, port: Number(at.port) });
      socket.setNoDelay(true);
      return socket;
    },
  });
  return {
    post: (payload) =>
      new Promise<void>((resolve, reject) => {
        const stream = session.request({
          ":method": "POST",
          ":path": "/",
          "content-length": String(payload.byteLength),
        });
        stream.on("data", () => {});
        stream.on("end", resolve);
        stream.on("error", reject);
        stream.end(payload);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        session.once("close", () => resolve());
        socket?.destroy();
      }),
  };
}
