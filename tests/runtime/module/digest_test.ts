import assert from "node:assert/strict";
import {
  DIGEST_PATTERN,
  digestOf,
  isDigest,
} from "../../../runtime/module/mod.ts";

Deno.test("digestOf is sha256 in the sha256:<hex> form", async () => {
  const bytes = new TextEncoder().encode("abc");
  // FIPS 180-2's test vectors.
  assert.equal(
    await digestOf(bytes),
    "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    await digestOf(new Uint8Array()),
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assert.match(await digestOf(bytes), DIGEST_PATTERN);
});

Deno.test("isDigest accepts only sha256: and 64 lowercase hex digits", () => {
  assert.equal(isDigest(`sha256:${"0a".repeat(32)}`), true);
  for (
    const bad of [
      `sha256:${"0A".repeat(32)}`,
      `sha256:${"0".repeat(63)}`,
      `sha256:${"0".repeat(65)}`,
      `sha512:${"0".repeat(64)}`,
      "0".repeat(64),
      ` sha256:${"0".repeat(64)}`,
    ]
  ) {
    assert.equal(isDigest(bad), false, bad);
  }
});
