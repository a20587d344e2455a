/**
 * Request bodies with a size cap, so that an oversized upload is refused as
 * soon as it is known to be too big, not after it is buffered.
 *
 * A route with a fixed cap (modules, manifests, workflow specs, state
 * values) uses Hono's `body-limit` through {@linkcode limitBody}. The
 * invocation inputs read with {@linkcode readBody} instead: their cap is the
 * function's own limit, their bytes are reserved from the node's memory
 * budget as they arrive (body-limit would buffer a streamed body before the
 * budget could refuse it, and the handler would copy it a second time), and
 * small bodies are read in one call on the hot path.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { concatBytes } from "../runtime/bytes.ts";
import { RequestError } from "../runtime/errors.ts";
import type { Reservation } from "../runtime/memory_budget.ts";

/**
 * A fixed cap of `limit` bytes on a route's request body (Hono's
 * `body-limit`: from Content-Length when given, else while streaming); past
 * it, a `RequestError` with `code` (413 in `api/status.ts`) naming `what`
 * was sent and the limit, followed by `hint` when given.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { limitBody } from "./body.ts";
 * import { failure } from "./failure.ts";
 * const app = new Hono()
 *   .post("/", limitBody(4, "value_too_large", "value"), (c) => c.text("ok"))
 *   .onError(failure);
 * const res = await app.request("/", { method: "POST", body: "too long" });
 * console.log(res.status, (await res.json()).error.code); // 413 value_too_large
 * ```
 */
export function limitBody(
  limit: number,
  code: string,
  what: string,
  hint = "",
): MiddlewareHandler {
  return bodyLimit({
    maxSize: limit,
    onError: async (c) => {
      // Refused unread: the client's upload stops here.
      await c.req.raw.body?.cancel().catch(() => {});
      const declared = c.req.header("content-length");
      const size = declared === undefined
        ? `more than ${limit}`
        : String(Number(declared));
      throw new RequestError(
        code,
        `${what} of ${size} bytes exceeds the limit of ${limit} bytes${hint}`,
        { limit },
      );
    },
  });
}

/**
 * The largest input the API reads for work it does not hand to one local
 * function (whose own `limits.maxInput` applies then): an invocation sent
 * on to a peer, a workflow run.
 */
const MAX_API_INPUT_BYTES = 1 << 30;

/**
 * {@linkcode readBody} up to {@linkcode MAX_API_INPUT_BYTES}; a larger
 * input is refused with 413 `input_too_large`, saying what takes it
 * (`taker`).
 *
 * @example
 * ```ts
 * import { readApiInput } from "./body.ts";
 * const request = new Request("http://x", {
 *   method: "POST",
 *   headers: { "content-length": String(2 ** 31) },
 *   body: "never whole",
 * });
 * await readApiInput(request, "a workflow run").catch((e) => console.log(e.message));
 * // input of 2147483648 bytes exceeds the 1073741824 bytes a workflow run takes
 * ```
 */
export function readApiInput(
  request: Request,
  taker: string,
  reservation?: Reservation,
): Promise<Uint8Array<ArrayBuffer>> {
  return readBody(
    request,
    MAX_API_INPUT_BYTES,
    (size) =>
      new RequestError(
        "input_too_large",
        `input of ${size} bytes exceeds the ${MAX_API_INPUT_BYTES} bytes ${taker} takes`,
      ),
    reservation,
  );
}

/**
 * Declared bodies up to this size are read in one go, which costs a small
 * request less than iterating the body stream.
 */
const WHOLE_BODY_BYTES = 64 << 10;

/**
 * Reads the whole body of `request`, throwing `tooLarge(size)` as soon as it
 * exceeds `limit` bytes (from Content-Length when given, else while
 * streaming). With `reservation`, the bytes are reserved from the node's
 * budget first (all of Content-Length up front, else chunk by chunk as they
 * arrive), with room left for an output of the same size; a body the budget
 * cannot take throws `MemoryBudgetError` (503) before it is buffered. The caller releases the reservation.
 *
 * @example
 * ```ts
 * import { readBody } from "./body.ts";
 * const bytes = await readBody(new Request("http://x", { method: "POST", body: "hi" }), 10, () => new Error("too big"));
 * console.log(bytes.length); // 2
 * ```
 */
export async function readBody(
  request: Request,
  limit: number,
  tooLarge: (size: number) => Error,
  reservation?: Reservation,
): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > limit) {
    await request.body?.cancel();
    throw tooLarge(declared);
  }
  if (!request.body) return new Uint8Array();
  const body = request.body;
  if (Number.isFinite(declared)) {
    const refused = reserve(body, declared, reservation);
    if (refused) await refused;
    if (declared <= WHOLE_BODY_BYTES) {
      // One read of the whole body: no stream reader per chunk.
      const out = new Uint8Array(await request.arrayBuffer());
      if (out.byteLength > declared) throw tooLarge(out.byteLength);
      return out;
    }
    // Copied chunk by chunk into one buffer: a big body costs no second
    // copy, and its pages are touched a chunk at a time between other
    // requests rather than in one long block of the event loop.
    const out = new Uint8Array(declared);
    let size = 0;
    for await (const chunk of body) {
      if (size + chunk.byteLength > declared) {
        await body.cancel().catch(() => {});
        throw tooLarge(size + chunk.byteLength);
      }
      out.set(chunk, size);
      size += chunk.byteLength;
    }
    return size === declared ? out : out.subarray(0, size);
  }
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) {
      await body.cancel().catch(() => {});
      throw tooLarge(size);
    }
    await reserve(body, chunk.byteLength, reservation);
    chunks.push(chunk);
  }
  if (chunks.length === 1) return chunks[0];
  // Joining holds the chunks and their copy at once, for a moment.
  reservation?.grow(size);
  const out = concatBytes(chunks);
  chunks.length = 0;
  reservation?.shrink(size);
  return out;
}

/**
 * Reserves `bytes` of `body` from `reservation`. When the budget cannot
 * take them, the body is cancelled and the returned promise rejects with
 * the budget's error; otherwise nothing is returned (no promise per
 * request on the hot path).
 */
function reserve(
  body: ReadableStream<Uint8Array>,
  bytes: number,
  reservation?: Reservation,
): Promise<never> | undefined {
  try {
    reservation?.growInput(bytes);
    return undefined;
  } catch (error) {
    return body.cancel().catch(() => {}).then(() => {
      throw error;
    });
  }
}
