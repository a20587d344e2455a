import assert from "node:assert/strict";
import { ManifestError } from "../../../runtime/errors.ts";
import {
  formatBytes,
  formatDuration,
  parseBytes,
  parseDuration,
} from "../../../runtime/manifest/mod.ts";
import { statusOf } from "../../../api/status.ts";

function refusal(fn: () => unknown): ManifestError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ManifestError, String(error));
    assert.equal(error.code, "invalid_manifest");
    assert.equal(statusOf(error), 400);
    assert.deepEqual(error.details, {});
    return error;
  }
  throw new Error("expected a ManifestError");
}

Deno.test("parseBytes reads bytes, decimal and binary units", () => {
  const cases: [string | number, number][] = [
    [4096, 4096],
    ["4096", 4096],
    ["100B", 100],
    ["1KB", 1000],
    ["1MB", 1_000_000],
    ["2GB", 2_000_000_000],
    ["512KiB", 524_288],
    ["64MiB", 67_108_864],
    ["4GiB", 4_294_967_296],
    ["64 MiB", 67_108_864],
    ["64mib", 67_108_864],
    ["1.5KiB", 1536],
    ["1.1MB", 1_100_000],
    [" 8 kb ", 8000],
    [0, 0],
  ];
  for (const [input, bytes] of cases) {
    assert.equal(parseBytes(input), bytes, String(input));
  }
});

Deno.test("parseBytes refuses what is not a whole number of bytes", () => {
  const expected = "a size like 64MiB, 1MB, 512KiB or 4096 (bytes)";
  const cases: [string | number, string][] = [
    ["64 megs", `must be ${expected}; got '64 megs'`],
    ["MiB", `must be ${expected}; got 'MiB'`],
    ["-5MiB", `must be ${expected}; got '-5MiB'`],
    ["", `must be ${expected}; got ''`],
    ["1e6", `must be ${expected}; got '1e6'`],
    [-1, `must be ${expected}; got -1`],
    [Infinity, `must be ${expected}; got Infinity`],
    [1.5, "must be a whole number of bytes; got '1.5'"],
    ["1.5", "must be a whole number of bytes; got '1.5'"],
    ["1.1KiB", "must be a whole number of bytes; got '1.1KiB'"],
    ["99999999999GiB", "is too large; got '99999999999GiB'"],
  ];
  for (const [input, message] of cases) {
    assert.equal(
      refusal(() => parseBytes(input)).message,
      message,
      String(input),
    );
  }
});

Deno.test("parseDuration reads ms, s, m, h and bare milliseconds", () => {
  const cases: [string | number, number][] = [
    [250, 250],
    ["250", 250],
    ["250ms", 250],
    ["5s", 5000],
    ["1.5s", 1500],
    ["1m", 60_000],
    ["2h", 7_200_000],
    ["10 S", 10_000],
  ];
  for (const [input, ms] of cases) {
    assert.equal(parseDuration(input), ms, String(input));
  }
});

Deno.test("parseDuration refuses what is not a whole number of milliseconds", () => {
  const expected = "a duration like 5s, 250ms, 1m or a number of milliseconds";
  const cases: [string | number, string][] = [
    ["five seconds", `must be ${expected}; got 'five seconds'`],
    ["5d", `must be ${expected}; got '5d'`],
    ["1m30s", `must be ${expected}; got '1m30s'`],
    [-3, `must be ${expected}; got -3`],
    ["0.5ms", "must be a whole number of milliseconds; got '0.5ms'"],
    [0.25, "must be a whole number of milliseconds; got '0.25'"],
  ];
  for (const [input, message] of cases) {
    assert.equal(
      refusal(() => parseDuration(input)).message,
      message,
      String(input),
    );
  }
});

Deno.test("formatBytes and formatDuration write what messages show", () => {
  assert.equal(formatBytes(100), "100 B");
  assert.equal(formatBytes(65536), "64 KiB");
  assert.equal(formatBytes(2 * 1024 * 1024), "2 MiB");
  assert.equal(formatBytes(6.25 * 1024 * 1024), "6.25 MiB");
  assert.equal(formatBytes(4 * 1024 ** 3), "4 GiB");
  assert.equal(formatDuration(3_600_000), "1h");
  assert.equal(formatDuration(120_000), "2m");
  assert.equal(formatDuration(5000), "5s");
  assert.equal(formatDuration(1500), "1500ms");
  assert.equal(formatDuration(0), "0ms");
});
