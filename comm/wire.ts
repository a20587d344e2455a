/**
 * The binary framing of the unix mode. A frame is a fixed 24-byte head, a
 * JSON meta block and the payload bytes:
 *
 * ```
 * offset size  field (big-endian)
 *      0    4  magic 0x65646479 ("eddy")
 *      4    1  version (1)
 *      5    1  kind: 1 request, 2 response, 3 cancel
 *      6    2  reserved, 0
 *      8    4  request id (u32); a response carries its request's id
 *     12    4  meta length in bytes (u32)
 *     16    8  payload length in bytes (u64 as high u32, low u32)
 *     24       meta: UTF-8 JSON, {target, headers} or {status, headers}
 *              payload
 * ```
 *
 * Frames of many calls interleave on one connection, matched by id. A
 * cancel frame (meta `{headers: {}}`, no payload) tells the server that the
 * client gave up the request with its id: the server stops serving it.
 *
 * @module
 */
import { PeerError } from "./errors.ts";
import {
  type CommRequest,
  type CommResponse,
  headersProblem,
} from "./message.ts";

/** "eddy" in ASCII. */
export const FRAME_MAGIC = 0x65646479;
/** The framing version this code speaks. */
export const FRAME_VERSION = 1;
/** Size of the fixed head. */
export const FRAME_HEAD_BYTES = 24;
/** Default largest meta block accepted (64 KiB). */
export const DEFAULT_MAX_META_BYTES = 64 * 1024;
/** Default largest payload accepted (1 GiB). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 2 ** 30;

/**
 * One frame: a request, the response to the request with the same id, or
 * the cancellation of that request.
 */
export type Frame =
  | { kind: "request"; id: number; message: CommRequest }
  | { kind: "response"; id: number; message: CommResponse }
  | { kind: "cancel"; id: number };

/** Where frames are read from (a `Deno.Conn`, or a test double). */
export interface ByteSource {
  read(into: Uint8Array): Promise<number | null>;
}

/** Where frames are written to (a `Deno.Conn`, or a test double). */
export interface ByteSink {
  write(bytes: Uint8Array): Promise<number>;
}

const KIND_CODE = { request: 1, response: 2, cancel: 3 } as const;
const NO_PAYLOAD = new Uint8Array();

function payloadOf(frame: Frame): Uint8Array {
  return frame.kind === "cancel" ? NO_PAYLOAD : frame.message.payload;
}
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The head and meta block of `frame`, sized for its payload, which is sent
 * right after it.
 *
 * @example
 * ```ts
 * import { encodeHead } from "./wire.ts";
 * const head = encodeHead({
 *   kind: "request",
 *   id: 7,
 *   message: { target: "f", headers: {}, payload: new Uint8Array(3) },
 * });
 * console.log(head.byteLength); // 24 head bytes + the JSON meta
 * ```
 */
export function encodeHead(frame: Frame): Uint8Array {
  const meta = encoder.encode(JSON.stringify(
    frame.kind === "request"
      ? { target: frame.message.target, headers: frame.message.headers }
      : frame.kind === "response"
      ? { status: frame.message.status, headers: frame.message.headers }
      : { headers: {} },
  ));
  const payloadBytes = payloadOf(frame).byteLength;
  const head = new Uint8Array(FRAME_HEAD_BYTES + meta.byteLength);
  const view = new DataView(head.buffer);
  view.setUint32(0, FRAME_MAGIC);
  view.setUint8(4, FRAME_VERSION);
  view.setUint8(5, KIND_CODE[frame.kind]);
  view.setUint32(8, frame.id);
  view.setUint32(12, meta.byteLength);
  view.setUint32(16, Math.floor(payloadBytes / 2 ** 32));
  view.setUint32(20, payloadBytes >>> 0);
  head.set(meta, FRAME_HEAD_BYTES);
  return head;
}

/** Options of {@linkcode FrameReader}. */
export interface FrameReaderOptions {
  /** The peer at the other end, named in errors. */
  peer: string;
  /** Largest meta block accepted (default 64 KiB). */
  maxMetaBytes?: number;
  /** Largest payload accepted (default 1 GiB). */
  maxPayloadBytes?: number;
  /** Read buffer for heads and small frames (default 64 KiB). */
  bufferBytes?: number;
  /**
   * Where a payload of `bytes` bytes is read into (default: a new
   * `Uint8Array`); must return exactly that many bytes. Lets a receiver
   * read payloads into memory it recycles, or straight into a consumer's
   * input; the frame's payload is the returned view.
   */
  allocate?: (bytes: number) => Uint8Array;
}

