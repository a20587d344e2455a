/**
 * A caller that aborts a call: in every mode the handler on the other end
 * is told through its signal, and the connection goes on serving.
 */
import assert from "node:assert/strict";
import {
  type CommHandler,
  type CommRequest,
  http2Handler,
  Http2Transport,
  serveHttp2,
  serveUnix,
  type Transport,
  UnixTransport,
} from "../../comm/mod.ts";
import { tempDir } from "../_helpers/temp.ts";

const request = (target: string): CommRequest => ({
  target,
  headers: {},
  payload: new TextEncoder().encode(target),
});

/**
 * A handler that answers "echo" at once and holds "hold" until its signal
 * aborts, counting the aborts it saw.
 */
function holding() {
  const seen = { started: 0, aborted: 0 };
  let release = () => {};
  const handler: CommHandler = (req, signal) => {
    if (req.target !== "hold") {
      return Promise.resolve({
        status: 200,
        headers: {},
        payload: req.payload,
      });
    }
    seen.started++;
    return new Promise((resolve) => {
      const answer = () =>
        resolve({ status: 200, headers: {}, payload: new Uint8Array() });
      release = answer;
      signal?.addEventListener("abort", () => {
        seen.aborted++;
        answer();
      });
    });
  };
  return { handler, seen, release: () => release() };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > 3000) assert.fail(`${what}: too slow`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Aborts a held call once the handler has it; checks the handler heard. */
async function abortHeld(
  comm: Transport,
  endpoint: string,
  seen: { started: number; aborted: number },
): Promise<void> {
  const caller = new AbortController();
  const call = comm.call(endpoint, request("hold"), { signal: caller.signal })
    .catch((e) => e);
  await until(() => seen.started === 1, "the handler to get the call");
  caller.abort(new Error("gave up"));
  assert.equal((await call).message, "gave up");
  await until(() => seen.aborted === 1, "the handler to hear of the abort");
  const next = await comm.call(endpoint, request("echo"));
  assert.equal(new TextDecoder().decode(next.payload), "echo");
}

Deno.test("unix: an aborted call sends a cancel frame; the server aborts its handler", async () => {
  const dir = await tempDir({ prefix: "eddy-comm-" });
  const { handler, seen } = holding();
  try {
    await using server = await serveUnix(`${dir}/peer.sock`, handler);
    await using comm = new UnixTransport({ connectionsPerPeer: 1 });
    await abortHeld(comm, server.path, seen);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("http2 h2c on Deno.serve: an aborted call resets its stream; the handler is told", async () => {
  const { handler, seen, release } = holding();
  const comm = http2Handler(handler);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    comm,
  );
  try {
    await using transport = new Http2Transport();
    await abortHeld(transport, `http://127.0.0.1:${server.addr.port}`, seen);
  } finally {
    release();
    await server.shutdown();
  }
});

Deno.test("http2 on serveHttp2: an aborted call resets its stream; the handler is told", async () => {
  const { handler, seen } = holding();
  await using server = await serveHttp2({}, handler);
  await using transport = new Http2Transport();
  await abortHeld(transport, server.url, seen);
});
