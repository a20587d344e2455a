/**
 * Upload-time validation of a module against the function contract: a
 * well-formed WASI command that exports `_start` and `memory`, defines one
 * plain 32-bit memory, and imports only what eddy provides.
 *
 * @module
 */
import { ModuleError } from "../errors.ts";
import { hasWasmHeader } from "./_binary.ts";
import { ALLOWED_IMPORTS } from "./allowed_imports.ts";
import { digestOf } from "./digest.ts";
import { interruptProblem } from "./interrupt.ts";
import { type MemoryLimits, readDefinedMemory } from "./memory.ts";

/**
 * What eddy knows about a stored module.
 *
 * @example
 * ```ts
 * import type { ModuleInfo } from "./inspect.ts";
 * const info: ModuleInfo = {
 *   digest: "sha256:" + "0".repeat(64), size: 50, imports: [],
 *   exports: [{ name: "_start", kind: "function" }, { name: "memory", kind: "memory" }],
 *   memory: { initialPages: 1 },
 * };
 * ```
 */
export interface ModuleInfo {
  /** `sha256:<hex>` of the module bytes as uploaded. */
  digest: string;
  /** Size of the module in bytes. */
  size: number;
  imports: { module: string; name: string; kind: string }[];
  exports: { name: string; kind: string }[];
  /** Limits of the memory the module defines, in 64 KiB pages. */
  memory: MemoryLimits;
}

/**
 * A module that passed validation, with its compiled form.
 *
 * @example
 * ```ts
 * import type { InspectedModule } from "./inspect.ts";
 * const use = ({ info, module }: InspectedModule) => new WebAssembly.Instance(module, {});
 * ```
 */
export interface InspectedModule {
  info: ModuleInfo;
  module: WebAssembly.Module;
}

/**
 * Compiles and validates module bytes. Throws one {@link ModuleError} that
 * lists every problem found; a module that does not even compile has V8's
 * message as its one problem, since nothing else can be read from it.
 *
 * @example
 * ```ts
 * import { inspectModule } from "./inspect.ts";
 * const bytes = await Deno.readFile("examples/echo/echo.wasm");
 * const { info, module } = await inspectModule(bytes);
 * console.log(info.digest, info.memory.initialPages);
 * ```
 */
export async function inspectModule(
  bytes: Uint8Array<ArrayBuffer>,
): Promise<InspectedModule> {
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(bytes);
  } catch (error) {
    if (!(error instanceof WebAssembly.CompileError)) throw error;
    const what = hasWasmHeader(bytes)
      ? "malformed module"
      : "not a WebAssembly module";
    throw new ModuleError([`${what}: ${error.message}`]);
  }
  const memory = readDefinedMemory(bytes);
  const digest = await digestOf(bytes);
  const partial = {
    digest,
    size: bytes.length,
    imports: WebAssembly.Module.imports(module),
    exports: WebAssembly.Module.exports(module),
  };
  const problems = [
    ..._exportProblems(partial.exports),
    ..._importProblems(partial.imports),
    ...memory.problems,
  ];
  const uninterruptible = interruptProblem(bytes);
  if (uninterruptible) problems.push(uninterruptible);
  if (problems.length) throw new ModuleError(problems, { digest });
  // No memory problem and an exported memory that is not imported: defined.
  return { info: { ...partial, memory: memory.limits! }, module };
}

/**
 * The {@link ModuleInfo} of bytes already known to be valid, whose digest is
 * `digest` (the store reads it this way for modules validated in an earlier
 * run).
 *
 * @example
 * ```ts
 * import { describeModule } from "./inspect.ts";
 * import { digestOf } from "./digest.ts";
 * const bytes = await Deno.readFile("examples/echo/echo.wasm");
 * const module = new WebAssembly.Module(bytes);
 * console.log(describeModule(bytes, module, await digestOf(bytes)).exports);
 * ```
 */
export function describeModule(
  bytes: Uint8Array,
  module: WebAssembly.Module,
  digest: string,
): ModuleInfo {
  const { limits, problems } = readDefinedMemory(bytes);
  if (!limits) {
    throw new ModuleError(
      problems.length ? problems : ["defines no memory of its own"],
    );
  }
  return {
    digest,
    size: bytes.length,
    imports: WebAssembly.Module.imports(module),
    exports: WebAssembly.Module.exports(module),
    memory: limits,
  };
}

const REQUIRED_EXPORTS = [
  { name: "_start", kind: "function" },
  { name: "memory", kind: "memory" },
];

function _exportProblems(exports: ModuleInfo["exports"]): string[] {
  return REQUIRED_EXPORTS.flatMap(({ name, kind }) => {
    const found = exports.find((e) => e.name === name);
    if (!found) return [`missing export '${name}' (a ${kind})`];
    return found.kind === kind
      ? []
      : [`export '${name}' must be a ${kind}, not a ${found.kind}`];
  });
}

function _importProblems(imports: ModuleInfo["imports"]): string[] {
  const provided = [...ALLOWED_IMPORTS.keys()].join(", ");
  return imports.flatMap(({ module, name, kind }) => {
    const full = `${module}.${name}`;
    if (kind === "memory") {
      return [`imports its memory (${full}); a function must define its own`];
    }
    const names = ALLOWED_IMPORTS.get(module);
    if (!names) {
      return [
        `imports ${full} from module '${module}', which eddy does not provide (it provides ${provided})`,
      ];
    }
    if (!names.has(name)) return [`imports unknown function ${full}`];
    return kind === "function"
      ? []
      : [`imports ${full} as a ${kind}; eddy provides it as a function`];
  });
}
