/**
 * The comm layer: moves requests and their responses between nodes by the
 * cheapest path their locality allows (CWASI's three modes). Used to route
 * an invocation to another node and to push a workflow step's output to
 * the node of its consumer.
 *
 * - {@linkcode chooseMode} picks the mode from two {@linkcode Locality}s:
 *   the same node talks in `memory`, nodes of one host over `unix`
 *   sockets, others over `http2`; {@linkcode forcedModeProblem} says why a
 *   mode forced by configuration cannot work.
 * - Every mode is a {@linkcode Transport}: `call(endpoint, request)`
 *   resolves with the peer handler's {@linkcode CommResponse}, whatever its
 *   status, and rejects with a {@linkcode PeerError} naming the endpoint
 *   when the peer is unreachable (502), too slow (504) or breaks the
 *   protocol (502). A handler that throws becomes an error response in
 *   every mode (see {@linkcode respond}).
 * - Endpoints: a node id for {@linkcode MemoryTransport}, a socket path for
 *   {@linkcode UnixTransport} (served by {@linkcode serveUnix}), a URL for
 *   {@linkcode Http2Transport} (served by {@linkcode http2Handler} mounted
 *   on the node's `Deno.serve` for h2c, or {@linkcode serveHttp2}, which
 *   also does TLS).
 * - Payloads: the consumer owns what it receives, in a buffer of exactly
 *   the payload's size (read straight from the socket in unix mode). In
 *   memory mode the producer's buffer itself is handed over when the
 *   producer transfers it, and copied otherwise: {@linkcode handOver} says
 *   which of several consumers of one payload takes it (copies only for
 *   fan-out), {@linkcode transferable} how a payload crosses to another
 *   isolate (on a transfer list, copied only when it is a view of a bigger
 *   buffer). The producer must not change a payload until its call settles.
 *   A Unix server may read payloads into {@linkcode ReceiveBuffers}
 *   (shared memory, so they reach a worker without moving) that their
 *   owners give back when done with them.
 *
 * @example
 * ```ts
 * import { chooseMode, MemoryTransport } from "./mod.ts";
 * const here = { nodeId: "n1", hostId: "h1" };
 * console.log(chooseMode(here, here)); // memory
 * const comm = new MemoryTransport();
 * comm.register(here.nodeId, (req) =>
 *   Promise.resolve({ status: 200, headers: {}, payload: req.payload }));
 * const res = await comm.call(here.nodeId, {
 *   target: "step-2",
 *   headers: {},
 *   payload: new Uint8Array(8),
 * });
 * console.log(res.status); // 200
 * ```
 *
 * @module
 */
export { type Deadline, withDeadline } from "./deadline.ts";
export { handOver, transferable } from "./hand_over.ts";
export {
  PayloadTooLargeError,
  PeerError,
  type PeerErrorCode,
} from "./errors.ts";
export { Http2Transport, type Http2TransportOptions } from "./http2.ts";
export {
  http2Handler,
  type Http2HandlerOptions,
  type Http2Server,
  type Http2ServerOptions,
  serveHttp2,
} from "./http2_server.ts";
export { defaultHostId, type Locality } from "./locality.ts";
export { MemoryTransport, type MemoryTransportOptions } from "./memory.ts";
export {
  type CallOptions,
  type CommHandler,
  type CommRequest,
  type CommResponse,
  errorResponse,
  respond,
  type Transport,
} from "./message.ts";
export {
  chooseMode,
  forcedModeProblem,
  isMode,
  type Mode,
  MODES,
} from "./mode.ts";
export {
  ReceiveBuffers,
  type ReceiveBuffersOptions,
} from "./receive_buffers.ts";
export { UnixTransport, type UnixTransportOptions } from "./unix.ts";
export {
  serveUnix,
  type UnixServer,
  type UnixServerOptions,
} from "./unix_server.ts";
export {
  DEFAULT_MAX_PAYLOAD_BYTES,
  type Frame,
  FrameReader,
  type FrameReaderOptions,
  FrameWriter,
  type FrameWriterOptions,
} from "./wire.ts";
