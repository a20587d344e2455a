/**
 * Reading a YAML manifest into function specs.
 *
 * @module
 */
import { READER, readManifest } from "./_read.ts";
import type { Limits } from "./limits.ts";
import type { Manifest } from "./spec.ts";

/**
 * Options of {@link parseManifest}.
 *
 * @example
 * ```ts
 * import type { ParseManifestOptions } from "./parse.ts";
 * const options: ParseManifestOptions = { defaults: { timeoutMs: 2000 } };
 * ```
 */
export interface ParseManifestOptions {
  /** Limits for functions that do not set them (over `DEFAULT_LIMITS`). */
  defaults?: Partial<Limits>;
}

/**
 * Parses a manifest: a top-level `functions:` list whose entries have `name`
 * and `module` and optionally `args`, `env`, `dirs`, `limits` and `labels`.
 * Throws a {@link ManifestError} naming the field (`functions[1].limits.timeout`)
 * and its line and column; YAML syntax errors carry line and column too. A
 * document nested deeper than 64 levels, with more than 10,000 items or
 * over 1 MiB is refused before it is parsed. Asynchronous: the YAML
 * library is loaded by the first document read.
 *
 * @example
 * ```ts
 * import { parseManifest } from "./parse.ts";
 * const { functions } = await parseManifest(`
 * functions:
 *   - name: echo
 *     module: examples/echo/echo.wasm
 *     env: { GREETING: hello }
 *     dirs: ["/srv/data::/data"]
 *     limits: { memory: 64MiB, timeout: 5s }
 * `);
 * console.log(functions[0].limits.timeoutMs); // 5000
 * ```
 */
export async function parseManifest(
  text: string,
  options: ParseManifestOptions = {},
): Promise<Manifest> {
  return readManifest(await READER.parse(text), options.defaults ?? {});
}
