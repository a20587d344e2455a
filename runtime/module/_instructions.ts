/**
 * Walking a function body instruction by instruction: enough of the
 * WebAssembly instruction encoding (MVP, sign extension, saturating
 * truncation, bulk memory, reference types, multi-value, tail calls,
 * exceptions, SIMD, threads) to skip every immediate. An instruction of a
 * proposal not listed here (GC, ...) throws {@link BinaryError}, so that a
 * caller rewriting code leaves such a module as it is.
 *
 * @module
 */
import { BinaryError, readU32 } from "./_binary.ts";

/** Skips a signed LEB128 of at most `bits` bits at `at`; returns the next offset. */
export function skipSigned(
  bytes: Uint8Array,
  at: number,
  bits: number,
): number {
  const end = at + Math.ceil(bits / 7);
  while (at < end) {
    if (at >= bytes.length) throw new BinaryError("truncated integer");
    if ((bytes[at++] & 0x80) === 0) return at;
  }
  throw new BinaryError("integer too long");
}

/** `(ref null ht)` and `(ref ht)` are followed by a heap type. */
const REF_WITH_HEAP_TYPE = new Set([0x63, 0x64]);

/** Skips a value type at `at` (a byte, or a typed reference). */
export function skipValType(bytes: Uint8Array, at: number): number {
  const byte = bytes[at];
  return REF_WITH_HEAP_TYPE.has(byte) ? skipSigned(bytes, at + 1, 33) : at + 1;
}

function skipBlockType(bytes: Uint8Array, at: number): number {
  return REF_WITH_HEAP_TYPE.has(bytes[at])
    ? skipValType(bytes, at)
    : skipSigned(bytes, at, 33);
}

function skipU32(bytes: Uint8Array, at: number, count = 1): number {
  for (let i = 0; i < count; i++) at = readU32(bytes, at)[1];
  return at;
}

function skipMemArg(bytes: Uint8Array, at: number): number {
  const [align, next] = readU32(bytes, at);
  // Bit 6 of the alignment says a memory index follows (multi-memory).
  return skipU32(bytes, next, align & 0x40 ? 2 : 1);
}

/** Single-byte opcodes followed by exactly one u32 immediate. */
const ONE_U32 = new Set([
  0x07, // catch
  0x08, // throw
  0x09, // rethrow
  0x0c, // br
  0x0d, // br_if
  0x10, // call
  0x12, // return_call
  0x14, // call_ref
  0x15, // return_call_ref
  0x18, // delegate
  0x20, // local.get
  0x21, // local.set
  0x22, // local.tee
  0x23, // global.get
  0x24, // global.set
  0x25, // table.get
  0x26, // table.set
  0x3f, // memory.size
  0x40, // memory.grow
  0xd2, // ref.func
  0xd5, // br_on_null
  0xd6, // br_on_non_null
]);

/** Single-byte opcodes without immediates. */
function noImmediate(op: number): boolean {
  return op <= 0x01 || op === 0x05 || op === 0x0a || op === 0x0b ||
    op === 0x0f || op === 0x19 || op === 0x1a || op === 0x1b ||
    (op >= 0x45 && op <= 0xc4) || op === 0xd1 || op === 0xd3 || op === 0xd4;
}

/**
 * The offset just past the instruction at `at` (its opcode and
 * immediates).
 *
 * @example
 * ```ts ignore
 * for (let at = bodyStart; at < bodyEnd; at = nextInstruction(bytes, at)) { ... }
 * ```
 */
export function nextInstruction(bytes: Uint8Array, at: number): number {
  const op = bytes[at++];
  if (noImmediate(op)) return at;
  if (ONE_U32.has(op)) return skipU32(bytes, at);
  if (op >= 0x28 && op <= 0x3e) return skipMemArg(bytes, at);
  switch (op) {
    case 0x02: // block
    case 0x03: // loop
    case 0x04: // if
    case 0x06: // try
      return skipBlockType(bytes, at);
    case 0x0e: { // br_table
      const [count, next] = readU32(bytes, at);
      return skipU32(bytes, next, count + 1);
    }
    case 0x11: // call_indirect
    case 0x13: // return_call_indirect
      return skipU32(bytes, at, 2);
    case 0x1c: { // select t*
      let [count, next] = readU32(bytes, at);
      while (count-- > 0) next = skipValType(bytes, next);
      return next;
    }
    case 0x1f: { // try_table
      let [count, next] = readU32(bytes, skipBlockType(bytes, at));
      while (count-- > 0) {
        const kind = bytes[next++];
        next = skipU32(bytes, next, kind <= 1 ? 2 : 1);
      }
      return next;
    }
    case 0x41: // i32.const
      return skipSigned(bytes, at, 32);
    case 0x42: // i64.const
      return skipSigned(bytes, at, 64);
    case 0x43: // f32.const
      return at + 4;
    case 0x44: // f64.const
      return at + 8;
    case 0xd0: // ref.null
      return skipSigned(bytes, at, 33);
    case 0xfc:
      return skipMisc(bytes, at);
    case 0xfd:
      return skipSimd(bytes, at);
    case 0xfe:
      return skipAtomic(bytes, at);
  }
  throw new BinaryError(`unsupported opcode 0x${op.toString(16)}`);
}

function skipMisc(bytes: Uint8Array, at: number): number {
  const [sub, next] = readU32(bytes, at);
  if (sub <= 7) return next; // saturating truncations
  if (sub === 8 || sub === 10 || sub === 12 || sub === 14) {
    return skipU32(bytes, next, 2); // memory.init/copy, table.init/copy
  }
  if (sub <= 17) return skipU32(bytes, next); // drops, fills, table.grow/size
  throw new BinaryError(`unsupported opcode 0xfc ${sub}`);
}

function skipSimd(bytes: Uint8Array, at: number): number {
  const [sub, next] = readU32(bytes, at);
  if (sub <= 11 || sub === 92 || sub === 93) return skipMemArg(bytes, next);
  if (sub === 12 || sub === 13) return next + 16; // v128.const, shuffle
  if (sub >= 21 && sub <= 34) return next + 1; // lane index
  if (sub >= 84 && sub <= 91) return skipMemArg(bytes, next) + 1;
  if (sub <= 0x113) return next;
  throw new BinaryError(`unsupported opcode 0xfd ${sub}`);
}

function skipAtomic(bytes: Uint8Array, at: number): number {
  const [sub, next] = readU32(bytes, at);
  if (sub === 0x03) return next + 1; // atomic.fence
  if (sub <= 0x02 || (sub >= 0x10 && sub <= 0x4e)) {
    return skipMemArg(bytes, next);
  }
  throw new BinaryError(`unsupported opcode 0xfe ${sub}`);
}
