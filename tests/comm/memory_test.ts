import assert from "node:assert/strict";
import {
  type CommRequest,
  MemoryTransport,
  PeerError,
} from "../../comm/mod.ts";
import { NotFoundError } from "../../runtime/errors.ts";
import { testHandler } from "../_helpers/comm.ts";
import { statusOf } from "../../api/status.ts";

const request = (payload: Uint8Array, target = "echo"): CommRequest => ({
  target,
  headers: { "X-Trace": "t1" },
  payload,
});

Deno.test("memory: the consumer gets a copy unless the producer transfers", async () => {
  const comm = new MemoryTransport();
  const seen: Uint8Array[] = [];
  comm.register("n1", (req) => {
    seen.push(req.payload);
    return testHandler(req);
  });
  const payload = new Uint8Array([1, 2, 3]);
  const copied = await comm.call("n1", request(payload));
  assert.notEqual(seen[0].buffer, payload.buffer);
  payload[0] = 9;
  assert.deepEqual(seen[0], new Uint8Array([1, 2, 3]));
  assert.equal(copied.headers["X-Trace"], "t1");
  await comm.call("n1", request(payload), { transfer: true });
  assert.equal(seen[1], payload);
  await comm.close();
});

Deno.test("memory: handler failures are error responses with their code, as in other modes", async () => {
  const comm = new MemoryTransport();
  comm.register(
    "n1",
    (req) =>
      req.target === "missing"
        ? Promise.reject(new NotFoundError("function", "missing"))
        : testHandler(req),
  );
  const failed = await comm.call("n1", request(new Uint8Array(), "fail"));
  assert.equal(failed.status, 500);
  assert.match(new TextDecoder().decode(failed.payload), /failed on purpose/);
  // comm knows no statuses of its own: a handler that throws instead of
  // answering gets a 500 that still carries the error's code.
  const missing = await comm.call("n1", request(new Uint8Array(), "missing"));
  assert.equal(missing.status, 500);
  assert.equal(
    JSON.parse(new TextDecoder().decode(missing.payload)).error.code,
    "not_found",
  );
  await comm.close();
});

Deno.test("memory: a handler's invalid response becomes a 500", async () => {
  const comm = new MemoryTransport();
  comm.register(
    "n1",
    () =>
      Promise.resolve({ status: 204, headers: {}, payload: new Uint8Array(1) }),
  );
  const res = await comm.call("n1", request(new Uint8Array()));
  assert.equal(res.status, 500);
  assert.match(new TextDecoder().decode(res.payload), /status 204/);
  await comm.close();
});

Deno.test("memory: unknown endpoints, timeouts and aborts name the peer", async () => {
  const comm = new MemoryTransport();
  const unregister = comm.register("n1", testHandler);
  await assert.rejects(
    comm.call("n2", request(new Uint8Array())),
    (e) =>
      e instanceof PeerError && e.code === "peer_unreachable" &&
      e.peer === "n2",
  );
  const started = performance.now();
  await assert.rejects(
    comm.call("n1", request(new Uint8Array(), "hang"), { timeoutMs: 50 }),
    (e) =>
      e instanceof PeerError && e.code === "peer_timeout" &&
      statusOf(e) === 504 &&
      /peer n1 timed out: no answer within 50 ms/.test(e.message),
  );
  assert.ok(performance.now() - started < 1000);
  const abort = new AbortController();
  const call = comm.call("n1", request(new Uint8Array(), "hang"), {
    signal: abort.signal,
  });
  abort.abort(new Error("caller gave up"));
  await assert.rejects(call, /caller gave up/);
  unregister();
  await assert.rejects(comm.call("n1", request(new Uint8Array())), PeerError);
  await comm.close();
});
