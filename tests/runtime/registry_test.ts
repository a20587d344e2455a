import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  EddyError,
  ManifestError,
  NotFoundError,
} from "../../runtime/errors.ts";
import {
  DEFAULT_LIMITS,
  type FunctionSpec,
  functionSpec,
  parseManifest,
} from "../../runtime/manifest/mod.ts";
import { type Deployment, Registry } from "../../runtime/registry.ts";
import { caught, guest, instantiate } from "../_helpers/module_guest.ts";
import { tempDir } from "../_helpers/temp.ts";
import { statusOf } from "../../api/status.ts";

const MiB = 1024 * 1024;

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) out.push(entry.name);
  return out.sort();
}

async function stateOf(
  dataDir: string,
): Promise<{ version: number; functions: Deployment[] }> {
  return JSON.parse(await Deno.readTextFile(join(dataDir, "deployments.json")));
}

/** Asserts `apply` is refused with this field and message and changed nothing. */
async function refusedApply(
  registry: Registry,
  specs: FunctionSpec[],
  expected: { field: string; fn: string; problem: string },
): Promise<void> {
  const stateBefore = await Deno.readTextFile(
    join(registry.dataDir, "deployments.json"),
  )
    .catch(() => undefined);
  const before = registry.list();
  const error = await caught(() => registry.apply(specs));
  assert.ok(error instanceof ManifestError, String(error));
  assert.equal(error.code, "invalid_deployment");
  assert.equal(statusOf(error), 400);
  assert.equal(
    error.message,
    `${expected.field}: function '${expected.fn}': ${expected.problem}`,
  );
  assert.deepEqual(error.details, {
    field: expected.field,
    function: expected.fn,
  });
  assert.deepEqual(registry.list(), before);
  const stateAfter = await Deno.readTextFile(
    join(registry.dataDir, "deployments.json"),
  )
    .catch(() => undefined);
  assert.equal(stateAfter, stateBefore);
}

Deno.test("a new registry is empty and creates its data directory", async () => {
  const dataDir = join(await tempDir(), "data");
  const registry = await Registry.open(dataDir);
  assert.deepEqual(registry.list(), []);
  assert.equal(registry.get("echo"), undefined);
  assert.deepEqual(await names(dataDir), ["modules"]);
});

Deno.test("apply deploys functions and writes deployments.json", async () => {
  const dataDir = await tempDir();
  const mount = await tempDir();
  const registry = await Registry.open(dataDir);
  const { digest } = await registry.modules.put(guest());
  const { functions } = await parseManifest(`
functions:
  - name: echo
    module: ${digest}
    args: [-n]
    env: { MODE: fast }
    dirs: ["${mount}::/data"]
    limits: { memory: 1MiB, timeout: 2s }
    labels: { team: core }
`);
  const before = Date.now();
  const [echo] = await registry.apply(functions);
  assert.deepEqual({ ...echo, deployedAt: "" }, {
    name: "echo",
    module: digest,
    args: ["-n"],
    env: { MODE: "fast" },
    dirs: [{ host: mount, guest: "/data", writable: false }],
    limits: { ...DEFAULT_LIMITS, maxMemoryBytes: MiB, timeoutMs: 2000 },
    labels: { team: "core" },
    revision: 1,
    deployedAt: "",
  });
  assert.ok(Date.parse(echo.deployedAt) >= before - 1000);
  assert.equal(registry.get("echo"), echo);
  assert.deepEqual(registry.list(), [echo]);
  assert.deepEqual(await stateOf(dataDir), { version: 1, functions: [echo] });
  assert.deepEqual(await names(dataDir), ["deployments.json", "modules"]);
});

Deno.test("deployments are frozen", async () => {
  const registry = await Registry.open(await tempDir());
  const { digest } = await registry.modules.put(guest());
  const [echo] = await registry.apply([
    functionSpec("echo", digest, { env: { A: "1" } }),
  ]);
  assert.throws(() => {
    (echo.env as Record<string, string>).A = "2";
  }, TypeError);
  assert.throws(() => {
    (echo.limits as { timeoutMs: number }).timeoutMs = 1;
  }, TypeError);
  assert.equal(registry.get("echo")!.env.A, "1");
});

Deno.test("apply makes relative dir host paths absolute", async () => {
  const registry = await Registry.open(await tempDir());
  const { digest } = await registry.modules.put(guest());
  const [fn] = await registry.apply([
    functionSpec("echo", digest, { dirs: ["."] }),
  ]);
  assert.deepEqual(fn.dirs, [{
    host: resolve("."),
    guest: ".",
    writable: false,
  }]);
});

