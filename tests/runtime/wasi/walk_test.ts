/**
 * The component walk (`_beneath.ts`), used where the kernel has no
 * openat2, held to the same tests as openat2: the conformance suite, the
 * escape tests and the attacks against a real node, run in a child
 * `deno test` with `EDDY_NO_OPENAT2=1` (which its nodes inherit).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

Deno.test("without openat2, the component walk passes the same suites", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "test",
      "-A",
      "--filter",
      "/conformance|escape|swap race|planting|oracle/",
      "tests/runtime/wasi/conformance_test.ts",
      "tests/runtime/wasi/escape_test.ts",
      "tests/e2e/fs_containment_test.ts",
    ],
    cwd: ROOT,
    env: { EDDY_NO_OPENAT2: "1", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout);
  assert.equal(code, 0, `${out}\n${new TextDecoder().decode(stderr)}`);
  assert.match(out, /secret opens 0, secret bytes 0/);
  assert.match(out, /ok \| \d+ passed \(\d+ steps\) \| 0 failed/);
});
