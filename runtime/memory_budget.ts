/**
 * The node-wide budget for bytes buffered on behalf of requests: request
 * bodies read whole and guest outputs held until they are sent. One
 * counter in shared memory, so the main isolate (bodies) and every executor
 * worker (outputs, as they grow) draw from the same budget without a
 * message round trip. Past the budget a request is refused (503), instead
 * of the heap growing until the node stalls or is killed.
 *
 * @module
 */
import { EddyError } from "./errors.ts";
import { formatBytes } from "./manifest/units.ts";

const RESERVED = 0;
const LIMIT = 1;

/**
 * The error for a request the budget cannot take now: 503, code
 * `memory_budget`; retrying later succeeds once other requests finish.
 *
 * @example
 * ```ts
 * import { MemoryBudgetError } from "./memory_budget.ts";
 * const error = new MemoryBudgetError(1 << 20, 1 << 30);
 * console.log(error.code); // memory_budget
 * ```
 */
export class MemoryBudgetError extends EddyError {
  /** `never`: the request needs more than the whole budget, so a retry fails too. */
  constructor(requested: number, limit: number, never = false) {
    super(
      "memory_budget",
      `the node's buffer budget (${
        formatBytes(limit)
      }, --max-buffered) cannot take ${formatBytes(requested)} more ${
        never
          ? "with room for an output as large: raise --max-buffered"
          : "now; retry later"
      }`,
      { requested, limit },
    );
  }
}

/**
 * A byte budget shared between isolates: create it with a limit in the main
 * isolate, post {@linkcode MemoryBudget.shared} to a worker and construct
 * it there from that.
 *
 * @example
 * ```ts
 * import { MemoryBudget } from "./memory_budget.ts";
 * const budget = new MemoryBudget(1024);
 * console.log(budget.tryReserve(1000), budget.tryReserve(100)); // true false
 * new MemoryBudget(budget.shared).release(1000); // as a worker would
 * console.log(budget.reserved); // 0
 * ```
 */
export class MemoryBudget {
  /** The shared counter and limit; post it to workers. */
  readonly shared: SharedArrayBuffer;
  readonly #words: BigInt64Array;

  /** A new budget of `limit` bytes, or the one whose `shared` this is. */
  constructor(limit: number | SharedArrayBuffer) {
    if (limit instanceof SharedArrayBuffer) {
      this.shared = limit;
      this.#words = new BigInt64Array(limit);
      return;
    }
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new RangeError("a budget is a whole number of bytes");
    }
    this.shared = new SharedArrayBuffer(2 * BigInt64Array.BYTES_PER_ELEMENT);
    this.#words = new BigInt64Array(this.shared);
    this.#words[LIMIT] = BigInt(limit);
  }

  /** The budget in bytes. */
  get limit(): number {
    return Number(this.#words[LIMIT]);
  }

  /** Bytes reserved now, by every isolate. */
  get reserved(): number {
    return Number(Atomics.load(this.#words, RESERVED));
  }

  /**
   * Reserves `bytes` if they fit with `headroom` bytes still free after
   * them; says whether they did.
   */
  tryReserve(bytes: number, headroom = 0): boolean {
    const words = this.#words;
    const want = BigInt(bytes);
    const limit = words[LIMIT] - BigInt(headroom);
    for (;;) {
      const now = Atomics.load(words, RESERVED);
      if (now + want > limit) return false;
      if (Atomics.compareExchange(words, RESERVED, now, now + want) === now) {
        return true;
      }
    }
  }

  /** {@linkcode MemoryBudget.tryReserve}, throwing {@linkcode MemoryBudgetError} when they do not fit. */
  reserve(bytes: number, headroom = 0): void {
    if (!this.tryReserve(bytes, headroom)) {
      throw new MemoryBudgetError(
        bytes,
        this.limit,
        bytes + headroom > this.limit,
      );
    }
  }

  /** Gives back `bytes` reserved earlier. */
  release(bytes: number): void {
    if (bytes > 0) Atomics.sub(this.#words, RESERVED, BigInt(bytes));
  }
}

/**
 * The bytes one request holds from a budget: grown as its body arrives,
 * given the output a worker reserved for it, and released once, when the
 * response is sent (releasing again does nothing).
 *
 * @example
 * ```ts
 * import { MemoryBudget, Reservation } from "./memory_budget.ts";
 * const budget = new MemoryBudget(1 << 20);
 * const held = new Reservation(budget);
 * held.grow(4096); // throws MemoryBudgetError when it does not fit
 * held.release();
 * console.log(budget.reserved); // 0
 * ```
 */
export class Reservation {
  readonly budget: MemoryBudget;
  #bytes = 0;

  constructor(budget: MemoryBudget) {
    this.budget = budget;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Reserves `bytes` more, or throws {@linkcode MemoryBudgetError}. */
  grow(bytes: number): void {
    this.budget.reserve(bytes);
    this.#bytes += bytes;
  }

  /**
   * Reserves `bytes` more of a request's input, admitted only if an output
   * as large as all the input held would still fit: a request is not let
   * in to fail later for want of room for its answer, and concurrent large
   * requests cannot take the whole budget with inputs alone.
   */
  growInput(bytes: number): void {
    this.budget.reserve(bytes, this.#bytes + bytes);
    this.#bytes += bytes;
  }

  /** Gives back `bytes` of those held, once they are freed. */
  shrink(bytes: number): void {
    const freed = Math.min(bytes, this.#bytes);
    this.budget.release(freed);
    this.#bytes -= freed;
  }

  /** Takes over `bytes` that were reserved elsewhere (by a worker). */
  adopt(bytes: number): void {
    this.#bytes += bytes;
  }

  /** Gives back everything held. */
  release(): void {
    this.shrink(this.#bytes);
  }
}
