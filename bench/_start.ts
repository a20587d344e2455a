/**
 * Start to first answer of a process: spawn it, poll one POST until it
 * answers 200 with the body it was sent, kill it. How the footprint,
 * start-up and compare benchmarks time `serve` from source and bundled.
 *
 * @module
 */
import { deploy, startServe } from "../scripts/mod.ts";
import { round, summarize } from "./_stats.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A loopback port free right now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Milliseconds from spawning `deno ARGS` (which must serve on `port`) to
 * the first 200 answering `POST path` with its body, polling every 2 ms.
 *
 * @example
 * ```ts ignore
 * const ms = await startToFirstAnswer((port) => ["run", "-A", "cli.ts", "serve", "--port", String(port), "--data-dir", dir], "/invoke/echo");
 * ```
 */
export async function startToFirstAnswer(
  args: (port: number) => string[],
  path: string,
): Promise<number> {
  const port = freePort();
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: args(port),
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    while (performance.now() - started < 30_000) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, {
          method: "POST",
          body: "ping",
        });
        if (res.status === 200 && await res.text() === "ping") {
          return performance.now() - started;
        }
        await res.body?.cancel();
      } catch { /* not listening yet */ }
      await sleep(2);
    }
    throw new Error(`deno ${args(port).join(" ")}: no answer within 30 s`);
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
}

/** Start times of one way of starting, ms. */
export interface StartTimes {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  min: number;
}

/**
 * `starts` timed starts after one uncounted start (it fills Deno's
 * transpile and code caches).
 *
 * @example
 * ```ts ignore
 * const times = await startTimes((port) => [...], "/invoke/echo", 9);
 * console.log(times.p50);
 * ```
 */
export async function startTimes(
  args: (port: number) => string[],
  path: string,
  starts: number,
): Promise<StartTimes> {
  await startToFirstAnswer(args, path);
  const samples: number[] = [];
  for (let i = 0; i < starts; i++) {
    samples.push(await startToFirstAnswer(args, path));
  }
  const s = summarize(samples);
  return {
    n: s.n,
    p50: round(s.p50, 1),
    p99: round(s.p99, 1),
    mean: round(s.mean, 1),
    min: round(s.min, 1),
  };
}

/**
 * `deno ARGS serve` on `dataDir` (and `flags`), listening on `port`.
 *
 * @example
 * ```ts ignore
 * const args = serveArgs(["run", "-A", "cli.ts"], dir, [], 8080);
 * ```
 */
export function serveArgs(
  run: string[],
  dataDir: string,
  flags: string[] = [],
  port = 0,
): string[] {
  return [
    ...run,
    "serve",
    "--port",
    String(port),
    "--data-dir",
    dataDir,
    ...flags,
  ];
}

/**
 * A new data directory under `parent` with `wasm` deployed as `echo`, made
 * by a node (`deno RUN serve`) that then stops.
 *
 * @example
 * ```ts ignore
 * const dir = await dataDirWithEcho(["run", "-A", "cli.ts"], tmp, echo);
 * ```
 */
export async function dataDirWithEcho(
  run: string[],
  parent: string,
  wasm: Uint8Array<ArrayBuffer>,
): Promise<string> {
  const dataDir = await Deno.makeTempDir({ dir: parent });
  const node = await startServe(Deno.execPath(), serveArgs(run, dataDir));
  await deploy(node.url, "echo", wasm);
  await node.stop();
  return dataDir;
}