Deno.test("a registry reopened on the same data directory restores everything", async () => {
  const dataDir = await tempDir();
  const first = await Registry.open(dataDir);
  const { digest } = await first.modules.put(guest());
  const applied = await first.apply([
    functionSpec("b", digest, { limits: { memory: "2MiB" } }),
    functionSpec("a", digest, { env: { X: "1" } }),
  ]);
  const reopened = await Registry.open(dataDir);
  assert.deepEqual(reopened.list(), [applied[1], applied[0]]);
  assert.equal(reopened.modules.has(digest), true);
  const capped = instantiate(await reopened.compiled("b"));
  assert.equal(capped.grow(31), 1);
  assert.equal(capped.grow(1), -1);
});

Deno.test("a deployment saved before a limit existed gets that limit's default", async () => {
  const dataDir = await tempDir();
  try {
    const first = await Registry.open(dataDir);
    const { digest } = await first.modules.put(guest());
    await first.apply([
      functionSpec("a", digest, { limits: { callDepth: 2 } }),
    ]);
    const state = await stateOf(dataDir);
    const { callDepth: _, ...older } = state.functions[0].limits;
    state.functions[0] = {
      ...state.functions[0],
      limits: older as Deployment["limits"],
    };
    await Deno.writeTextFile(
      join(dataDir, "deployments.json"),
      JSON.stringify(state),
    );
    const reopened = await Registry.open(dataDir);
    assert.equal(reopened.get("a")?.limits.callDepth, DEFAULT_LIMITS.callDepth);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("re-applying a name replaces it, bumps its revision and collects its old module", async () => {
  const dataDir = await tempDir();
  const registry = await Registry.open(dataDir);
  const v1 = await registry.modules.put(guest({ tag: "v1" }));
  const v2 = await registry.modules.put(guest({ tag: "v2" }));
  const [first] = await registry.apply([functionSpec("echo", v1.digest)]);
  const [second] = await registry.apply([
    functionSpec("echo", v2.digest, { args: ["x"] }),
  ]);
  assert.equal(first.revision, 1);
  assert.equal(second.revision, 2);
  assert.deepEqual(registry.list(), [second]);
  assert.equal(registry.modules.has(v1.digest), false);
  assert.deepEqual(await names(join(dataDir, "modules")), [
    `${v2.digest.slice(7)}.wasm`,
  ]);
  const [third] = await registry.apply([functionSpec("echo", v2.digest)]);
  assert.equal(third.revision, 3);
  assert.equal((await Registry.open(dataDir)).get("echo")!.revision, 3);
});

Deno.test("remove undeploys and collects modules no deployment uses", async () => {
  const dataDir = await tempDir();
  const registry = await Registry.open(dataDir);
  const shared = await registry.modules.put(guest({ tag: "shared" }));
  const own = await registry.modules.put(guest({ tag: "own" }));
  const pending = await registry.modules.put(
    guest({ tag: "uploaded, not yet deployed" }),
  );
  await registry.apply([
    functionSpec("a", shared.digest),
    functionSpec("b", shared.digest),
    functionSpec("c", own.digest),
  ]);
  const removed = await registry.remove("c");
  assert.equal(removed.name, "c");
  assert.equal(registry.get("c"), undefined);
  assert.equal(registry.modules.has(own.digest), false);
  await registry.remove("a");
  // Still used by b.
  assert.equal(registry.modules.has(shared.digest), true);
  // Never deployed, so not collected: it may be about to be.
  assert.equal(registry.modules.has(pending.digest), true);
  assert.deepEqual((await stateOf(dataDir)).functions.map((d) => d.name), [
    "b",
  ]);
  assert.deepEqual((await Registry.open(dataDir)).list().map((d) => d.name), [
    "b",
  ]);
});

Deno.test("remove of a function that is not deployed is a NotFoundError", async () => {
  const registry = await Registry.open(await tempDir());
  const error = await caught(() => registry.remove("ghost"));
  assert.ok(error instanceof NotFoundError);
  assert.equal(error.code, "not_found");
  assert.equal(statusOf(error), 404);
  assert.equal(error.message, "no function named 'ghost'");
});

Deno.test("apply refuses a module that is a path or not uploaded", async () => {
  const registry = await Registry.open(await tempDir());
  await refusedApply(registry, [functionSpec("echo", "./echo.wasm")], {
    field: "functions[0].module",
    fn: "echo",
    problem:
      "'./echo.wasm' is not a module digest; upload the module and deploy its sha256 digest",
  });
  const missing = `sha256:${"0".repeat(64)}`;
  await refusedApply(registry, [functionSpec("echo", missing)], {
    field: "functions[0].module",
    fn: "echo",
    problem: `module ${missing} is not uploaded`,
  });
});

Deno.test("apply refuses a module whose stored file is corrupt", async () => {
  const dataDir = await tempDir();
  const { digest } = await (await Registry.open(dataDir)).modules.put(guest());
  await Deno.writeFile(
    join(dataDir, "modules", `${digest.slice(7)}.wasm`),
    guest({ tag: "x" }),
  );
  const registry = await Registry.open(dataDir);
  await refusedApply(registry, [functionSpec("echo", digest)], {
    field: "functions[0].module",
    fn: "echo",
    problem:
      `stored module ${digest} is corrupt (its content does not match its digest); upload it again`,
  });
});

Deno.test("apply refuses dirs that do not exist or are not directories", async () => {
  const registry = await Registry.open(await tempDir());
  const { digest } = await registry.modules.put(guest());
  const tmp = await tempDir();
  const file = join(tmp, "file.txt");
  await Deno.writeTextFile(file, "x");
  await refusedApply(registry, [
    functionSpec("echo", digest, { dirs: [tmp, join(tmp, "nope")] }),
  ], {
    field: "functions[0].dirs[1].host",
    fn: "echo",
    problem: `directory '${join(tmp, "nope")}' does not exist`,
  });
  await refusedApply(
    registry,
    [functionSpec("echo", digest, { dirs: [file] })],
    {
      field: "functions[0].dirs[0].host",
      fn: "echo",
      problem: `'${file}' is not a directory`,
    },
  );
});

Deno.test("apply refuses a module whose initial memory exceeds the memory limit", async () => {
  const registry = await Registry.open(await tempDir());
  const small = await registry.modules.put(guest({ tag: "small" }));
  const big = await registry.modules.put(guest({ initialPages: 32 }));
  await refusedApply(registry, [
    functionSpec("ok", small.digest, { limits: { memory: "1MiB" } }),
    functionSpec("big", big.digest, { limits: { memory: "1MiB" } }),
  ], {
    field: "functions[1].limits.memory",
    fn: "big",
    problem: "module needs 2 MiB initial memory, limit is 1 MiB",
  });
  // The first spec was valid, but nothing was deployed.
  assert.equal(registry.get("ok"), undefined);
  await registry.apply([
    functionSpec("big", big.digest, { limits: { memory: "2MiB" } }),
  ]);
});

Deno.test("apply refuses bad names, duplicate names and out-of-range limits", async () => {
  const registry = await Registry.open(await tempDir());
  const { digest } = await registry.modules.put(guest());
  const good = functionSpec("echo", digest);
  await refusedApply(registry, [{ ...good, name: "no/slashes" }], {
    field: "functions[0].name",
    fn: "no/slashes",
    problem: "invalid function name 'no/slashes'",
  });
  await refusedApply(registry, [good, functionSpec("x", digest), good], {
    field: "functions[2].name",
    fn: "echo",
    problem: "is also functions[0]",
  });
  await refusedApply(registry, [{
    ...good,
    limits: { ...good.limits, timeoutMs: 0 },
  }], {
    field: "functions[0].limits.timeout",
    fn: "echo",
    problem: "must be an integer in 1..3600000; got 0",
  });
  await refusedApply(registry, [{
    ...good,
    limits: { ...good.limits, maxOutputBytes: 1.5 },
  }], {
    field: "functions[0].limits.maxOutput",
    fn: "echo",
    problem: "must be an integer in 1..4294967296; got 1.5",
  });
  assert.deepEqual(await registry.apply([]), []);
  assert.deepEqual(await names(registry.dataDir), ["modules"]);
});

Deno.test("compiled returns the function's module capped at its memory limit", async () => {
  const registry = await Registry.open(await tempDir());
  const { digest } = await registry.modules.put(guest());
  await registry.apply([
    functionSpec("small", digest, { limits: { memory: "128KiB" } }),
    functionSpec("large", digest, { limits: { memory: "1MiB" } }),
  ]);
  const small = instantiate(await registry.compiled("small"));
  assert.equal(small.grow(1), 1);
  assert.equal(small.grow(1), -1);
  assert.equal(instantiate(await registry.compiled("large")).grow(15), 1);
  assert.equal(
    await registry.compiled("small"),
    await registry.compiled("small"),
  );
  const error = await caught(() => registry.compiled("ghost"));
  assert.ok(error instanceof NotFoundError);
  assert.equal(error.message, "no function named 'ghost'");
});

Deno.test("concurrent applies and removes run one at a time and all persist", async () => {
  const dataDir = await tempDir();
  const registry = await Registry.open(dataDir);
  const { digest } = await registry.modules.put(guest());
  await Promise.all(
    Array.from(
      { length: 12 },
      (_, i) => registry.apply([functionSpec(`f${i}`, digest)]),
    ),
  );
  await Promise.all([registry.remove("f0"), registry.remove("f1")]);
  const expected = Array.from({ length: 10 }, (_, i) => `f${i + 2}`).sort();
  assert.deepEqual(registry.list().map((d) => d.name), expected);
  assert.deepEqual(
    (await Registry.open(dataDir)).list().map((d) => d.name),
    expected,
  );
});

Deno.test("open removes temp state files a crash left behind", async () => {
  const dataDir = await tempDir();
  const registry = await Registry.open(dataDir);
  const { digest } = await registry.modules.put(guest());
  await registry.apply([functionSpec("echo", digest)]);
  await Deno.writeTextFile(
    join(dataDir, ".deployments.json.00c0ffee.tmp"),
    '{"version":1,"fun',
  );
  const reopened = await Registry.open(dataDir);
  assert.deepEqual(await names(dataDir), ["deployments.json", "modules"]);
  assert.equal(reopened.list().length, 1);
});

Deno.test("open refuses a state file it cannot read, rather than starting empty", async () => {
  const cases: [string, string][] = [
    ['{"version":1,"fun', "not valid JSON"],
    ['{"version":2,"functions":[]}', "unsupported state version 2"],
    ['{"version":1}', "'functions' is not a list"],
    [
      '{"version":1,"functions":[{"name":"x"}]}',
      'malformed deployment {"name":"x"}',
    ],
  ];
  for (const [text, why] of cases) {
    const dataDir = await tempDir();
    const path = join(dataDir, "deployments.json");
    await Deno.writeTextFile(path, text);
    const error = await caught(() => Registry.open(dataDir));
    assert.ok(error instanceof EddyError, text);
    assert.equal(error.code, "corrupt_state");
    assert.equal(statusOf(error), 500);
    assert.ok(error.message.startsWith(`${path}: ${why}`), error.message);
    assert.equal(error.details.path, path);
  }
});

/** Applies and removes in a loop until killed; prints "ready" once under way. */
const CRASH_CHILD = `
import { Registry } from ${
  JSON.stringify(new URL("../../runtime/registry.ts", import.meta.url).href)
};
import { functionSpec } from ${
  JSON.stringify(new URL("../../runtime/manifest/mod.ts", import.meta.url).href)
};
const [dataDir, basePath] = Deno.args;
const base = await Deno.readFile(basePath);
const registry = await Registry.open(dataDir);
for (let i = 0; ; i++) {
  // A custom section with a counter makes every round's module distinct.
  const bytes = new Uint8Array(base.length + 8);
  bytes.set(base);
  bytes.set([0, 6, 1, 0x6e], base.length);
  new DataView(bytes.buffer).setUint32(base.length + 4, i);
  const { digest } = await registry.modules.put(bytes);
  await registry.apply([
    functionSpec("f" + (i % 4), digest, { env: { ROUND: String(i) } }),
    functionSpec("g" + (i % 3), digest),
  ]);
  if (i % 5 === 4) await registry.remove("f" + ((i + 1) % 4)).catch(() => {});
  if (i === 3) console.log("ready");
}
`;

Deno.test("a registry killed at random moments reopens with a whole state and all its modules", async () => {
  const work = await tempDir();
  const dataDir = join(work, "data");
  const childPath = join(work, "child.ts");
  const basePath = join(work, "base.wasm");
  await Deno.writeTextFile(childPath, CRASH_CHILD);
  await Deno.writeFile(basePath, guest());
  const config = fileURLToPath(new URL("../../deno.json", import.meta.url));

  for (let round = 0; round < 6; round++) {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--no-lock",
        "--config",
        config,
        childPath,
        dataDir,
        basePath,
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    const { value } = await reader.read();
    assert.equal(value?.trim(), "ready", `child did not start: ${value}`);
    await new Promise((r) => setTimeout(r, Math.random() * 150));
    child.kill("SIGKILL");
    const status = await child.status;
    assert.equal(
      status.signal,
      "SIGKILL",
      "the child ended before it was killed",
    );
    await reader.cancel();
    await child.stderr.cancel();

    const state = await stateOf(dataDir);
    assert.equal(state.version, 1);
    const registry = await Registry.open(dataDir);
    assert.ok(registry.list().length > 0);
    for (const deployment of registry.list()) {
      assert.equal(
        registry.modules.has(deployment.module),
        true,
        deployment.name,
      );
      instantiate(await registry.compiled(deployment.name));
    }
    const leftovers = [
      ...await names(dataDir),
      ...await names(join(dataDir, "modules")),
    ]
      .filter((name) => name.endsWith(".tmp"));
    assert.deepEqual(leftovers, []);
  }
});
