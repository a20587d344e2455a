/**
 * A real `eddy serve` process started from any command line (source,
 * bundle, a binary, under an emulator), for the packaging test, the aarch64
 * check and the footprint benchmark.
 *
 * @module
 */

/** Options of {@linkcode startServe}. */
export interface StartServeOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Give up (and kill the process) if it is not listening by then. */
  timeoutMs?: number;
}

/**
 * A serving process and the URL it listens on.
 *
 * @example
 * ```ts ignore
 * await using node = await startServe(Deno.execPath(), ["run", "-A", "cli.ts", "serve", "--port", "0"]);
 * console.log(node.url, node.pid);
 * ```
 */
export interface ServeProcess extends AsyncDisposable {
  url: string;
  pid: number;
  /** What it wrote to stderr so far (the last 64 KiB). */
  stderr(): string;
  /** SIGTERM, wait, and resolve to its exit code. */
  stop(): Promise<number>;
}

const LISTENING = /listening on (http:\/\/\S+)/;
const STDERR_KEEP = 64 * 1024;

/**
 * Spawns `command args...` (which must end up running `serve`) and resolves
 * once it prints the address it listens on. Its stdout and stderr keep
 * being drained so it never blocks on a full pipe.
 *
 * @example
 * ```ts ignore
 * const node = await startServe("deno", ["run", "-A", "dist/eddy.js", "serve", "--port", "0"], { timeoutMs: 60_000 });
 * await node.stop();
 * ```
 */
export async function startServe(
  command: string,
  args: string[],
  options: StartServeOptions = {},
): Promise<ServeProcess> {
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const drainStderr = child.stderr.pipeThrough(new TextDecoderStream())
    .pipeTo(
      new WritableStream({
        write(chunk) {
          stderr = (stderr + chunk).slice(-STDERR_KEEP);
        },
      }),
    ).catch(() => {});
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const kill = (signal: Deno.Signal) => {
    if (exited) return;
    try {
      child.kill(signal);
    } catch { /* it exited meanwhile */ }
  };
  const timeoutMs = options.timeoutMs ?? 20_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    kill("SIGKILL");
  }, timeoutMs);
  const reader = child.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  let seen = "";
  try {
    while (!LISTENING.test(seen)) {
      const { done, value } = await reader.read();
      if (done) {
        await Promise.all([status, drainStderr]);
        const why = timedOut
          ? `was not listening after ${timeoutMs} ms`
          : "exited before listening";
        throw new Error(
          `'${command} ${args.join(" ")}' ${why}:\n${seen}${stderr}`,
        );
      }
      seen += value;
    }
  } finally {
    clearTimeout(timer);
  }
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })().catch(() => {});
  const stop = async () => {
    kill("SIGTERM");
    const { code } = await status;
    await drainStderr;
    return code;
  };
  return {
    url: LISTENING.exec(seen)![1],
    pid: child.pid,
    stderr: () => stderr,
    stop,
    [Symbol.asyncDispose]: async () => {
      kill("SIGKILL");
      await status;
    },
  };
}

/**
 * The resident set size of process `pid` in bytes (`VmRSS` in
 * `/proc/PID/status`; Linux only).
 *
 * @example
 * ```ts
 * import { rssBytes } from "./_serve_process.ts";
 * console.log(rssBytes(Deno.pid) > 0); // true
 * ```
 */
export function rssBytes(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb[1]) * 1024;
}
