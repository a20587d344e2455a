/**
 * Invocations between nodes: the handler that runs what peers send, and the
 * forwarding of an invocation to the nearest peer that runs the function,
 * over the transport locality picks (Unix socket on the same host, HTTP/2
 * otherwise).
 *
 * @module
 */
import { statusOf } from "../api/status.ts";
import { timingSafeEqual } from "hono/utils/buffer";
import {
  type CallOptions,
  chooseMode,
  type CommHandler,
  type CommRequest,
  type CommResponse,
  errorResponse,
  forcedModeProblem,
  Http2Transport,
  type Locality,
  MemoryTransport,
  type Mode,
  ReceiveBuffers,
  type Transport,
  UnixTransport,
} from "../comm/mod.ts";
import { EddyError, NotFoundError, RequestError } from "../runtime/errors.ts";
import { LIMIT_MAXIMUMS } from "../runtime/manifest/mod.ts";
import type { CallChain, Invoke } from "./invocation.ts";
import type { NodeInfo, Peer, PeerTable } from "./peers.ts";
import { Workflows } from "./workflows.ts";

/** Request headers of an invocation carried over comm. */
const ARGS = "args";
const TOKEN = "token";
/**
 * A guest call's place in its chain: its depth, the chain's depth limit,
 * and the milliseconds left to the caller's deadline (relative, so that
 * clocks of two hosts need not agree).
 */
const CALL_DEPTH = "call-depth";
const CALL_MAX_DEPTH = "call-max-depth";
const DEADLINE_MS = "deadline-ms";
/** Response headers: what the API returns as `x-eddy-*`. */
export const RESULT_HEADERS = ["exit-code", "duration-ms", "node"] as const;

/** Options of {@linkcode RemoteInvoker}. */
export interface RemoteInvokerOptions {
  /** Shared cluster token: sent to peers, required from them. */
  token?: string;
  /** How long a forwarded invocation may take, in ms (default 60 000). */
  timeoutMs?: number;
  /** CA certificate(s) that sign peers' TLS certificates (`--tls-ca`). */
  ca?: string | string[];
}

/** What {@linkcode RemoteInvoker} needs of its node. */
export interface RemoteParts {
  id: string;
  locality: Locality;
  peers: PeerTable;
  /** What the node tells peers about itself. */
  info(): NodeInfo;
  /** Runs a function here. */
  invoke: Invoke;
  /** Handles a workflow message (see `Workflows.handles`). */
  workflow(request: CommRequest): Promise<CommResponse>;
}

/** Per-call options of {@linkcode RemoteInvoker.forward}. */
export interface ForwardOptions {
  /** Set for a guest call: its place in its chain, sent with it. */
  chain?: CallChain;
  /** Aborts the call; the peer stops the invocation when it learns. */
  signal?: AbortSignal;
}

/** An invocation answered by a peer. */
export interface RemoteInvocation {
  peer: Peer;
  mode: Mode;
  response: CommResponse;
}

/**
 * Serves and sends invocations between nodes.
 *
 * @example
 * ```ts ignore
 * const remote = new RemoteInvoker(parts, { token });
 * await serveUnix(socketPath, remote.handler, { allocate: remote.receiveBuffers.take });
 * const { peer, mode, response } = await remote.forward("resize", input, []);
 * ```
 */
