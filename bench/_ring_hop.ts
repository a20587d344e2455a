/**
 * A floor for the serving benchmark: the hop eddy's invocations make
 * (runtime/executor/_ring.ts), with nothing else. A body goes to a worker
 * through a slot of a SharedArrayBuffer, the worker copies it into a result
 * slot and the main isolate takes it from there; each side sleeps in
 * `Atomics.waitAsync` when it has nothing to do and is woken with
 * `Atomics.notify` only then. No wasm, no admission, no metrics: what is
 * left between this and eddy is eddy's own work per invocation.
 *
 * The worker's side is bench/_ring_echo_worker.ts.
 *
 * @module
 */

/** Jobs a ring holds at once; more wait for a free one. */
export const RING_SLOTS = 64;

/** Bytes of one slot: a body up to this size fits. */
export const RING_SLOT_BYTES = 16 << 10;

/** Indices of the control cells at the start of the buffer. */
export const RING = {
  jobsWritten: 0,
  jobsTaken: 1,
  resultsWritten: 2,
  resultsTaken: 3,
  workerWaiting: 4,
} as const;

const CONTROL_CELLS = 8;

/** The views both sides take on one ring's buffer. */
export interface RingViews {
  control: Int32Array;
  /** `[seq, length]` per job slot. */
  jobHeaders: Int32Array;
  jobData: Uint8Array;
  /** `[seq, length]` per result slot. */
  resultHeaders: Int32Array;
  resultData: Uint8Array;
}

/**
 * The views on `buffer`, laid out as both sides expect.
 *
 * @example
 * ```ts
 * import { ringBuffer, ringViews, RING_SLOTS } from "./_ring_hop.ts";
 * const views = ringViews(ringBuffer());
 * console.log(views.jobHeaders.length === 2 * RING_SLOTS); // true
 * ```
 */
export function ringViews(buffer: SharedArrayBuffer): RingViews {
  const headers = 2 * RING_SLOTS * 4;
  const data = RING_SLOTS * RING_SLOT_BYTES;
  let at = CONTROL_CELLS * 4;
  const control = new Int32Array(buffer, 0, CONTROL_CELLS);
  const jobHeaders = new Int32Array(buffer, at, 2 * RING_SLOTS);
  at += headers;
  const jobData = new Uint8Array(buffer, at, data);
  at += data;
  const resultHeaders = new Int32Array(buffer, at, 2 * RING_SLOTS);
  at += headers;
  const resultData = new Uint8Array(buffer, at, data);
  return { control, jobHeaders, jobData, resultHeaders, resultData };
}

/**
 * A buffer for one ring.
 *
 * @example
 * ```ts
 * import { ringBuffer } from "./_ring_hop.ts";
 * console.log(ringBuffer().byteLength > 2 * 64 * 16384); // true
 * ```
 */
export function ringBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(
    CONTROL_CELLS * 4 + 2 * (2 * RING_SLOTS * 4 + RING_SLOTS * RING_SLOT_BYTES),
  );
}

/**
 * The main isolate's side of one worker's ring: {@linkcode RingHop.echo}
 * sends a body and resolves with what the worker sent back.
 *
 * @example
 * ```ts
 * import { RingHop } from "./_ring_hop.ts";
 * const worker = new Worker(new URL("./_ring_echo_worker.ts", import.meta.url), { type: "module" });
 * const hop = new RingHop(worker);
 * const back = await hop.echo(new TextEncoder().encode("hi"));
 * console.log(new TextDecoder().decode(back)); // "hi"
 * hop.close();
 * ```
 */
export class RingHop {
  readonly #worker: Worker;
  readonly #views: RingViews;
  readonly #pending = new Map<
    number,
    (body: Uint8Array<ArrayBuffer>) => void
  >();
  readonly #waitingForSlot: (() => void)[] = [];
  #seq = 0;
  #closed = false;

  constructor(worker: Worker) {
    this.#worker = worker;
    const buffer = ringBuffer();
    this.#views = ringViews(buffer);
    worker.postMessage(buffer);
    this.#takeResults();
  }

  /** Bodies sent and not answered yet. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** Sends `body` (at most {@linkcode RING_SLOT_BYTES}) through the worker. */
  async echo(body: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
    if (body.byteLength > RING_SLOT_BYTES) {
      throw new RangeError(`a body over ${RING_SLOT_BYTES} bytes`);
    }
    // At most a ring of jobs out: their results then always find a slot.
    while (this.#pending.size >= RING_SLOTS) {
      await new Promise<void>((resolve) => this.#waitingForSlot.push(resolve));
    }
    const { control, jobHeaders, jobData } = this.#views;
    const seq = this.#seq++ | 0;
    const written = Atomics.load(control, RING.jobsWritten);
    const slot = written & (RING_SLOTS - 1);
    jobHeaders[2 * slot] = seq;
    jobHeaders[2 * slot + 1] = body.byteLength;
    jobData.set(body, slot * RING_SLOT_BYTES);
    const answered = new Promise<Uint8Array<ArrayBuffer>>((resolve) =>
      this.#pending.set(seq, resolve)
    );
    Atomics.add(control, RING.jobsWritten, 1);
    if (Atomics.load(control, RING.workerWaiting) === 1) {
      Atomics.notify(control, RING.jobsWritten);
    }
    return await answered;
  }

  /** Stops the worker; bodies still out are never answered. */
  close(): void {
    this.#closed = true;
    this.#worker.terminate();
    Atomics.notify(this.#views.control, RING.resultsWritten);
  }

  async #takeResults(): Promise<void> {
    const { control, resultHeaders, resultData } = this.#views;
    while (!this.#closed) {
      const taken = Atomics.load(control, RING.resultsTaken);
      const wait = Atomics.waitAsync(control, RING.resultsWritten, taken);
      if (wait.async) await wait.value;
      const written = Atomics.load(control, RING.resultsWritten);
      for (let at = taken; at !== written; at = (at + 1) | 0) {
        const slot = at & (RING_SLOTS - 1);
        const start = slot * RING_SLOT_BYTES;
        const body = resultData.slice(
          start,
          start + resultHeaders[2 * slot + 1],
        );
        const seq = resultHeaders[2 * slot];
        Atomics.store(control, RING.resultsTaken, (at + 1) | 0);
        this.#pending.get(seq)?.(body);
        this.#pending.delete(seq);
        this.#waitingForSlot.shift()?.();
      }
    }
  }
}
