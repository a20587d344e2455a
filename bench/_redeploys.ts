/**
 * What redeploys cost a node's memory: a function redeployed hundreds of
 * times with a 160 KiB module (echo plus a custom section unique to each
 * revision), invoked on both workers after each, and the rise of the node's
 * RSS floor between the start and the end of the run. Run under glibc's
 * default (dynamic) mmap threshold, as a node runs, and under a fixed one
 * (`MALLOC_MMAP_THRESHOLD_`), which hands module-sized buffers back to the
 * kernel on free: the difference is allocator fragmentation, not what eddy
 * holds (tests/e2e/redeploy_memory_test.ts checks that under the fixed one).
 *
 * @module
 */
import { deploy, invoke, rssBytes, startServe } from "../scripts/mod.ts";
import { serveArgs } from "./_start.ts";
import { round } from "./_stats.ts";

/** The module's size: above glibc's initial 128 KiB mmap threshold. */
const PADDING_BYTES = 160 * 1024;
/** Samples skipped while the node warms up. */
const WARM_UP = 60;
/** RSS is compared as the lowest of this many samples, to skip spikes. */
const WINDOW = 40;
const MB = 1024 * 1024;

/** The allocator settings compared, as environment variables of the node. */
export const ALLOCATORS = {
  glibcDefault: {},
  fixedMmapThreshold: { MALLOC_MMAP_THRESHOLD_: "131072" },
} as const satisfies Record<string, Record<string, string>>;

/** The name of an allocator setting in {@linkcode ALLOCATORS}. */
export type Allocator = keyof typeof ALLOCATORS;

/** Growth figures of each allocator setting, one per run, in MB. */
export interface RedeployResults {
  redeploys: number;
  moduleKiB: number;
  growthMB: Record<Allocator, number[]>;
}

/** Unsigned LEB128, as wasm encodes section and name sizes. */
function leb128(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

/**
 * `wasm` with a custom section named `eddy-revision-<n>` and `padding` bytes
 * of content: a distinct module of about that size more.
 *
 * @example
 * ```ts
 * import { revision } from "./_redeploys.ts";
 * const echo = await Deno.readFile("examples/echo/echo.wasm");
 * console.log(revision(echo, 7, 1024).length > echo.length + 1024); // true
 * ```
 */
export function revision(
  wasm: Uint8Array,
  n: number,
  padding: number,
): Uint8Array<ArrayBuffer> {
  const name = new TextEncoder().encode(`eddy-revision-${n}`);
  const body = [...leb128(name.length), ...name];
  const size = leb128(body.length + padding);
  const out = new Uint8Array(
    wasm.length + 1 + size.length + body.length + padding,
  );
  out.set(wasm);
  out.set([0, ...size, ...body], wasm.length);
  out.fill(n & 0xff, out.length - padding);
  return out;
}

/** One node's run: the rise of its RSS floor over `redeploys` (MB). */
async function growthMB(
  serve: string[],
  dataDir: string,
  echo: Uint8Array,
  redeploys: number,
  env: Record<string, string>,
): Promise<number> {
  await using node = await startServe(
    Deno.execPath(),
    serveArgs(serve, dataDir, ["--workers", "2"]),
    { env },
  );
  const input = new TextEncoder().encode("hi");
  const rss: number[] = [];
  for (let n = 0; n < redeploys; n++) {
    await deploy(node.url, "rev", revision(echo, n, PADDING_BYTES));
    // Two at once, so that both workers load the revision.
    await Promise.all([
      invoke(node.url, "rev", input),
      invoke(node.url, "rev", input),
    ]);
    rss.push(rssBytes(node.pid));
  }
  const floor = (from: number) => Math.min(...rss.slice(from, from + WINDOW));
  return round((floor(rss.length - WINDOW) - floor(WARM_UP)) / MB, 1);
}

/**
 * Runs `rounds` nodes per allocator setting, alternating, each redeploying
 * one function `redeploys` times.
 *
 * @example
 * ```ts ignore
 * const r = await redeployGrowth(["run", "-A", "cli.ts"], tmp, echo, 400, 2);
 * console.log(r.growthMB.glibcDefault, r.growthMB.fixedMmapThreshold);
 * ```
 */
export async function redeployGrowth(
  serve: string[],
  tmp: string,
  echo: Uint8Array,
  redeploys: number,
  rounds: number,
): Promise<RedeployResults> {
  const growth: Record<Allocator, number[]> = {
    glibcDefault: [],
    fixedMmapThreshold: [],
  };
  for (let r = 0; r < rounds; r++) {
    for (const [name, env] of Object.entries(ALLOCATORS)) {
      const dataDir = await Deno.makeTempDir({ dir: tmp });
      growth[name as Allocator].push(
        await growthMB(serve, dataDir, echo, redeploys, env),
      );
    }
  }
  return {
    redeploys,
    moduleKiB: round(revision(echo, 0, PADDING_BYTES).length / 1024),
    growthMB: growth,
  };
}
