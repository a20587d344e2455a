/**
 * Typed access to JSPI (WebAssembly JavaScript Promise Integration), which
 * V8 in Deno 2.9 ships but TypeScript's lib does not declare yet. A host
 * import wrapped in `Suspending` may return a promise: the guest's stack is
 * suspended until it settles, and the isolate keeps running other work.
 *
 * @example
 * ```ts
 * import { jspi } from "./jspi.ts";
 * const sleep = new jspi.Suspending(() => new Promise((r) => setTimeout(r, 1)));
 * ```
 *
 * @module
 */

/** The JSPI constructors and functions of `WebAssembly`. */
export interface Jspi {
  /** Wraps an async host function as an import the guest calls synchronously. */
  Suspending: new (
    // deno-lint-ignore no-explicit-any
    fn: (...args: any[]) => Promise<unknown>,
  ) => WebAssembly.ImportValue;
  /** Turns an export into a function that returns a promise of its result. */
  // deno-lint-ignore no-explicit-any
  promising<T>(fn: (...args: any[]) => T): (...args: any[]) => Promise<T>;
}

/** `WebAssembly`, seen through {@linkcode Jspi}. */
export const jspi: Jspi = WebAssembly as unknown as Jspi;
