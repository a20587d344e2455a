/**
 * The server side of the transport floors, in its own process as a peer
 * node would be: raw Unix socket echoes (8-byte length, then the payload,
 * answered the same way), one reading each payload into a fresh buffer
 * and one into a buffer it reuses, and a raw node:http2 (h2c) echo.
 *
 * `deno run -A bench/_floor_peer.ts DIR` listens on `DIR/fresh.sock` and
 * `DIR/reused.sock` and prints `listening on http://127.0.0.1:PORT` (the
 * HTTP/2 echo) once all listen.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import http2 from "node:http2";
import type net from "node:net";
import { readFull, writeAll } from "./_socket.ts";

async function serveUnixEcho(path: string, fresh: boolean): Promise<void> {
  for await (const conn of Deno.listen({ transport: "unix", path })) {
    (async () => {
      const head = new Uint8Array(8);
      let reused = new Uint8Array(0);
      while (await readFull(conn, head)) {
        const bytes = Number(new DataView(head.buffer).getBigUint64(0));
        if (!fresh && reused.byteLength < bytes) reused = new Uint8Array(bytes);
        const payload = fresh
          ? new Uint8Array(bytes)
          : reused.subarray(0, bytes);
        await readFull(conn, payload);
        await writeAll(conn, head);
        await writeAll(conn, payload);
      }
    })().catch(() => {});
  }
}

function serveHttp2Echo(): Promise<number> {
  const server = http2.createServer();
  server.on("stream", (stream) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      stream.respond({ ":status": 200 });
      stream.end(Buffer.concat(chunks));
    });
  });
  return new Promise((resolve) =>
    server.listen(
      0,
      "127.0.0.1",
      () => resolve((server.address() as net.AddressInfo).port),
    )
  );
}

serveUnixEcho(`${Deno.args[0]}/fresh.sock`, true);
serveUnixEcho(`${Deno.args[0]}/reused.sock`, false);
console.log(`listening on http://127.0.0.1:${await serveHttp2Echo()}`);
