/**
 * Collects an HTTP body that arrives in chunks into one `Uint8Array`,
 * capped. With a declared length it allocates the body once and copies
 * each chunk into place (the one copy out of the HTTP stack's buffers);
 * without one it keeps the chunks and joins them at the end.
 *
 * @module
 */
import { PayloadTooLargeError } from "./errors.ts";

/**
 * A body being received.
 *
 * @example
 * ```ts
 * import { BodyBuffer } from "./http2_body.ts";
 * const body = new BodyBuffer(3, 1024);
 * body.push(new Uint8Array([1, 2]));
 * body.push(new Uint8Array([3]));
 * console.log(body.finish()); // Uint8Array(3) [ 1, 2, 3 ]
 * ```
 */
export class BodyBuffer {
  readonly #max: number;
  readonly #declared: Uint8Array | undefined;
  readonly #chunks: Uint8Array[] = [];
  #received = 0;

  /**
   * `declaredLength` is the Content-Length, if any; one over `maxBytes`
   * throws a {@linkcode PayloadTooLargeError}.
   */
  constructor(declaredLength: number | undefined, maxBytes: number) {
    this.#max = maxBytes;
    if (declaredLength !== undefined) {
      this.#check(declaredLength);
      this.#declared = new Uint8Array(declaredLength);
    }
  }

  /**
   * Adds a chunk; throws a `RangeError` past the declared length, a
   * {@linkcode PayloadTooLargeError} past the cap.
   */
  push(chunk: Uint8Array): void {
    const end = this.#received + chunk.byteLength;
    if (this.#declared) {
      if (end > this.#declared.byteLength) {
        throw new RangeError(
          `body is longer than its declared ${this.#declared.byteLength} bytes`,
        );
      }
      this.#declared.set(chunk, this.#received);
    } else {
      this.#check(end);
      this.#chunks.push(chunk);
    }
    this.#received = end;
  }

  /** The whole body; throws a `RangeError` if it is shorter than declared. */
  finish(): Uint8Array {
    if (this.#declared) {
      if (this.#received !== this.#declared.byteLength) {
        throw new RangeError(
          `body has ${this.#received} of its declared ${this.#declared.byteLength} bytes`,
        );
      }
      return this.#declared;
    }
    const only = this.#chunks.length === 1 ? this.#chunks[0] : undefined;
    // A chunk that is a view into a larger buffer would keep all of it alive.
    if (only && only.byteLength === only.buffer.byteLength) return only;
    const body = new Uint8Array(this.#received);
    let at = 0;
    for (const chunk of this.#chunks) {
      body.set(chunk, at);
      at += chunk.byteLength;
    }
    return body;
  }

  #check(bytes: number): void {
    if (bytes > this.#max) throw new PayloadTooLargeError(bytes, this.#max);
  }
}

/**
 * The Content-Length a header value declares, or `undefined` when it is
 * absent or not a plain non-negative integer.
 *
 * @example
 * ```ts
 * import { declaredLength } from "./http2_body.ts";
 * console.log(declaredLength("42"), declaredLength(null)); // 42 undefined
 * ```
 */
export function declaredLength(
  value: string | string[] | null | undefined,
): number | undefined {
  if (typeof value !== "string" || !/^\d{1,16}$/.test(value)) return undefined;
  return Number(value);
}
