/**
 * Real `cli.ts` processes for end-to-end tests: a serving node on a free
 * loopback port with its own temp data dir, and one-shot CLI commands.
 *
 * @module
 */
import { fileURLToPath as fromFileUrl } from "node:url";
import { tempDir } from "./temp.ts";

const CLI = fromFileUrl(new URL("../../cli.ts", import.meta.url));
const ROOT = fromFileUrl(new URL("../../", import.meta.url));

/** Options of {@linkcode startNode}. */
export interface StartNodeOptions {
  /** Reuse a data dir (to test restarts); a fresh temp dir otherwise. */
  dataDir?: string;
  /** Extra `serve` flags. */
  flags?: string[];
  env?: Record<string, string>;
  /** Collect the node's stderr (see `NodeProcess.stderr`) instead of passing it through. */
  captureStderr?: boolean;
}

/**
 * A running `cli.ts serve` process.
 *
 * @example
 * ```ts ignore
 * await using node = await startNode();
 * const res = await fetch(`${node.url}/healthz`);
 * ```
 */
export interface NodeProcess extends AsyncDisposable {
  url: string;
  dataDir: string;
  process: Deno.ChildProcess;
  /** What the node printed before it listened (its startup lines). */
  startup: string;
  /** What the node wrote to stderr so far (with `captureStderr`). */
  stderr(): string;
  /** Graceful stop (SIGTERM) and wait. */
  stop(): Promise<void>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

/**
 * Starts `cli.ts serve --port 0` and resolves once it prints its address.
 *
 * @example
 * ```ts ignore
 * const node = await startNode({ flags: ["--workers", "2"] });
 * await node.stop();
 * ```
 */
export async function startNode(
  options: StartNodeOptions = {},
): Promise<NodeProcess> {
  const dataDir = options.dataDir ??
    await tempDir({ prefix: "eddy-test-" });
  const process = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      CLI,
      "serve",
      "--port",
      "0",
      "--data-dir",
      dataDir,
      ...(options.flags ?? []),
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: options.captureStderr ? "piped" : "inherit",
    stdin: "null",
  }).spawn();
  const reader = process.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  let seen = "";
  const deadline = setTimeout(() => process.kill("SIGKILL"), 20_000);
  while (!/listening on (http:\/\/\S+)/.test(seen)) {
    const { done, value } = await reader.read();
    if (done) {
      clearTimeout(deadline);
      throw new Error(`node exited before listening: ${seen}`);
    }
    seen += value;
  }
  clearTimeout(deadline);
  let stderr = "";
  if (options.captureStderr) {
    (async () => {
      for await (
        const text of process.stderr.pipeThrough(new TextDecoderStream())
      ) {
        stderr += text;
      }
    })().catch(() => {});
  }
  const url = /listening on (http:\/\/\S+)/.exec(seen)![1];
  // Keep draining stdout so the child never blocks on a full pipe.
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })().catch(() => {});
  let exited = false;
  const status = process.status.then((s) => {
    exited = true;
    return s;
  });
  const end = async (signal: Deno.Signal) => {
    if (!exited) {
      try {
        process.kill(signal);
      } catch { /* already gone */ }
    }
    await status;
  };
  return {
    url,
    dataDir,
    process,
    startup: seen,
    stderr: () => stderr,
    stop: () => end("SIGTERM"),
    kill: () => end("SIGKILL"),
    [Symbol.asyncDispose]: () => end("SIGKILL"),
  };
}

/** What a CLI run printed and how it exited. */
export interface CliResult {
  code: number;
  stdout: Uint8Array<ArrayBuffer>;
  stdoutText: string;
  stderr: string;
}

/**
 * Runs `cli.ts ARGS...` to completion.
 *
 * @example
 * ```ts ignore
 * const { code, stdoutText } = await cli(["ls", "--url", node.url]);
 * ```
 */
export async function cli(
  args: string[],
  options: {
    stdin?: Uint8Array<ArrayBuffer>;
    env?: Record<string, string>;
    cwd?: string;
  } = {},
): Promise<CliResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...options.env },
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin) {
    const writer = child.stdin.getWriter();
    await writer.write(options.stdin);
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  return {
    code,
    stdout,
    stdoutText: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
}

/**
 * Hex sha-256 of `bytes`, to compare large payloads.
 *
 * @example
 * ```ts ignore
 * assertEquals(await sha256(out), await sha256(input));
 * ```
 */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return Array.from(
    new Uint8Array(digest),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

/** The repository root, for paths to examples. */
export const REPO_ROOT = ROOT;

/** Three peered nodes: A and B share host id h1, C is on h2. */
export interface Cluster extends AsyncDisposable {
  a: NodeProcess;
  b: NodeProcess;
  c: NodeProcess;
}

/**
 * Starts the three-node cluster the comm and workflow tests use: A and B
 * with the same host id (they talk over a Unix socket), C with another
 * (HTTP/2), A peered with both.
 *
 * @example
 * ```ts ignore
 * await using cluster = await startCluster();
 * const res = await fetch(`${cluster.a.url}/invoke/on-c`, { method: "POST" });
 * ```
 */
export async function startCluster(): Promise<Cluster> {
  const b = await startNode({ flags: ["--node-id", "b", "--host-id", "h1"] });
  const c = await startNode({ flags: ["--node-id", "c", "--host-id", "h2"] });
  const a = await startNode({
    flags: [
      "--node-id",
      "a",
      "--host-id",
      "h1",
      "--peer",
      b.url,
      "--peer",
      c.url,
    ],
  });
  return {
    a,
    b,
    c,
    [Symbol.asyncDispose]: async () => {
      await Promise.all([a.kill(), b.kill(), c.kill()]);
    },
  };
}
