/**
 * In-memory stdio for guests: where stdin bytes come from and stdout/stderr
 * bytes go. The in-isolate path never touches a real file descriptor.
 *
 * @module
 */
import { copyFromGuest } from "./guest_copy.ts";

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
 * Up to this many bytes an output is written into a buffer its isolate
 * reuses run after run (pages already faulted in, no allocation per
 * write). Past it the buffer keeps doubling, and is kept only as the
 * isolate's one larger spare, for a while (see {@link LARGE_SPARE_IDLE_MS}).
 */
const REUSED_UP_TO = 4 << 20;
/**
 * From this many bytes {@link OutputBuffer.take} hands out the buffer
 * itself when the output fills at least 3/4 of it, instead of a copy at its
 * exact size: a fresh buffer that large is mapped anew and faulted in page
 * by page (a 1 MiB copy took 0.55-0.65 ms here, a third of a 1 MiB
 * memory-mode chain). The isolate's next outputs get another spare,
 * often an input a run consumed ({@link recycleBuffer}). Below it the copy
 * comes from the allocator's heap and costs less than a spare.
 */
const HANDED_OUT_FROM = 128 << 10;
/**
 * Past this many bytes the output moves into one resizable buffer that
 * grows in place and is handed out as it is: a large output is held once
 * (a 256 MiB output took 3 times its size at its peak when its chunks were
 * joined). Not sooner: a resizable buffer's pages are fresh each time, and
 * faulting them in made a 16 MiB output cost a producer 32 ms of CPU where
 * doubling plain buffers, whose memory the allocator reuses, cost 10–15
 * (memory-mode chains, in turn against 4 MiB: 16 MiB 20 → 62–68/s, 8 MiB
 * 39 → 180/s). Not later: a larger output pays the doubling and then the
 * move into place (64 MiB chains: ~10% fewer at 16 MiB, ~35% at 32). The
 * price is memory the allocator keeps for reuse: under the 8 and 16 MiB
 * loads the node held 340–400 MB instead of ~165, and ~50 MB more once
 * idle.
 */
const IN_PLACE_FROM = 16 << 20;
/** The first reusable buffer's size; it doubles as outputs need. */
const FIRST_CAPACITY = 64 << 10;
/**
 * Bytes of spare buffers an isolate keeps: runs in one isolate interleave
 * only while suspended on a call, but the inputs its runs consume (see
 * {@link recycleBuffer}) and the outputs it hands out come in turns, and
 * a worker that runs producers and consumers of 1 MiB alike needs a few
 * at hand (1 MiB memory-mode chains, alternating runs: 2 spares 1406-1577,
 * up to 4 1547-1649, 8 1608-1652 a second).
 */
const SPARE_BYTES_KEPT = 4 << 20;
/**
 * How long the one larger spare (over {@link REUSED_UP_TO}) is kept unused:
 * long enough for the next output of a stream of large ones (a fresh 16
 * MiB output buffer cost its producer 30-100 ms of page faults here, one
 * written into a spare 3 ms), short enough that an isolate done with large
 * outputs does not hold one for good.
 */
const LARGE_SPARE_IDLE_MS = 2000;
/** The most one output can hold: what a 32-bit guest can address. */
const MAX_OUTPUT_BYTES = 2 ** 32;

/** This isolate's idle reusable buffers of up to {@link REUSED_UP_TO}. */
const spares: Uint8Array<ArrayBuffer>[] = [];
/** Its one larger idle buffer, if any, and the timer that frees it. */
let largeSpare:
  | { bytes: Uint8Array<ArrayBuffer>; expiry: ReturnType<typeof setTimeout> }
  | undefined;

/** Takes the larger spare, if there is one of at least `bytes`. */
function takeLargeSpare(bytes: number): Uint8Array<ArrayBuffer> | undefined {
  if (!largeSpare || largeSpare.bytes.length < bytes) return undefined;
  clearTimeout(largeSpare.expiry);
  const taken = largeSpare.bytes;
  largeSpare = undefined;
  return taken;
}

/**
 * Keeps `spare` for later outputs, then frees the smallest spares (it
 * among them) until they are within {@link SPARE_BYTES_KEPT}. One over
 * {@link REUSED_UP_TO} is kept alone, the larger of it and the one kept
 * before, for {@link LARGE_SPARE_IDLE_MS}.
 */
