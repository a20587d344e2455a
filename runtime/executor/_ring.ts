/**
 * The shared-memory channel between the executor pool and one worker, so
 * that an invocation costs no postMessage (measured: the structured clone
 * and the wake-up of a message were the largest share of the main
 * isolate's time per request).
 *
 * Jobs go in one ring, in the order they are posted: a small input of a
 * function whose spec the worker holds already (a "template", sent once by
 * message) travels in its slot; any other job leaves a marker in its slot
 * and comes by message, so that the worker still starts jobs in posting
 * order (the pool's watchdog relies on it to know which jobs it may give
 * to another worker). Small successful results come back in a second ring;
 * others by message. A side that finds nothing to do waits with
 * `Atomics.waitAsync`, so both event loops stay free for messages.
 *
 * @module
 */

/**
 * Job slots per worker: more than the jobs the pool sends ahead. Slot
 * counts are powers of two, so that a count that wraps around 2^31 still
 * names the right slot (`count & (slots - 1)`) and differences of counts
 * are taken in 32 bits (`(a - b) | 0`).
 */
export const JOB_SLOTS = 16;
/** Result slots per worker. */
const RESULT_SLOTS = 16;
/** Inputs and outputs up to this size travel in a slot. */
export const SLOT_BYTES = 16 << 10;

// Control words (Int32): counts of jobs written and taken, results written
// and taken, and whether the worker waits for jobs.
const JOBS_WRITTEN = 0;
const JOBS_TAKEN = 1;
const RESULTS_WRITTEN = 2;
const RESULTS_TAKEN = 3;
const WORKER_WAITING = 4;
const CONTROL_BYTES = 8 * Int32Array.BYTES_PER_ELEMENT;

// Job slot header (Float64): seq, template id (-1: the job comes by
// message), input length.
const JOB_HEADER = 4;
// Result slot header (Float64): seq, exit code, duration, reserved bytes,
// output length, and the number of earlier stages of a grouped job (0: a
// single job), whose durations and output lengths follow the output in the
// slot, from the first 8-byte boundary.
const RESULT_HEADER = 6;

/** A job as read from its slot, before the worker takes it. */
export interface RingJob {
  seq: number;
  /** The template it runs, or -1 when the job comes by message. */
  template: number;
  /** Its input, a copy (undefined for a job that comes by message). */
  stdin?: Uint8Array<ArrayBuffer>;
}

/** A result as it travels in a slot: a run that succeeded, with no extras. */
export interface RingResult {
  exitCode: number;
  stdout: Uint8Array;
  stderr: string;
  durationMs: number;
  failure?: unknown;
  calls?: unknown;
  state?: unknown;
  reserved?: number;
  stage?: number;
  earlier?: {
    durationMs: number;
    outputBytes: number;
    stderr: string;
    calls?: unknown;
    state?: unknown;
  }[];
}

/** Where the figures of earlier stages start after an output of `bytes`. */
const figuresAt = (bytes: number) => Math.ceil(bytes / 8);

/**
 * One worker's job and result rings over one SharedArrayBuffer; both sides
 * construct it, the pool with no argument, the worker from
 * {@linkcode Ring.shared}.
 *
 * @example
 * ```ts
 * import { Ring } from "./_ring.ts";
 * const pool = new Ring(); // its `shared` is posted to the worker
 * const worker = new Ring(pool.shared);
 * pool.writeJob(7, 0, new Uint8Array([1, 2])); // job 7 runs template 0
 * const job = worker.peekJob()!;
 * worker.take();
 * worker.tryWriteResult(job.seq, {
 *   exitCode: 0, stdout: job.stdin!, stderr: "", durationMs: 0.1,
 * });
 * pool.takeResults((seq, result) => console.log(seq, result.stdout)); // 7 Uint8Array(2) [ 1, 2 ]
 * ```
 */
