/**
 * Running one instance again as if it were new. An instance's whole state
 * is its memories, tables and globals and which of its segments were
 * dropped (the spec's store); a module that defines no start function,
 * imports no table or global and has no instruction that changes a table
 * or drops a segment can only change its memory and its mutable globals.
 * Those the host can put back: zero the memory, write back the bytes it
 * held when the instance was made (its data segments), set each mutable
 * global to its first value. Then the next `_start` runs from exactly the
 * state a new instance would have, minus the instance's making: under a
 * 1 KB echo load that making (the instance's native parts, and the
 * collections they cause in each worker) was a fifth of a node's requests.
 *
 * The rewrite, {@linkcode withResetExports}, exports every mutable global
 * the module defines (a host cannot reach one that is not exported) and
 * marks the module as one the host may reset; it declines any other.
 *
 * @module
 */
import { BinaryError, encodeU32, readU32, type Section } from "./_binary.ts";
import { nextInstruction, skipValType } from "./_instructions.ts";
import {
  appended,
  CODE,
  countImports,
  EXPORT,
  forEachBody,
  GLOBAL,
  IMPORT,
  MEMORY,
  name,
  readExportNames,
  reassemble,
  rewrittenOr,
  type Sections,
  START,
  vecCount,
} from "./_rewrite.ts";
import { INTERRUPT_IMPORT } from "./interrupt.ts";

/**
 * The export (the module's memory 0) that marks a module as resettable;
 * see {@linkcode resettable}.
 *
 * @example
 * ```ts ignore
 * if (WebAssembly.Module.exports(module).some((e) => e.name === RESETTABLE_EXPORT)) { ... }
 * ```
 */
export const RESETTABLE_EXPORT = "eddy:resettable";

/** Mutable global `k` the module defines is exported as this plus `k`. */
const GLOBAL_EXPORT = "eddy:global:";

const TABLE_SET = 0x26;
const MISC = 0xfc;
/** `0xfc` instructions that change a table or drop a segment. */
const CHANGES_TABLE_OR_SEGMENTS = new Set([9, 12, 13, 14, 15, 17]);
/** Types a host can read and write through `WebAssembly.Global`. */
const HOST_TYPES = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x70, 0x6f]);

/**
 * `bytes` with its mutable globals exported and marked resettable (see
 * {@linkcode RESETTABLE_EXPORT}), or `bytes` itself when an instance of it
 * could keep state the host cannot put back: a start function, an imported
 * table or global, an instruction that changes a table or drops a segment,
 * a mutable global of a type JavaScript cannot set (`v128`), no memory or
 * more than one of its own, or instructions the walk does not know (GC,
 * ...).
 *
 * @example
 * ```ts
 * import { resettable, withResetExports } from "./reset.ts";
 * // (module (memory 1) (global (mut i32) (i32.const 7)) (func (export "_start")))
 * const bytes = new Uint8Array([
 *   0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 3, 1, 0, 1,
 *   6, 6, 1, 127, 1, 65, 7, 11, 7, 10, 1, 6, 95, 115, 116, 97, 114, 116, 0, 0,
 *   10, 4, 1, 2, 0, 11,
 * ]);
 * console.log(resettable(new WebAssembly.Module(withResetExports(bytes)))); // true
 * ```
 */
export function withResetExports(
  bytes: Uint8Array<ArrayBuffer>,
): Uint8Array<ArrayBuffer> {
  return rewrittenOr(bytes, rewrite);
}

function rewrite(
  bytes: Uint8Array<ArrayBuffer>,
  { all, find }: Sections,
): Uint8Array<ArrayBuffer> | undefined {
  if (find(START)) return undefined;
  const exports = find(EXPORT);
  for (const name of readExportNames(bytes, exports)) {
    // Marked already, or a name the rewrite would export twice.
    if (name === RESETTABLE_EXPORT || name.startsWith(GLOBAL_EXPORT)) {
      return undefined;
    }
  }
  const imported = countImports(bytes, find(IMPORT));
  if (imported.tables > 0 || imported.globals > 0) return undefined;
  // One memory of the guest's own, the one put back; the executor's
  // interrupt cell beside it is the host's, which the guest only reads.
  const guestMemories = vecCount(bytes, find(MEMORY)) +
    imported.memoryImports.filter((m) =>
      m.module !== INTERRUPT_IMPORT.module || m.name !== INTERRUPT_IMPORT.name
    ).length;
  if (guestMemories !== 1) return undefined;
  const mutable = mutableGlobals(bytes, find(GLOBAL));
  if (!mutable) return undefined;
  const code = find(CODE);
  if (code && changesTablesOrSegments(bytes, code)) return undefined;
  const entries = [
    [...name(RESETTABLE_EXPORT), 0x02, 0],
    ...mutable.map((k) => [
      ...name(`${GLOBAL_EXPORT}${k}`),
      0x03,
      ...encodeU32(k),
    ]),
  ];
  return reassemble(
    bytes,
    all,
    new Map([[EXPORT, appended(bytes, exports, ...entries)]]),
  );
}

/**
 * Indices of the mutable globals the module defines (no global is
 * imported); `undefined` if one has a type the host cannot set.
 */
function mutableGlobals(
  bytes: Uint8Array,
  section: Section | undefined,
): number[] | undefined {
  const mutable: number[] = [];
  if (!section) return mutable;
  let [count, at] = readU32(bytes, section.payloadStart);
  for (let k = 0; k < count; k++) {
    const type = bytes[at];
    at = skipValType(bytes, at);
    if (bytes[at++] === 1) {
      if (!HOST_TYPES.has(type)) return undefined;
      mutable.push(k);
    }
    // The initializer: constant instructions up to its `end`.
    while (bytes[at] !== 0x0b) {
      if (at >= section.end) throw new BinaryError("truncated initializer");
      at = nextInstruction(bytes, at);
    }
    at++;
  }
  return mutable;
}