function keepSpare(spare: Uint8Array<ArrayBuffer>): void {
  if (spare.length > REUSED_UP_TO) {
    const kept = takeLargeSpare(0);
    const [larger, smaller] = kept && kept.length > spare.length
      ? [kept, spare]
      : [spare, kept];
    smaller?.buffer.transfer(0);
    // Taking or replacing the spare clears this timer: when it fires,
    // `larger` is still the spare.
    const expiry = setTimeout(() => {
      largeSpare = undefined;
      larger.buffer.transfer(0);
    }, LARGE_SPARE_IDLE_MS);
    // A spare is no reason for a process to stay alive.
    Deno.unrefTimer(expiry);
    largeSpare = { bytes: larger, expiry };
    return;
  }
  spares.push(spare);
  let bytes = 0;
  for (const kept of spares) bytes += kept.length;
  while (bytes > SPARE_BYTES_KEPT) {
    let smallest = 0;
    for (let i = 1; i < spares.length; i++) {
      if (spares[i].length < spares[smallest].length) smallest = i;
    }
    const [freed] = spares.splice(smallest, 1);
    bytes -= freed.length;
    freed.buffer.transfer(0);
  }
}

/** The size of the last buffer this isolate's outputs handed out. */
let lastHandedOut = 0;

/** The smallest spare of at least `bytes`, taken from the spares. */
function spareOf(bytes: number): Uint8Array<ArrayBuffer> | undefined {
  let best = -1;
  for (let i = 0; i < spares.length; i++) {
    const length = spares[i].length;
    if (length >= bytes && (best < 0 || length < spares[best].length)) {
      best = i;
    }
  }
  if (best >= 0) return spares.splice(best, 1)[0];
  // Only an output past the reused sizes takes the larger one.
  return bytes > REUSED_UP_TO ? takeLargeSpare(bytes) : undefined;
}

/**
 * Keeps `buffer`, which this isolate owns and nothing reads any more (an
 * input its run consumed), as a spare for the isolate's next outputs, so
 * that they write into pages already faulted in; frees it now if it is not
 * worth keeping (too small, too large, resizable, or the smallest when the
 * spares are over their bytes). Its old bytes never leave: an output is
 * read and handed out only as far as it was written, the rest zeroed.
 *
 * @example
 * ```ts
 * import { OutputBuffer, recycleBuffer } from "./stdio.ts";
 * const input = new ArrayBuffer(1 << 20);
 * recycleBuffer(input);
 * const out = new OutputBuffer();
 * out.write(new Uint8Array(1 << 20).fill(7));
 * console.log(out.take().buffer === input); // true: written in place
 * ```
 */
export function recycleBuffer(buffer: ArrayBuffer): void {
  if (buffer.detached) return;
  if (!isSpareSized(buffer)) {
    buffer.transfer(0);
    return;
  }
  keepSpare(new Uint8Array(buffer));
}

/**
 * Whether `buffer` is of a kind and size {@linkcode recycleBuffer} keeps:
 * a fixed-length buffer an output of 128 KiB to 16 MiB could be written in.
 *
 * @example
 * ```ts
 * import { isSpareSized } from "./stdio.ts";
 * console.log(isSpareSized(new ArrayBuffer(1 << 20))); // true
 * console.log(isSpareSized(new ArrayBuffer(1024))); // false: a copy costs less
 * ```
 */
export function isSpareSized(buffer: ArrayBuffer): boolean {
  const size = buffer.byteLength;
  return !buffer.resizable && size >= HANDED_OUT_FROM && size <= IN_PLACE_FROM;
}

/**
 * An in-memory stdout/stderr: one growable buffer. Up to 4 MiB it is a
 * buffer reused by the isolate's runs, so a run allocates nothing per
 * write, and `take()` copies a small output out of it and hands a large
 * one out in it; up to 16 MiB a buffer of its own that doubles (or the
 * isolate's larger spare, see {@link recycleBuffer}); past that a resizable
 * buffer grown in place, handed out without a copy.
 *
 * @example
 * ```ts
 * import { OutputBuffer } from "./stdio.ts";
 * const out = new OutputBuffer(1024);
 * out.write(new TextEncoder().encode("hello "));
 * out.write(new TextEncoder().encode("world"));
 * console.log(out.size, out.tail()); // 11 "hello world"
 * console.log(out.take().byteLength, out.size); // 11 0
 * out.write(new Uint8Array(3));
 * out.clear();
 * console.log(out.size); // 0
 * ```
 */
