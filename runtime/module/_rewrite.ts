/**
 * What the code rewrites (`grow_hook.ts`, `interrupt.ts`) share: reading
 * the counts that fix where an added type, function or global lands, walking
 * function bodies, and putting a module back together with some sections
 * replaced or added in their proper place.
 *
 * @module
 */
import { concatBytes } from "../bytes.ts";
import {
  BinaryError,
  encodeU32,
  readSections,
  readU32,
  type Section,
} from "./_binary.ts";
import { skipValType } from "./_instructions.ts";

/** A module's sections, as a rewrite is handed them. */
export interface Sections {
  all: Section[];
  /** The section of id `id`, if the module has one. */
  find(id: number): Section | undefined;
}

/**
 * `rewrite(bytes, its sections)`, or `bytes` itself when it declines
 * (`undefined`) or the module uses what the walk does not know
 * ({@link BinaryError}).
 *
 * @example
 * ```ts ignore
 * export const withHook = (bytes) => rewrittenOr(bytes, rewrite);
 * ```
 */
export function rewrittenOr(
  bytes: Uint8Array<ArrayBuffer>,
  rewrite: (
    bytes: Uint8Array<ArrayBuffer>,
    sections: Sections,
  ) => Uint8Array<ArrayBuffer> | undefined,
): Uint8Array<ArrayBuffer> {
  try {
    const all = readSections(bytes);
    const find = (id: number) => all.find((s) => s.id === id);
    return rewrite(bytes, { all, find }) ?? bytes;
  } catch (error) {
    if (error instanceof BinaryError) return bytes;
    throw error;
  }
}

/** Section ids. */
export const TYPE = 1,
  IMPORT = 2,
  FUNCTION = 3,
  MEMORY = 5,
  GLOBAL = 6,
  EXPORT = 7,
  START = 8,
  CODE = 10;
/** Where each known section id goes in a module (custom sections aside). */
const ORDER = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];

/**
 * The module `bytes` (split in `sections`) with the sections of `payloads`
 * put in: one the module has is replaced, one it lacks goes where the
 * binary order wants it.
 *
 * @example
 * ```ts ignore
 * const out = reassemble(bytes, readSections(bytes), new Map([[CODE, code]]));
 * ```
 */
export function reassemble(
  bytes: Uint8Array,
  sections: Section[],
  replaced: Map<number, Uint8Array>,
): Uint8Array<ArrayBuffer> {
  const payloads = new Map(replaced);
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  const emit = (id: number) => {
    const payload = payloads.get(id)!;
    parts.push(new Uint8Array([id, ...encodeU32(payload.length)]), payload);
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
  return concatBytes(parts);
}

function byOrder(a: number, b: number): number {
  return ORDER.indexOf(a) - ORDER.indexOf(b);
}

/**
 * Calls `visit` with the instructions' range of every function body (after
 * its locals) and where the body starts.
 *
 * @example
 * ```ts ignore
 * forEachBody(bytes, code, (exprStart, end, bodyStart) => { ... });
 * ```
 */
export function forEachBody(
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
 * A vector section's payload with more entries, `entries`, at its end.
 *
 * @example
 * ```ts ignore
 * const types = appended(bytes, typeSection, [0x60, 0, 0]);
 * ```
 */
export function appended(
  bytes: Uint8Array,
  section: Section | undefined,
  ...entries: number[][]
): Uint8Array {
  const added = new Uint8Array(entries.flat());
  if (!section) {
    return concatBytes([new Uint8Array(encodeU32(entries.length)), added]);
  }
  const [count, entriesAt] = readU32(bytes, section.payloadStart);
  return concatBytes([
    new Uint8Array(encodeU32(count + entries.length)),
    bytes.subarray(entriesAt, section.end),
    added,
  ]);
}

/**
 * The entry count of a vector section (0 when the module lacks it).
 *
 * @example
 * ```ts ignore
 * const definedFuncs = vecCount(bytes, functionSection);
 * ```
 */
export function vecCount(
  bytes: Uint8Array,
  section: Section | undefined,
): number {
  return section ? readU32(bytes, section.payloadStart)[0] : 0;
}

/**
 * How many types the type section declares: function types only (a GC
 * recursion group, whose types count otherwise, is a {@link BinaryError}).
 *
 * @example
 * ```ts ignore
 * const newTypeIndex = countTypes(bytes, typeSection);
 * ```
 */
export function countTypes(
  bytes: Uint8Array,
  section: Section | undefined,
): number {
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

/** What the import section brings in, by kind. */
export interface ImportCounts {
  funcs: number;
  tables: number;
  globals: number;
  /** The `module` and `name` of each imported memory, in order. */
  memoryImports: { module: string; name: string }[];
}

/**
 * Counts the imports of each kind.
 *
 * @example
 * ```ts ignore
 * const { funcs } = countImports(bytes, importSection);
 * ```
 */
export function countImports(
  bytes: Uint8Array,
  section: Section | undefined,
): ImportCounts {
  const counts: ImportCounts = {
    funcs: 0,
    tables: 0,
    globals: 0,
    memoryImports: [],
  };
  if (!section) return counts;
  let [count, at] = readU32(bytes, section.payloadStart);
  while (count-- > 0) {
    const moduleAt = at;
    const nameAt = skipName(bytes, moduleAt);
    at = skipName(bytes, nameAt);
    const kind = bytes[at++];
    if (kind === 0) {
      counts.funcs++;
      at = readU32(bytes, at)[1];
    } else if (kind === 1) {
      counts.tables++;
      at = skipLimits(bytes, skipValType(bytes, at));
    } else if (kind === 2) {
      counts.memoryImports.push({
        module: readName(bytes, moduleAt),
        name: readName(bytes, nameAt),
      });
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

/**
 * The names a module exports.
 *
 * @example
 * ```ts ignore
 * if (readExportNames(bytes, exportSection).has("memory")) { ... }
 * ```
 */
export function readExportNames(
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

function readName(bytes: Uint8Array, at: number): string {
  const [length, start] = readU32(bytes, at);
  return new TextDecoder().decode(bytes.subarray(start, start + length));
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

/**
 * A name as the binary format writes it: its UTF-8 length, then its bytes.
 *
 * @example
 * ```ts ignore
 * const entry = [...name("eddy:runtime"), ...name("memory"), 0x02, ...];
 * ```
 */
export function name(text: string): number[] {
  const encoded = new TextEncoder().encode(text);
  return [...encodeU32(encoded.length), ...encoded];
}
