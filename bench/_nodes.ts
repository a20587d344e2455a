/**
 * Processes the benchmarks start: eddy nodes as real `cli.ts serve`
 * processes (each with its own temp data dir), and helper servers written
 * for the benchmarks. Every process is tracked so that the runner can kill
 * whatever is left if it is interrupted; each benchmark stops what it
 * started (they are `AsyncDisposable`).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { rssBytes, type ServeProcess, startServe } from "../scripts/mod.ts";
import { NODE_V8_FLAGS } from "../node/v8_flags.ts";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../", import.meta.url));

const live = new Set<number>();

/**
 * Records a child process so that {@linkcode killTracked} can end it;
 * returns the function that forgets it once it has been stopped.
 *
 * @example
 * ```ts ignore
 * const untrack = track(child.pid);
 * ```
 */
export function track(pid: number): () => void {
  live.add(pid);
  return () => live.delete(pid);
}

/**
 * SIGKILLs every process the benchmarks started and did not stop yet
 * (for an interrupted run).
 *
 * @example
 * ```ts ignore
 * Deno.addSignalListener("SIGINT", () => { killTracked(); Deno.exit(130); });
 * ```
 */
export function killTracked(): void {
  for (const pid of live) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch { /* already gone */ }
  }
  live.clear();
}