export class Ring {
  readonly shared: SharedArrayBuffer;
  readonly #control: Int32Array<SharedArrayBuffer>;
  readonly #jobHeaders: Float64Array<SharedArrayBuffer>;
  readonly #resultHeaders: Float64Array<SharedArrayBuffer>;
  readonly #jobData: Uint8Array<SharedArrayBuffer>;
  readonly #resultData: Uint8Array<SharedArrayBuffer>;
  /** The result slots again, as floats for the figures of earlier stages. */
  readonly #resultFigures: Float64Array<SharedArrayBuffer>;

  constructor(shared?: SharedArrayBuffer) {
    const jobHeaderBytes = JOB_SLOTS * JOB_HEADER * 8;
    const resultHeaderBytes = RESULT_SLOTS * RESULT_HEADER * 8;
    const size = CONTROL_BYTES + jobHeaderBytes + resultHeaderBytes +
      (JOB_SLOTS + RESULT_SLOTS) * SLOT_BYTES;
    this.shared = shared ?? new SharedArrayBuffer(size);
    let at = 0;
    this.#control = new Int32Array(this.shared, at, CONTROL_BYTES / 4);
    at += CONTROL_BYTES;
    this.#jobHeaders = new Float64Array(
      this.shared,
      at,
      JOB_SLOTS * JOB_HEADER,
    );
    at += jobHeaderBytes;
    this.#resultHeaders = new Float64Array(
      this.shared,
      at,
      RESULT_SLOTS * RESULT_HEADER,
    );
    at += resultHeaderBytes;
    this.#jobData = new Uint8Array(this.shared, at, JOB_SLOTS * SLOT_BYTES);
    at += JOB_SLOTS * SLOT_BYTES;
    this.#resultData = new Uint8Array(
      this.shared,
      at,
      RESULT_SLOTS * SLOT_BYTES,
    );
    this.#resultFigures = new Float64Array(
      this.shared,
      at,
      RESULT_SLOTS * SLOT_BYTES / 8,
    );
  }

  // --- the pool's side ---

  /** Whether a job slot is free. */
  canWrite(): boolean {
    const c = this.#control;
    return ((Atomics.load(c, JOBS_WRITTEN) - Atomics.load(c, JOBS_TAKEN)) |
      0) < JOB_SLOTS;
  }

  /**
   * Writes a job to the next slot (check {@linkcode Ring.canWrite} first):
   * with `stdin`, it runs `template`; without, it comes by message.
   */
  writeJob(seq: number, template: number, stdin?: Uint8Array): void {
    const c = this.#control;
    const slot = Atomics.load(c, JOBS_WRITTEN) & (JOB_SLOTS - 1);
    const h = slot * JOB_HEADER;
    this.#jobHeaders[h] = seq;
    this.#jobHeaders[h + 1] = stdin ? template : -1;
    this.#jobHeaders[h + 2] = stdin?.byteLength ?? 0;
    if (stdin) this.#jobData.set(stdin, slot * SLOT_BYTES);
    Atomics.add(c, JOBS_WRITTEN, 1);
  }

  /** Whether the worker waits for jobs (asleep, or about to be). */
  workerAsleep(): boolean {
    return Atomics.load(this.#control, WORKER_WAITING) === 1;
  }

  /** Wakes the worker if it waits for jobs. */
  notifyWorker(): void {
    if (this.workerAsleep()) {
      Atomics.notify(this.#control, JOBS_WRITTEN);
    }
  }

  /** Settles once a result is there (or {@linkcode Ring.wake} is called). */
  async waitResults(): Promise<void> {
    const c = this.#control;
    const wait = Atomics.waitAsync(
      c,
      RESULTS_WRITTEN,
      Atomics.load(c, RESULTS_TAKEN),
    );
    if (wait.async) await wait.value;
  }

  /** Ends a {@linkcode Ring.waitResults} now. */
  wake(): void {
    Atomics.notify(this.#control, RESULTS_WRITTEN);
  }

  /** Takes every result written so far, in order. */
  takeResults(onResult: (seq: number, result: RingResult) => void): void {
    const c = this.#control;
    let taken = Atomics.load(c, RESULTS_TAKEN);
    const count = (Atomics.load(c, RESULTS_WRITTEN) - taken) | 0;
    for (let i = 0; i < count; i++) {
      const slot = taken & (RESULT_SLOTS - 1);
      const h = slot * RESULT_HEADER;
      const r = this.#resultHeaders;
      const start = slot * SLOT_BYTES;
      const stdout = this.#resultData.slice(start, start + r[h + 4]);
      const seq = r[h];
      const result: RingResult = {
        exitCode: r[h + 1],
        stdout,
        stderr: "",
        durationMs: r[h + 2],
      };
      if (r[h + 3]) result.reserved = r[h + 3];
      const stages = r[h + 5];
      if (stages > 0) {
        let f = slot * SLOT_BYTES / 8 + figuresAt(r[h + 4]);
        result.stage = stages;
        result.earlier = [];
        for (let k = 0; k < stages; k++, f += 2) {
          result.earlier.push({
            durationMs: this.#resultFigures[f],
            outputBytes: this.#resultFigures[f + 1],
            stderr: "",
          });
        }
      }
      taken = (taken + 1) | 0;
      Atomics.store(c, RESULTS_TAKEN, taken);
      onResult(seq, result);
    }
  }

  // --- the worker's side ---

  /** The next job not taken yet, if any (it stays until {@linkcode Ring.take}). */
  peekJob(): RingJob | undefined {
    const c = this.#control;
    const taken = Atomics.load(c, JOBS_TAKEN);
    if (taken === Atomics.load(c, JOBS_WRITTEN)) return undefined;
    const slot = taken & (JOB_SLOTS - 1);
    const h = slot * JOB_HEADER;
    const seq = this.#jobHeaders[h];
    const template = this.#jobHeaders[h + 1];
    if (template < 0) return { seq, template };
    const start = slot * SLOT_BYTES;
    return {
      seq,
      template,
      stdin: this.#jobData.slice(start, start + this.#jobHeaders[h + 2]),
    };
  }

  /** Frees the slot of the job {@linkcode Ring.peekJob} returned. */
  take(): void {
    Atomics.add(this.#control, JOBS_TAKEN, 1);
  }

  /** Settles once a job is there. */
  async waitJobs(): Promise<void> {
    const c = this.#control;
    Atomics.store(c, WORKER_WAITING, 1);
    const wait = Atomics.waitAsync(
      c,
      JOBS_WRITTEN,
      Atomics.load(c, JOBS_TAKEN),
    );
    if (wait.async) await wait.value;
    Atomics.store(c, WORKER_WAITING, 0);
  }

  /**
   * Writes `result` to a result slot and wakes the pool, if it is a plain
   * success that fits (with a grouped job's earlier stages plain too);
   * says whether it did (else it goes by message).
   */
  tryWriteResult(seq: number, result: RingResult): boolean {
    const earlier = result.earlier;
    const length = result.stdout.byteLength;
    if (
      result.failure || result.calls || result.state || result.stderr ||
      (figuresAt(length) + 2 * (earlier?.length ?? 0)) * 8 > SLOT_BYTES ||
      earlier?.some((stage) => stage.stderr || stage.calls || stage.state)
    ) {
      return false;
    }
    const c = this.#control;
    const written = Atomics.load(c, RESULTS_WRITTEN);
    if (((written - Atomics.load(c, RESULTS_TAKEN)) | 0) >= RESULT_SLOTS) {
      return false;
    }
    const slot = written & (RESULT_SLOTS - 1);
    const h = slot * RESULT_HEADER;
    const r = this.#resultHeaders;
    r[h] = seq;
    r[h + 1] = result.exitCode;
    r[h + 2] = result.durationMs;
    r[h + 3] = result.reserved ?? 0;
    r[h + 4] = length;
    r[h + 5] = earlier?.length ?? 0;
    this.#resultData.set(result.stdout, slot * SLOT_BYTES);
    let f = slot * SLOT_BYTES / 8 + figuresAt(length);
    if (earlier) {
      for (const stage of earlier) {
        this.#resultFigures[f++] = stage.durationMs;
        this.#resultFigures[f++] = stage.outputBytes;
      }
    }
    Atomics.store(c, RESULTS_WRITTEN, (written + 1) | 0);
    Atomics.notify(c, RESULTS_WRITTEN);
    return true;
  }
}
