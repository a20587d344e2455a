/**
 * Manifests: the YAML that declares functions, read into validated
 * {@link FunctionSpec}s, plus the limits, sizes and durations they use.
 *
 * @example
 * ```ts
 * import { parseManifest } from "./mod.ts";
 * const manifest = await parseManifest(`
 * functions:
 *   - name: echo
 *     module: sha256:${"ab".repeat(32)}
 *     limits: { memory: 32MiB, timeout: 2s }
 * `);
 * console.log(manifest.functions[0].limits.maxMemoryBytes); // 33554432
 * ```
 *
 * @module
 */
export {
  type FunctionOptions,
  functionSpec,
  type LimitsInput,
} from "./function_spec.ts";
export {
  DEFAULT_LIMITS,
  LIMIT_FIELDS,
  LIMIT_MAXIMUMS,
  type Limits,
} from "./limits.ts";
export { parseManifest, type ParseManifestOptions } from "./parse.ts";
export {
  type DirMount,
  FUNCTION_NAME_PATTERN,
  type FunctionSpec,
  type Manifest,
  type StateMount,
} from "./spec.ts";
export {
  formatBytes,
  formatDuration,
  parseBytes,
  parseDuration,
} from "./units.ts";
