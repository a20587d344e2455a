/**
 * A comm server in its own process, so that tests can kill it mid-call.
 * `deno run -A _comm_peer.ts unix PATH` or `deno run -A _comm_peer.ts h2c`; prints
 * `ready ENDPOINT` once it serves, with `testHandler`.
 *
 * @module
 */
import { http2Handler, serveUnix } from "../../comm/mod.ts";
import { testHandler as handler } from "./comm.ts";

const [kind, path] = Deno.args;
if (kind === "unix") {
  await serveUnix(path, handler);
  console.log(`ready ${path}`);
} else {
  Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(`ready http://127.0.0.1:${port}/comm`),
  }, http2Handler(handler));
}
