/**
 * Invocation: the request body is the function's stdin, its stdout is the
 * response body. Plain Hono, documented in `api/openapi/plain_routes.ts`.
 *
 * @module
 */
import { Hono } from "hono";
import type { EddyNode } from "../../node/node.ts";
import { inputTooLarge, isOwnLimit } from "../../node/invoker.ts";
import { RESULT_HEADERS } from "../../node/remote.ts";
import { InvocationError } from "../../runtime/errors.ts";
import { Reservation } from "../../runtime/memory_budget.ts";
import type { Deployment } from "../../runtime/registry.ts";
import { isSpareSized } from "../../runtime/wasi/stdio.ts";
import { readApiInput, readBody } from "../body.ts";
import { answersAtOnce, refuseInRound } from "../refusal_pace.ts";

/** Outputs larger than this are streamed in pieces of this size. */
const STREAM_PIECE_BYTES = 1 << 20;

/**
 * `POST /invoke/:name[?arg=A&arg=B]`: `arg` query parameters are appended to
 * the function's argv after its deployed args. A function this node does
 * not run goes to the nearest peer that does (`x-eddy-via`: `unix` or
 * `http2`; `local` when it ran here). The calls a guest made to other
 * functions are listed in `x-eddy-calls` (JSON: function, node, mode,
 * status, bytes and milliseconds of each). The exit code, duration (ms) and node id come back in
 * `x-eddy-exit-code`, `x-eddy-duration-ms` and `x-eddy-node`; a failed run
 * answers a JSON error (500 trap or exit, 504 timeout, 413 input or output
 * too large, 503 overloaded, 499 cancelled) with the function's stderr
 * tail. A client that goes away cancels its invocation, here or on the
 * peer running it, and the calls its guest made. Inputs and outputs draw on
 * the node's memory budget (`--max-buffered`) until the response is sent:
 * past it, 503 `memory_budget` with `Retry-After`.
 *
 * @example
 * ```ts ignore
 * app.route("/invoke", invokeRoutes(node));
 * // curl --data-binary @in.txt http://127.0.0.1:8080/invoke/echo
 * ```
 */
export function invokeRoutes(node: EddyNode): Hono {
  return new Hono().post(
    "/:name",
    (c) =>
      answerInvocation(
        node,
        c.req.param("name"),
        c.req.raw,
        c.req.queries("arg") ?? [],
        serveInfo(c.env),
      ),
  );
}

/**
 * `Deno.serve`'s handler info when `env` is it (its `completed` says when
 * the response has been sent); `undefined` for a request from elsewhere
 * (`app.request` in tests, say). Looking does not make Deno create the
 * `completed` promise, which it does only once it is read.
 *
 * @example
 * ```ts
 * import { serveInfo } from "./invoke.ts";
 * console.log(serveInfo(undefined)); // undefined
 * ```
 */
export function serveInfo(env: unknown): Deno.ServeHandlerInfo | undefined {
  return typeof env === "object" && env !== null && "completed" in env
    ? env as Deno.ServeHandlerInfo
    : undefined;
}

/**
 * Runs `name` here with `request`'s body as stdin, or sends it to the
 * nearest peer that runs it, and answers as {@linkcode invokeRoutes}
 * describes (errors are thrown, for the caller's error handler). A
 * refusal is made before the body is read (a flood's inputs are never
 * buffered): one for the node's load is thrown at once, with no promise
 * made for it; one of a function at its own `limits.concurrency` rejects
 * at the next round of `refuseInRound` (see `api/refusal_pace.ts`). Every
 * other error rejects the promise. Once `info` says the response is out (see
 * {@linkcode serveInfo}), a large output's buffer goes back to the
 * executors for later outputs.
 *
 * @example
 * ```ts ignore
 * const response = await answerInvocation(node, "echo", request, []);
 * ```
 */
export function answerInvocation(
  node: EddyNode,
  name: string,
  request: Request,
  args: string[],
  info?: Deno.ServeHandlerInfo,
): Promise<Response> {
  const fn = node.registry.get(name);
  if (!fn) return forward(node, name, request, args);
  const refusal = node.refusal(name);
  if (refusal) {
    if (isOwnLimit(refusal) || !answersAtOnce(name)) {
      return refuseInRound(refusal);
    }
    throw refusal;
  }
  return run(node, fn, request, args, info);
}

