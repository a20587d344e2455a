/**
 * A node: one eddy process's deployments, executors and metrics. The API and
 * the CLI drive it; embedders can too (see mod.ts).
 *
 * @module
 */
import { statusOf } from "../api/status.ts";
import { hostname, totalmem } from "node:os";
import { join } from "node:path";
import {
  type CommResponse,
  defaultHostId,
  errorResponse,
  type Locality,
} from "../comm/mod.ts";
import { InvocationError } from "../runtime/errors.ts";
import type { CallOrigin, CallReply } from "../runtime/executor/mod.ts";
// Not through executor/mod.ts: its in-process runner would load the WASI
// host into the main isolate, which runs no guest (~20 ms of every start).
import { cacheExecutorWorker } from "../runtime/executor/worker_url.ts";
import {
  type FunctionOptions,
  type FunctionSpec,
  functionSpec,
  type Limits,
} from "../runtime/manifest/mod.ts";
import { MemoryBudget } from "../runtime/memory_budget.ts";
import { type Deployment, Registry } from "../runtime/registry.ts";
import { defaultCompiledBudget, digestOf } from "../runtime/module/mod.ts";
import { LazyExecutorPool } from "./lazy_pool.ts";
import { Invoker, moduleKey } from "./invoker.ts";
import { compiledModuleGauges, Metrics } from "./metrics.ts";
import { type NodeInfo, PeerTable } from "./peers.ts";
import { RemoteInvoker } from "./remote.ts";
import { Workflows } from "./workflows.ts";
import { NodeState } from "./state.ts";
import type { StoreConfig } from "../state/store.ts";
import { VERSION } from "../version.ts";
import type {
  GroupedFunction,
  GroupedInvocation,
  GroupOptions,
  Invocation,
  InvokeOptions,
} from "./invocation.ts";

export type {
  CallChain,
  Invocation,
  Invoke,
  InvokeOptions,
} from "./invocation.ts";

/** Options of {@linkcode EddyNode.start}. */
export interface NodeOptions {
  /** Where modules and deployments persist. */
  dataDir: string;
  /** Executor workers; defaults to one per core. */
  workers?: number;
  /** Node id shown by the API; defaults to the host name. */
  nodeId?: string;
  /** Host id: nodes with the same one talk over Unix sockets; defaults to the machine's. */
  hostId?: string;
  zone?: string;
  region?: string;
  /** Labels workflows can place steps by. */
  labels?: Record<string, string>;
  /** Bearer token this node sends to its peers. */
  token?: string;
  /** How often peers are polled (ms). */
  peerIntervalMs?: number;
  /** How long an invocation forwarded to a peer may take (ms). */
  remoteTimeoutMs?: number;
  /** CA certificate(s) that sign peers' TLS certificates. */
  tlsCa?: string;
  /** Invocations waiting for an executor beyond this are refused (503). */
  maxQueued?: number;
  /**
   * Invocations expected to wait for an executor longer than this (ms) are
   * refused at once (503 `overloaded`); each is bounded by its own timeout
   * regardless (`--max-queue-wait`).
   */
  maxQueueWaitMs?: number;
  /** Where function state lives; default: embedded, in `<dataDir>/state`. */
  state?: StoreConfig;
  /**
   * Bytes of request bodies and guest outputs held at once, node-wide;
   * beyond it requests get 503 `memory_budget`. Defaults to
   * {@linkcode defaultMaxBuffered}.
   */
  maxBufferedBytes?: number;
  /**
   * Density: estimated bytes of compiled modules kept per isolate (the
   * main one and each executor worker), least recently used dropped past
   * it (`--memory-budget`). Defaults to `defaultCompiledBudget()`.
   */
  compiledBudgetBytes?: number;
}

/**
 * The default `maxBufferedBytes`: a quarter of the machine's memory.
 *
 * @example
 * ```ts
 * import { defaultMaxBuffered } from "./node.ts";
 * console.log(defaultMaxBuffered() > 0); // true
 * ```
 */
export function defaultMaxBuffered(): number {
  return Math.floor(totalmem() / 4);
}

