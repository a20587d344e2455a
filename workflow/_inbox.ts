/**
 * The inputs of one step (or of the workflow's output) as they arrive, in
 * any order, until all are there.
 *
 * @module
 */
import { concatBytes } from "../runtime/bytes.ts";

/** One slot per producer, in fan-in order. */
export class Inbox {
  readonly #producers: readonly string[];
  /** Who delivered; kept after the bytes are taken, to refuse repeats. */
  readonly #delivered = new Set<string>();
  #slots: (Uint8Array | undefined)[];

  constructor(producers: readonly string[]) {
    this.#producers = producers;
    this.#slots = producers.map(() => undefined);
  }

  /**
   * Stores `bytes` from `producer`. Returns a problem instead when the
   * producer is not expected or already delivered.
   */
  put(producer: string, bytes: Uint8Array): string | undefined {
    const slot = this.#producers.indexOf(producer);
    if (slot < 0) {
      return `expected input from ${
        this.#producers.map((p) => `'${p}'`).join(", ")
      }`;
    }
    if (this.#delivered.has(producer)) return "already delivered";
    this.#delivered.add(producer);
    this.#slots[slot] = bytes;
    return undefined;
  }

  /** Whether every producer has delivered. */
  get complete(): boolean {
    return this.#delivered.size === this.#producers.length;
  }

  /**
   * The input: a single producer's bytes as they are, several producers'
   * concatenated into one allocation, each part then handed to `release`.
   * The inbox lets go of them.
   */
  take(release: (part: Uint8Array) => void): Uint8Array {
    const parts = this.#slots as Uint8Array[];
    this.#slots = [];
    if (parts.length === 1) return parts[0];
    const whole = concatBytes(parts);
    for (const part of parts) release(part);
    return whole;
  }

  /** Drops whatever arrived (the run failed). */
  clear(): void {
    this.#slots = [];
  }
}
