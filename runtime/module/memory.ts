/**
 * A module's linear memory: reading its declared limits from the binary, and
 * capping its maximum so that `memory.grow` past a function's memory limit
 * fails inside the guest (it sees -1) instead of taking host memory.
 *
 * @module
 */
import { concatBytes } from "../bytes.ts";
import { formatBytes } from "../format.ts";
import { ModuleError } from "../errors.ts";
import {
  BinaryError,
  encodeU32,
  readSections,
  readU32,
  type Section,
} from "./_binary.ts";

/**
 * Bytes in one WebAssembly page.
 *
 * @example
 * ```ts
 * import { PAGE_BYTES } from "./memory.ts";
 * console.log(128 * 1024 * 1024 / PAGE_BYTES); // 2048 pages
 * ```
 */
export const PAGE_BYTES = 65536;

/**
 * Most pages a 32-bit memory can have (4 GiB).
 *
 * @example
 * ```ts
 * import { MAX_PAGES, PAGE_BYTES } from "./memory.ts";
 * console.log(MAX_PAGES * PAGE_BYTES); // 4294967296
 * ```
 */
export const MAX_PAGES = 65536;

const IMPORT_SECTION = 2;
const MEMORY_SECTION = 5;
const HAS_MAX = 0x01;
const SHARED = 0x02;
const MEMORY64 = 0x04;

/**
 * The limits a module declares for the memory it defines, in pages.
 *
 * @example
 * ```ts
 * import type { MemoryLimits } from "./memory.ts";
 * const limits: MemoryLimits = { initialPages: 2, maxPages: 16 };
 * ```
 */
export interface MemoryLimits {
  initialPages: number;
  /** Absent when the module declares no maximum (it may grow to 4 GiB). */
  maxPages?: number;
}

/**
 * What the memory section says: the limits of the one defined memory, or the
 * problems that make it unusable by eddy.
 *
 * @example
 * ```ts
 * import type { DefinedMemory } from "./memory.ts";
 * const none: DefinedMemory = { problems: [] }; // the module defines no memory
 * ```
 */
export interface DefinedMemory {
  /** Absent when the module defines no memory, or when `problems` is not empty. */
  limits?: MemoryLimits;
  problems: string[];
}

/**
 * Reads the limits of the memory a module defines (not one it imports).
 * Shared and 64-bit memories and more than one memory are reported as
 * problems. Throws {@link ModuleError} when the binary framing is broken.
 *
 * @example
 * ```ts
 * import { readDefinedMemory } from "./memory.ts";
 * // (module (memory 1 4))
 * const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 4, 1, 1, 1, 4]);
 * console.log(readDefinedMemory(bytes)); // { limits: { initialPages: 1, maxPages: 4 }, problems: [] }
 * ```
 */
export function readDefinedMemory(bytes: Uint8Array): DefinedMemory {
  const found = _findMemory(bytes);
  return found.entry
    ? { limits: found.entry.limits, problems: [] }
    : { problems: found.problems };
}

/**
 * Returns module bytes whose memory maximum is at most `maxPages`: the
 * declared maximum is lowered (never raised) and a memory without one gets
 * one. Returns `bytes` itself when the declared maximum already fits.
 *
 * Throws {@link ModuleError} when the module needs more initial pages than
 * `maxPages`, defines no memory of its own, or has one eddy refuses (shared,
 * 64-bit, several).
 *
 * @example
 * ```ts
 * import { withMemoryLimit } from "./memory.ts";
 * // (module (memory 1)): no maximum, may grow to 4 GiB
 * const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 3, 1, 0, 1]);
 * const capped = withMemoryLimit(bytes, 16); // now (memory 1 16): grow fails past 1 MiB
 * ```
 */
