/**
 * A node: one eddy process's deployments, executors and metrics. The API and
 * the CLI drive it; embedders can too (see mod.ts).
 *
 * @module
 */
import { hostname } from "node:os";
import { InvocationError, NotFoundError } from "../runtime/errors.ts";
import { ExecutorPool, type JobResult } from "../runtime/executor/mod.ts";
import {
  type FunctionOptions,
  functionSpec,
  type Limits,
} from "../runtime/manifest/mod.ts";
import { type Deployment, Registry } from "../runtime/registry.ts";
import { Metrics } from "./metrics.ts";

/** Options of {@linkcode EddyNode.start}. */
export interface NodeOptions {
  /** Where modules and deployments persist. */
  dataDir: string;
  /** Executor workers; defaults to one per core. */
  workers?: number;
  /** Node id shown by the API; defaults to the host name. */
  nodeId?: string;
  /** Invocations waiting for an executor beyond this are refused (503). */
  maxQueued?: number;
}

/** Per-invocation options of {@linkcode EddyNode.invoke}. */
export interface InvokeOptions {
  /** Appended to the function's argv after the args it was deployed with. */
  args?: string[];
}

/** A successful invocation. */
export interface Invocation {
  fn: string;
  stdout: Uint8Array<ArrayBuffer>;
  stderr: string;
  exitCode: number;
  durationMs: number;
}

/**
 * One eddy node.
 *
 * @example
 * ```ts
 * import { EddyNode } from "./node.ts";
 * const node = await EddyNode.start({ dataDir: await Deno.makeTempDir() });
 * await node.deployModule("echo", await Deno.readFile("examples/echo/echo.wasm"));
 * const out = await node.invoke("echo", new TextEncoder().encode("hi"));
 * console.log(new TextDecoder().decode(out.stdout)); // "hi"
 * await node.close();
 * ```
 */
export class EddyNode {
  readonly id: string;
  readonly registry: Registry;
  readonly metrics = new Metrics();
  readonly startedAt = new Date();
  readonly #pool: ExecutorPool;

  private constructor(id: string, registry: Registry, pool: ExecutorPool) {
    this.id = id;
    this.registry = registry;
    this.#pool = pool;
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
      };
    });
  }

  /** Opens the data directory (restoring deployments) and starts executors. */
  static async start(options: NodeOptions): Promise<EddyNode> {
    const registry = await Registry.open(options.dataDir);
    const pool = new ExecutorPool({
      workers: options.workers,
      maxQueued: options.maxQueued,
    });
    return new EddyNode(options.nodeId ?? hostname(), registry, pool);
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
    const info = await this.registry.modules.put(bytes);
    const [deployment] = await this.registry.apply([
      functionSpec(name, info.digest, options),
    ]);
    return deployment;
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
    const fn = this.registry.get(name);
    if (!fn) throw new NotFoundError("function", name);
    if (input.byteLength > fn.limits.maxInputBytes) {
      throw inputTooLarge(fn, input.byteLength);
    }
    const compiled = await this.registry.modules.compiled(
      fn.module,
      fn.limits.maxMemoryBytes,
    );
    let result: JobResult;
    try {
      result = await this.#pool.run(
        compiled,
        `${fn.module}@${fn.limits.maxMemoryBytes}`,
        {
          fn: name,
          args: [name, ...fn.args, ...(options.args ?? [])],
          env: fn.env,
          preopens: fn.dirs.map((d) => ({
            hostPath: d.host,
            guestPath: d.guest,
            writable: d.writable,
          })),
          timeoutMs: fn.limits.timeoutMs,
          maxMemoryBytes: fn.limits.maxMemoryBytes,
          maxOutputBytes: fn.limits.maxOutputBytes,
        },
        input,
      );
    } catch (error) {
      if (error instanceof InvocationError) {
        this.metrics.record(name, 0, error.reason);
      }
      throw error;
    }
    this.metrics.record(name, result.durationMs / 1000, result.failure?.reason);
    if (result.failure) {
      throw new InvocationError(
        name,
        result.failure.reason,
        result.failure.message,
        {
          exitCode: result.exitCode,
          stderr: result.stderr,
        },
      );
    }
    return {
      fn: name,
      stdout: result.stdout,
      stderr: result.stderr,
      exitCode: result.exitCode,
      durationMs: result.durationMs,
    };
  }

  /** Removes function `name`; the executors drop modules nothing uses. */
  async remove(name: string): Promise<Deployment> {
    const removed = await this.registry.remove(name);
    if (!this.registry.modules.has(removed.module)) {
      this.#pool.forget(`${removed.module}@${removed.limits.maxMemoryBytes}`);
    }
    return removed;
  }

  /** Stops the executors. Deployments stay on disk. */
  close(): Promise<void> {
    return this.#pool.close();
  }
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