/**
 * Reads frames from a byte stream, however the stream splits them: a frame
 * may come in many reads, a read may hold many frames. Heads and small
 * frames go through one reused read buffer; a payload is allocated once at
 * its declared length (see `allocate`) and the rest of it is read straight
 * into it, so no payload is buffered twice. A bad magic, version or kind, a meta block or
 * payload over the limits, or a malformed meta block throws a
 * `peer_protocol` {@linkcode PeerError}; a stream that ends inside a frame
 * throws `peer_unreachable`.
 *
 * @example
 * ```ts
 * import { encodeHead, FrameReader } from "./wire.ts";
 * const message = { target: "f", headers: {}, payload: new Uint8Array([1, 2]) };
 * const bytes = [encodeHead({ kind: "request", id: 1, message }), message.payload];
 * const source = {
 *   read(into: Uint8Array) {
 *     const next = bytes.shift();
 *     if (!next) return Promise.resolve(null);
 *     into.set(next);
 *     return Promise.resolve(next.byteLength);
 *   },
 * };
 * const reader = new FrameReader(source, { peer: "test" });
 * const frame = await reader.next();
 * if (frame?.kind === "request") console.log(frame.message.payload); // Uint8Array(2) [ 1, 2 ]
 * console.log(await reader.next()); // null
 * ```
 */
export class FrameReader {
  readonly #source: ByteSource;
  readonly #peer: string;
  readonly #maxMeta: number;
  readonly #maxPayload: number;
  readonly #buffer: Uint8Array;
  readonly #allocate: (bytes: number) => Uint8Array;
  #start = 0;
  #end = 0;

  constructor(source: ByteSource, options: FrameReaderOptions) {
    this.#source = source;
    this.#peer = options.peer;
    this.#maxMeta = options.maxMetaBytes ?? DEFAULT_MAX_META_BYTES;
    this.#maxPayload = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.#allocate = options.allocate ?? ((bytes) => new Uint8Array(bytes));
    this.#buffer = new Uint8Array(
      Math.max(
        options.bufferBytes ?? 64 * 1024,
        FRAME_HEAD_BYTES + this.#maxMeta,
      ),
    );
  }

  /** The next frame, or `null` when the stream ends between frames. */
  async next(): Promise<Frame | null> {
    if (!(await this.#fill(FRAME_HEAD_BYTES, true))) return null;
    const view = new DataView(
      this.#buffer.buffer,
      this.#start,
      FRAME_HEAD_BYTES,
    );
    const magic = view.getUint32(0);
    if (magic !== FRAME_MAGIC) {
      throw this.#protocol(`bad magic 0x${magic.toString(16)}`);
    }
    const version = view.getUint8(4);
    if (version !== FRAME_VERSION) {
      throw this.#protocol(`unsupported frame version ${version}`);
    }
    const kindCode = view.getUint8(5);
    if (
      kindCode !== KIND_CODE.request && kindCode !== KIND_CODE.response &&
      kindCode !== KIND_CODE.cancel
    ) {
      throw this.#protocol(`unknown frame kind ${kindCode}`);
    }
    const id = view.getUint32(8);
    const metaBytes = view.getUint32(12);
    if (metaBytes > this.#maxMeta) {
      throw this.#protocol(
        `meta block of ${metaBytes} bytes exceeds the limit of ${this.#maxMeta}`,
      );
    }
    const payloadBytes = view.getUint32(16) * 2 ** 32 + view.getUint32(20);
    if (payloadBytes > this.#maxPayload) {
      throw this.#protocol(
        `payload of ${payloadBytes} bytes exceeds the limit of ${this.#maxPayload}`,
      );
    }
    this.#start += FRAME_HEAD_BYTES;
    await this.#fill(metaBytes);
    const meta = this.#meta(metaBytes);
    this.#start += metaBytes;
    if (kindCode === KIND_CODE.cancel) {
      if (payloadBytes > 0) throw this.#protocol("cancel frame with a payload");
      return { kind: "cancel", id };
    }
    const payload = await this.#payload(payloadBytes);
    if (kindCode === KIND_CODE.request) {
      if (typeof meta.target !== "string") {
        throw this.#protocol("request meta has no string target");
      }
      return {
        kind: "request",
        id,
        message: {
          target: meta.target,
          headers: meta.headers as Record<string, string>,
          payload,
        },
      };
    }
    const status = meta.status;
    if (typeof status !== "number" || !Number.isInteger(status)) {
      throw this.#protocol("response meta has no integer status");
    }
    return {
      kind: "response",
      id,
      message: {
        status,
        headers: meta.headers as Record<string, string>,
        payload,
      },
    };
  }

  /** Makes `count` bytes available from `#start`; `false` at a clean end. */
  async #fill(count: number, atBoundary = false): Promise<boolean> {
    if (this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#end - this.#start >= count) return true;
    if (this.#start + count > this.#buffer.byteLength) {
      this.#buffer.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    while (this.#end - this.#start < count) {
      const n = await this.#source.read(this.#buffer.subarray(this.#end));
      if (n === null) {
        if (atBoundary && this.#end === this.#start) return false;
        throw this.#cut();
      }
      this.#end += n;
    }
    return true;
  }

  #meta(bytes: number): Record<string, unknown> {
    let meta: unknown;
    try {
      meta = JSON.parse(
        decoder.decode(this.#buffer.subarray(this.#start, this.#start + bytes)),
      );
    } catch (error) {
      throw this.#protocol(`meta block is not UTF-8 JSON: ${error}`);
    }
    if (typeof meta !== "object" || meta === null) {
      throw this.#protocol("meta block is not a JSON object");
    }
    const problem = headersProblem((meta as { headers?: unknown }).headers);
    if (problem) throw this.#protocol(`meta block: ${problem}`);
    return meta as Record<string, unknown>;
  }

  /** Allocates the payload once and fills it: buffered bytes, then reads. */
  async #payload(bytes: number): Promise<Uint8Array> {
    const payload = this.#allocate(bytes);
    if (payload.byteLength !== bytes) {
      throw new RangeError(
        `allocate(${bytes}) returned ${payload.byteLength} bytes`,
      );
    }
    const buffered = Math.min(bytes, this.#end - this.#start);
    payload.set(
      this.#buffer.subarray(this.#start, this.#start + buffered),
    );
    this.#start += buffered;
    let filled = buffered;
    while (filled < bytes) {
      const n = await this.#source.read(payload.subarray(filled));
      if (n === null) throw this.#cut();
      filled += n;
    }
    return payload;
  }

  #protocol(problem: string): PeerError {
    return new PeerError("peer_protocol", this.#peer, problem, {
      mode: "unix",
    });
  }

  #cut(): PeerError {
    return new PeerError(
      "peer_unreachable",
      this.#peer,
      "connection closed in the middle of a frame",
      { mode: "unix" },
    );
  }
}