export class OutputBuffer implements ByteSink {
  /** Maximum total bytes; `Infinity` when unlimited. */
  readonly limit: number;
  /** A doubling buffer, while the output is at most {@link IN_PLACE_FROM}. */
  #reused: Uint8Array<ArrayBuffer> | undefined;
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
      copyFromGuest(source, start, end, new Uint8Array(grown), this.#size);
    } else {
      copyFromGuest(source, start, end, this.#reserve(size), this.#size);
    }
    this.#size = size;
  }

  /** The reused buffer, with room for `size` bytes. */
  #reserve(size: number): Uint8Array<ArrayBuffer> {
    let reused = this.#reused ??= spares.pop() ??
      new Uint8Array(FIRST_CAPACITY);
    if (size > reused.length) {
      let capacity = reused.length;
      while (capacity < size) capacity *= 2;
      // Straight to the size of the last output handed out, which the
      // next is likely to reach too, rather than doubling up to it.
      capacity = Math.min(Math.max(capacity, lastHandedOut), IN_PLACE_FROM);
      const bigger = spareOf(capacity) ?? new Uint8Array(capacity);
      bigger.set(reused.subarray(0, this.#size));
      // The outgrown buffer is a spare for the next output's growth (past
      // the reused size, the isolate's larger spare for a while): dropped,
      // every large output grew through fresh buffers again (8 MiB
      // memory-mode chains 416 → 733/s, 16 MiB 317 → 471/s kept).
      keepSpare(reused);
      reused = this.#reused = bigger;
    }
    return reused;
  }

  #growInPlace(): void {
    const grown = new ArrayBuffer(this.#size, {
      maxByteLength: Math.min(this.limit, MAX_OUTPUT_BYTES),
    });
    new Uint8Array(grown).set(this.bytes());
    this.#grown = grown;
    this.#release();
  }

  /**
   * Gives the buffer back to the isolate for its next runs (past
   * {@link REUSED_UP_TO}, as its larger spare for a while).
   */
  #release(): void {
    const reused = this.#reused;
    this.#reused = undefined;
    if (reused) keepSpare(reused);
  }

  /**
   * Drops what was written, as `take` does but without handing it out: the
   * reused buffer goes back for the isolate's next runs.
   */
  clear(): void {
    this.#grown = undefined;
    this.#release();
    this.#size = 0;
  }

  /** All bytes written so far: a view, valid until the next write or `take`. */
  bytes(): Uint8Array<ArrayBuffer> {
    if (this.#grown) return new Uint8Array(this.#grown, 0, this.#size);
    return this.#reused?.subarray(0, this.#size) ?? new Uint8Array();
  }

  /**
   * All bytes written, in a buffer of their own, so that they can be
   * transferred; the output is empty again after. Under 128 KiB that is
   * one copy out of the reused buffer, of exactly their size; from it the
   * buffer itself when at least 3/4 full (so at most a third more is held
   * than was written; the rest zeroed), else a copy; an output grown in
   * place is handed out as it is, the start of its resizable buffer.
   */
  take(): Uint8Array<ArrayBuffer> {
    let taken: Uint8Array<ArrayBuffer>;
    if (this.#grown) {
      // Not shrunk to its size: shrinking zeroes the spare capacity, which
      // commits pages nothing wrote to (80 MiB more RSS for 128 MiB).
      taken = new Uint8Array(this.#grown, 0, this.#size);
      this.#grown = undefined;
    } else {
      const reused = this.#reused;
      if (
        reused && this.#size >= HANDED_OUT_FROM &&
        this.#size * 4 >= reused.length * 3
      ) {
        // An earlier output's bytes past this one do not leave with it.
        reused.fill(0, this.#size);
        if (reused.length <= REUSED_UP_TO) lastHandedOut = reused.length;
        taken = reused.subarray(0, this.#size);
        this.#reused = undefined;
      } else {
        taken = reused?.slice(0, this.#size) ?? new Uint8Array();
        this.#release();
      }
    }
    this.#size = 0;
    return taken;
  }

  /**
   * The last `maxBytes` bytes decoded as UTF-8 (for error reports), without a
   * broken character at its start.
   */
  tail(maxBytes = 4096): string {
    const all = this.bytes();
    const last = all.subarray(Math.max(0, all.length - maxBytes));
    let start = 0;
    // Skip UTF-8 continuation bytes left over from a cut character.
    while (start < 3 && start < last.length && (last[start] & 0xc0) === 0x80) {
      start++;
    }
    return decoder.decode(last.subarray(start));
  }
}
