import assert from "node:assert/strict";
import {
  DEFAULT_LIMITS,
  type FunctionSpec,
  parseManifest,
} from "../../../runtime/manifest/mod.ts";
import { assertRefused, type Refusal, yaml } from "../../_helpers/refusal.ts";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const MiB = 1024 * 1024;

/** Asserts `text` is refused with exactly this message, field and position. */
function refused(text: string, expected: Refusal): Promise<void> {
  return assertRefused("invalid_manifest", () => parseManifest(text), expected);
}

/** One function entry with `lines` added under it (indented by the caller). */
function fn(...lines: string[]): string {
  return yaml(
    "functions:",
    "  - name: echo",
    `    module: ${DIGEST}`,
    ...lines,
  );
}

Deno.test("parseManifest reads every field of a function", async () => {
  const manifest = await parseManifest(yaml(
    "functions:",
    "  - name: resize.v2",
    "    module: ./build/resize.wasm",
    "    args: [--width, 640, true]",
    "    env:",
    "      MODE: fast",
    "      PORT: 8080",
    "      HEX: 0x10",
    "      RATIO: 1.50",
    "      DEBUG: false",
    "      EMPTY: ''",
    "    dirs:",
    "      - /srv/in::/in",
    "      - /srv/cache",
    "      - { host: /srv/out, guest: /out, writable: true }",
    "      - host: /srv/ro",
    "    limits:",
    "      memory: 64MiB",
    "      timeout: 5s",
    "      maxInput: 1MB",
    "      maxOutput: 4096",
    "      callDepth: 3",
    "      maxQueueWait: 20ms",
    "    labels:",
    "      team: media",
    "      app.example.com/tier: 1",
    `  - name: echo`,
    `    module: ${DIGEST}`,
  ));
  const expected: FunctionSpec[] = [{
    name: "resize.v2",
    module: "./build/resize.wasm",
    args: ["--width", "640", "true"],
    env: {
      MODE: "fast",
      PORT: "8080",
      HEX: "0x10",
      RATIO: "1.50",
      DEBUG: "false",
      EMPTY: "",
    },
    dirs: [
      { host: "/srv/in", guest: "/in", writable: false },
      { host: "/srv/cache", guest: "/srv/cache", writable: false },
      { host: "/srv/out", guest: "/out", writable: true },
      { host: "/srv/ro", guest: "/srv/ro", writable: false },
    ],
    limits: {
      maxMemoryBytes: 64 * MiB,
      timeoutMs: 5000,
      maxInputBytes: 1_000_000,
      maxOutputBytes: 4096,
      callDepth: 3,
      maxQueueWaitMs: 20,
    },
    labels: { team: "media", "app.example.com/tier": "1" },
  }, {
    name: "echo",
    module: DIGEST,
    args: [],
    env: {},
    dirs: [],
    limits: { ...DEFAULT_LIMITS },
    labels: {},
  }];
  assert.deepEqual(manifest, { functions: expected });
});

Deno.test("parseManifest fills unset limits from the defaults option, then DEFAULT_LIMITS", async () => {
  const { functions } = await parseManifest(
    fn("    limits: { memory: 16MiB }"),
    {
      defaults: { timeoutMs: 2000, maxInputBytes: undefined },
    },
  );
  assert.deepEqual(functions[0].limits, {
    ...DEFAULT_LIMITS,
    maxMemoryBytes: 16 * MiB,
    timeoutMs: 2000,
  });
  assert.deepEqual(DEFAULT_LIMITS, {
    maxMemoryBytes: 128 * MiB,
    timeoutMs: 10_000,
    maxInputBytes: 64 * MiB,
    maxOutputBytes: 64 * MiB,
    callDepth: 8,
  });
});

Deno.test("parseManifest accepts an empty functions list, flow style and JSON", async () => {
  assert.deepEqual(await parseManifest("functions: []"), { functions: [] });
  const json = JSON.stringify({
    functions: [{ name: "a", module: DIGEST, limits: { timeout: 100 } }],
  });
  assert.equal((await parseManifest(json)).functions[0].limits.timeoutMs, 100);
});

