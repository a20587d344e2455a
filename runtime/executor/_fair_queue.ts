/**
 * Jobs waiting for a worker, one FIFO per function, taken in turn (round
 * robin): a function that floods the node lines up behind itself, and
 * another function's job waits for at most one job of each function
 * queued beside it, not for the whole flood.
 *
 * @module
 */

/** What the queue needs of a job: the function it runs. */
export interface Queued {
  readonly fn: string;
}

/**
 * Per-function FIFOs served in turn.
 *
 * @example
 * ```ts
 * import { FairQueue } from "./_fair_queue.ts";
 * const q = new FairQueue<{ fn: string; n: number }>();
 * for (let n = 0; n < 3; n++) q.push({ fn: "flood", n });
 * q.push({ fn: "other", n: 9 });
 * q.take(q.heads()[0]);
 * console.log(q.heads().map((j) => j.fn)); // [ "other", "flood" ]
 * ```
 */
export class FairQueue<T extends Queued> {
  /** Functions with jobs waiting, in the order they are served next. */
  readonly #lines = new Map<string, T[]>();
  #length = 0;

  /** Jobs waiting, over all functions. */
  get length(): number {
    return this.#length;
  }

  /** Jobs of `fn` waiting. */
  waiting(fn: string): number {
    return this.#lines.get(fn)?.length ?? 0;
  }

  /**
   * Functions with jobs waiting and their lines, in the order they are
   * served next (a view, not a copy: admission reads it per request).
   */
  lines(): ReadonlyMap<string, { readonly length: number }> {
    return this.#lines;
  }

  push(job: T): void {
    const line = this.#lines.get(job.fn);
    if (line) line.push(job);
    else this.#lines.set(job.fn, [job]);
    this.#length++;
  }

  /** Puts `jobs` back at the front of their lines, served first. */
  unshift(jobs: T[]): void {
    for (const job of jobs.toReversed()) {
      const line = this.#lines.get(job.fn);
      if (line) line.unshift(job);
      else this.#lines.set(job.fn, [job]);
      this.#length++;
    }
    // Requeued jobs were taken first once: their functions go first again.
    const first = new Set(jobs.map((j) => j.fn));
    for (const [fn, line] of [...this.#lines]) {
      if (first.has(fn)) continue;
      this.#lines.delete(fn);
      this.#lines.set(fn, line);
    }
  }

  /** The first job of each line, in the order they are served. */
  heads(): T[] {
    const heads: T[] = [];
    for (const line of this.#lines.values()) heads.push(line[0]);
    return heads;
  }

  /**
   * Takes `head`, the first job of its line; its function's turn passes
   * to the next one.
   */
  take(head: T): void {
    const line = this.#lines.get(head.fn)!;
    line.shift();
    this.#length--;
    // Alone in the queue, a line keeps its place: a delete and a set per
    // job would only churn the map's table (garbage in the old generation).
    if (line.length > 0 && this.#lines.size === 1) return;
    this.#lines.delete(head.fn);
    if (line.length > 0) this.#lines.set(head.fn, line);
  }

  /** Removes `job`; says whether it was waiting. */
  remove(job: T): boolean {
    const line = this.#lines.get(job.fn);
    const at = line?.indexOf(job) ?? -1;
    if (at < 0) return false;
    line!.splice(at, 1);
    if (line!.length === 0) this.#lines.delete(job.fn);
    this.#length--;
    return true;
  }

  /** Takes every job, emptying the queue. */
  drain(): T[] {
    const all = [...this.#lines.values()].flat();
    this.#lines.clear();
    this.#length = 0;
    return all;
  }
}
