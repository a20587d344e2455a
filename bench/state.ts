/**
 * Experiment `state` (Enoki): what function state costs. One section per
 * experiment in `StateResults.sections`, so that others (edge and cloud
 * over a delayed link, replication lag, catch-up) add theirs beside it.
 *
 * `localRead`, in process, as an executor worker runs a guest: one WAT
 * guest that writes 1 KB to stdout, run four ways in the same loop:
 * without state (`runGuestSync`, the stateless floor); declaring a bucket
 * but not reading it (the async JSPI path and the run's state set-up);
 * reading a 1 KB key as a file (path_open + fd_read + fd_close on the
 * mount); reading it with `kv_get`. The added cost of one read is the p50
 * of a reading run minus the p50 of the declaring run.
 * Target: one local read adds ≤ 50 µs p50 to an invocation.
 *
 * `deno run -A bench/state.ts [--quick]` writes bench/results/state.json.
 *
 * @module
 */
import { runGuest, runGuestSync } from "../runtime/executor/mod.ts";
import type { JobSpec } from "../runtime/executor/job.ts";
import { openEmbeddedStore } from "../state/mod.ts";
import { wat } from "../tests/_helpers/wat.ts";
import {
  byScale,
  type ExperimentContext,
  measured,
  type Scale,
} from "./_experiment.ts";
import { fmt, met, table } from "./_format.ts";
import type { Results } from "./_results.ts";
import { round, summarize, type Summary } from "./_stats.ts";

/** p50 and p99 of `n` samples, µs. */
export interface Brief {
  p50: number;
  p99: number;
  n: number;
}

/** The in-process local read experiment (µs). */
export interface LocalReadResults {
  unit: "µs";
  valueBytes: number;
  noState: Brief;
  declaredNoRead: Brief;
  fileRead: Brief;
  kvGet: Brief;
  /** p50 of a reading run minus p50 of the declaring run. */
  addedP50: { fileRead: number; kvGet: number };
  /** p50 of the declaring run minus p50 of the stateless one. */
  declareP50: number;
  target: { maxAddedP50: number; value: number; met: boolean };
}

/** What the state experiment writes: one entry per section that ran. */
export interface StateResults {
  sections: {
    localRead?: LocalReadResults;
  };
}

/** The local read target: µs added to an invocation's p50. */
const TARGET_ADDED_P50_US = 50;
const VALUE_BYTES = 1024;

const W = "wasi_snapshot_preview1";
/** argv[1]: `n` writes 1 KB of zeros, `f` the file /s/k, `k` kv_get(b, k). */
const GUEST = `(module
  (import "${W}" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "${W}" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "${W}" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "${W}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "${W}" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "${W}" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "eddy" "kv_get" (func $kv_get (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "kb")
  (func (export "_start") (local $mode i32) (local $n i32)
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (drop (call $args_get (i32.const 200) (i32.const 300)))
    (local.set $mode (i32.load8_u (i32.load (i32.const 204))))
    (local.set $n (i32.const ${VALUE_BYTES}))
    (if (i32.eq (local.get $mode) (i32.const 102)) (then
      (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 1)
        (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 8)))
      (i32.store (i32.const 16) (i32.const 1024))
      (i32.store (i32.const 20) (i32.const ${VALUE_BYTES}))
      (drop (call $fd_read (i32.load (i32.const 8)) (i32.const 16) (i32.const 1) (i32.const 24)))
      (drop (call $fd_close (i32.load (i32.const 8))))
      (local.set $n (i32.load (i32.const 24)))))
    (if (i32.eq (local.get $mode) (i32.const 107)) (then
      (drop (call $kv_get (i32.const 101) (i32.const 1) (i32.const 100) (i32.const 1)
        (i32.const 1024) (i32.const ${VALUE_BYTES}) (i32.const 24) (i32.const 32)))
      (local.set $n (i32.load (i32.const 24)))))
    (i32.store (i32.const 16) (i32.const 1024))
    (i32.store (i32.const 20) (local.get $n))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))))`;

const brief = (s: Summary): Brief => ({
  p50: round(s.p50),
  p99: round(s.p99),
  n: s.n,
});

/**
 * Measures `localRead`: `iterations` runs of each kind after `warmup`,
 * interleaved so that every kind sees the same machine.
 *
 * @example
 * ```ts ignore
 * const local = await measureLocalRead(2000, 200);
 * console.log(local.addedP50.fileRead); // µs
 * ```
 */