Deno.test("env and label keys such as __proto__ stay plain entries", async () => {
  const { functions } = await parseManifest(
    fn("    env: { __proto__: x, constructor: y }"),
  );
  assert.deepEqual(Object.entries(functions[0].env), [["__proto__", "x"], [
    "constructor",
    "y",
  ]]);
  assert.equal(Object.getPrototypeOf(functions[0].env), Object.prototype);
});

Deno.test("parseManifest resolves anchors and aliases", async () => {
  const { functions } = await parseManifest(yaml(
    "functions:",
    "  - name: a",
    `    module: ${DIGEST}`,
    "    env: &common { REGION: eu, LOG: debug }",
    "  - name: b",
    `    module: ${DIGEST}`,
    "    env: *common",
  ));
  assert.deepEqual(functions[1].env, { REGION: "eu", LOG: "debug" });
});

Deno.test("YAML syntax errors carry line and column", async () => {
  await refused(yaml("functions:", "  - name: [echo", "    module: x"), {
    message:
      "YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]",
    line: 3,
    column: 5,
  });
  await refused(yaml("functions:", "  - name: a", "   module: b"), {
    message: "YAML syntax error: Sequence item without - indicator",
    line: 3,
    column: 1,
  });
  await refused(yaml("functions: []", "functions: []"), {
    message: "YAML syntax error: Map keys must be unique",
    line: 2,
    column: 1,
  });
  await refused(yaml("functions: []", "---", "functions: []"), {
    message:
      "YAML syntax error: Source contains multiple documents; please use YAML.parseAllDocuments()",
    line: 2,
    column: 1,
  });
});

Deno.test("the manifest must be a map with a functions list", async () => {
  await refused("", {
    message: "manifest is empty; expected a top-level 'functions:' list",
  });
  await refused("# only a comment\n", {
    message: "manifest is empty; expected a top-level 'functions:' list",
  });
  await refused(yaml("- name: echo"), {
    message: "must be a map (key: value); got a list",
    line: 1,
    column: 1,
  });
  await refused(yaml("echo"), {
    message: "must be a map (key: value); got 'echo'",
    line: 1,
    column: 1,
  });
  await refused(yaml("version: 1"), {
    message: "unknown key 'version'; expected one of: functions",
    field: "version",
    line: 1,
    column: 1,
  });
  await refused(yaml("function:", "  - name: echo"), {
    message: "unknown key 'function'; did you mean 'functions'?",
    field: "function",
    line: 1,
    column: 1,
  });
  // An empty value is positioned where it is missing: after the colon.
  await refused(yaml("functions:"), {
    message: "must be a list; got nothing",
    field: "functions",
    line: 1,
    column: 11,
  });
  await refused(yaml("functions: {}"), {
    message: "must be a list; got a map",
    field: "functions",
    line: 1,
    column: 12,
  });
  await refused(yaml("{}"), {
    message: "missing required key 'functions'",
    field: "functions",
    line: 1,
    column: 1,
  });
});

Deno.test("a function entry must be a map with name and module", async () => {
  await refused(yaml("functions:", "  - echo"), {
    message: "must be a map (key: value); got 'echo'",
    field: "functions[0]",
    line: 2,
    column: 5,
  });
  await refused(yaml("functions:", "  - module: x.wasm"), {
    message: "missing required key 'name'",
    field: "functions[0].name",
    line: 2,
    column: 5,
  });
  await refused(
    yaml("functions:", "  - name: a", `    module: ${DIGEST}`, "  - name: b"),
    {
      message: "missing required key 'module'",
      field: "functions[1].module",
      line: 4,
      column: 5,
    },
  );
});

Deno.test("unknown function keys are errors, with a suggestion for a typo", async () => {
  await refused(fn("    limit: { timeout: 5s }"), {
    message: "unknown key 'limit'; did you mean 'limits'?",
    field: "functions[0].limit",
    line: 4,
    column: 5,
  });
  await refused(fn("    Env: {}"), {
    message: "unknown key 'Env'; did you mean 'env'?",
    field: "functions[0].Env",
    line: 4,
    column: 5,
  });
  await refused(fn("    replicas: 3"), {
    message:
      "unknown key 'replicas'; expected one of: name, module, args, env, dirs, state, limits, labels",
    field: "functions[0].replicas",
    line: 4,
    column: 5,
  });
});

