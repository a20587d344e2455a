import assert from "node:assert/strict";
import {
  DEFAULT_LIMITS,
  type FunctionOptions,
  functionSpec,
} from "../../../runtime/manifest/mod.ts";
import { assertRefused } from "../../_helpers/refusal.ts";

const DIGEST = `sha256:${"cd".repeat(32)}`;

function refused(fn: () => unknown, message: string, field: string): void {
  // No YAML source, so no line or column.
  assertRefused("invalid_manifest", fn, { message, field });
}

Deno.test("functionSpec builds a spec with defaults for what is left out", () => {
  assert.deepEqual(functionSpec("echo", DIGEST), {
    name: "echo",
    module: DIGEST,
    args: [],
    env: {},
    dirs: [],
    limits: { ...DEFAULT_LIMITS },
    labels: {},
  });
});

Deno.test("functionSpec takes manifest-style options", () => {
  const spec = functionSpec("resize", "./resize.wasm", {
    args: ["--fast"],
    env: { MODE: "x" },
    dirs: ["/srv/in::/in", { host: "/srv/out", writable: true }],
    limits: {
      memory: "32MiB",
      timeout: 1500,
      maxInput: 1024,
      maxOutput: "1KiB",
      callDepth: 2,
    },
    labels: { team: "media" },
    defaults: { timeoutMs: 99 },
  });
  assert.deepEqual(spec, {
    name: "resize",
    module: "./resize.wasm",
    args: ["--fast"],
    env: { MODE: "x" },
    dirs: [
      { host: "/srv/in", guest: "/in", writable: false },
      { host: "/srv/out", guest: "/srv/out", writable: true },
    ],
    limits: {
      maxMemoryBytes: 32 * 1024 * 1024,
      timeoutMs: 1500,
      maxInputBytes: 1024,
      maxOutputBytes: 1024,
      callDepth: 2,
    },
    labels: { team: "media" },
  });
});

Deno.test("functionSpec applies the defaults option under explicit limits", () => {
  const spec = functionSpec("echo", DIGEST, {
    limits: { memory: "1MiB" },
    defaults: { timeoutMs: 250, maxMemoryBytes: 1 },
  });
  assert.equal(spec.limits.timeoutMs, 250);
  assert.equal(spec.limits.maxMemoryBytes, 1024 * 1024);
});

Deno.test("functionSpec validates the name like a manifest does", () => {
  const rule =
    "use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit";
  refused(
    () => functionSpec("../etc", DIGEST),
    `invalid function name '../etc': ${rule}`,
    "name",
  );
  refused(
    () => functionSpec("", DIGEST),
    `invalid function name '': ${rule}`,
    "name",
  );
  refused(
    () => functionSpec("-x", DIGEST),
    `invalid function name '-x': ${rule}`,
    "name",
  );
});

Deno.test("functionSpec validates module, limits, env and dirs with relative field paths", () => {
  refused(
    () => functionSpec("echo", "sha256:xyz"),
    "malformed digest 'sha256:xyz': expected 'sha256:' and 64 lowercase hex digits",
    "module",
  );
  refused(
    () => functionSpec("echo", DIGEST, { limits: { timeout: "forever" } }),
    "must be a duration like 5s, 250ms, 1m or a number of milliseconds; got 'forever'",
    "limits.timeout",
  );
  refused(
    () => functionSpec("echo", DIGEST, { limits: { memory: 8 * 1024 ** 3 } }),
    "must be at most 4 GiB; got '8589934592'",
    "limits.memory",
  );
  refused(
    () => functionSpec("echo", DIGEST, { env: { "A B": "1" } }),
    "invalid environment variable name 'A B': use letters, digits and '_', not starting with a digit",
    'env["A B"]',
  );
  refused(
    () => functionSpec("echo", DIGEST, { dirs: [{ guest: "/data" }] }),
    "missing required key 'host'",
    "dirs[0].host",
  );
  refused(
    () => functionSpec("echo", DIGEST, { args: ["a\0b"] }),
    "must not contain NUL characters",
    "args[0]",
  );
});

Deno.test("functionSpec refuses options it does not know, as from untyped JSON", () => {
  const options = { limits: { memroy: "1MiB" } } as unknown as FunctionOptions;
  refused(
    () => functionSpec("echo", DIGEST, options),
    "unknown key 'memroy'; did you mean 'memory'?",
    "limits.memroy",
  );
  const extra = { replicas: 2 } as unknown as FunctionOptions;
  refused(
    () => functionSpec("echo", DIGEST, extra),
    "unknown key 'replicas'; expected one of: name, module, args, env, dirs, state, limits, labels",
    "replicas",
  );
  const wrongType = { args: "--fast" } as unknown as FunctionOptions;
  refused(
    () => functionSpec("echo", DIGEST, wrongType),
    "must be a list; got '--fast'",
    "args",
  );
});
