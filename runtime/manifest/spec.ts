/**
 * What a deployable function is: the shape a manifest entry is read into.
 *
 * @module
 */
import type { Limits } from "./limits.ts";

/**
 * What a function name may look like: it appears in URLs and file names.
 *
 * @example
 * ```ts
 * import { FUNCTION_NAME_PATTERN } from "./spec.ts";
 * console.log(FUNCTION_NAME_PATTERN.test("resize-image.v2")); // true
 * ```
 */
export const FUNCTION_NAME_PATTERN: RegExp =
  /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * A host directory the guest sees as a WASI preopen.
 *
 * @example
 * ```ts
 * import type { DirMount } from "./spec.ts";
 * const data: DirMount = { host: "/srv/data", guest: "/data", writable: false };
 * ```
 */
export interface DirMount {
  /** Directory on the node (as written; the registry makes it absolute). */
  host: string;
  /** Path the guest opens it by. */
  guest: string;
  writable: boolean;
}

/**
 * A state bucket the guest sees as a directory of files (one per key) at
 * `mount`, and may reach through the `eddy` `kv_*` imports.
 *
 * @example
 * ```ts
 * import type { StateMount } from "./spec.ts";
 * const carts: StateMount = { bucket: "carts", mount: "/state", readOnly: false };
 * ```
 */
export interface StateMount {
  /** Bucket name (named like a function); functions that name it share it. */
  bucket: string;
  /** Absolute guest path of its directory. */
  mount: string;
  /** Writes through the mount and `kv_*` are refused. */
  readOnly: boolean;
}

/**
 * One function as declared: what to run and how.
 *
 * @example
 * ```ts
 * import { DEFAULT_LIMITS } from "./limits.ts";
 * import type { FunctionSpec } from "./spec.ts";
 * const echo: FunctionSpec = {
 *   name: "echo", module: "examples/echo/echo.wasm", args: [], env: {}, dirs: [],
 *   limits: { ...DEFAULT_LIMITS }, labels: {},
 * };
 * ```
 */
export interface FunctionSpec {
  name: string;
  /** A module digest (`sha256:<hex>`) or, before upload, a path to a .wasm file. */
  module: string;
  /** argv after the program name. */
  args: string[];
  env: Record<string, string>;
  dirs: DirMount[];
  /** State buckets it uses; absent when none. */
  state?: StateMount[];
  limits: Limits;
  labels: Record<string, string>;
}

/**
 * A parsed manifest.
 *
 * @example
 * ```ts
 * import type { Manifest } from "./spec.ts";
 * const empty: Manifest = { functions: [] };
 * ```
 */
export interface Manifest {
  functions: FunctionSpec[];
}
