/**
 * Just enough of the WebAssembly binary format to find and rewrite sections:
 * the header, the section framing and unsigned LEB128 integers.
 *
 * @module
 */

/** `\0asm` followed by version 1. */
const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** One section of a module: its id and where its bytes are. */
export interface Section {
  /** Section id (5 = memory, 2 = import, ...). */
  id: number;
  /** Offset of the id byte. */
  start: number;
  /** Offset of the first payload byte. */
  payloadStart: number;
  /** Offset just past the payload. */
  end: number;
}

/** Thrown when the bytes are not a structurally sound module. */
export class BinaryError extends Error {}

/** Whether `bytes` starts with the wasm magic number and version 1. */
export function hasWasmHeader(bytes: Uint8Array): boolean {
  return bytes.length >= HEADER.length &&
    HEADER.every((byte, i) => bytes[i] === byte);
}

/** Lists the module's sections in order; {@link BinaryError} on bad framing. */
export function readSections(bytes: Uint8Array): Section[] {
  if (!hasWasmHeader(bytes)) throw new BinaryError("not a wasm module");
  const sections: Section[] = [];
  for (let offset = HEADER.length; offset < bytes.length;) {
    const [size, payloadStart] = readU32(bytes, offset + 1);
    const end = payloadStart + size;
    if (end > bytes.length) {
      throw new BinaryError(`section ${bytes[offset]} extends past the end`);
    }
    sections.push({ id: bytes[offset], start: offset, payloadStart, end });
    offset = end;
  }
  return sections;
}

/** Reads an unsigned 32-bit LEB128 at `offset`: `[value, next offset]`. */
export function readU32(bytes: Uint8Array, offset: number): [number, number] {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (offset >= bytes.length) throw new BinaryError("truncated integer");
    const byte = bytes[offset++];
    // Multiplication instead of << keeps bit 31 from turning the value negative.
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) {
      if (value > 0xffff_ffff) throw new BinaryError("integer too large");
      return [value, offset];
    }
  }
  throw new BinaryError("integer too long");
}

/** Encodes `value` (0 ≤ value < 2³²) as a minimal unsigned LEB128. */
export function encodeU32(value: number): number[] {
  const out: number[] = [];
  do {
    const low = value % 0x80;
    value = Math.floor(value / 0x80);
    out.push(value === 0 ? low : low | 0x80);
  } while (value !== 0);
  return out;
}
