/**
 * Sizes and durations as people write them in manifests: `64MiB`, `1MB`,
 * `512KiB`, `4096` (bytes); `5s`, `250ms`, `1m`, `1h`, `300` (milliseconds).
 *
 * @module
 */
import { ManifestError } from "../errors.ts";

// Sizes print the way manifests write them; runtime/module uses it too.
export { formatBytes } from "../format.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** Unit → bytes; looked up lower-cased, so `mib`, `MiB` and `MIB` all work. */
const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: KiB,
  mib: MiB,
  gib: GiB,
};

/** Unit → milliseconds; a bare number is milliseconds. */
const DURATION_UNITS: Record<string, number> = {
  "": 1,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const QUANTITY = /^(\d+)(?:\.(\d+))?\s*([a-z]*)$/i;

/**
 * Parses a size into bytes: a whole number of bytes, or a number with a
 * decimal (KB, MB, GB) or binary (KiB, MiB, GiB) unit. Throws
 * {@link ManifestError} (without a field; callers add it) when the value is
 * not a size or not a whole number of bytes.
 *
 * @example
 * ```ts
 * import { parseBytes } from "./units.ts";
 * console.log(parseBytes("64MiB"), parseBytes("1.5KB"), parseBytes(4096)); // 67108864 1500 4096
 * ```
 */
export function parseBytes(value: string | number): number {
  return _parseQuantity(
    value,
    SIZE_UNITS,
    "a size like 64MiB, 1MB, 512KiB or 4096 (bytes)",
    "bytes",
  );
}

/**
 * Parses a duration into milliseconds: `250ms`, `5s`, `1.5m`, `1h`, or a
 * number of milliseconds. Throws {@link ManifestError} (without a field)
 * when the value is not a duration or not a whole number of milliseconds.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./units.ts";
 * console.log(parseDuration("5s"), parseDuration("250ms"), parseDuration(100)); // 5000 250 100
 * ```
 */
export function parseDuration(value: string | number): number {
  return _parseQuantity(
    value,
    DURATION_UNITS,
    "a duration like 5s, 250ms, 1m or a number of milliseconds",
    "milliseconds",
  );
}

/**
 * Formats milliseconds with the largest unit that divides them, for messages.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./units.ts";
 * console.log(formatDuration(3_600_000), formatDuration(1500)); // "1h" "1500ms"
 * ```
 */
export function formatDuration(ms: number): string {
  for (const unit of ["h", "m", "s"]) {
    if (ms !== 0 && ms % DURATION_UNITS[unit] === 0) {
      return `${ms / DURATION_UNITS[unit]}${unit}`;
    }
  }
  return `${ms}ms`;
}

function _parseQuantity(
  value: string | number,
  units: Record<string, number>,
  expected: string,
  whole: string,
): number {
  let result: number;
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) {
      throw new ManifestError(`must be ${expected}; got ${value}`);
    }
    result = value;
  } else {
    const match = QUANTITY.exec(String(value).trim());
    const factor = match && Object.hasOwn(units, match[3].toLowerCase())
      ? units[match[3].toLowerCase()]
      : undefined;
    if (!match || factor === undefined) {
      throw new ManifestError(`must be ${expected}; got '${value}'`);
    }
    // Integer arithmetic on the digits keeps "1.1MB" exactly 1100000.
    const fraction = match[2] ?? "";
    result = Number(match[1] + fraction) * factor / 10 ** fraction.length;
  }
  if (result > Number.MAX_SAFE_INTEGER) {
    throw new ManifestError(`is too large; got '${value}'`);
  }
  if (!Number.isInteger(result)) {
    throw new ManifestError(
      `must be a whole number of ${whole}; got '${value}'`,
    );
  }
  return result;
}