/** Options of {@linkcode FrameWriter}. */
export interface FrameWriterOptions {
  /**
   * Frames up to this size (head, meta and payload) are copied into one
   * reused buffer, several at a time, and sent with one write; larger
   * payloads are written from the caller's bytes (default 64 KiB).
   */
  coalesceBytes?: number;
}

interface Queued {
  head: Uint8Array;
  payload: Uint8Array;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Writes frames to one connection, one after another, so that frames of
 * concurrent calls never interleave. Small frames queued together go out in
 * one write; a large payload is written straight from its own bytes, never
 * concatenated with its head. After a failed write, every later write
 * rejects with the same error.
 *
 * @example
 * ```ts
 * import { FrameWriter } from "./wire.ts";
 * const chunks: Uint8Array[] = [];
 * const sink = {
 *   write(bytes: Uint8Array) {
 *     chunks.push(bytes.slice());
 *     return Promise.resolve(bytes.byteLength);
 *   },
 * };
 * const writer = new FrameWriter(sink);
 * const message = { target: "f", headers: {}, payload: new Uint8Array(10) };
 * await Promise.all([
 *   writer.write({ kind: "request", id: 1, message }),
 *   writer.write({ kind: "request", id: 2, message }),
 * ]);
 * console.log(chunks.length); // 2: the first frame, then the queued one
 * ```
 */
export class FrameWriter {
  readonly #sink: ByteSink;
  readonly #scratch: Uint8Array;
  readonly #queue: Queued[] = [];
  #pumping = false;
  #failure: { error: unknown } | undefined;

  constructor(sink: ByteSink, options: FrameWriterOptions = {}) {
    this.#sink = sink;
    this.#scratch = new Uint8Array(options.coalesceBytes ?? 64 * 1024);
  }

  /** Resolves once the whole frame has been handed to the sink. */
  write(frame: Frame): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure.error);
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#queue.push({
      head: encodeHead(frame),
      payload: payloadOf(frame),
      resolve,
      reject,
    });
    if (!this.#pumping) this.#pump();
    return promise;
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    while (this.#queue.length > 0) {
      const batch = this.#take();
      try {
        if (batch.length === 1 && !this.#fits(batch[0], 0)) {
          await writeAll(this.#sink, batch[0].head);
          await writeAll(this.#sink, batch[0].payload);
        } else {
          let used = 0;
          for (const { head, payload } of batch) {
            this.#scratch.set(head, used);
            this.#scratch.set(payload, used + head.byteLength);
            used += head.byteLength + payload.byteLength;
          }
          await writeAll(this.#sink, this.#scratch.subarray(0, used));
        }
        for (const queued of batch) queued.resolve();
      } catch (error) {
        this.#failure = { error };
        for (const queued of [...batch, ...this.#queue.splice(0)]) {
          queued.reject(error);
        }
      }
    }
    this.#pumping = false;
  }

  /** The next frames to send together: one large frame, or small ones that fit the scratch buffer. */
  #take(): Queued[] {
    if (!this.#fits(this.#queue[0], 0)) return [this.#queue.shift()!];
    const batch: Queued[] = [];
    let used = 0;
    while (this.#queue.length > 0 && this.#fits(this.#queue[0], used)) {
      const next = this.#queue.shift()!;
      used += next.head.byteLength + next.payload.byteLength;
      batch.push(next);
    }
    return batch;
  }

  #fits(queued: Queued, used: number): boolean {
    return used + queued.head.byteLength + queued.payload.byteLength <=
      this.#scratch.byteLength;
  }
}

async function writeAll(sink: ByteSink, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.byteLength) {
    written += await sink.write(bytes.subarray(written));
  }
}