Deno.test("function names must match the name pattern and be unique", async () => {
  await refused(
    yaml("functions:", "  - name: hello world", `    module: ${DIGEST}`),
    {
      message:
        "invalid function name 'hello world': use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
      field: "functions[0].name",
      line: 2,
      column: 11,
    },
  );
  await refused(
    yaml("functions:", `  - name: ${"a".repeat(65)}`, `    module: ${DIGEST}`),
    {
      message: `invalid function name '${
        "a".repeat(65)
      }': use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
      field: "functions[0].name",
      line: 2,
      column: 11,
    },
  );
  await refused(yaml("functions:", "  - name: [a]", `    module: ${DIGEST}`), {
    message: "must be a string, number or boolean; got a list",
    field: "functions[0].name",
    line: 2,
    column: 11,
  });
  await refused(
    yaml(
      "functions:",
      "  - name: echo",
      `    module: ${DIGEST}`,
      "  - name: other",
      `    module: ${DIGEST}`,
      "  - name: echo",
      `    module: ${DIGEST}`,
    ),
    {
      message: "duplicate function name 'echo' (also functions[0], line 2)",
      field: "functions[2].name",
      line: 6,
      column: 11,
    },
  );
});

Deno.test("module must be a well-formed digest or a path", async () => {
  await refused(
    yaml("functions:", "  - name: echo", "    module: sha256:ABC"),
    {
      message:
        "malformed digest 'sha256:ABC': expected 'sha256:' and 64 lowercase hex digits",
      field: "functions[0].module",
      line: 3,
      column: 13,
    },
  );
  await refused(yaml("functions:", "  - name: echo", "    module: ''"), {
    message: "must not be empty",
    field: "functions[0].module",
    line: 3,
    column: 13,
  });
  await refused(yaml("functions:", "  - name: echo", "    module:"), {
    message: "must be a string, number or boolean; got nothing",
    field: "functions[0].module",
    line: 3,
    column: 12,
  });
});

Deno.test("args must be a list of scalars without NUL", async () => {
  await refused(fn("    args: --verbose"), {
    message: "must be a list; got '--verbose'",
    field: "functions[0].args",
    line: 4,
    column: 11,
  });
  await refused(fn("    args: [a, {b: c}]"), {
    message: "must be a string, number or boolean; got a map",
    field: "functions[0].args[1]",
    line: 4,
    column: 15,
  });
  await refused(fn('    args: ["a\\0b"]'), {
    message: "must not contain NUL characters",
    field: "functions[0].args[0]",
    line: 4,
    column: 12,
  });
});

Deno.test("env keys must be variable names and values scalars", async () => {
  await refused(fn("    env:", "      MY-VAR: 1"), {
    message:
      "invalid environment variable name 'MY-VAR': use letters, digits and '_', not starting with a digit",
    field: 'functions[0].env["MY-VAR"]',
    line: 5,
    column: 7,
  });
  await refused(fn("    env:", "      1ST: x"), {
    message:
      "invalid environment variable name '1ST': use letters, digits and '_', not starting with a digit",
    field: 'functions[0].env["1ST"]',
    line: 5,
    column: 7,
  });
  await refused(fn("    env:", "      EMPTY:"), {
    message: "must be a string, number or boolean; got nothing",
    field: "functions[0].env.EMPTY",
    line: 5,
    column: 13,
  });
  // A flow-map key without any value at all is positioned at the key.
  await refused(fn("    env: { NOVALUE }"), {
    message: "must be a string, number or boolean; got nothing",
    field: "functions[0].env.NOVALUE",
    line: 4,
    column: 12,
  });
  await refused(fn("    env:", "      LIST: [1, 2]"), {
    message: "must be a string, number or boolean; got a list",
    field: "functions[0].env.LIST",
    line: 5,
    column: 13,
  });
  await refused(fn("    env: [A=1]"), {
    message: "must be a map (key: value); got a list",
    field: "functions[0].env",
    line: 4,
    column: 10,
  });
});

Deno.test("dirs must be HOST[::GUEST] strings or host/guest/writable maps", async () => {
  await refused(fn('    dirs: ["/srv\\0x"]'), {
    message: "must not contain NUL characters",
    field: "functions[0].dirs[0]",
    line: 4,
    column: 12,
  });
  await refused(fn("    dirs: ['::/data']"), {
    message: "'::/data' is not a mount: write 'HOST' or 'HOST::GUEST'",
    field: "functions[0].dirs[0]",
    line: 4,
    column: 12,
  });
  await refused(fn("    dirs: ['/srv::']"), {
    message: "'/srv::' is not a mount: write 'HOST' or 'HOST::GUEST'",
    field: "functions[0].dirs[0]",
    line: 4,
    column: 12,
  });
  await refused(fn("    dirs:", "      - guest: /data"), {
    message: "missing required key 'host'",
    field: "functions[0].dirs[0].host",
    line: 5,
    column: 9,
  });
  await refused(fn("    dirs:", "      - { host: /srv, writeable: true }"), {
    message: "unknown key 'writeable'; did you mean 'writable'?",
    field: "functions[0].dirs[0].writeable",
    line: 5,
    column: 23,
  });
  await refused(fn("    dirs:", "      - { host: /srv, writable: yes }"), {
    message: "must be true or false; got 'yes'",
    field: "functions[0].dirs[0].writable",
    line: 5,
    column: 33,
  });
  await refused(fn("    dirs:", "      - { host: '' }"), {
    message: "must not be empty",
    field: "functions[0].dirs[0].host",
    line: 5,
    column: 17,
  });
  await refused(fn("    dirs:", "      - 42"), {
    message:
      "must be 'HOST[::GUEST]' or a map with host, guest and writable; got number 42",
    field: "functions[0].dirs[0]",
    line: 5,
    column: 9,
  });
  await refused(
    fn(
      "    dirs:",
      "      - /srv/a::/data",
      "      - { host: /srv/b, guest: /data }",
    ),
    {
      message: "guest path '/data' is already mounted by functions[0].dirs[0]",
      field: "functions[0].dirs[1]",
      line: 6,
      column: 9,
    },
  );
});

Deno.test("limits must be known, well-formed, positive and bounded", async () => {
  const cases: [string, Refusal][] = [
    ["timout: 5s", {
      message: "unknown key 'timout'; did you mean 'timeout'?",
      field: "functions[0].limits.timout",
      column: 7,
    }],
    ["maxinput: 1MB", {
      message: "unknown key 'maxinput'; did you mean 'maxInput'?",
      field: "functions[0].limits.maxinput",
      column: 7,
    }],
    ["cpu: 2", {
      message:
        "unknown key 'cpu'; expected one of: memory, timeout, maxInput, maxOutput, callDepth, concurrency, maxQueueWait",
      field: "functions[0].limits.cpu",
      column: 7,
    }],
    ["timeout: five", {
      message:
        "must be a duration like 5s, 250ms, 1m or a number of milliseconds; got 'five'",
      field: "functions[0].limits.timeout",
      column: 16,
    }],
    ["timeout: 2h", {
      message: "must be at most 1h; got '2h'",
      field: "functions[0].limits.timeout",
      column: 16,
    }],
    ["timeout: 0", {
      message: "must be positive; got '0'",
      field: "functions[0].limits.timeout",
      column: 16,
    }],
    ["timeout: -5", {
      message:
        "must be a duration like 5s, 250ms, 1m or a number of milliseconds; got -5",
      field: "functions[0].limits.timeout",
      column: 16,
    }],
    ["maxQueueWait: soon", {
      message:
        "must be a duration like 5s, 250ms, 1m or a number of milliseconds; got 'soon'",
      field: "functions[0].limits.maxQueueWait",
      column: 21,
    }],
    ["maxQueueWait: 0", {
      message: "must be positive; got '0'",
      field: "functions[0].limits.maxQueueWait",
      column: 21,
    }],
    ["maxQueueWait: 2h", {
      message: "must be at most 1h; got '2h'",
      field: "functions[0].limits.maxQueueWait",
      column: 21,
    }],
    ["memory: 5GiB", {
      message: "must be at most 4 GiB; got '5GiB'",
      field: "functions[0].limits.memory",
      column: 15,
    }],
    ["memory: 64 megs", {
      message:
        "must be a size like 64MiB, 1MB, 512KiB or 4096 (bytes); got '64 megs'",
      field: "functions[0].limits.memory",
      column: 15,
    }],
    ["memory: [64MiB]", {
      message: "must be a size; got a list",
      field: "functions[0].limits.memory",
      column: 15,
    }],
    ["memory: true", {
      message: "must be a size; got boolean true",
      field: "functions[0].limits.memory",
      column: 15,
    }],
    ["maxInput: 1.5B", {
      message: "must be a whole number of bytes; got '1.5B'",
      field: "functions[0].limits.maxInput",
      column: 17,
    }],
    ["maxOutput: 0B", {
      message: "must be positive; got '0B'",
      field: "functions[0].limits.maxOutput",
      column: 18,
    }],
    ...["0", "65", "2.5", "8KiB", "'8'", "[8]"].map((value) =>
      [`callDepth: ${value}`, {
        message: `must be a whole number from 1 to 64; got ${
          value === "8KiB" || value === "'8'"
            ? `'${value.replaceAll("'", "")}'`
            : value === "[8]"
            ? "a list"
            : `number ${value}`
        }`,
        field: "functions[0].limits.callDepth",
        column: 18,
      }] as [string, Refusal]
    ),
  ];
  for (const [line, expected] of cases) {
    await refused(fn("    limits:", `      ${line}`), { ...expected, line: 5 });
  }
  await refused(fn("    limits: 5s"), {
    message: "must be a map (key: value); got '5s'",
    field: "functions[0].limits",
    line: 4,
    column: 13,
  });
});

Deno.test("limits at their maximum are accepted", async () => {
  const { functions } = await parseManifest(
    fn(
      "    limits: { memory: 4GiB, timeout: 1h, maxInput: 4GiB, maxOutput: 4GiB, callDepth: 64, concurrency: 10000, maxQueueWait: 1h }",
    ),
  );
  assert.deepEqual(functions[0].limits, {
    maxMemoryBytes: 4 * 1024 ** 3,
    timeoutMs: 3_600_000,
    maxInputBytes: 4 * 1024 ** 3,
    maxOutputBytes: 4 * 1024 ** 3,
    callDepth: 64,
    concurrency: 10_000,
    maxQueueWaitMs: 3_600_000,
  });
});

Deno.test("labels need valid keys and scalar values; odd keys are quoted in the path", async () => {
  await refused(fn("    labels:", "      'bad key': x"), {
    message:
      "invalid label key 'bad key': use up to 128 letters, digits, '.', '_', '/' or '-', starting with a letter or digit",
    field: 'functions[0].labels["bad key"]',
    line: 5,
    column: 7,
  });
  await refused(fn("    labels:", "      app.example.com/tier: { a: 1 }"), {
    message: "must be a string, number or boolean; got a map",
    field: 'functions[0].labels["app.example.com/tier"]',
    line: 5,
    column: 29,
  });
});

Deno.test("aliases that loop or have no anchor are errors", async () => {
  await refused(fn("    args: &loop [a, *loop]"), {
    message: "alias *loop refers to a node that contains it",
    field: "functions[0].args[1]",
    line: 4,
    column: 21,
  });
  await refused(fn("    env: *nowhere"), {
    message: "alias *nowhere has no anchor",
    field: "functions[0].env",
    line: 4,
    column: 10,
  });
});

Deno.test("alias bombs are refused instead of expanded", async () => {
  const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 8; i++) {
    lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]`);
  }
  await refused(
    yaml(
      "functions:",
      "  - name: bomb",
      `    module: ${DIGEST}`,
      "    labels:",
      ...lines.map((l) => `      ${l}`),
    ),
    {
      message:
        "manifest is too large (over 100000 nodes once aliases are expanded)",
      field: "functions[0].labels.a4[7][0][7][0][3]",
    },
  );
});

Deno.test("map keys must be plain scalars", async () => {
  await refused(fn("    env:", "      ? [a, b]", "      : 1"), {
    message: "map keys must be plain strings",
    field: "functions[0].env",
    line: 5,
    column: 9,
  });
});
