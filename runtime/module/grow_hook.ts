/**
 * Knowing that a guest's `memory.grow` was refused. V8 gives the host no
 * hook on growth, and a refused grow only shows inside the guest (it sees
 * -1, and C's malloc returns NULL), so a guest that then fails would look
 * like a plain exit or trap. The rewrite routes every `memory.grow` through
 * one added wasm function that grows the memory and, when that fails, keeps
 * the pages asked for in an exported global the host reads after the run.
 * The cost is one wasm-to-wasm call per grow; no host call, nothing on
 * any other instruction.
 *
 * @module
 */
import { concatBytes } from "../bytes.ts";
import { BinaryError, encodeU32, readU32 } from "./_binary.ts";
import type { Section } from "./_binary.ts";
import { nextInstruction } from "./_instructions.ts";
import {
  appended,
  CODE,
  countImports,
  countTypes,
  EXPORT,
  forEachBody,
  FUNCTION,
  GLOBAL,
  IMPORT,
  name,
  readExportNames,
  reassemble,
  rewrittenOr,
  type Sections,
  TYPE,
  vecCount,
} from "./_rewrite.ts";

/**
 * The export under which a rewritten module keeps the pages of its last
 * refused `memory.grow` (0 while none was refused).
 *
 * @example
 * ```ts ignore
 * const refused = instance.exports[REFUSED_GROW_EXPORT];
 * if (refused instanceof WebAssembly.Global && refused.value > 0) { ... }
 * ```
 */
export const REFUSED_GROW_EXPORT = "eddy:refused_grow";

const MEMORY_GROW = 0x40;
const CALL = 0x10;

/**
 * `bytes` with every `memory.grow` recording refusals (see
 * {@link REFUSED_GROW_EXPORT}); `bytes` itself when the module never grows
 * its memory or uses instructions this rewrite does not know (GC, ...).
 *
 * @example
 * ```ts
 * import { REFUSED_GROW_EXPORT, withGrowHook } from "./grow_hook.ts";
 * // (module (memory 1 1) (func (export "_start") (drop (memory.grow (i32.const 1)))))
 * const bytes = new Uint8Array([
 *   0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 1, 1,
 *   1, 7, 10, 1, 6, 95, 115, 116, 97, 114, 116, 0, 0, 10, 9, 1, 7, 0, 65, 1,
 *   64, 0, 26, 11,
 * ]);
 * const instance = new WebAssembly.Instance(new WebAssembly.Module(withGrowHook(bytes)));
 * (instance.exports._start as () => void)();
 * console.log((instance.exports[REFUSED_GROW_EXPORT] as WebAssembly.Global).value); // 1
 * ```
 */
export function withGrowHook(
  bytes: Uint8Array<ArrayBuffer>,
): Uint8Array<ArrayBuffer> {
  return rewrittenOr(bytes, rewrite);
}

function rewrite(
  bytes: Uint8Array<ArrayBuffer>,
  { all, find }: Sections,
): Uint8Array<ArrayBuffer> | undefined {
  const code = find(CODE);
  if (!code) return undefined;
  const exportNames = readExportNames(bytes, find(EXPORT));
  if (exportNames.has(REFUSED_GROW_EXPORT)) return undefined;
  const types = countTypes(bytes, find(TYPE));
  const imported = countImports(bytes, find(IMPORT));
  const hookFunc = imported.funcs + vecCount(bytes, find(FUNCTION));
  const refusedGlobal = imported.globals + vecCount(bytes, find(GLOBAL));
  const rewritten = rewriteCode(bytes, code, hookFunc, refusedGlobal);
  if (!rewritten) return undefined;

  return reassemble(
    bytes,
    all,
    new Map<number, Uint8Array>([
      [TYPE, appended(bytes, find(TYPE), [0x60, 1, 0x7f, 1, 0x7f])],
      [FUNCTION, appended(bytes, find(FUNCTION), encodeU32(types))],
      // (global (mut i32) (i32.const 0))
      [GLOBAL, appended(bytes, find(GLOBAL), [0x7f, 1, 0x41, 0, 0x0b])],
      [
        EXPORT,
        appended(bytes, find(EXPORT), [
          ...name(REFUSED_GROW_EXPORT),
          0x03,
          ...encodeU32(refusedGlobal),
        ]),
      ],
      [CODE, rewritten],
    ]),
  );
}

/**
 * The code section with each `memory.grow` a call of the hook, which is
 * added last; `undefined` when no function grows the memory.
 */
function rewriteCode(
  bytes: Uint8Array,
  code: Section,
  hookFunc: number,
  refusedGlobal: number,
): Uint8Array | undefined {
  const call = new Uint8Array([CALL, ...encodeU32(hookFunc)]);
  const bodies: Uint8Array[] = [];
  let grows = 0;
  forEachBody(bytes, code, (exprStart, end, bodyStart) => {
    const parts: Uint8Array[] = [];
    let copied = bodyStart;
    for (let at = exprStart; at < end;) {
      const next = nextInstruction(bytes, at);
      if (bytes[at] === MEMORY_GROW) {
        if (readU32(bytes, at + 1)[0] !== 0) {
          throw new BinaryError("memory.grow of a memory other than 0");
        }
        parts.push(bytes.subarray(copied, at), call);
        copied = next;
        grows++;
      }
      at = next;
    }
    parts.push(bytes.subarray(copied, end));
    const body = concatBytes(parts);
    bodies.push(new Uint8Array(encodeU32(body.length)), body);
  });
  if (grows === 0) return undefined;
  // (func (param $pages i32) (result i32) (local $got i32)
  //   (local.tee $got (memory.grow (local.get $pages)))
  //   (if (i32.eq (i32.const -1)) (then (global.set $refused (local.get $pages))))
  //   (local.get $got))
  const hook = [
    ...[1, 1, 0x7f],
    ...[0x20, 0, 0x40, 0, 0x22, 1, 0x41, 0x7f, 0x46, 0x04, 0x40],
    ...[0x20, 0, 0x24, ...encodeU32(refusedGlobal), 0x0b],
    ...[0x20, 1, 0x0b],
  ];
  bodies.push(new Uint8Array([...encodeU32(hook.length), ...hook]));
  const [count] = readU32(bytes, code.payloadStart);
  return concatBytes([new Uint8Array(encodeU32(count + 1)), ...bodies]);
}
