/**
 * Experiment 4: what the platform allows, measured in the same run as the
 * eddy figures so that each can be read as a fraction of its floor.
 *
 * - memcpy: `Uint8Array.prototype.set` into a reused and into a fresh
 *   buffer (the memory edge's floor; a fresh buffer pays its page faults);
 * - raw Unix socket echo (into fresh buffers, and into reused ones) and
 *   raw node:http2 (h2c) echo to another process (bench/_floor_peer.ts):
 *   the unix and http2 edges' floors, round trip;
 * - HTTP/1.1 echo: `fetch` POST to a bare `Deno.serve` (the HTTP baseline's
 *   floor), the same through one worker postMessage round trip (an eddy
 *   invocation's floor), and Redis SET + GET through node-redis (the Redis
 *   baseline's);
 * - a bare `Deno.serve`: hello world, 1 KB POST echo, and the same echo
 *   through one worker postMessage round trip (every eddy invocation makes
 *   that hop), under load at 64 connections (bench/_hello_server.ts);
 * - waking an idle worker isolate and being woken back, through shared
 *   memory (`Atomics.notify` to an `Atomics.waitAsync`, as eddy's executor
 *   ring does) and through postMessage (bench/_wake_worker.ts): what each
 *   cross-thread hand-off costs on this machine.
 *
 * @module
 */
import {
  byScale,
  type ExperimentContext,
  iterationsFor,
  payloadSizes,
  sizeLabel,
} from "./_experiment.ts";
import { rawHttp2Client } from "./_http2_client.ts";
import { load, type LoadResult } from "./_load.ts";
import { roundRobin } from "./_loops.ts";
import { ROOT, startDeno } from "./_nodes.ts";
import { connectRedis, getBytes, setBytes, startRedis } from "./_redis.ts";
import { readFull, writeAll } from "./_socket.ts";
import { type Percentiles, percentiles, round, summarize } from "./_stats.ts";

/** p50/p99 of one floor at one size, and bytes moved per second at p50. */
export interface FloorCell {
  p50Ms: number;
  p99Ms: number;
  /** Payload bytes moved per second at p50 (an echo moves them twice). */
  mbPerS: number;
  n: number;
}

/** Waking an idle isolate of this process and being woken back, in µs. */
export interface WakeFloors {
  /** Round trip through shared memory: notify, and wait for its notify. */
  ring: Percentiles;
  /** Of that, what the waking side spends in `Atomics.notify` itself. */
  notify: Percentiles;
  /** Round trip through postMessage. */
  message: Percentiles;
  n: number;
}

/** What the floors experiment writes. */
export interface FloorResults {
  sizes: string[];
  /** Per floor, per size. */
  transfers: Record<string, Record<string, FloorCell>>;
  http: {
    connections: number;
    tool: LoadResult["tool"];
    helloWorld: LoadResult;
    postEcho1KB: LoadResult;
    postEchoThroughWorker1KB: LoadResult;
  };
  /** Absent from results of runs before it was measured. */
  wakes?: WakeFloors;
}

/** One way of moving a payload; resolves when it has arrived (and, for echoes, come back). */
type Floor = (payload: Uint8Array<ArrayBuffer>) => Promise<unknown>;

/** Floors that move the payload twice, there and back (for MB/s). */
const ECHOES = new Set([
  "unix echo",
  "unix echo, reused buffers",
  "http2 echo",
  "http1 echo",
  "http1 echo via a worker",
  "redis set+get",
]);

/**
 * Runs the floors.
 *
 * @example
 * ```ts ignore
 * const results = await runFloors({ scale: "quick", log: console.error });
 * ```
 */
