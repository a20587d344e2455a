/**
 * Recent per-function figures for the console's sparklines: invocations,
 * errors and latency per time slot over the last minutes, and the last
 * failures with their stderr tails. Recording is O(1) per invocation:
 * a few counter bumps in the current slot.
 *
 * @module
 */

/** Width of one slot. */
const SLOT_MS = 10_000;
/** Slots kept: 5 minutes. */
const SLOTS = 30;
/**
 * Latency buckets: bucket `i` holds durations in [2^(i-1), 2^i) µs, the
 * last one everything longer (~17 s and more).
 */
const LATENCY_BUCKETS = 25;
/** Failures kept per function. */
const FAILURES = 8;
/** Characters of stderr kept per failure. */
const STDERR_TAIL = 2048;

/** One function's figures over one slot. */
interface Slot {
  /** Start of the slot (epoch ms). */
  start: number;
  invocations: number;
  errors: number;
  /** A plain array: smaller than a typed one of 25 counters (density). */
  latency: number[];
}

/**
 * A failed invocation as the console lists it.
 *
 * @example
 * ```ts
 * import type { Failure } from "./history.ts";
 * const f: Failure = { at: "2026-12-02T05:00:00.000Z", reason: "trap", message: "unreachable", stderr: "" };
 * ```
 */
export interface Failure {
  at: string;
  reason: string;
  message: string;
  stderr: string;
}

/**
 * One function's series over the kept window, oldest slot first; latency
 * percentiles in milliseconds (upper bounds of their buckets; `null` for a
 * slot without invocations).
 *
 * @example
 * ```ts
 * import type { FunctionSeries } from "./history.ts";
 * const total = (s: FunctionSeries) => s.invocations.reduce((a, b) => a + b, 0);
 * ```
 */
export interface FunctionSeries {
  slotMs: number;
  invocations: number[];
  errors: number[];
  p50Ms: (number | null)[];
  p99Ms: (number | null)[];
}

interface FunctionHistory {
  slots: Slot[];
  /** `at` in epoch ms: a flood's refusals are recorded thousands a second. */
  failures: (Omit<Failure, "at"> & { at: number })[];
}

/**
 * The ring buffers of every function invoked on a node.
 *
 * @example
 * ```ts
 * import { History } from "./history.ts";
 * const history = new History();
 * history.record("echo", 0.002);
 * history.record("echo", 0.5, { reason: "trap", message: "unreachable", stderr: "boom" });
 * const series = history.series("echo");
 * console.log(series.invocations.at(-1), series.errors.at(-1)); // 2 1
 * console.log(history.failures("echo")[0].reason); // "trap"
 * ```
 */
export class History {
  readonly #functions = new Map<string, FunctionHistory>();
  readonly #now: () => number;
  /** Start of the slot in which idle functions were last swept out. */
  #swept = 0;

  /** `now` is the clock (epoch ms), replaceable for tests. */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Records one invocation of `fn` that took `seconds`, with its failure if any. */
  record(
    fn: string,
    seconds: number,
    failure?: Omit<Failure, "at">,
  ): void {
    const now = this.#now();
    this.#sweep(now);
    let history = this.#functions.get(fn);
    if (!history) {
      history = { slots: [], failures: [] };
      this.#functions.set(fn, history);
    }
    const slot = this.#current(history, now);
    slot.invocations++;
    const micros = seconds * 1e6;
    slot.latency[
      micros < 1
        ? 0
        : Math.min(LATENCY_BUCKETS - 1, Math.floor(Math.log2(micros)) + 1)
    ]++;
    if (!failure) return;
    slot.errors++;
    if (history.failures.length === FAILURES) history.failures.shift();
    history.failures.push({
      at: now,
      reason: failure.reason,
      message: failure.message,
      stderr: failure.stderr.slice(-STDERR_TAIL),
    });
  }

  /** `fn`'s series over the window, oldest slot first. */
  series(fn: string): FunctionSeries {
    const now = this.#now();
    const first = slotStart(now) - (SLOTS - 1) * SLOT_MS;
    const series: FunctionSeries = {
      slotMs: SLOT_MS,
      invocations: new Array(SLOTS).fill(0),
      errors: new Array(SLOTS).fill(0),
      p50Ms: new Array(SLOTS).fill(null),
      p99Ms: new Array(SLOTS).fill(null),
    };
    for (const slot of this.#functions.get(fn)?.slots ?? []) {
      const i = (slot.start - first) / SLOT_MS;
      if (i < 0 || i >= SLOTS) continue;
      series.invocations[i] = slot.invocations;
      series.errors[i] = slot.errors;
      series.p50Ms[i] = percentileMs(slot, 0.5);
      series.p99Ms[i] = percentileMs(slot, 0.99);
    }
    return series;
  }

  /** How many functions have figures kept (idle ones are forgotten). */
  get tracked(): number {
    return this.#functions.size;
  }

  /** `fn`'s last failures, newest first. */
  failures(fn: string): Failure[] {
    const kept = this.#functions.get(fn)?.failures ?? [];
    return kept.map((f) => ({ ...f, at: new Date(f.at).toISOString() }))
      .reverse();
  }

  /**
   * Density: forgets, once a slot, the functions with nothing in the window
   * and no failure to show, so that a node where thousands of functions ran
   * once keeps no figures for them (their series read as zeros anyway).
   */
  #sweep(now: number): void {
    const start = slotStart(now);
    if (start === this.#swept) return;
    this.#swept = start;
    const oldest = start - (SLOTS - 1) * SLOT_MS;
    for (const [fn, history] of this.#functions) {
      const last = history.slots.at(-1);
      if (history.failures.length === 0 && (!last || last.start < oldest)) {
        this.#functions.delete(fn);
      }
    }
  }

  /** The slot `now` falls in, started (and the oldest dropped) when new. */
  #current(history: FunctionHistory, now: number): Slot {
    const start = slotStart(now);
    const last = history.slots.at(-1);
    if (last?.start === start) return last;
    const slot = {
      start,
      invocations: 0,
      errors: 0,
      latency: new Array<number>(LATENCY_BUCKETS).fill(0),
    };
    history.slots.push(slot);
    // Slots older than the window go; at most one per new slot in steady use.
    while (history.slots[0].start <= start - SLOTS * SLOT_MS) {
      history.slots.shift();
    }
    return slot;
  }
}

function slotStart(ms: number): number {
  return ms - ms % SLOT_MS;
}

/** Upper bound (ms) of the bucket holding the `q` quantile of `slot`. */
function percentileMs(slot: Slot, q: number): number | null {
  if (slot.invocations === 0) return null;
  const rank = Math.ceil(q * slot.invocations);
  let seen = 0;
  for (let i = 0; i < LATENCY_BUCKETS; i++) {
    seen += slot.latency[i];
    if (seen >= rank) return 2 ** i / 1000;
  }
  return 2 ** (LATENCY_BUCKETS - 1) / 1000;
}