/** {@linkcode answerInvocation} of `fn`, deployed here and admitted. */
async function run(
  node: EddyNode,
  fn: Deployment,
  request: Request,
  args: string[],
  info: Deno.ServeHandlerInfo | undefined,
): Promise<Response> {
  const reservation = new Reservation(node.budget);
  let result;
  try {
    // Not body-limit: the cap is this function's own, and the bytes must
    // enter the budget reservation as they arrive (see api/body.ts).
    const input = await readBody(
      request,
      fn.limits.maxInputBytes,
      (size) => inputTooLarge(fn, size),
      reservation,
    );
    result = await node.invoke(fn.name, input, {
      args,
      reservation,
      // Asked for only by a run still out after a few ms: a request's
      // signal costs Deno an async op and an abort event.
      signal: () => request.signal,
    });
  } catch (error) {
    reservation.release();
    throw error;
  }
  // Pairs, not a record: Deno converts a record through WebIDL's generic
  // record conversion, ~5 µs more for these five (measured on a bare
  // Deno.serve echo: 21.5k against 19.4k req/s).
  const headers: [string, string][] = [
    ["content-type", "application/octet-stream"],
    ["x-eddy-exit-code", String(result.exitCode)],
    ["x-eddy-duration-ms", result.durationMs.toFixed(3)],
    ["x-eddy-node", node.id],
    ["x-eddy-via", "local"],
  ];
  if (result.calls) {
    headers.push(["x-eddy-calls", JSON.stringify(result.calls)]);
  }
  const output = result.stdout;
  // Only an output worth keeping waits for its response (reading
  // `completed` costs Deno a promise per request); one not sent whole may
  // still be written, so it is kept.
  if (info && isSpareSized(output.buffer)) {
    info.completed.then(() => node.recycle(output), () => {});
  }
  return new Response(body(output, reservation), { headers });
}

/**
 * The response body for `output`: the bytes themselves when small (the
 * budget is released now), else a stream of views on them, without a copy,
 * that releases the budget once the last piece is taken or the client
 * goes away.
 */
function body(
  output: Uint8Array<ArrayBuffer>,
  reservation: Reservation,
): Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array> {
  if (output.byteLength <= STREAM_PIECE_BYTES) {
    reservation.release();
    return output;
  }
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const end = Math.min(offset + STREAM_PIECE_BYTES, output.byteLength);
      controller.enqueue(output.subarray(offset, end));
      offset = end;
      if (offset === output.byteLength) {
        controller.close();
        reservation.release();
      }
    },
    cancel: () => reservation.release(),
  }, { highWaterMark: 0 });
}

/**
 * Sends an invocation of a function this node does not run to the nearest
 * peer that does; its answer, errors included, is relayed as it came.
 */
async function forward(
  node: EddyNode,
  name: string,
  request: Request,
  args: string[],
): Promise<Response> {
  if (!node.peers.nearest(name)) throw node.peers.missing(name);
  const { signal } = request;
  const reservation = new Reservation(node.budget);
  let forwarded;
  try {
    // Not body-limit: the bytes enter the budget reservation as they arrive.
    const input = await readApiInput(
      request,
      "an invocation sent on to a peer",
      reservation,
    );
    forwarded = await node.remote.forward(name, input, args, { signal })
      .catch((error) => {
        if (!signal.aborted) throw error;
        throw new InvocationError(name, "cancelled", "its client went away");
      });
  } finally {
    reservation.release();
  }
  const { peer, mode, response } = forwarded;
  const headers = new Headers({
    "content-type": response.headers["content-type"] ??
      "application/octet-stream",
    "x-eddy-via": mode,
  });
  for (const key of RESULT_HEADERS) {
    if (response.headers[key]) {
      headers.set(`x-eddy-${key}`, response.headers[key]);
    }
  }
  if (!headers.has("x-eddy-node")) headers.set("x-eddy-node", peer.info!.id);
  return new Response(response.payload as Uint8Array<ArrayBuffer>, {
    status: response.status,
    headers,
  });
}
