/**
 * workerd (Cloudflare's edge runtime) serving examples/echo/echo.wasm on
 * loopback through bench/_workerd_echo.js, configured on the fly: a capnp
 * config in a temp dir embeds the worker, the echo module as uploaded and
 * the echo module rewritten to import its memory (eddy's
 * `withImportedMemory`, so that the `recycled` variant can hand it a zeroed
 * memory as eddy does).
 *
 * @module
 */
import {
  MEMORY_IMPORT,
  pagesWithin,
  withImportedMemory,
} from "../runtime/module/mod.ts";
import { rssBytes } from "../scripts/mod.ts";
import { type BenchProcess, ROOT, track } from "./_nodes.ts";

/** The paths bench/_workerd_echo.js answers, one per variant. */
export const WORKERD_VARIANTS = ["fresh", "recycled", "reused"] as const;
/** One of {@linkcode WORKERD_VARIANTS}. */
export type WorkerdVariant = typeof WORKERD_VARIANTS[number];

/**
 * Starts `workerd serve` of the echo worker on a free loopback port and
 * resolves once it answers; `url` + `/fresh` (… `/recycled`, `/reused`)
 * is each variant.
 *
 * @example
 * ```ts ignore
 * await using workerd = await startWorkerd("/path/to/workerd");
 * await fetch(`${workerd.url}/fresh`, { method: "POST", body: "hi" });
 * ```
 */
export async function startWorkerd(binary: string): Promise<BenchProcess> {
  const dir = await Deno.makeTempDir({ prefix: "eddy-bench-workerd-" });
  const removeDir = () => Deno.remove(dir, { recursive: true });
  try {
    const echo = await Deno.readFile(`${ROOT}examples/echo/echo.wasm`);
    const { bytes, memory } = withImportedMemory(echo, pagesWithin(128 << 20));
    await Deno.writeFile(`${dir}/echo.wasm`, echo);
    await Deno.writeFile(`${dir}/echo_imported.wasm`, bytes);
    await Deno.copyFile(
      `${ROOT}bench/_workerd_echo.js`,
      `${dir}/worker.js`,
    );
    const port = freePort();
    await Deno.writeTextFile(
      `${dir}/config.capnp`,
      config(port, {
        ...MEMORY_IMPORT,
        initialPages: memory.initialPages,
        maxPages: memory.maxPages,
      }),
    );
    const child = new Deno.Command(binary, {
      args: ["serve", `${dir}/config.capnp`],
      cwd: dir,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const untrack = track(child.pid);
    let stderr = "";
    const drained = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({
        write(chunk) {
          stderr = (stderr + chunk).slice(-16_384);
        },
      }),
    ).catch(() => {});
    let stopped: Promise<void> | undefined;
    const stop = () =>
      stopped ??= (async () => {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
        await child.status;
        await drained;
        untrack();
        await removeDir();
      })();
    const url = `http://127.0.0.1:${port}`;
    try {
      await answering(`${url}/reused`, child.status);
    } catch (error) {
      await stop();
      throw new Error(`workerd did not serve: ${(error as Error).message}`, {
        cause: stderr,
      });
    }
    return {
      url,
      pid: child.pid,
      rss: () => rssBytes(child.pid),
      stderr: () => stderr,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await removeDir().catch(() => {});
    throw error;
  }
}

/** A loopback port free now (workerd cannot report a port 0 it bound). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Polls until a POST of "ok" echoes back, for at most 20 s. */
async function answering(url: string, exited: Promise<unknown>) {
  let gone = false;
  exited.then(() => gone = true);
  const deadline = performance.now() + 20_000;
  while (!gone && performance.now() < deadline) {
    try {
      const res = await fetch(url, { method: "POST", body: "ok" });
      if ((await res.text()) === "ok") return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(gone ? "it exited" : "no answer within 20 s");
}

function config(port: number, memoryImport: Record<string, unknown>): string {
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "echo", worker = .echoWorker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "echo")],
);

const echoWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "echo.wasm", wasm = embed "echo.wasm"),
    (name = "echo_imported.wasm", wasm = embed "echo_imported.wasm"),
  ],
  bindings = [(name = "MEMORY_IMPORT", json = ${
    JSON.stringify(JSON.stringify(memoryImport))
  })],
  compatibilityDate = "2025-01-01",
);
`;
}
