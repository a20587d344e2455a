/**
 * Stopping a guest at its deadline without ending the isolate that runs it.
 * V8 offers no way to interrupt one wasm call from another thread short of
 * terminating the whole worker (its other jobs and compiled modules with
 * it), so the guest is made to look: the rewrite adds an imported shared
 * memory (one page, a second memory: the guest's own, imported first,
 * keeps index 0) and, at every loop header and at the entry of every
 * function that calls another, a check of its first word. While that word
 * is 0 the check is one atomic load and a branch. When the watchdog asks
 * for a job to stop it writes that job's tag there; the check then compares
 * it with the tag of the job on the CPU (the second word, kept by the
 * worker) and traps with `unreachable` when they match (inline: measured,
 * a call to a shared slow path cost more in hot loops than the bytes it
 * saves). A trap cannot be caught by the guest (wasm exceptions can), and a
 * function without loops or calls ends on its own. Only a module whose
 * memory is imported is rewritten; one with instructions the walk does not
 * know (GC, ...) is left as it is; eddy refuses to run such a module (see
 * {@link interruptProblem}).
 *
 * @module
 */
import { concatBytes } from "../bytes.ts";
import { BinaryError, encodeU32, readSections, readU32 } from "./_binary.ts";
import type { Section } from "./_binary.ts";
import { nextInstruction } from "./_instructions.ts";
import { MEMORY_IMPORT } from "./memory.ts";
import {
  appended,
  CODE,
  countImports,
  forEachBody,
  IMPORT,
  MEMORY,
  name,
  reassemble,
  rewrittenOr,
  type Sections,
  vecCount,
} from "./_rewrite.ts";

/**
 * Where a module rewritten by {@link withInterrupts} takes its interrupt
 * memory from (see {@link InterruptCell}).
 *
 * @example
 * ```ts ignore
 * const imports = { [INTERRUPT_IMPORT.module]: { [INTERRUPT_IMPORT.name]: cell.memory } };
 * ```
 */
export const INTERRUPT_IMPORT = {
  module: MEMORY_IMPORT.module,
  name: "interrupt",
} as const;

const LOOP = 0x03;
/** call, call_indirect, return_call, return_call_indirect, call_ref, return_call_ref. */
const CALLS = new Set([0x10, 0x11, 0x12, 0x13, 0x14, 0x15]);
/** `i32.atomic.load` of memory 1 (align 2, memory index flag), then offset. */
const LOAD_WORD = [0xfe, 0x10, 0x42, 0x01];
const REQUESTED_OFFSET = 0;
const CURRENT_OFFSET = 4;
/**
 * (if (i32.atomic.load 1 (i32.const 0))
 *   (then (if (i32.eq (i32.atomic.load 1 (i32.const 0))
 *                     (i32.atomic.load 1 offset=4 (i32.const 0)))
 *     (then unreachable))))
 */
const CHECK = new Uint8Array([
  ...[0x41, 0, ...LOAD_WORD, REQUESTED_OFFSET, 0x04, 0x40],
  ...[0x41, 0, ...LOAD_WORD, REQUESTED_OFFSET],
  ...[0x41, 0, ...LOAD_WORD, CURRENT_OFFSET],
  ...[0x46, 0x04, 0x40, 0x00, 0x0b, 0x0b],
]);

/**
 * `bytes` with interrupt checks (see the module doc); `bytes` itself when
 * the module does not import its memory, has no code, or uses instructions
 * the rewrite does not know.
 *
 * @example
 * ```ts
 * import { InterruptCell, INTERRUPT_IMPORT, withInterrupts } from "./interrupt.ts";
 * import { MEMORY_IMPORT, withImportedMemory } from "./memory.ts";
 * // (module (memory 1) (func (export "_start") (loop $l (br $l))))
 * const spin = new Uint8Array([
 *   0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 3, 1, 0, 1,
 *   7, 10, 1, 6, 95, 115, 116, 97, 114, 116, 0, 0, 10, 9, 1, 7, 0, 3, 64, 12,
 *   0, 11, 11,
 * ]);
 * const { bytes } = withImportedMemory(spin, 1);
 * const cell = new InterruptCell();
 * const instance = new WebAssembly.Instance(new WebAssembly.Module(withInterrupts(bytes)), {
 *   [MEMORY_IMPORT.module]: {
 *     [MEMORY_IMPORT.name]: new WebAssembly.Memory({ initial: 1, maximum: 1 }),
 *     [INTERRUPT_IMPORT.name]: cell.memory,
 *   },
 * });
 * cell.enter(7);
 * cell.request(7); // as the watchdog does from another thread
 * try {
 *   (instance.exports._start as () => void)();
 * } catch (trap) {
 *   console.log(cell.requested(7)); // true: the trap is the interrupt
 * }
 * ```
 */
export function withInterrupts(
  bytes: Uint8Array<ArrayBuffer>,
): Uint8Array<ArrayBuffer> {
  return rewrittenOr(bytes, rewrite);
}

/**
 * Why runs of `bytes` could not be stopped at their deadline, if they could
 * not: code holding an instruction the rewrite cannot step over (GC, ...)
 * gets no checks, and nothing else stops a guest that spins. Terminating
 * its worker does not: Deno's `Worker.terminate()` waits for the worker's
 * code to return to its event loop (measured with Deno 2.9.6: a worker
 * spinning in wasm, or in JavaScript, runs on for good), so each run of
 * such a guest past its deadline would hold a core until the node ends.
 *
 * @example
 * ```ts
 * import { interruptProblem } from "./interrupt.ts";
 * const bytes = await Deno.readFile("examples/echo/echo.wasm");
 * console.log(interruptProblem(bytes)); // undefined: every loop gets a check
 * ```
 */