/**
 * One eddy node.
 *
 * @example
 * ```ts
 * import { EddyNode } from "./node.ts";
 * const tmp = await Deno.makeTempDir();
 * const node = await EddyNode.start({ dataDir: tmp });
 * await node.deployModule("echo", await Deno.readFile("examples/echo/echo.wasm"));
 * const out = await node.invoke("echo", new TextEncoder().encode("hi"));
 * console.log(new TextDecoder().decode(out.stdout)); // "hi"
 * await node.close();
 * await Deno.remove(tmp, { recursive: true });
 * ```
 */
export class EddyNode {
  readonly id: string;
  readonly locality: Locality;
  readonly labels: Record<string, string>;
  readonly registry: Registry;
  readonly metrics = new Metrics();
  /** Bytes buffered for requests, node-wide (`--max-buffered`). */
  readonly budget: MemoryBudget;
  readonly peers: PeerTable;
  /** Invocations to and from peers. */
  readonly remote: RemoteInvoker;
  #workflows: Workflows | undefined;
  readonly startedAt = new Date();
  /** Modules no deployment used, deleted when this node started. */
  sweptModules = 0;
  /** Where peers reach this node; set by whoever serves it. */
  endpoints: NodeInfo["endpoints"] = { http: "" };
  readonly #pool: LazyExecutorPool;
  readonly #invoker: Invoker;
  /** Function state: the store, what runs get, its metrics. */
  readonly state: NodeState;

