/**
 * The comm layer: moves requests and their responses between nodes by the
 * cheapest path their locality allows (CWASI's three modes): in memory on
 * the same node, over a Unix socket on the same host, over HTTP/2 between
 * hosts.
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
  serveUnix,
  type UnixServer,
  type UnixServerOptions,
  UnixTransport,
  type UnixTransportOptions,
} from "./unix.ts";
export {
  DEFAULT_MAX_PAYLOAD_BYTES,
  type Frame,
  FrameReader,
  type FrameReaderOptions,
  FrameWriter,
  type FrameWriterOptions,
} from "./wire.ts";
