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
import { InvocationError, NotFoundError } from "../runtime/errors.ts";
import type {
  CallOrigin,
  CallReply,
  JobResult,
  JobSpec,
} from "../runtime/executor/mod.ts";
// Not through executor/mod.ts: its in-process runner would load the WASI
// host into the main isolate, which runs no guest (~20 ms of every start).
import { cacheExecutorWorker } from "../runtime/executor/worker_url.ts";
import {
  type FunctionOptions,
  type FunctionSpec,
  functionSpec,
  type Limits,
} from "../runtime/manifest/mod.ts";
import { MemoryBudget, type Reservation } from "../runtime/memory_budget.ts";
import { type Deployment, Registry } from "../runtime/registry.ts";
import {
  type CompiledModule,
  defaultCompiledBudget,
  digestOf,
} from "../runtime/module/mod.ts";
import { LazyExecutorPool } from "./lazy_pool.ts";
import { compiledModuleGauges, Metrics } from "./metrics.ts";
import { type NodeInfo, PeerTable } from "./peers.ts";
import { RemoteInvoker } from "./remote.ts";
import { Workflows } from "./workflows.ts";
import { NodeState } from "./state.ts";
import type { StoreConfig } from "../state/store.ts";
import { VERSION } from "../version.ts";
import {
  type CallChain,
  type Invocation,
  type InvokeOptions,
  type PairedFunction,
  type PairedInvocation,
  type PairOptions,
  PairStageError,
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
  readonly #specs = new WeakMap<Deployment, JobSpec>();
  /** Invocations in flight per function, for `limits.concurrency`. */
  readonly #running = new Map<string, number>();
  /** The last refusal of a function at its concurrency, and at what count. */
  readonly #floodRefusals = new WeakMap<
    Deployment,
    { running: number; error: InvocationError }
  >();
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
        eddy_buffered_bytes: {
          help: "Bytes of request bodies and outputs held (--max-buffered).",
          value: budget.reserved,
        },
        eddy_executor_modules: {
          help: "Compiled modules held by executor workers, over all of them.",
          value: stats.modules,
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
      invokePair: (lead, follower, input, options) =>
        node.invokePair(lead, follower, input, options),
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
   * deployed args. Throws
   * {@linkcode NotFoundError} for an unknown function and
   * {@linkcode InvocationError} for a failed run.
   */
  async invoke(
    name: string,
    input: Uint8Array,
    options: InvokeOptions = {},
  ): Promise<Invocation> {
    const fn = this.#deployment(name);
    const { chain, signal } = options;
    if (input.byteLength > fn.limits.maxInputBytes) {
      throw inputTooLarge(fn, input.byteLength);
    }
    this.#enter(fn);
    let result: JobResult;
    let queuedAt = 0;
    try {
      const compiled = await this.#compiled(fn);
      queuedAt = performance.now();
      result = await this.#pool.run(
        compiled,
        moduleKey(fn),
        this.#jobSpec(fn, options.args, chain),
        input,
        signal,
      );
    } catch (error) {
      throw this.#refusedRun(name, error);
    } finally {
      this.#leave(fn);
    }
    this.#settleRun(name, result, queuedAt, options.reservation);
    this.#record(name, result);
    if (result.failure) {
      throw new InvocationError(
        name,
        result.failure.reason,
        result.failure.message,
        { exitCode: result.exitCode, stderr: result.stderr },
      );
    }
    return {
      fn: name,
      stdout: result.stdout,
      stderr: result.stderr,
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      calls: result.calls,
    };
  }

  /**
   * Runs function `lead.name` with `input` and then `follower.name` with
   * its output, in one executor worker: the output goes from the first
   * guest's stdout straight into the second's stdin, never between
   * isolates (the design's memory mode at its cheapest: a workflow runs
   * a step and its only consumer this way). Each function is checked
   * against its own limits (the first's input, the second's input as the
   * first's output, each one's concurrency and timeout) and counted in
   * the metrics as an invocation of its own. Throws
   * {@linkcode NotFoundError} for an unknown function, and a
   * {@linkcode PairStageError} naming the function that failed (the second
   * never runs when the first failed).
   *
   * @example
   * ```ts ignore
   * const { lead, follower } = await node.invokePair({ name: "gen" }, { name: "sink" }, input);
   * console.log(lead.outputBytes, follower.stdout);
   * ```
   */
  async invokePair(
    lead: PairedFunction,
    follower: PairedFunction,
    input: Uint8Array,
    options: PairOptions = {},
  ): Promise<PairedInvocation> {
    const first = this.#deployment(lead.name);
    const second = this.#deployment(follower.name);
    if (input.byteLength > first.limits.maxInputBytes) {
      throw inputTooLarge(first, input.byteLength);
    }
    this.#enter(first);
    try {
      this.#enter(second);
    } catch (error) {
      this.#leave(first);
      throw error;
    }
    let result: JobResult;
    let queuedAt = 0;
    try {
      const [leadModule, followerModule] = await Promise.all([
        this.#compiled(first),
        this.#compiled(second),
      ]);
      queuedAt = performance.now();
      result = await this.#pool.runPair(
        {
          compiled: leadModule,
          moduleKey: moduleKey(first),
          spec: this.#jobSpec(first, lead.args),
        },
        {
          compiled: followerModule,
          moduleKey: moduleKey(second),
          spec: this.#jobSpec(second, follower.args),
          maxInputBytes: second.limits.maxInputBytes,
        },
        input,
        options.signal,
      );
    } catch (error) {
      throw this.#refusedRun(first.name, error);
    } finally {
      this.#leave(first);
      this.#leave(second);
    }
    this.#settleRun(first.name, result, queuedAt, options.reservation);
    const outcome = result.lead;
    if (result.stage === 1) {
      // Its figures are missing only when the pool ended the pair itself
      // (a worker replaced mid-run): it ran, for an unknown time.
      this.#record(first.name, {
        durationMs: outcome?.durationMs ?? 0,
        stderr: outcome?.stderr ?? "",
        state: outcome?.state,
      });
    }
    const ended = result.stage === 1 ? second : first;
    this.#record(ended.name, result);
    if (result.failure) {
      throw new PairStageError(
        result.stage ?? 0,
        ended.name,
        result.failure.reason,
        result.failure.message,
        { exitCode: result.exitCode, stderr: result.stderr },
      );
    }
    return {
      lead: {
        fn: first.name,
        durationMs: outcome!.durationMs,
        outputBytes: outcome!.outputBytes,
        stderr: outcome!.stderr,
        ...(outcome!.calls ? { calls: outcome!.calls } : {}),
      },
      follower: {
        fn: second.name,
        stdout: result.stdout,
        stderr: result.stderr,
        exitCode: result.exitCode,
        durationMs: result.durationMs,
        calls: result.calls,
      },
    };
  }

  /** Function `name`'s deployment; {@linkcode NotFoundError} if none. */
  #deployment(name: string): Deployment {
    const fn = this.registry.get(name);
    if (!fn) throw new NotFoundError("function", name);
    return fn;
  }

  /** `fn`'s module, compiled with its memory limit. */
  #compiled(fn: Deployment): Promise<CompiledModule> {
    return this.registry.modules.compiled(fn.module, fn.limits.maxMemoryBytes);
  }

  /**
   * Counts one more invocation of `fn` in flight, or throws its refusal
   * when it runs `limits.concurrency` already.
   */
  #enter(fn: Deployment): void {
    const atLimit = this.#atLimit(fn);
    if (atLimit) throw this.#refused(fn.name, atLimit);
    this.#running.set(fn.name, (this.#running.get(fn.name) ?? 0) + 1);
  }

  /** Counts one invocation of `fn` less in flight. */
  #leave(fn: Deployment): void {
    const left = this.#running.get(fn.name)! - 1;
    if (left > 0) this.#running.set(fn.name, left);
    else this.#running.delete(fn.name);
  }

  /**
   * What executors run for an invocation of `fn` with `args` after its
   * deployed ones, in `chain`: its frozen spec when there are neither.
   */
  #jobSpec(fn: Deployment, args?: string[], chain?: CallChain): JobSpec {
    if (!args?.length && !chain) return this.#spec(fn);
    return {
      ...this.#spec(fn),
      args: [fn.name, ...fn.args, ...(args ?? [])],
      depth: chain?.depth ?? 0,
      maxDepth: Math.min(chain?.maxDepth ?? Infinity, fn.limits.callDepth),
      ...(chain ? { deadline: chain.deadline } : {}),
    };
  }

  /** `error`, a job the pool refused for `name`, counted in the metrics. */
  #refusedRun(name: string, error: unknown): unknown {
    if (error instanceof InvocationError) {
      this.metrics.record(name, 0, error.reason, {
        message: error.message,
        stderr: String(error.details.stderr ?? ""),
      });
    }
    return error;
  }

  /**
   * Counts the time `result`'s job (of `name`, queued at `queuedAt`)
   * waited for a worker, and hands the budget its output holds to
   * `reservation` or releases it.
   */
  #settleRun(
    name: string,
    result: JobResult,
    queuedAt: number,
    reservation?: Reservation,
  ): void {
    const ran = result.durationMs + (result.lead?.durationMs ?? 0);
    this.metrics.recordWait(
      name,
      Math.max(0, performance.now() - queuedAt - ran) / 1000,
    );
    if (reservation) reservation.adopt(result.reserved ?? 0);
    else this.budget.release(result.reserved ?? 0);
  }

  /** Records a run of `name` in the metrics and its state use. */
  #record(
    name: string,
    run: Pick<JobResult, "durationMs" | "failure" | "stderr" | "state">,
  ): void {
    this.metrics.record(
      name,
      run.durationMs / 1000,
      run.failure?.reason,
      run.failure && { message: run.failure.message, stderr: run.stderr },
    );
    this.state.record(run.state);
  }

  /**
   * Gives `bytes`, which the caller owns alone and is done with (an
   * invocation's output once its response is sent), back to the executors
   * for later outputs to be written in, when it is worth it; says whether
   * it was taken (see `ExecutorPool.recycle`).
   *
   * @example
   * ```ts ignore
   * const out = await node.invoke("gen", input);
   * await send(out.stdout);
   * node.recycle(out.stdout);
   * ```
   */
  recycle(bytes: Uint8Array): boolean {
    return this.#pool.recycle(bytes);
  }

  /**
   * Why an invocation of `name` arriving now would be refused (`overloaded`:
   * its function runs `limits.concurrency` invocations already, or it would
   * wait past its bound for a worker), or `undefined`. The API asks before
   * it reads a request's body, so that a refusal is answered at once and a
   * flood's inputs are never buffered; {@linkcode invoke} decides again.
   * A refusal counts in the metrics as a failed invocation.
   *
   * @example
   * ```ts ignore
   * const refusal = node.refusal("echo");
   * if (refusal) throw refusal;
   * ```
   */
  refusal(name: string): InvocationError | undefined {
    const fn = this.registry.get(name);
    if (!fn) return undefined;
    const refusal = this.#atLimit(fn) ?? this.#pool.refusal(this.#spec(fn));
    return refusal && this.#refused(name, refusal);
  }

  /**
   * The refusal of one more invocation of `fn` past its concurrency; the
   * pool is told, so that the flood's guests yield the cores to others'.
   */
  #atLimit(fn: Deployment): InvocationError | undefined {
    const running = this.#running.get(fn.name) ?? 0;
    const limit = fn.limits.concurrency;
    if (limit === undefined || running < limit) return undefined;
    this.#pool.flooding(fn.name);
    // One error for a whole flood, while its count holds: a flood is
    // refused thousands of times a second, and Deno builds an Error in
    // 2-12 µs (its stack is not the cost); the error is never changed.
    const last = this.#floodRefusals.get(fn);
    if (last?.running === running) return last.error;
    const error = new InvocationError(
      fn.name,
      "overloaded",
      `it already runs ${running} invocations, its limit (limits.concurrency); retry later`,
      { limit },
    );
    this.#floodRefusals.set(fn, { running, error });
    return error;
  }

  /** `refusal` of an invocation of `name`, counted in the metrics. */
  #refused(name: string, refusal: InvocationError): InvocationError {
    this.metrics.record(name, 0, refusal.reason, {
      message: refusal.message,
      stderr: "",
    });
    return refusal;
  }

  /**
   * What executors run for a first invocation of `fn` without extra args:
   * one frozen object per deployment, which the pool sends each worker
   * once (see `ExecutorPool.run`).
   */
  #spec(fn: Deployment): JobSpec {
    let spec = this.#specs.get(fn);
    if (!spec) {
      spec = Object.freeze({
        fn: fn.name,
        args: [fn.name, ...fn.args],
        env: fn.env,
        preopens: fn.dirs.map((d) => ({
          hostPath: d.host,
          guestPath: d.guest,
          writable: d.writable,
        })),
        ...(fn.state?.length ? { state: this.state.jobState(fn) } : {}),
        timeoutMs: fn.limits.timeoutMs,
        maxMemoryBytes: fn.limits.maxMemoryBytes,
        maxOutputBytes: fn.limits.maxOutputBytes,
        depth: 0,
        maxDepth: fn.limits.callDepth,
      });
      this.#specs.set(fn, spec);
    }
    return spec;
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

/** How executors know a deployment's compiled module. */
function moduleKey(fn: Deployment): string {
  return `${fn.module}@${fn.limits.maxMemoryBytes}`;
}

/**
 * Whether `refusal` (from {@linkcode EddyNode.refusal}) is of a function
 * at its own `limits.concurrency`, not of the node's load.
 *
 * @example
 * ```ts ignore
 * const refusal = node.refusal("echo");
 * if (refusal && isOwnLimit(refusal)) console.log("echo is at its limit");
 * ```
 */
export function isOwnLimit(refusal: InvocationError): boolean {
  return refusal.reason === "overloaded" && refusal.details.limit !== undefined;
}

/**
 * The error for an input over the function's `maxInput` limit.
 *
 * @example
 * ```ts ignore
 * if (size > fn.limits.maxInputBytes) throw inputTooLarge(fn, size);
 * ```
 */
export function inputTooLarge(fn: Deployment, bytes: number): InvocationError {
  return new InvocationError(
    fn.name,
    "input_too_large",
    `input of ${bytes} bytes exceeds its limit of ${fn.limits.maxInputBytes} bytes`,
    { limit: fn.limits.maxInputBytes },
  );
}

export type { Deployment, Limits };
