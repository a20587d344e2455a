/**
 * In-memory stdio for guests: where stdin bytes come from and stdout/stderr
 * bytes go. The in-isolate path never touches a real file descriptor.
 *
 * @module
 */

/**
 * A guest's stdin: fills `into` with up to `into.length` bytes.
 *
 * @example
 * ```ts
 * import type { ByteSource } from "./stdio.ts";
 * const zeros: ByteSource = { read: (into) => (into.fill(0), into.length) };
 * ```
 */
export interface ByteSource {
  /** Bytes read into `into`; 0 means end of input. */
  read(into: Uint8Array): number;
}

/**
 * Where a guest's stdout or stderr goes. `data` is a view of guest memory
 * that is only valid during the call: a sink that keeps it must copy it.
 * A sink may throw (a limit, a closed stream); the error ends the run.
 *
 * @example
 * ```ts
 * import type { ByteSink } from "./stdio.ts";
 * const sink: ByteSink = { write: (data) => console.log(data.length) };
 * ```
 */
export interface ByteSink {
  /** Takes all of `data` or throws. */
  write(data: Uint8Array): void;
}

/**
 * Thrown by {@link OutputBuffer.write} when the output would grow past its
 * limit; nothing of the refused write is kept.
 *
 * @example
 * ```ts
 * import { OutputBuffer, OutputLimitError } from "./stdio.ts";
 * try {
 *   new OutputBuffer(2).write(new Uint8Array(3));
 * } catch (e) {
 *   if (e instanceof OutputLimitError) console.log(e.limit); // 2
 * }
 * ```
 */
export class OutputLimitError extends Error {
  /** The limit in bytes that was reached. */
  readonly limit: number;
  constructor(limit: number) {
    super(`output exceeds its limit of ${limit} bytes`);
    this.name = "OutputLimitError";
    this.limit = limit;
  }
}

const decoder = new TextDecoder();

/**
 * Past this many bytes an output moves into one resizable buffer that grows
 * in place: a large output is then held once, with no join copy at the end
 * (a 256 MiB output took 3 times its size at its peak before, counting
 * the response's copy).
 */
const IN_PLACE_FROM = 1 << 20;
/** The most one output can hold: what a 32-bit guest can address. */
const MAX_OUTPUT_BYTES = 2 ** 32;

/**
 * An in-memory stdout/stderr. Keeps small outputs as a list of written
 * chunks, joined once when {@link OutputBuffer.bytes} is first asked for;
 * one past 1 MiB moves into a resizable buffer that grows in place, so
 * `bytes()` is a view of it, not a copy.
 *
 * @example
 * ```ts
 * import { OutputBuffer } from "./stdio.ts";
 * const out = new OutputBuffer(1024);
 * out.write(new TextEncoder().encode("hello "));
 * out.write(new TextEncoder().encode("world"));
 * console.log(out.size, out.tail()); // 11 "hello world"
 * ```
 */
export class OutputBuffer implements ByteSink {
  /** Maximum total bytes; `Infinity` when unlimited. */
  readonly limit: number;
  #chunks: Uint8Array[] = [];
  /** Set once the output is over {@link IN_PLACE_FROM}: all of it, in place. */
  #grown: ArrayBuffer | undefined;
  #size = 0;

  constructor(limit: number = Infinity) {
    this.limit = limit;
  }

  /** Total bytes written so far. */
  get size(): number {
    return this.#size;
  }

  /** Appends a copy of `data`; throws {@link OutputLimitError} past the limit. */
  write(data: Uint8Array): void {
    this.writeRange(data, 0, data.length);
  }

  /**
   * Appends a copy of `source[start, end)`: the host's fast path for guest
   * memory, one copy and no intermediate view.
   */
  writeRange(source: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (length <= 0) return;
    if (this.#size + length > this.limit) {
      throw new OutputLimitError(this.limit);
    }
    const size = this.#size + length;
    if (!this.#grown && size > IN_PLACE_FROM) this.#growInPlace();
    const grown = this.#grown;
    if (grown) {
      // Capacity doubles: pages are only committed once written to.
      if (size > grown.byteLength) {
        grown.resize(Math.min(grown.maxByteLength, size * 2));
      }
      new Uint8Array(grown, this.#size, length).set(
        source.subarray(start, end),
      );
    } else {
      this.#chunks.push(source.slice(start, end));
    }
    this.#size = size;
  }

  #growInPlace(): void {
    const joined = this.bytes();
    const grown = new ArrayBuffer(joined.length, {
      maxByteLength: Math.min(this.limit, MAX_OUTPUT_BYTES),
    });
    new Uint8Array(grown).set(joined);
    this.#grown = grown;
    this.#chunks = [];
  }

  /** All bytes written, joined once and kept joined (not a copy). */
  bytes(): Uint8Array {
    if (this.#grown) return new Uint8Array(this.#grown, 0, this.#size);
    const chunks = this.#chunks;
    if (chunks.length === 1) return chunks[0];
    const all = new Uint8Array(this.#size);
    let offset = 0;
    for (const chunk of chunks) {
      all.set(chunk, offset);
      offset += chunk.length;
    }
    this.#chunks = [all];
    return all;
  }

  /**
   * The last `maxBytes` bytes decoded as UTF-8 (for error reports), without a
   * broken character at its start.
   */
  tail(maxBytes = 4096): string {
    const chunks = this.#grown ? [this.bytes()] : this.#chunks;
    const parts: Uint8Array[] = [];
    let need = Math.min(maxBytes, this.#size);
    for (let i = chunks.length - 1; i >= 0 && need > 0; i--) {
      const chunk = chunks[i];
      const take = Math.min(need, chunk.length);
      parts.push(chunk.subarray(chunk.length - take));
      need -= take;
    }
    const joined = new Uint8Array(Math.min(maxBytes, this.#size));
    let offset = 0;
    for (let i = parts.length - 1; i >= 0; i--) {
      joined.set(parts[i], offset);
      offset += parts[i].length;
    }
    let start = 0;
    // Skip UTF-8 continuation bytes left over from a cut character.
    while (
      start < 3 && start < joined.length && (joined[start] & 0xc0) === 0x80
    ) {
      start++;
    }
    return decoder.decode(joined.subarray(start));
  }
}