export async function measureLocalRead(
  iterations: number,
  warmup: number,
): Promise<LocalReadResults> {
  const module = new WebAssembly.Module(wat(GUEST));
  const dir = await Deno.makeTempDir({ prefix: "eddy-bench-state-" });
  const store = openEmbeddedStore(dir);
  try {
    const value = crypto.getRandomValues(new Uint8Array(VALUE_BYTES));
    await store.bucketSync("b").put("k", value);
    const base: JobSpec = {
      fn: "state",
      args: ["state", "n"],
      env: {},
      preopens: [],
      timeoutMs: 10_000,
      maxMemoryBytes: 1 << 26,
      maxOutputBytes: 1 << 20,
    };
    const withState = (mode: string): JobSpec => ({
      ...base,
      args: ["state", mode],
      state: {
        store: { kind: "embedded", dir },
        mounts: [{ bucket: "b", mount: "/s", readOnly: true }],
      },
    });
    const kinds = {
      declaredNoRead: withState("n"),
      fileRead: withState("f"),
      kvGet: withState("k"),
    };
    const samples: Record<string, number[]> = {
      noState: [],
      declaredNoRead: [],
      fileRead: [],
      kvGet: [],
    };
    for (let i = 0; i < iterations + warmup; i++) {
      const t0 = performance.now();
      const plain = runGuestSync({ module }, base);
      const t1 = performance.now();
      if (i >= warmup) samples.noState.push((t1 - t0) * 1000);
      check(plain.stdout, VALUE_BYTES);
      for (const [name, spec] of Object.entries(kinds)) {
        const start = performance.now();
        const result = await runGuest({ module }, spec);
        const took = (performance.now() - start) * 1000;
        if (i >= warmup) samples[name].push(took);
        check(result.stdout, VALUE_BYTES, result.failure?.message);
        if (name !== "declaredNoRead" && result.stdout[7] !== value[7]) {
          throw new Error(`${name} returned other bytes than the value`);
        }
      }
    }
    const s = Object.fromEntries(
      Object.entries(samples).map(([k, v]) => [k, summarize(v)]),
    );
    const added = {
      fileRead: round(s.fileRead.p50 - s.declaredNoRead.p50),
      kvGet: round(s.kvGet.p50 - s.declaredNoRead.p50),
    };
    const worst = Math.max(added.fileRead, added.kvGet);
    return {
      unit: "µs",
      valueBytes: VALUE_BYTES,
      noState: brief(s.noState),
      declaredNoRead: brief(s.declaredNoRead),
      fileRead: brief(s.fileRead),
      kvGet: brief(s.kvGet),
      addedP50: added,
      declareP50: round(s.declaredNoRead.p50 - s.noState.p50),
      target: {
        maxAddedP50: TARGET_ADDED_P50_US,
        value: worst,
        met: worst <= TARGET_ADDED_P50_US,
      },
    };
  } finally {
    await store[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true });
  }
}

function check(stdout: Uint8Array, bytes: number, why?: string): void {
  if (stdout.byteLength !== bytes) {
    throw new Error(`the guest wrote ${stdout.byteLength} bytes: ${why}`);
  }
}

/**
 * Runs every state section this process can run.
 *
 * @example
 * ```ts ignore
 * const results = await runState({ scale: "quick", install: false, log: console.error });
 * ```
 */
export async function runState(ctx: ExperimentContext): Promise<StateResults> {
  const iterations = byScale(ctx.scale, {
    full: 20_000,
    quick: 3000,
    tiny: 50,
  });
  const warmup = byScale(ctx.scale, { full: 1000, quick: 300, tiny: 10 });
  const localRead = await measureLocalRead(iterations, warmup);
  ctx.log(
    `state: one local read adds ${localRead.addedP50.fileRead} µs p50 (file), ${localRead.addedP50.kvGet} µs (kv_get)`,
  );
  return { sections: { localRead } };
}

/**
 * The report's state section.
 *
 * @example
 * ```ts ignore
 * parts.push(stateSection(results));
 * ```
 */
export function stateSection(r: Results): string {
  const local = r.state?.results.sections.localRead;
  if (!local) return "";
  const row = (label: string, b: Brief) => [label, fmt(b.p50), fmt(b.p99)];
  return [
    "## State (Enoki)",
    "",
    `### One local read inside an invocation (in process, ${local.valueBytes} B value)`,
    "",
    table(["run", "p50 µs", "p99 µs"], [
      row("no state (stateless floor)", local.noState),
      row("bucket declared, not read", local.declaredNoRead),
      row("reads the key as a file", local.fileRead),
      row("reads it with kv_get", local.kvGet),
    ]),
    "",
    `Added by one read: ${fmt(local.addedP50.fileRead)} µs p50 as a file, ${
      fmt(local.addedP50.kvGet)
    } µs with kv_get (target ≤ ${local.target.maxAddedP50} µs: ${
      met(local.target.met)
    }); declaring a bucket costs ${fmt(local.declareP50)} µs p50 per run.`,
    "",
  ].join("\n");
}

if (import.meta.main) {
  const scale: Scale = Deno.args.includes("--quick") ? "quick" : "full";
  const ctx = { scale, install: false, log: (m: string) => console.error(m) };
  const envelope = await measured("state", ctx, () => runState(ctx));
  await Deno.writeTextFile(
    new URL("./results/state.json", import.meta.url),
    JSON.stringify(envelope, null, 2) + "\n",
  );
}
