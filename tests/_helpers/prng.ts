/**
 * A seeded pseudo-random generator (mulberry32), so that a fuzz run can be
 * replayed exactly from its seed.
 *
 * @module
 */

/**
 * Random choices drawn from one seed.
 *
 * @example
 * ```ts
 * import { mulberry32, type Prng } from "./prng.ts";
 * const rng: Prng = mulberry32(7);
 * const coin = rng.pick(["heads", "tails"]);
 * ```
 */
export interface Prng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** One of `items`. */
  pick<T>(items: readonly T[]): T;
}

/**
 * mulberry32: 32 bits of state, a full period of 2^32, good enough to mutate
 * inputs and not meant for anything secret.
 *
 * @example
 * ```ts
 * import { mulberry32 } from "./prng.ts";
 * const a = mulberry32(42), b = mulberry32(42);
 * console.log(a.int(100) === b.int(100)); // true
 * ```
 */
export function mulberry32(seed: number): Prng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: (items) => items[int(items.length)] };
}
