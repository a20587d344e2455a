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
import { BinaryError, encodeU32, readSections, readU32 } from "./_binary.ts";
import type { Section } from "./_binary.ts";
import { nextInstruction, skipValType } from "./_instructions.ts";

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

const TYPE = 1, IMPORT = 2, FUNCTION = 3, GLOBAL = 6, EXPORT = 7, CODE = 10;
/** Where each known section id goes in a module (custom sections aside). */
const ORDER = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];
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
  try {
    return rewrite(bytes) ?? bytes;
  } catch (error) {
    if (error instanceof BinaryError) return bytes;
    throw error;
  }
}

function rewrite(
  bytes: Uint8Array<ArrayBuffer>,
): Uint8Array<ArrayBuffer> | undefined {
  const sections = readSections(bytes);
  const find = (id: number) => sections.find((s) => s.id === id);
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

  const payloads = new Map<number, Uint8Array>([
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
  ]);
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  const emit = (id: number) => {
    const payload = payloads.get(id)!;
    parts.push(
      new Uint8Array([id, ...encodeU32(payload.length)]),
      payload,
    );
    payloads.delete(id);
  };
  for (const section of sections) {
    // Sections the module lacks go before the first that must follow them.
    for (const id of [...payloads.keys()].sort(byOrder)) {
      if (section.id !== 0 && byOrder(id, section.id) < 0) emit(id);
    }
    if (payloads.has(section.id)) emit(section.id);
    else parts.push(bytes.subarray(section.start, section.end));
  }
  for (const id of [...payloads.keys()].sort(byOrder)) emit(id);
  return concat(parts);
}

function byOrder(a: number, b: number): number {
  return ORDER.indexOf(a) - ORDER.indexOf(b);
}

/** Calls `visit` with the instructions' range of every function body. */
function forEachBody(
  bytes: Uint8Array,
  code: Section,
  visit: (exprStart: number, end: number, bodyStart: number) => void,
): void {
  let [count, at] = readU32(bytes, code.payloadStart);
  while (count-- > 0) {
    const [size, bodyStart] = readU32(bytes, at);
    const end = bodyStart + size;
    let [locals, next] = readU32(bytes, bodyStart);
    while (locals-- > 0) next = skipValType(bytes, readU32(bytes, next)[1]);
    visit(next, end, bodyStart);
    at = end;
  }
  if (at !== code.end) throw new BinaryError("code section has trailing bytes");
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
    const body = concat(parts);
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
  return concat([new Uint8Array(encodeU32(count + 1)), ...bodies]);
}

/** A vector section's payload with one more entry, `entry`, at its end. */
function appended(
  bytes: Uint8Array,
  section: Section | undefined,
  entry: number[],
): Uint8Array {
  if (!section) return new Uint8Array([1, ...entry]);
  const [count, entriesAt] = readU32(bytes, section.payloadStart);
  return concat([
    new Uint8Array(encodeU32(count + 1)),
    bytes.subarray(entriesAt, section.end),
    new Uint8Array(entry),
  ]);
}

function vecCount(bytes: Uint8Array, section: Section | undefined): number {
  return section ? readU32(bytes, section.payloadStart)[0] : 0;
}

/** Function types only (no GC recursion groups, whose types count otherwise). */
function countTypes(bytes: Uint8Array, section: Section | undefined): number {
  if (!section) return 0;
  let [count, at] = readU32(bytes, section.payloadStart);
  const types = count;
  while (count-- > 0) {
    if (bytes[at++] !== 0x60) throw new BinaryError("not a function type");
    for (let list = 0; list < 2; list++) {
      let [n, next] = readU32(bytes, at);
      while (n-- > 0) next = skipValType(bytes, next);
      at = next;
    }
  }
  return types;
}

function countImports(
  bytes: Uint8Array,
  section: Section | undefined,
): { funcs: number; globals: number } {
  const counts = { funcs: 0, globals: 0 };
  if (!section) return counts;
  let [count, at] = readU32(bytes, section.payloadStart);
  while (count-- > 0) {
    at = skipName(bytes, skipName(bytes, at));
    const kind = bytes[at++];
    if (kind === 0) {
      counts.funcs++;
      at = readU32(bytes, at)[1];
    } else if (kind === 1) {
      at = skipLimits(bytes, skipValType(bytes, at));
    } else if (kind === 2) {
      at = skipLimits(bytes, at);
    } else if (kind === 3) {
      counts.globals++;
      at = skipValType(bytes, at) + 1;
    } else if (kind === 4) {
      at = readU32(bytes, at + 1)[1];
    } else {
      throw new BinaryError(`unknown import kind ${kind}`);
    }
  }
  return counts;
}

function readExportNames(
  bytes: Uint8Array,
  section: Section | undefined,
): Set<string> {
  const names = new Set<string>();
  if (!section) return names;
  let [count, at] = readU32(bytes, section.payloadStart);
  while (count-- > 0) {
    const [length, start] = readU32(bytes, at);
    names.add(new TextDecoder().decode(bytes.subarray(start, start + length)));
    at = readU32(bytes, start + length + 1)[1];
  }
  return names;
}

function skipName(bytes: Uint8Array, at: number): number {
  const [length, start] = readU32(bytes, at);
  return start + length;
}

function skipLimits(bytes: Uint8Array, at: number): number {
  const [flags, next] = readU32(bytes, at);
  // 64-bit limits are LEB128 u64; skipped the same way, byte by byte.
  let end = skipLeb(bytes, next);
  if (flags & 1) end = skipLeb(bytes, end);
  return end;
}

function skipLeb(bytes: Uint8Array, at: number): number {
  for (let i = 0; i < 10; i++) {
    if (at >= bytes.length) throw new BinaryError("truncated integer");
    if ((bytes[at++] & 0x80) === 0) return at;
  }
  throw new BinaryError("integer too long");
}

function name(text: string): number[] {
  const encoded = new TextEncoder().encode(text);
  return [...encodeU32(encoded.length), ...encoded];
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
