/**
 * Building a function spec from code, e.g. for an API route that uploads
 * module bytes under a name, with the same rules as a manifest entry.
 *
 * @module
 */
import { readFunction } from "./_read.ts";
import { treeFromValue } from "../document/mod.ts";
import type { Limits } from "./limits.ts";
import type { DirMount, FunctionSpec, StateMount } from "./spec.ts";

/**
 * Limits as a manifest writes them: sizes (`64MiB` or bytes) and durations
 * (`5s` or milliseconds).
 *
 * @example
 * ```ts
 * import type { LimitsInput } from "./function_spec.ts";
 * const limits: LimitsInput = { memory: "64MiB", timeout: 5000 };
 * ```
 */
export interface LimitsInput {
  memory?: string | number;
  timeout?: string | number;
  maxInput?: string | number;
  maxOutput?: string | number;
  /** A count: how deep guest calls may chain. */
  callDepth?: number;
  /** A count: invocations in flight at once. */
  concurrency?: number;
  /** A duration: the longest an invocation may wait for a worker. */
  maxQueueWait?: string | number;
}

/**
 * The optional parts of a function, as a manifest entry has them.
 *
 * @example
 * ```ts
 * import type { FunctionOptions } from "./function_spec.ts";
 * const options: FunctionOptions = {
 *   env: { MODE: "fast" }, dirs: ["/srv/data::/data"], limits: { timeout: "2s" },
 * };
 * ```
 */
export interface FunctionOptions {
  args?: string[];
  env?: Record<string, string>;
  /** `HOST[::GUEST]` strings or mounts (`guest` defaults to `host`). */
  dirs?: (string | Partial<DirMount>)[];
  /** State buckets and where they are mounted. */
  state?: Partial<StateMount>[];
  limits?: LimitsInput;
  labels?: Record<string, string>;
  /** Limits for what `limits` leaves out (over `DEFAULT_LIMITS`). */
  defaults?: Partial<Limits>;
}

/**
 * Builds and validates a {@link FunctionSpec}. Throws the same
 * `ManifestError`s as a manifest would, with field paths relative to the
 * function (`name`, `limits.timeout`) and no line numbers.
 *
 * @example
 * ```ts
 * import { functionSpec } from "./function_spec.ts";
 * const spec = functionSpec("echo", "sha256:" + "ab".repeat(32), { limits: { timeout: "2s" } });
 * console.log(spec.limits.timeoutMs); // 2000
 * ```
 */
export function functionSpec(
  name: string,
  module: string,
  options: FunctionOptions = {},
): FunctionSpec {
  const { defaults, ...fields } = options;
  return readFunction(
    treeFromValue({ name, module, ...fields }),
    "",
    defaults ?? {},
  );
}