export function withMemoryLimit<B extends ArrayBufferLike>(
  bytes: Uint8Array<B>,
  maxPages: number,
): Uint8Array<B | ArrayBuffer> {
  if (!Number.isInteger(maxPages) || maxPages < 0 || maxPages > MAX_PAGES) {
    throw new RangeError(`maxPages must be an integer in 0..${MAX_PAGES}`);
  }
  const { entry, problems } = _findMemory(bytes);
  if (!entry) {
    throw new ModuleError(
      problems.length ? problems : [
        "defines no memory of its own, so its memory cannot be limited",
      ],
    );
  }
  const { initialPages, maxPages: declared } = entry.limits;
  if (initialPages > maxPages) {
    throw new ModuleError([initialMemoryProblem(initialPages, maxPages)]);
  }
  if (declared !== undefined && declared <= maxPages) return bytes;

  const { section } = entry;
  const payload = [
    ...encodeU32(1),
    HAS_MAX,
    ...encodeU32(initialPages),
    ...encodeU32(maxPages),
  ];
  // The payload may have changed length, so the section header is re-encoded.
  const header = [MEMORY_SECTION, ...encodeU32(payload.length)];
  const out = new Uint8Array(
    section.start + header.length + payload.length + bytes.length -
      section.end,
  );
  out.set(bytes.subarray(0, section.start));
  out.set(header, section.start);
  out.set(payload, section.start + header.length);
  out.set(
    bytes.subarray(section.end),
    section.start + header.length + payload.length,
  );
  return out;
}

/**
 * Where a module rewritten by {@link withImportedMemory} takes its memory
 * from. Guests cannot import it themselves: validation only admits
 * `wasi_snapshot_preview1` and `eddy`.
 */
export const MEMORY_IMPORT = {
  module: "eddy:runtime",
  name: "memory",
} as const;

/** A module whose memory is supplied by the host, and that memory's limits. */
export interface ImportedMemoryModule {
  bytes: Uint8Array<ArrayBuffer>;
  memory: Required<MemoryLimits>;
}

/**
 * Rewrites a module so that the memory it defines becomes an import
 * ({@link MEMORY_IMPORT}) with the same initial size and a maximum of at
 * most `maxPages`. The host can then hand it a recycled, zeroed memory
 * instead of a fresh one: V8 takes ~45 µs to fault in the first page of a
 * new wasm memory, against ~3 µs to instantiate with a reused one.
 *
 * Throws {@link ModuleError} like {@link withMemoryLimit}.
 *
 * @example
 * ```ts
 * import { MEMORY_IMPORT, withImportedMemory } from "./memory.ts";
 * // (module (memory 1))
 * const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 3, 1, 0, 1]);
 * const { bytes: rewritten, memory } = withImportedMemory(bytes, 16);
 * const module = new WebAssembly.Module(rewritten);
 * new WebAssembly.Instance(module, {
 *   [MEMORY_IMPORT.module]: { [MEMORY_IMPORT.name]: new WebAssembly.Memory({ initial: memory.initialPages, maximum: memory.maxPages }) },
 * });
 * ```
 */
export function withImportedMemory(
  bytes: Uint8Array,
  maxPages: number,
): ImportedMemoryModule {
  const capped = withMemoryLimit(bytes, maxPages);
  const { entry } = _findMemory(capped);
  const limits = entry!.limits;
  const memory = {
    initialPages: limits.initialPages,
    maxPages: Math.min(limits.maxPages ?? maxPages, maxPages),
  };
  const text = new TextEncoder();
  const name = (
    s: string,
  ) => [...encodeU32(text.encode(s).length), ...text.encode(s)];
  const importEntry = [
    ...name(MEMORY_IMPORT.module),
    ...name(MEMORY_IMPORT.name),
    0x02, // import kind: memory
    HAS_MAX,
    ...encodeU32(memory.initialPages),
    ...encodeU32(memory.maxPages),
  ];
  const sections = readSections(capped);
  const imports = sections.find((s) => s.id === IMPORT_SECTION);
  let importSection: number[];
  let replaceFrom: number;
  let replaceTo: number;
  if (imports) {
    const [count, entriesAt] = readU32(capped, imports.payloadStart);
    const payload = [
      ...encodeU32(count + 1),
      ...capped.subarray(entriesAt, imports.end),
      ...importEntry,
    ];
    importSection = [IMPORT_SECTION, ...encodeU32(payload.length), ...payload];
    [replaceFrom, replaceTo] = [imports.start, imports.end];
  } else {
    const payload = [...encodeU32(1), ...importEntry];
    importSection = [IMPORT_SECTION, ...encodeU32(payload.length), ...payload];
    // Sections after imports in the binary order are every known id but 0
    // (custom, which may sit anywhere) and 1 (types).
    const next = sections.find((s) => s.id > IMPORT_SECTION);
    replaceFrom = replaceTo = next ? next.start : capped.length;
  }
  const memorySection = entry!.section;
  const parts: Uint8Array[] = [
    capped.subarray(0, replaceFrom),
    new Uint8Array(importSection),
    capped.subarray(replaceTo, memorySection.start),
    capped.subarray(memorySection.end),
  ];
  return { bytes: concatBytes(parts), memory };
}