export function interruptProblem(bytes: Uint8Array): string | undefined {
  try {
    const code = readSections(bytes).find((s) => s.id === CODE);
    if (!code) return undefined;
    forEachBody(bytes, code, (exprStart, end) => {
      for (let at = exprStart; at < end;) at = nextInstruction(bytes, at);
    });
    return undefined;
  } catch (error) {
    if (!(error instanceof BinaryError)) throw error;
    return `its code cannot be given deadline checks (${error.message}: ` +
      "eddy steps through WebAssembly 2.0 with tail calls, exceptions and " +
      "threads, not GC or later proposals), so a run past its timeout " +
      "could not be stopped";
  }
}

function rewrite(
  bytes: Uint8Array<ArrayBuffer>,
  { all, find }: Sections,
): Uint8Array<ArrayBuffer> | undefined {
  const code = find(CODE);
  const imported = countImports(bytes, find(IMPORT));
  // The added memory must come second: the guest's must be the one import.
  if (
    !code || imported.memoryImports.length !== 1 ||
    vecCount(bytes, find(MEMORY)) > 0
  ) {
    return undefined;
  }
  return reassemble(
    bytes,
    all,
    new Map<number, Uint8Array>([
      [
        IMPORT,
        appended(bytes, find(IMPORT), [
          ...name(INTERRUPT_IMPORT.module),
          ...name(INTERRUPT_IMPORT.name),
          0x02, // memory
          0x03, // has a maximum, shared
          1,
          1,
        ]),
      ],
      [CODE, rewriteCode(bytes, code)],
    ]),
  );
}

/** The code section with a check at every loop header and at the entry of every function that calls. */
function rewriteCode(bytes: Uint8Array, code: Section): Uint8Array {
  const bodies: Uint8Array[] = [];
  forEachBody(bytes, code, (exprStart, end, bodyStart) => {
    const loops: number[] = [];
    let calls = false;
    for (let at = exprStart; at < end;) {
      const next = nextInstruction(bytes, at);
      if (bytes[at] === LOOP) loops.push(next);
      else if (CALLS.has(bytes[at])) calls = true;
      at = next;
    }
    const parts: Uint8Array[] = [bytes.subarray(bodyStart, exprStart)];
    if (calls) parts.push(CHECK);
    let copied = exprStart;
    for (const header of loops) {
      parts.push(bytes.subarray(copied, header), CHECK);
      copied = header;
    }
    parts.push(bytes.subarray(copied, end));
    const body = concatBytes(parts);
    bodies.push(new Uint8Array(encodeU32(body.length)), body);
  });
  return concatBytes([
    bytes.subarray(code.payloadStart, readU32(bytes, code.payloadStart)[1]),
    ...bodies,
  ]);
}

/**
 * A job's tag in an {@link InterruptCell}: never 0 (which means none), and
 * the same for two jobs only 2³¹ sequence numbers apart.
 *
 * @example
 * ```ts
 * import { jobTag } from "./interrupt.ts";
 * console.log(jobTag(0)); // 1
 * ```
 */
export function jobTag(seq: number): number {
  return (seq % 0x7fff_ffff) + 1;
}

/**
 * The shared memory a worker's guests check (one per worker, shared with
 * the watchdog's isolate): the tag of the job asked to stop, and the tag of
 * the job on the CPU. Tags come from {@link jobTag}.
 *
 * @example
 * ```ts
 * import { InterruptCell } from "./interrupt.ts";
 * const cell = new InterruptCell();
 * cell.request(3);
 * console.log(cell.requested(3), cell.requested(4)); // true false
 * cell.clear(3);
 * console.log(cell.requested(3)); // false
 * ```
 */
export class InterruptCell {
  /** The memory to import as {@link INTERRUPT_IMPORT}. */
  readonly memory: WebAssembly.Memory;
  readonly #words: Int32Array;

  /** Wraps `memory` (one posted from another isolate), or makes a new one. */
  constructor(
    memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }),
  ) {
    this.memory = memory;
    this.#words = new Int32Array(memory.buffer, 0, 2);
  }

  /** Asks the job tagged `tag` to stop at its next check. */
  request(tag: number): void {
    Atomics.store(this.#words, REQUESTED_OFFSET / 4, tag);
  }

  /** Whether the job tagged `tag` is the one asked to stop. */
  requested(tag: number): boolean {
    return Atomics.load(this.#words, REQUESTED_OFFSET / 4) === tag;
  }

  /** Withdraws a request for `tag` (one for another job stays). */
  clear(tag: number): void {
    Atomics.compareExchange(this.#words, REQUESTED_OFFSET / 4, tag, 0);
  }

  /** Says which job is on the CPU now: `tag`, or 0 for none. */
  enter(tag: number): void {
    Atomics.store(this.#words, CURRENT_OFFSET / 4, tag);
  }
}

/**
 * Whether `module` was rewritten by {@link withInterrupts} (it imports
 * {@link INTERRUPT_IMPORT}), and so can be stopped without its worker.
 *
 * @example
 * ```ts ignore
 * if (interruptible(compiled.module)) cell.request(jobTag(seq));
 * ```
 */
export function interruptible(module: WebAssembly.Module): boolean {
  let known = rewritten.get(module);
  if (known === undefined) {
    known = WebAssembly.Module.imports(module).some((i) =>
      i.module === INTERRUPT_IMPORT.module && i.name === INTERRUPT_IMPORT.name
    );
    rewritten.set(module, known);
  }
  return known;
}

const rewritten = new WeakMap<WebAssembly.Module, boolean>();