  private constructor(
    options: NodeOptions,
    registry: Registry,
    pool: LazyExecutorPool,
    budget: MemoryBudget,
    state: NodeState,
  ) {
    this.budget = budget;
    this.state = state;
    this.id = options.nodeId ?? hostname();
    this.locality = {
      nodeId: this.id,
      hostId: options.hostId ?? defaultHostId(),
      ...(options.zone ? { zone: options.zone } : {}),
      ...(options.region ? { region: options.region } : {}),
    };
    this.labels = options.labels ?? {};
    this.registry = registry;
    this.#pool = pool;
    this.#invoker = new Invoker({
      registry,
      pool,
      metrics: this.metrics,
      budget,
      state,
    });
    this.peers = new PeerTable(() => this.info(), {
      token: options.token,
      intervalMs: options.peerIntervalMs,
    });
    this.remote = new RemoteInvoker({
      id: this.id,
      locality: this.locality,
      peers: this.peers,
      info: () => this.info(),
      invoke: (name, input, options) => this.invoke(name, input, options),
      workflow: (request) => this.workflows.handle(request),
    }, {
      token: options.token,
      timeoutMs: options.remoteTimeoutMs,
      ca: options.tlsCa,
    });
    this.metrics.addGauges(() => {
      const stats = pool.stats();
      return {
        eddy_functions_deployed: {
          help: "Functions deployed on this node.",
          value: registry.list().length,
        },
        eddy_executor_workers: {
          help: "Executor workers.",
          value: stats.workers,
        },
        eddy_executor_running: {
          help: "Invocations running or sent to a worker.",
          value: stats.running,
        },
        eddy_executor_queued: {
          help: "Invocations waiting for a worker.",
          value: stats.queued,
        },
        eddy_executor_restarts: {
          help: "Workers replaced after a timeout or crash since start.",
          value: stats.restarts,
        },
        eddy_executor_starved_lifts: {
          help:
            "Times a worker running long work in the background got almost no core for 100 ms and was lifted back, since start: other work kept every core busy.",
          value: stats.starvedLifts,
        },
        eddy_buffered_bytes: {
          help: "Bytes of request bodies and outputs held (--max-buffered).",
          value: budget.reserved,
        },
        eddy_executor_modules: {
          help: "Compiled modules held by executor workers, over all of them.",
          value: stats.modules,
        },
        eddy_executor_warm_instances: {
          help:
            "Instances executor workers keep between runs, put back to their first state after each (resettable modules).",
          value: stats.warm,
        },
        eddy_executor_warm_bytes: {
          help:
            "Memory of the instances executor workers keep warm, between runs (bytes).",
          value: stats.warmBytes,
        },
        eddy_modules_compiled: {
          help: "Compiled modules cached in the node's main isolate.",
          value: registry.modules.compiledCount,
        },
      };
    });
    this.metrics.addGauges(state.gauges);
    this.metrics.addGauges(
      compiledModuleGauges(registry.modules, () => pool.stats()),
    );
  }

  /**
   * Opens the data directory (restoring deployments) and starts executors
   * if there is anything to run (else the first deployment starts them).
   */
  static async start(options: NodeOptions): Promise<EddyNode> {
    // Density: one compile budget for the main isolate and each worker.
    const compiledBudget = options.compiledBudgetBytes ??
      defaultCompiledBudget();
    const registry = await Registry.open(options.dataDir, {
      modules: { budgetBytes: compiledBudget },
    });
    const budget = new MemoryBudget(
      options.maxBufferedBytes ?? defaultMaxBuffered(),
    );
    const pool = new LazyExecutorPool({
      budget,
      workers: options.workers,
      maxQueued: options.maxQueued,
      maxQueueWaitMs: options.maxQueueWaitMs,
      moduleBudgetBytes: compiledBudget,
      onCall: (
        fn: string,
        input: Uint8Array,
        origin: CallOrigin,
      ): Promise<CallReply> => node.call(fn, input, origin),
    });
    // A single-file build's workers start from a file: V8 then keeps their
    // compiled code between starts.
    await cacheExecutorWorker(join(registry.dataDir, "cache"));
    // Workers take ~70 ms to load: they start now, while the rest opens.
    if (registry.list().length > 0) pool.start();
    const state = NodeState.of(options.dataDir, options.state);
    const node: EddyNode = new EddyNode(
      options,
      registry,
      pool,
      budget,
      state,
    );
    node.#workflows = await Workflows.open({
      dataDir: registry.dataDir,
      nodeId: node.id,
      invoke: (name, input, options) => node.invoke(name, input, options),
      invokeGroup: (fns, input, options) =>
        node.invokeGroup(fns, input, options),
      short: (fn) => node.#invoker.runsBriefly(fn),
      send: (nodeId, mode, request, options) =>
        node.remote.send(nodeId, mode, request, options),
      self: () => ({
        id: node.id,
        hostId: node.locality.hostId,
        labels: node.labels,
        functions: registry.names(),
      }),
      peers: node.peers,
      // Shared buffers came from a unix socket, others from a worker's run.
      release: (bytes) =>
        void (node.remote.receiveBuffers.give(bytes) || node.recycle(bytes)),
    });
    node.sweptModules = await registry.sweepModules();
    state.follow(registry.list()).catch(() => {});
    return node;
  }

  /**
   * Runs a call a guest made (`eddy.call`): here when this node runs `fn`,
   * else on the nearest peer that does, one level deeper in the caller's
   * chain, by the caller's deadline, and cancelled when the caller ends. A
   * call past the chain's depth limit is refused (508). Failures come back
   * as the API's JSON error with its status, for the guest to read.
   */
  async call(
    fn: string,
    input: Uint8Array,
    origin: CallOrigin,
  ): Promise<CallReply> {
    const chain = {
      depth: origin.depth + 1,
      maxDepth: origin.maxDepth,
      deadline: origin.deadline,
    };
    const signal = origin.signal;
    try {
      if (chain.depth > chain.maxDepth) {
        throw new InvocationError(
          fn,
          "call_depth_exceeded",
          `refused a call from '${origin.fn}' at depth ${chain.depth}: the chain's call depth limit is ${chain.maxDepth}`,
          { caller: origin.fn, depth: chain.depth, limit: chain.maxDepth },
        );
      }
      if (this.registry.get(fn)) {
        const response = await this.remote.invokeHere(fn, input, {
          chain,
          signal,
        });
        return {
          status: response.status,
          payload: response.payload,
          node: this.id,
          mode: "memory",
          ...errorOf(response),
        };
      }
      const { peer, mode, response } = await this.remote.forward(
        fn,
        input,
        [],
        { chain, signal },
      );
      return {
        status: response.status,
        payload: response.payload,
        node: peer.info?.id,
        mode,
        ...errorOf(response),
      };
    } catch (error) {
      const response = errorResponse(error, statusOf(error));
      return { ...response, ...errorOf(response) };
    }
  }

  /** Deployed workflows and their runs. */
  get workflows(): Workflows {
    return this.#workflows!;
  }

  /** What this node tells its peers about itself (`GET /v1/node`). */
  info(): NodeInfo & { labels: Record<string, string> } {
    return {
      id: this.id,
      version: VERSION,
      locality: this.locality,
      labels: this.labels,
      endpoints: this.endpoints,
      functions: [...this.registry.names()],
      peers: this.peers.list().filter((p) => p.up).map((p) => p.url),
      workflows: this.#workflows?.owned() ?? [],
    };
  }

  /**
   * Deploys `specs` all or none (see `Registry.apply`) and tells peers.
   */
  async apply(specs: FunctionSpec[]): Promise<Deployment[]> {
    const deployments = await this.registry.apply(specs);
    this.#retainModules();
    if (deployments.length > 0) this.#pool.start();
    this.state.follow(deployments).catch(() => {});
    // Peers that miss it learn at their next poll: a deploy never waits on them.
    this.peers.announce();
    return deployments;
  }

  /**
   * Stores `bytes` as a module and deploys it as `name` with default or
   * given settings.
   */
  async deployModule(
    name: string,
    bytes: Uint8Array<ArrayBuffer>,
    options: FunctionOptions = {},
  ): Promise<Deployment> {
    const stored = this.registry.modules.has(await digestOf(bytes));
    const info = await this.registry.modules.put(bytes);
    try {
      const [deployment] = await this.apply([
        functionSpec(name, info.digest, options),
      ]);
      return deployment;
    } catch (error) {
      // A refused deploy leaves the store as it found it; a module some
      // deployment took up meanwhile stays (module_in_use).
      if (!stored) await this.removeModule(info.digest).catch(() => {});
      throw error;
    }
  }

  /**
   * Deletes module `digest` unless a deployment uses it (see
   * `Registry.removeModule`; the refusal names the workflows too).
   */
  async removeModule(digest: string): Promise<void> {
    await this.registry.removeModule(
      digest,
      (functions) =>
        this.workflows.list().filter((w) =>
          w.spec.steps.some((s) => functions.includes(s.function))
        ).map((w) => w.name),
    );
  }

  /**
   * Runs function `name` with `input` as stdin and `options.args` after its
   * deployed args (see {@linkcode Invoker.invoke}).
   *
   * @example
   * ```ts ignore
   * const out = await node.invoke("echo", new TextEncoder().encode("hi"));
   * ```
   */
  invoke(
    name: string,
    input: Uint8Array,
    options?: InvokeOptions,
  ): Promise<Invocation> {
    return this.#invoker.invoke(name, input, options);
  }

  /**
   * Runs the functions `fns` in one executor worker, each later one on
   * the outputs of those it reads (see {@linkcode Invoker.invokeGroup}).
   *
   * @example
   * ```ts ignore
   * const { earlier, last } = await node.invokeGroup([{ name: "gen" }, { name: "sink" }], input);
   * ```
   */
  invokeGroup(
    fns: GroupedFunction[],
    input: Uint8Array,
    options?: GroupOptions,
  ): Promise<GroupedInvocation> {
    return this.#invoker.invokeGroup(fns, input, options);
  }

  /**
   * Why an invocation of `name` arriving now would be refused, or
   * `undefined` (see {@linkcode Invoker.refusal}).
   *
   * @example
   * ```ts ignore
   * const refusal = node.refusal("echo");
   * if (refusal) throw refusal;
   * ```
   */
  refusal(name: string): InvocationError | undefined {
    return this.#invoker.refusal(name);
  }

  /**
   * Gives `bytes`, an output the caller is done with, back to the
   * executors (see {@linkcode Invoker.recycle}).
   *
   * @example
   * ```ts ignore
   * node.recycle(out.stdout);
   * ```
   */
  recycle(bytes: Uint8Array): boolean {
    return this.#invoker.recycle(bytes);
  }

  /** Removes function `name`; the executors drop modules nothing uses. */
  async remove(name: string): Promise<Deployment> {
    const removed = await this.registry.remove(name);
    this.#retainModules();
    this.peers.announce();
    return removed;
  }

  /** Workers drop the compiled modules of replaced and removed deployments. */
  #retainModules(): void {
    this.#pool.retain(this.registry.list().map(moduleKey));
  }

  /** Stops peering and the executors. Deployments stay on disk. */
  async close(): Promise<void> {
    this.peers.close();
    await this.remote.close();
    await this.#pool.close();
    await this.state.close();
  }
}

/** The message of a failed call's JSON error, for its trace. */
function errorOf(response: CommResponse): { error?: string } {
  if (response.status < 400) return {};
  try {
    const message = JSON.parse(new TextDecoder().decode(response.payload))
      ?.error?.message;
    return typeof message === "string" ? { error: message } : {};
  } catch {
    return {};
  }
}

export type { Deployment, Limits };
