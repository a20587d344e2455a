/**
 * A guest's stdout that draws on the node's memory budget as it grows, so
 * that outputs held at once across all workers stay within
 * `--max-buffered`: a write the budget cannot take fails the invocation
 * (`memory_budget`, 503) instead of growing the heap.
 *
 * @module
 */
import type { MemoryBudget } from "../memory_budget.ts";
import { OutputBuffer } from "../wasi/mod.ts";

/**
 * Thrown by {@linkcode BudgetedOutput} when the node's budget is spent.
 *
 * @example
 * ```ts ignore
 * if (error instanceof OutputBudgetError) console.log(error.message);
 * ```
 */
export class OutputBudgetError extends Error {
  constructor(limit: number) {
    super(
      `output could not grow: the node's ${limit} byte buffer budget (--max-buffered) is spent; retry later`,
    );
    this.name = "OutputBudgetError";
  }
}

/**
 * An {@linkcode OutputBuffer} whose every byte is reserved from a budget.
 * The copy `take()` makes out of the reused buffer is a moment's second
 * copy and is not counted. `onReserve` hears of each reservation (the worker keeps a tally
 * the pool releases if the worker dies).
 *
 * @example
 * ```ts
 * import { BudgetedOutput } from "./budgeted_output.ts";
 * import { MemoryBudget } from "../memory_budget.ts";
 * const budget = new MemoryBudget(4);
 * const out = new BudgetedOutput(1 << 20, budget);
 * out.write(new Uint8Array(3));
 * console.log(out.reserved, budget.reserved); // 3 3
 * ```
 */
export class BudgetedOutput extends OutputBuffer {
  readonly #budget: MemoryBudget;
  readonly #onReserve: (bytes: number) => void;
  #reserved = 0;

  constructor(
    limit: number,
    budget: MemoryBudget,
    onReserve: (bytes: number) => void = () => {},
  ) {
    super(limit);
    this.#budget = budget;
    this.#onReserve = onReserve;
  }

  /** Bytes reserved for this output. */
  get reserved(): number {
    return this.#reserved;
  }

  override writeRange(source: Uint8Array, start: number, end: number): void {
    const length = end - start;
    // Over its own limit it fails as any OutputBuffer does, reserving nothing.
    if (length <= 0 || this.size + length > this.limit) {
      return super.writeRange(source, start, end);
    }
    if (!this.#budget.tryReserve(length)) {
      throw new OutputBudgetError(this.#budget.limit);
    }
    this.#reserved += length;
    this.#onReserve(length);
    super.writeRange(source, start, end);
  }
}