function changesTablesOrSegments(bytes: Uint8Array, code: Section): boolean {
  let changes = false;
  forEachBody(bytes, code, (exprStart, end) => {
    for (let at = exprStart; at < end && !changes;) {
      const op = bytes[at];
      if (op === TABLE_SET) changes = true;
      else if (op === MISC) {
        changes = CHANGES_TABLE_OR_SEGMENTS.has(readU32(bytes, at + 1)[0]);
      }
      at = nextInstruction(bytes, at);
    }
  });
  return changes;
}

/**
 * Whether `module` was marked by {@linkcode withResetExports}, so that an
 * instance of it may be put back with {@linkcode InitialState} and run
 * again.
 *
 * @example
 * ```ts
 * import { resettable } from "./reset.ts";
 * const module = await WebAssembly.compile(await Deno.readFile("examples/echo/echo.wasm"));
 * console.log(resettable(module)); // false: not rewritten
 * ```
 */
export function resettable(module: WebAssembly.Module): boolean {
  let known = marked.get(module);
  if (known === undefined) {
    known = WebAssembly.Module.exports(module).some((e) =>
      e.name === RESETTABLE_EXPORT
    );
    marked.set(module, known);
  }
  return known;
}

const marked = new WeakMap<WebAssembly.Module, boolean>();

/** Zero words between two runs of data that are still copied as one. */
const GAP_WORDS = 16;

/**
 * What an instance of a {@linkcode resettable} module held when it was
 * made, to put it back after each run: the nonzero bytes of its memory and
 * the values of its mutable globals. Capture it before the instance first
 * runs.
 *
 * @example
 * ```ts
 * import { InitialState, withResetExports } from "./reset.ts";
 * // (module (memory (export "memory") 1) (data (i32.const 8) "hi")
 * //   (global (mut i32) (i32.const 7)) (func (export "_start")))
 * const bytes = new Uint8Array([
 *   0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 3, 1, 0, 1,
 *   6, 6, 1, 127, 1, 65, 7, 11, 7, 19, 2, 6, 109, 101, 109, 111, 114, 121, 2,
 *   0, 6, 95, 115, 116, 97, 114, 116, 0, 0, 10, 4, 1, 2, 0, 11, 11, 8, 1, 0,
 *   65, 8, 11, 2, 104, 105,
 * ]);
 * const instance = new WebAssembly.Instance(new WebAssembly.Module(withResetExports(bytes)));
 * const initial = InitialState.capture(instance);
 * const memory = new Uint8Array((instance.exports.memory as WebAssembly.Memory).buffer);
 * memory[8] = 0;
 * memory[100] = 1;
 * initial.restore();
 * console.log(memory[8], memory[100]); // 104 0
 * ```
 */
export class InitialState {
  readonly #memory: WebAssembly.Memory;
  /** Where each run of nonzero bytes starts, and its bytes. */
  readonly #data: [number, Uint8Array][];
  readonly #globals: [WebAssembly.Global, unknown][];

  private constructor(
    memory: WebAssembly.Memory,
    data: [number, Uint8Array][],
    globals: [WebAssembly.Global, unknown][],
  ) {
    this.#memory = memory;
    this.#data = data;
    this.#globals = globals;
  }

  /** The state of `instance` now, which must be as it was made. */
  static capture(instance: WebAssembly.Instance): InitialState {
    const memory = instance.exports[RESETTABLE_EXPORT];
    if (!(memory instanceof WebAssembly.Memory)) {
      throw new TypeError("the instance is not of a resettable module");
    }
    const globals: [WebAssembly.Global, unknown][] = [];
    for (const [key, value] of Object.entries(instance.exports)) {
      if (
        key.startsWith(GLOBAL_EXPORT) && value instanceof WebAssembly.Global
      ) {
        globals.push([value, value.value]);
      }
    }
    return new InitialState(memory, nonzeroRuns(memory.buffer), globals);
  }

  /** Puts the instance's memory and globals back as they were captured. */
  restore(): void {
    const bytes = new Uint8Array(this.#memory.buffer);
    bytes.fill(0);
    for (const [at, run] of this.#data) bytes.set(run, at);
    for (const [global, value] of this.#globals) global.value = value;
  }
}

/** Copies of the runs of nonzero bytes in `buffer`, by where they start. */
function nonzeroRuns(
  buffer: ArrayBuffer | SharedArrayBuffer,
): [number, Uint8Array][] {
  const words = new Uint32Array(buffer);
  const runs: [number, Uint8Array][] = [];
  let start = -1;
  let lastNonzero = -1;
  for (let w = 0; w < words.length; w++) {
    if (words[w] === 0) {
      if (start >= 0 && w - lastNonzero > GAP_WORDS) {
        runs.push([start * 4, copy(buffer, start, lastNonzero + 1)]);
        start = -1;
      }
      continue;
    }
    if (start < 0) start = w;
    lastNonzero = w;
  }
  if (start >= 0) runs.push([start * 4, copy(buffer, start, lastNonzero + 1)]);
  return runs;
}

function copy(
  buffer: ArrayBuffer | SharedArrayBuffer,
  fromWord: number,
  toWord: number,
): Uint8Array {
  return new Uint8Array(buffer.slice(fromWord * 4, toWord * 4));
}