export class RemoteInvoker {
  /**
   * Where the node's Unix socket reads payloads (`serveUnix`'s
   * `allocate`); workflows give back what they are done with.
   */
  readonly receiveBuffers: ReceiveBuffers = new ReceiveBuffers();
  readonly #node: RemoteParts;
  readonly #token?: string;
  readonly #transports: {
    memory: MemoryTransport;
    unix: Transport;
    http2: Transport;
  };
  readonly #timeoutMs: number;

  constructor(node: RemoteParts, options: RemoteInvokerOptions = {}) {
    this.#node = node;
    this.#token = options.token || undefined;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#transports = {
      memory: new MemoryTransport({ timeoutMs: this.#timeoutMs }),
      unix: new UnixTransport({ timeoutMs: this.#timeoutMs }),
      http2: new Http2Transport({ timeoutMs: this.#timeoutMs, ca: options.ca }),
    };
    // What this node sends itself goes through the same handler as what
    // peers send, in memory.
    this.#transports.memory.register(node.id, this.handler);
  }

  /**
   * Runs an invocation a peer sent: `target` is the function, the payload
   * its stdin. It runs here or fails: a forwarded call is never forwarded
   * again, so routing cannot loop. A guest call brings its chain; when
   * `signal` aborts (the caller reset its stream or sent a cancel frame)
   * the invocation is cancelled.
   */
  readonly handler: CommHandler = async (request, signal) => {
    try {
      await this.#authorize(request.headers[TOKEN]);
      if (Workflows.handles(request.target)) {
        return await this.#node.workflow(request);
      }
      const args = request.headers[ARGS]
        ? JSON.parse(request.headers[ARGS])
        : [];
      const chain = chainOf(request.headers);
      const result = await this.#node.invoke(request.target, request.payload, {
        args,
        signal,
        ...(chain ? { chain } : {}),
      });
      // The run has read its input: a receive buffer serves the next one.
      this.receiveBuffers.give(request.payload);
      return {
        status: 200,
        headers: {
          "exit-code": String(result.exitCode),
          "duration-ms": result.durationMs.toFixed(3),
          node: this.#node.id,
        },
        payload: result.stdout,
      };
    } catch (error) {
      return errorResponse(error, statusOf(error));
    }
  };

  /**
   * Sends an invocation of `fn` to the nearest peer that runs it. Throws
   * {@linkcode NotFoundError} when no peer does, and the transport's
   * `PeerError` (naming the peer) when it cannot be reached in time; an
   * aborted call rejects with the signal's reason.
   */
  async forward(
    fn: string,
    input: Uint8Array,
    args: string[],
    options: ForwardOptions = {},
  ): Promise<RemoteInvocation> {
    const peer = this.#node.peers.nearest(fn);
    if (!peer?.info) throw this.#node.peers.missing(fn);
    const mode = chooseMode(this.#node.locality, peer.info.locality);
    const { transport, endpoint } = this.#route(peer.info, mode);
    const response = await transport.call(
      endpoint,
      this.#signed({
        target: fn,
        headers: headersOf(args, options),
        payload: input,
      }),
      { signal: options.signal },
    );
    return { peer, mode: transport.mode, response };
  }

  /**
   * Runs `fn` on this node the way a peer's call runs, through the memory
   * transport: `input` is handed over, not copied (do not use it after).
   */
  invokeHere(
    fn: string,
    input: Uint8Array,
    options: ForwardOptions = {},
  ): Promise<CommResponse> {
    return this.#transports.memory.call(
      this.#node.id,
      this.#signed({
        target: fn,
        headers: headersOf([], options),
        payload: input,
      }),
      { signal: options.signal, transfer: true },
    );
  }

  /**
   * Sends `request` to node `nodeId` (this node or a peer) by `mode`, or by
   * the mode locality allows; `options.transfer` hands the payload over
   * (memory mode). Throws {@linkcode NotFoundError} for a node that is not
   * a known, live peer.
   */
  send(
    nodeId: string,
    mode: Mode | undefined,
    request: CommRequest,
    options: CallOptions = {},
  ): Promise<CommResponse> {
    if (nodeId === this.#node.id && (mode ?? "memory") === "memory") {
      // The hot case of a workflow's edges: no node description needed.
      return this.#transports.memory.call(
        nodeId,
        this.#signed(request),
        options,
      );
    }
    const self = this.#node.info();
    const target = nodeId === self.id
      ? self
      : this.#node.peers.list().find((p) => p.up && p.info?.id === nodeId)
        ?.info;
    if (!target) {
      const down = this.#node.peers.list().find((p) => p.info?.id === nodeId);
      return Promise.reject(
        down
          ? new EddyError(
            "node_unavailable",
            `node '${nodeId}' is down (${down.lastError ?? "no answer"})`,
            { nodes: [nodeId] },
          )
          : new NotFoundError("node", nodeId),
      );
    }
    try {
      const { transport, endpoint } = this.#route(
        target,
        mode ?? chooseMode(self.locality, target.locality),
      );
      return transport.call(endpoint, this.#signed(request), options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The transport and endpoint for `mode` to `node`: this node's memory
   * transport, its Unix socket, its TLS comm endpoint when it has one, else
   * h2c on its API port. A mode locality does not allow is refused
   * (`mode_unavailable`), never silently changed.
   */
  #route(
    node: NodeInfo,
    mode: Mode,
  ): { transport: Transport; endpoint: string } {
    const problem = forcedModeProblem(mode, this.#node.locality, node.locality);
    if (problem) {
      throw new EddyError("mode_unavailable", problem, {
        mode,
        node: node.id,
      });
    }
    if (mode === "memory") {
      return { transport: this.#transports.memory, endpoint: node.id };
    }
    if (mode === "unix" && node.endpoints.unix) {
      return {
        transport: this.#transports.unix,
        endpoint: node.endpoints.unix,
      };
    }
    return {
      transport: this.#transports.http2,
      endpoint: `${node.endpoints.https ?? node.endpoints.http}/comm`,
    };
  }

  #signed(request: CommRequest): CommRequest {
    if (!this.#token) return request;
    return {
      ...request,
      headers: {
        ...request.headers,
        [TOKEN]: this.#token,
      },
    };
  }

  /** Closes the connections to peers. */
  async close(): Promise<void> {
    await Promise.all(Object.values(this.#transports).map((t) => t.close()));
  }

  async #authorize(given: string | undefined): Promise<void> {
    if (!this.#token) return;
    if (!await timingSafeEqual(given ?? "", this.#token)) {
      throw new RequestError(
        "unauthorized",
        "the peer's cluster token is not valid",
      );
    }
  }
}

/**
 * The chain a peer's guest call came with, or `undefined` for a plain
 * invocation; values out of range are refused (400), never trusted.
 */
function chainOf(headers: Record<string, string>): CallChain | undefined {
  if (headers[CALL_DEPTH] === undefined) return undefined;
  const depth = Number(headers[CALL_DEPTH]);
  const maxDepth = Number(headers[CALL_MAX_DEPTH]);
  const left = Number(headers[DEADLINE_MS]);
  const max = LIMIT_MAXIMUMS.callDepth;
  if (
    !Number.isInteger(depth) || !Number.isInteger(maxDepth) ||
    depth < 1 || maxDepth > max || depth > maxDepth ||
    !Number.isInteger(left) || left < 0 || left > LIMIT_MAXIMUMS.timeoutMs
  ) {
    throw new RequestError(
      "bad_call_chain",
      `a guest call's chain must have ${CALL_DEPTH} 1..${CALL_MAX_DEPTH} (at most ${max}) and ${DEADLINE_MS} 0..${LIMIT_MAXIMUMS.timeoutMs}; got ${
        JSON.stringify([
          headers[CALL_DEPTH],
          headers[CALL_MAX_DEPTH],
          headers[DEADLINE_MS],
        ])
      }`,
    );
  }
  return { depth, maxDepth, deadline: Date.now() + left };
}

/** The comm headers of an invocation: its args, and its chain if a guest call. */
function headersOf(
  args: string[],
  { chain }: ForwardOptions,
): Record<string, string> {
  const headers: Record<string, string> = { [ARGS]: JSON.stringify(args) };
  if (chain) {
    headers[CALL_DEPTH] = String(chain.depth);
    headers[CALL_MAX_DEPTH] = String(chain.maxDepth);
    headers[DEADLINE_MS] = String(
      Math.max(0, Math.round(chain.deadline - Date.now())),
    );
  }
  return headers;
}