/**
 * How many whole pages fit in a memory limit of `bytes` (at most
 * {@link MAX_PAGES}): the page limit a byte limit means.
 *
 * @example
 * ```ts
 * import { pagesWithin } from "./memory.ts";
 * console.log(pagesWithin(1024 * 1024 + 1)); // 16
 * ```
 */
export function pagesWithin(bytes: number): number {
  return Math.min(MAX_PAGES, Math.floor(bytes / PAGE_BYTES));
}

/**
 * The message for a module whose initial memory exceeds a limit.
 *
 * @example
 * ```ts
 * import { initialMemoryProblem } from "./memory.ts";
 * console.log(initialMemoryProblem(32, 16)); // "module needs 2 MiB initial memory, limit is 1 MiB"
 * ```
 */
export function initialMemoryProblem(
  initialPages: number,
  maxPages: number,
): string {
  return `module needs ${formatBytes(initialPages * PAGE_BYTES)} ` +
    `initial memory, limit is ${formatBytes(maxPages * PAGE_BYTES)}`;
}

interface _MemoryEntry {
  section: Section;
  limits: MemoryLimits;
}

/** The single, plain memory entry, or why there is none usable. */
function _findMemory(
  bytes: Uint8Array,
): { entry?: _MemoryEntry; problems: string[] } {
  try {
    const section = readSections(bytes).find((s) => s.id === MEMORY_SECTION);
    if (!section) return { problems: [] };
    const [count, flagsAt] = readU32(bytes, section.payloadStart);
    if (count === 0) return { problems: [] };
    if (count > 1) {
      return {
        problems: [`defines ${count} memories; eddy supports exactly one`],
      };
    }
    const [flags, minAt] = readU32(bytes, flagsAt);
    const problems = _flagProblems(flags);
    // A 64-bit or unknown layout cannot be read further; refuse it as is.
    if (problems.length) return { problems };
    const [initialPages, maxAt] = readU32(bytes, minAt);
    const limits: MemoryLimits = { initialPages };
    let entryEnd = maxAt;
    if (flags & HAS_MAX) [limits.maxPages, entryEnd] = readU32(bytes, maxAt);
    if (entryEnd !== section.end) {
      throw new BinaryError("memory section has trailing bytes");
    }
    return { entry: { section, limits }, problems: [] };
  } catch (error) {
    if (error instanceof BinaryError) {
      throw new ModuleError([`malformed module: ${error.message}`]);
    }
    throw error;
  }
}

function _flagProblems(flags: number): string[] {
  const problems: string[] = [];
  if (flags & SHARED) {
    problems.push("memory is shared (threads); eddy supports unshared memory");
  }
  if (flags & MEMORY64) {
    problems.push("memory is 64-bit (memory64); eddy supports 32-bit memory");
  }
  const unknown = flags & ~(HAS_MAX | SHARED | MEMORY64);
  if (unknown) {
    problems.push(
      `memory has unsupported limits flags 0x${unknown.toString(16)}`,
    );
  }
  return problems;
}
