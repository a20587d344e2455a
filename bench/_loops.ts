/**
 * The three ways benchmarks drive a system, each bounded in count and time:
 * round-robin sequential runs (latency), a closed loop at a fixed
 * concurrency (throughput) and an open loop at a fixed arrival rate
 * (latency under load, without coordinated omission).
 *
 * @module
 */

/** Bounds of {@linkcode roundRobin}. */
export interface RoundRobinOptions {
  /** Measured runs of each case, at most. */
  iterations: number;
  /** Unmeasured runs of each case first. */
  warmup: number;
  /** Stop early once this much time has passed... */
  maxMs: number;
  /** ...and every case has at least this many measured runs. */
  minIterations: number;
}

/**
 * Runs every case once in turn, over and over, so that load that comes and
 * goes on the machine touches all cases alike; resolves with each case's
 * results, in case order.
 *
 * @example
 * ```ts ignore
 * const [a, b] = await roundRobin([runA, runB], { iterations: 100, warmup: 5, maxMs: 5000, minIterations: 3 });
 * ```
 */
export async function roundRobin<T>(
  cases: (() => Promise<T>)[],
  o: RoundRobinOptions,
): Promise<T[][]> {
  for (let i = 0; i < o.warmup; i++) {
    for (const run of cases) await run();
  }
  const results = cases.map(() => [] as T[]);
  const end = performance.now() + o.maxMs;
  for (let i = 0; i < o.iterations; i++) {
    if (i >= o.minIterations && performance.now() > end) break;
    for (const [c, run] of cases.entries()) results[c].push(await run());
  }
  return results;
}

/** What a closed or open loop saw. */
export interface LoopResult {
  completed: number;
  errors: number;
  /** The first error's message, to explain a failed step. */
  firstError?: string;
  /** From the first send to the last completion. */
  elapsedMs: number;
  /** Completions per second over `elapsedMs`. */
  perSecond: number;
  /** Per completed request, in ms (open loop: from its scheduled time). */
  latencies: number[];
}

/**
 * Keeps `concurrency` requests in flight until `maxMs` has passed or
 * `maxCount` were started; those in flight then finish and count.
 *
 * @example
 * ```ts ignore
 * const r = await closedLoop({ concurrency: 4, maxMs: 2000, maxCount: 10_000, run: () => chain(1024) });
 * ```
 */
export async function closedLoop(o: {
  concurrency: number;
  maxMs: number;
  maxCount: number;
  run: () => Promise<unknown>;
}): Promise<LoopResult> {
  const start = performance.now();
  const end = start + o.maxMs;
  const latencies: number[] = [];
  let started = 0, errors = 0, last = start;
  let firstError: string | undefined;
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (performance.now() < end && started < o.maxCount) {
        started++;
        const t = performance.now();
        try {
          await o.run();
          last = performance.now();
          latencies.push(last - t);
        } catch (error) {
          errors++;
          firstError ??= String(error);
        }
      }
    }),
  );
  const elapsedMs = last - start;
  return {
    completed: latencies.length,
    errors,
    firstError,
    elapsedMs,
    perSecond: latencies.length / (elapsedMs / 1000),
    latencies,
  };
}

/**
 * One {@linkcode closedLoop} per case, `rounds` times, the cases taking
 * turns in alternating order and each round getting `maxMs / rounds`, so
 * that load that comes and goes on the machine touches all cases alike (a
 * throughput measured alone for 5 s moved by 2x between runs here); each
 * case's rounds add up to one result, in case order.
 *
 * @example
 * ```ts ignore
 * const [a, b] = await closedLoopsInTurns([chainA, chainB], { concurrency: 4, maxMs: 5000, maxCount: 20_000, rounds: 3 });
 * ```
 */
export async function closedLoopsInTurns(
  cases: (() => Promise<unknown>)[],
  o: { concurrency: number; maxMs: number; maxCount: number; rounds: number },
): Promise<LoopResult[]> {
  const rounds = cases.map(() => [] as LoopResult[]);
  for (let round = 0; round < o.rounds; round++) {
    const order = [...cases.keys()];
    if (round % 2) order.reverse();
    for (const c of order) {
      rounds[c].push(
        await closedLoop({
          concurrency: o.concurrency,
          maxMs: o.maxMs / o.rounds,
          maxCount: Math.ceil(o.maxCount / o.rounds),
          run: cases[c],
        }),
      );
    }
  }
  return rounds.map((results) => {
    const completed = results.reduce((n, r) => n + r.completed, 0);
    const elapsedMs = results.reduce((ms, r) => ms + r.elapsedMs, 0);
    return {
      completed,
      errors: results.reduce((n, r) => n + r.errors, 0),
      firstError: results.find((r) => r.firstError)?.firstError,
      elapsedMs,
      perSecond: completed / (elapsedMs / 1000),
      latencies: results.flatMap((r) => r.latencies),
    };
  });
}

/** What an open loop saw beyond {@linkcode LoopResult}. */
export interface OpenLoopResult extends LoopResult {
  rate: number;
  sent: number;
  /** Not sent because `maxInFlight` were already out. */
  dropped: number;
  /** Still out when the drain time ran out (then aborted). */
  timedOut: number;
}

/**
 * Sends requests at `rate` per second for `durationMs` whether or not
 * earlier ones finished (open loop: arrivals do not wait for the system),
 * at most `maxInFlight` at once, then waits up to `drainMs` for the rest.
 * Latency counts from when a request was due, so a sender that fell
 * behind does not hide queueing.
 *
 * @example
 * ```ts ignore
 * const r = await openLoop({ rate: 100, durationMs: 3000, maxInFlight: 500, drainMs: 10_000, run: (signal) => call(signal) });
 * ```
 */
export async function openLoop(o: {
  rate: number;
  durationMs: number;
  maxInFlight: number;
  drainMs: number;
  run: (signal: AbortSignal) => Promise<unknown>;
}): Promise<OpenLoopResult> {
  const abort = new AbortController();
  const total = Math.max(1, Math.round(o.rate * o.durationMs / 1000));
  const start = performance.now();
  const latencies: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let errors = 0, dropped = 0, last = start;
  let firstError: string | undefined;
  for (let i = 0; i < total; i++) {
    const due = start + i * 1000 / o.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (inFlight.size >= o.maxInFlight) {
      dropped++;
      continue;
    }
    const request = o.run(abort.signal).then(() => {
      last = performance.now();
      latencies.push(last - due);
    }, (error) => {
      if (abort.signal.aborted) return;
      errors++;
      firstError ??= String(error);
    }).finally(() => inFlight.delete(request));
    inFlight.add(request);
  }
  const sent = total - dropped;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const drained = await Promise.race([
    Promise.all(inFlight).then(() => true),
    new Promise<false>((r) => timer = setTimeout(() => r(false), o.drainMs)),
  ]);
  clearTimeout(timer);
  const timedOut = drained ? 0 : inFlight.size;
  abort.abort();
  await Promise.all(inFlight);
  const elapsedMs = last - start;
  return {
    rate: o.rate,
    sent,
    completed: latencies.length,
    errors,
    firstError,
    dropped,
    timedOut,
    elapsedMs,
    perSecond: latencies.length / (elapsedMs / 1000),
    latencies,
  };
}