/** A server process started by a benchmark. */
export interface BenchProcess extends AsyncDisposable {
  url: string;
  pid: number;
  /** Resident set size now, in bytes (VmRSS). */
  rss(): number;
  /** What it wrote to stderr lately (for error reports). */
  stderr(): string;
  /** SIGTERM, SIGKILL after 3 s, and wait; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `deno run -A ARGS...` (a script that prints `listening on
 * http://...`) and resolves once it listens.
 *
 * @example
 * ```ts ignore
 * await using orchestrator = await startDeno([`${ROOT}bench/_orchestrator.ts`, url]);
 * ```
 */
export async function startDeno(
  args: string[],
  timeoutMs = 60_000,
): Promise<BenchProcess> {
  const child = await startServe(Deno.execPath(), ["run", "-A", ...args], {
    cwd: ROOT,
    timeoutMs,
  });
  return wrap(child);
}

function wrap(child: ServeProcess, cleanup?: () => Promise<void>) {
  const untrack = track(child.pid);
  let stopped: Promise<void> | undefined;
  const stop = () =>
    stopped ??= (async () => {
      const timer = setTimeout(() => {
        try {
          Deno.kill(child.pid, "SIGKILL");
        } catch { /* already gone */ }
      }, 3000);
      await child.stop();
      clearTimeout(timer);
      untrack();
      await cleanup?.();
    })();
  return {
    url: child.url,
    pid: child.pid,
    rss: () => rssBytes(child.pid),
    stderr: child.stderr,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Options of {@linkcode startNode}. */
export interface NodeOptions {
  /** `--node-id`. */
  id: string;
  /** `--host-id` (default: the machine's). */
  hostId?: string;
  /** Nodes to peer with (`--peer`). */
  peers?: BenchNode[];
  /** `--workers` (default: one per core). */
  workers?: number;
  /** More `serve` flags. */
  flags?: string[];
  /**
   * A data dir to serve (kept when the node stops, so that a node can be
   * restarted on it); a fresh temp dir, removed at stop, otherwise.
   */
  dataDir?: string;
}

/** A running eddy node. */
export interface BenchNode extends BenchProcess {
  id: string;
}

/**
 * Starts `cli.ts serve --port 0` with a fresh temp data dir, removed when
 * the node stops.
 *
 * @example
 * ```ts ignore
 * await using a = await startNode({ id: "a", hostId: "h1" });
 * await using b = await startNode({ id: "b", hostId: "h1", peers: [a] });
 * ```
 */
export async function startNode(options: NodeOptions): Promise<BenchNode> {
  const dataDir = options.dataDir ?? await Deno.makeTempDir({
    prefix: `eddy-bench-${options.id}-`,
  });
  const flags = ["--node-id", options.id, ...options.flags ?? []];
  if (options.hostId) flags.push("--host-id", options.hostId);
  if (options.workers) flags.push("--workers", String(options.workers));
  for (const peer of options.peers ?? []) flags.push("--peer", peer.url);
  let child: ServeProcess;
  try {
    child = await startServe(Deno.execPath(), [
      "run",
      "-A",
      NODE_V8_FLAGS,
      ...serveArgs(ROOT, dataDir),
      ...flags,
    ], { cwd: ROOT, timeoutMs: 60_000 });
  } catch (error) {
    if (!options.dataDir) await Deno.remove(dataDir, { recursive: true });
    throw error;
  }
  const removeDir = options.dataDir
    ? undefined
    : () => Deno.remove(dataDir, { recursive: true });
  return { id: options.id, ...wrap(child, removeDir) };
}

/** `cli.ts serve` of the tree at `root` on any free port, serving `dataDir`. */
function serveArgs(root: string, dataDir: string): string[] {
  return [`${root}cli.ts`, "serve", "--port", "0", "--data-dir", dataDir];
}

/**
 * Starts `cli.ts serve` of another tree of eddy (`tree`, e.g. made with
 * `git archive main | tar -x -C DIR`) with `flags`, on a fresh temp data
 * dir removed when it stops: the baseline of a side-by-side run.
 *
 * @example
 * ```ts ignore
 * await using old = await startBaseline("/tmp/eddy-main", ["--workers", "2"]);
 * ```
 */
export async function startBaseline(
  tree: string,
  flags: string[],
): Promise<BenchProcess> {
  const dataDir = await Deno.makeTempDir({ prefix: "eddy-bench-baseline-" });
  const server = await startDeno([...serveArgs(`${tree}/`, dataDir), ...flags]);
  return {
    ...server,
    async [Symbol.asyncDispose]() {
      await server.stop();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

/** A function to deploy: its module bytes and manifest settings. */
export interface FunctionDef {
  name: string;
  wasm: Uint8Array<ArrayBuffer>;
  args?: string[];
  /** Manifest limits, e.g. `{ maxInput: "300MiB", timeout: "60s" }`. */
  limits?: Record<string, string | number>;
}

/**
 * Uploads each distinct module once and deploys all `functions` with one
 * manifest (applied all or none).
 *
 * @example
 * ```ts ignore
 * await deploy(node, [{ name: "gen", wasm: guest("gen"), limits: { maxOutput: "300MiB" } }]);
 * ```
 */
export async function deploy(
  node: BenchProcess,
  functions: FunctionDef[],
): Promise<void> {
  const digests = new Map<Uint8Array, string>();
  for (const fn of functions) {
    if (digests.has(fn.wasm)) continue;
    const info = await request(node, "PUT", "/v1/modules", fn.wasm);
    digests.set(fn.wasm, JSON.parse(new TextDecoder().decode(info)).digest);
  }
  const manifest = {
    functions: functions.map((fn) => ({
      name: fn.name,
      module: digests.get(fn.wasm),
      ...(fn.args ? { args: fn.args } : {}),
      ...(fn.limits ? { limits: fn.limits } : {}),
    })),
  };
  await request(node, "POST", "/v1/manifests", JSON.stringify(manifest));
}

/**
 * Deploys a workflow (YAML or JSON) on `node`.
 *
 * @example
 * ```ts ignore
 * await deployWorkflow(a, "name: w\nsteps: [{ name: s, function: echo }]");
 * ```
 */
export async function deployWorkflow(
  node: BenchProcess,
  source: string,
): Promise<void> {
  await request(node, "POST", "/v1/workflows", source);
}

/**
 * Waits (up to `timeoutMs`) until `node` sees each node of `ids` as a live
 * peer that runs every one of `functions`: peering is mutual and
 * deployments are announced, but asynchronously.
 *
 * @example
 * ```ts ignore
 * await waitForPeers(a, ["b", "c"], ["gen", "sink"]);
 * ```
 */
export async function waitForPeers(
  node: BenchProcess,
  ids: string[],
  functions: string[] = [],
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { peers } = JSON.parse(
      new TextDecoder().decode(await request(node, "GET", "/v1/peers")),
    ) as {
      peers: { up: boolean; info?: { id: string; functions: string[] } }[];
    };
    const ready = peers.filter((p) =>
      p.up && functions.every((f) => p.info?.functions.includes(f))
    ).map((p) => p.info?.id);
    if (ids.every((id) => ready.includes(id))) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${node.url} sees [${ready}] running [${functions}], not all of [${ids}]`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * RSS of `node` once its heap settles: after `settleMs`, the median of
 * three reads 200 ms apart (with `settleMs` 0, one read now: for runs that
 * check the harness, not the figures).
 *
 * @example
 * ```ts ignore
 * const before = await settledRss(node, 2000);
 * ```
 */
export async function settledRss(
  node: BenchProcess,
  settleMs: number,
): Promise<number> {
  if (settleMs === 0) return node.rss();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await sleep(settleMs);
  const reads: number[] = [];
  for (let i = 0; i < 3; i++) {
    reads.push(node.rss());
    await sleep(200);
  }
  return reads.sort((a, b) => a - b)[1];
}

/**
 * A gauge or counter from a node's `/metrics` (the sum over its labels).
 *
 * @example
 * ```ts ignore
 * const running = await metric(node, "eddy_executor_running");
 * ```
 */
export async function metric(
  node: BenchProcess,
  name: string,
): Promise<number> {
  const text = new TextDecoder().decode(
    await request(node, "GET", "/metrics"),
  );
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) {
      sum += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return sum;
}

/**
 * One request to a node; the response body, or an error with the node's
 * answer when the status is not 2xx.
 *
 * @example
 * ```ts ignore
 * const out = await request(node, "POST", "/invoke/echo", "hi");
 * ```
 */
export async function request(
  node: BenchProcess,
  method: string,
  path: string,
  body?: BodyInit,
): Promise<Uint8Array<ArrayBuffer>> {
  // Management writes must say what they send; manifests and workflows are
  // JSON or YAML, both of which parse as YAML.
  const type = path.startsWith("/v1/modules")
    ? "application/wasm"
    : path.startsWith("/v1/")
    ? "application/yaml"
    : "application/octet-stream";
  const res = await fetch(`${node.url}${path}`, {
    method,
    body,
    headers: body === undefined ? {} : { "content-type": type },
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (!res.ok) {
    throw new Error(
      `${method} ${node.url}${path}: ${res.status} ${
        new TextDecoder().decode(bytes.subarray(0, 500))
      }`,
    );
  }
  return bytes;
}