export async function runFloors(ctx: ExperimentContext): Promise<FloorResults> {
  await using stack = new AsyncDisposableStack();
  const dir = await Deno.makeTempDir({ prefix: "eddy-bench-floors-" });
  stack.defer(() => Deno.remove(dir, { recursive: true }));
  const peer = stack.use(
    await startDeno([`${ROOT}bench/_floor_peer.ts`, dir]),
  );
  const hello = stack.use(
    await startDeno([`${ROOT}bench/_hello_server.ts`, "0"]),
  );
  const redis = stack.use(await startRedis());
  const client = await connectRedis(redis.port);
  stack.defer(async () => {
    await client.quit();
  });
  const fresh = await Deno.connect({
    transport: "unix",
    path: `${dir}/fresh.sock`,
  });
  stack.defer(() => fresh.close());
  const reusing = await Deno.connect({
    transport: "unix",
    path: `${dir}/reused.sock`,
  });
  stack.defer(() => reusing.close());
  const h2 = rawHttp2Client(peer.url);
  stack.defer(h2.close);
  const reused = new Uint8Array(payloadSizes(ctx.scale).at(-1)!);
  const floors: Record<string, Floor> = {
    "memcpy, reused buffer": (p) => Promise.resolve(reused.set(p)),
    "memcpy, fresh buffer": (p) =>
      Promise.resolve(new Uint8Array(p.byteLength).set(p)),
    "unix echo": (p) => unixEcho(fresh, p, new Uint8Array(p.byteLength)),
    "unix echo, reused buffers": (p) => unixEcho(reusing, p, reused),
    "http2 echo": h2.post,
    "http1 echo": async (p) => {
      const res = await fetch(hello.url, { method: "POST", body: p });
      await res.arrayBuffer();
    },
    "http1 echo via a worker": async (p) => {
      const res = await fetch(`${hello.url}/worker`, {
        method: "POST",
        body: p,
      });
      await res.arrayBuffer();
    },
    "redis set+get": async (p) => {
      await setBytes(client, "floor", p);
      await getBytes(client, "floor");
    },
  };
  const names = Object.keys(floors);
  const transfers: FloorResults["transfers"] = Object.fromEntries(
    names.map((n) => [n, {}]),
  );
  for (const bytes of payloadSizes(ctx.scale)) {
    const payload = new Uint8Array(bytes).fill(0x61);
    const n = iterationsFor(ctx.scale, bytes, 500);
    const samples = await roundRobin(
      names.map((name) => async () => {
        const t = performance.now();
        await floors[name](payload);
        return performance.now() - t;
      }),
      {
        iterations: n,
        warmup: Math.max(1, Math.ceil(n / 10)),
        maxMs: byScale(ctx.scale, { full: 30_000, quick: 5000, tiny: 1000 }),
        minIterations: 2,
      },
    );
    for (const [i, name] of names.entries()) {
      const s = summarize(samples[i]);
      const moved = bytes * (ECHOES.has(name) ? 2 : 1);
      transfers[name][sizeLabel(bytes)] = {
        p50Ms: round(s.p50, 4),
        p99Ms: round(s.p99, 4),
        mbPerS: round(moved / 1e6 / (s.p50 / 1000), 1),
        n: s.n,
      };
    }
    ctx.log(`floors ${sizeLabel(bytes)} measured`);
  }
  const seconds = byScale(ctx.scale, { full: 8, quick: 2, tiny: 1 });
  const body = new Uint8Array(1024).fill(0x61);
  const connections = 64;
  await load({ url: hello.url, method: "GET", connections, seconds: 1 });
  const http = {
    connections,
    helloWorld: await load({
      url: hello.url,
      method: "GET",
      connections,
      seconds,
    }),
    postEcho1KB: await load({
      url: hello.url,
      method: "POST",
      body,
      connections,
      seconds,
    }),
    postEchoThroughWorker1KB: await load({
      url: `${hello.url}/worker`,
      method: "POST",
      body,
      connections,
      seconds,
    }),
  };
  ctx.log(
    `floors: Deno.serve hello ${
      Math.round(http.helloWorld.requestsPerSecond)
    } req/s`,
  );
  const wakes = await wakeRoundTrips(
    byScale(ctx.scale, { full: 3000, quick: 1000, tiny: 50 }),
  );
  ctx.log(`floors: wake round trip p50 ${wakes.ring.p50} µs`);
  return {
    sizes: payloadSizes(ctx.scale).map(sizeLabel),
    transfers,
    http: { ...http, tool: http.helloWorld.tool },
    wakes,
  };
}

/** A millisecond with nothing to do: both sides of a wake fall asleep. */
const idle = () => new Promise((resolve) => setTimeout(resolve, 1));

/**
 * `samples` wake round trips each way, in turn, after a tenth as many
 * uncounted ones; each starts after a pause, so that it finds the worker
 * asleep, as a sleeping thread is woken.
 */
async function wakeRoundTrips(samples: number): Promise<WakeFloors> {
  const worker = new Worker(new URL("./_wake_worker.ts", import.meta.url), {
    type: "module",
  });
  try {
    const counts = new Int32Array(new SharedArrayBuffer(8));
    const message = (ping: number) =>
      new Promise<void>((resolve) => {
        worker.onmessage = () => resolve();
        worker.postMessage(ping);
      });
    await message(0);
    worker.postMessage(counts.buffer);
    const ring: number[] = [], notify: number[] = [], posted: number[] = [];
    const warmup = Math.ceil(samples / 10);
    for (let i = 1; i <= samples + warmup; i++) {
      await idle();
      const start = performance.now();
      Atomics.store(counts, 0, i);
      Atomics.notify(counts, 0);
      const notified = performance.now();
      const wait = Atomics.waitAsync(counts, 1, i - 1);
      if (wait.async) await wait.value;
      const answered = performance.now();
      await idle();
      const sent = performance.now();
      await message(i);
      if (i <= warmup) continue;
      ring.push((answered - start) * 1000);
      notify.push((notified - start) * 1000);
      posted.push((performance.now() - sent) * 1000);
    }
    const micros = (us: number[]) => percentiles(summarize(us), 1);
    return {
      ring: micros(ring),
      notify: micros(notify),
      message: micros(posted),
      n: samples,
    };
  } finally {
    worker.terminate();
  }
}

/** One echo; the answer is read into `into` (fresh, or reused). */
async function unixEcho(
  conn: Deno.Conn,
  payload: Uint8Array,
  into: Uint8Array,
): Promise<void> {
  const head = new Uint8Array(8);
  new DataView(head.buffer).setBigUint64(0, BigInt(payload.byteLength));
  await writeAll(conn, head);
  await writeAll(conn, payload);
  const back = into.subarray(0, payload.byteLength);
  if (!(await readFull(conn, head)) || !(await readFull(conn, back))) {
    throw new Error("unix echo closed");
  }
}
