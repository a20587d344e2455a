import assert from "node:assert/strict";
import { parseWorkflow, type WorkflowSpec } from "../../workflow/mod.ts";
import { assertRefused, type Refusal, yaml } from "./_helpers.ts";

const BRIEF = yaml(
  "name: thumbnails",
  "steps:",
  "  - name: fetch",
  "    function: echo",
  "    args: [x]",
  "  - name: hash",
  "    function: sha256",
  "    after: [fetch]",
  "    via: unix",
  "    on: node-b",
  "  - name: count",
  "    function: wordcount",
  "    after: [fetch]",
  "    on: { labels: { tier: edge } }",
  "  - name: join",
  "    function: echo",
  "    after: [hash, count]",
  "output: join",
);

/** The spec without the positions map, for comparisons. */
function bare(spec: WorkflowSpec): Omit<WorkflowSpec, "positions"> {
  const { positions: _, ...rest } = spec;
  return rest;
}

Deno.test("parseWorkflow reads every field of the documented example", async () => {
  const spec = await parseWorkflow(BRIEF);
  assert.deepEqual(bare(spec), {
    name: "thumbnails",
    steps: [
      { name: "fetch", function: "echo", args: ["x"], after: [] },
      {
        name: "hash",
        function: "sha256",
        args: [],
        after: ["fetch"],
        via: "unix",
        on: { node: "node-b" },
      },
      {
        name: "count",
        function: "wordcount",
        args: [],
        after: ["fetch"],
        on: { labels: { tier: "edge" } },
      },
      {
        name: "join",
        function: "echo",
        args: [],
        after: ["hash", "count"],
      },
    ],
    output: "join",
  });
  assert.deepEqual(spec.positions?.["steps[1].via"], { line: 9, column: 10 });
  assert.deepEqual(spec.positions?.["steps[3].after[1]"], {
    line: 17,
    column: 19,
  });
});

Deno.test("output defaults to the only step nothing comes after", async () => {
  const spec = await parseWorkflow(yaml(
    "name: w",
    "steps:",
    "  - { name: c, function: echo, after: [b] }",
    "  - { name: a, function: echo }",
    "  - { name: b, function: echo, after: a }",
  ));
  assert.equal(spec.output, "c");
  assert.deepEqual(spec.steps[2].after, ["a"]);
});

Deno.test("a JSON document is a workflow too, and args keep their text", async () => {
  const spec = await parseWorkflow(JSON.stringify({
    name: "j",
    steps: [{ name: "s", function: "env", args: ["007", 1.50, true] }],
  }));
  assert.deepEqual(spec.steps[0].args, ["007", "1.5", "true"]);
  assert.equal(spec.output, "s");
  assert.deepEqual(spec.positions?.["steps[0].function"], {
    line: 1,
    column: 45,
  });
});

Deno.test("several sinks are fine when output names one of them", async () => {
  const spec = await parseWorkflow(yaml(
    "name: w",
    "steps:",
    "  - { name: a, function: echo }",
    "  - { name: b, function: echo, after: [a] }",
    "  - { name: c, function: echo, after: [a] }",
    "output: b",
  ));
  assert.equal(spec.output, "b");
});

const STEP = "  - { name: a, function: echo }";

const REFUSED: [string, string, Refusal][] = [
  ["an empty document", "", {
    message: "workflow is empty; expected 'name:' and a 'steps:' list",
  }],
  ["a YAML syntax error", yaml("name: w", "steps: [", "  { name: a"), {
    message:
      "YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }",
    line: 4,
    column: 1,
  }],
  ["an alias without anchor", yaml("name: *nope", "steps: []"), {
    message: "alias *nope has no anchor",
    field: "name",
    line: 1,
    column: 7,
  }],
  ["a list at the top", yaml("- a"), {
    message: "must be a map (key: value); got a list",
    line: 1,
    column: 1,
  }],
  ["an unknown top-level key", yaml("name: w", "step: []"), {
    message: "unknown key 'step'; did you mean 'steps'?",
    field: "step",
    line: 2,
    column: 1,
  }],
  ["an unknown key without a likely meaning", yaml("name: w", "zzz: 1"), {
    message: "unknown key 'zzz'; expected one of: name, steps, output",
    field: "zzz",
    line: 2,
    column: 1,
  }],
  ["a missing name", yaml("steps:", STEP), {
    message: "missing required key 'name'",
    field: "name",
    line: 1,
    column: 1,
  }],
  ["a bad workflow name", yaml("name: -w", "steps:", STEP), {
    message:
      "invalid workflow name '-w': use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
    field: "name",
    line: 1,
    column: 7,
  }],
  ["missing steps", yaml("name: w"), {
    message: "missing required key 'steps'",
    field: "steps",
    line: 1,
    column: 1,
  }],
  ["steps that are not a list", yaml("name: w", "steps: { a: 1 }"), {
    message: "must be a list; got a map",
    field: "steps",
    line: 2,
    column: 8,
  }],
  ["no steps", yaml("name: w", "steps: []"), {
    message: "must list at least one step",
    field: "steps",
    line: 2,
    column: 8,
  }],
  ["a step that is not a map", yaml("name: w", "steps:", "  - echo"), {
    message: "must be a map (key: value); got 'echo'",
    field: "steps[0]",
    line: 3,
    column: 5,
  }],
  [
    "an unknown step key",
    yaml("name: w", "steps:", "  - { name: a, function: echo, afte: [b] }"),
    {
      message: "unknown key 'afte'; did you mean 'after'?",
      field: "steps[0].afte",
      line: 3,
      column: 32,
    },
  ],
  [
    "a misspelt placement key",
    yaml("name: w", "steps:", "  - { name: a, function: echo, On: x }"),
    {
      message: "unknown key 'On'; did you mean 'on'?",
      field: "steps[0].On",
      line: 3,
      column: 32,
    },
  ],
  ["a step without name", yaml("name: w", "steps:", "  - function: echo"), {
    message: "missing required key 'name'",
    field: "steps[0].name",
    line: 3,
    column: 5,
  }],
  ["a step without function", yaml("name: w", "steps:", "  - name: a"), {
    message: "missing required key 'function'",
    field: "steps[0].function",
    line: 3,
    column: 5,
  }],
  [
    "an empty function",
    yaml("name: w", "steps:", "  - name: a", "    function:"),
    {
      // Like manifests: the key is there, its value is empty.
      message: "must be a string, number or boolean; got nothing",
      field: "steps[0].function",
      line: 4,
      column: 14,
    },
  ],
  [
    "a bad step name",
    yaml("name: w", "steps:", "  - { name: $in, function: echo }"),
    {
      message:
        "invalid step name '$in': use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
      field: "steps[0].name",
      line: 3,
      column: 13,
    },
  ],
  [
    "a function that is a list",
    yaml("name: w", "steps:", "  - { name: a, function: [echo] }"),
    {
      message: "must be a string, number or boolean; got a list",
      field: "steps[0].function",
      line: 3,
      column: 26,
    },
  ],
  [
    "args with a map",
    yaml("name: w", "steps:", "  - { name: a, function: echo, args: [{}] }"),
    {
      message: "must be a string, number or boolean; got a map",
      field: "steps[0].args[0]",
      line: 3,
      column: 39,
    },
  ],
  [
    "duplicate step names",
    yaml("name: w", "steps:", STEP, "  - { name: a, function: sha256 }"),
    {
      message: "duplicate step name 'a' (also steps[0], line 3)",
      field: "steps[1].name",
      line: 4,
      column: 13,
    },
  ],
  [
    "after naming an unknown step",
    yaml(
      "name: w",
      "steps:",
      "  - { name: fetch, function: echo }",
      "  - { name: b, function: echo, after: [fetc] }",
    ),
    {
      message: "no step named 'fetc'; did you mean 'fetch'?",
      field: "steps[1].after[0]",
      line: 4,
      column: 40,
    },
  ],
  [
    "after naming the step itself",
    yaml("name: w", "steps:", "  - { name: a, function: echo, after: a }"),
    {
      message: "step 'a' cannot come after itself",
      field: "steps[0].after",
      line: 3,
      column: 39,
    },
  ],
  [
    "after listing a step twice",
    yaml(
      "name: w",
      "steps:",
      STEP,
      "  - { name: b, function: echo, after: [a, a] }",
    ),
    {
      message: "'a' is listed twice",
      field: "steps[1].after[1]",
      line: 4,
      column: 43,
    },
  ],
  [
    "a cycle",
    yaml(
      "name: w",
      "steps:",
      "  - { name: root, function: echo }",
      "  - { name: c, function: echo, after: [b] }",
      "  - { name: a, function: echo, after: [root, c] }",
      "  - { name: b, function: echo, after: [a] }",
      "  - { name: out, function: echo, after: [b] }",
    ),
    {
      message: "steps form a cycle: c → a → b → c",
      field: "steps[1].after[0]",
      line: 4,
      column: 40,
    },
  ],
  [
    "several sinks without output",
    yaml(
      "name: w",
      "steps:",
      "  - { name: a, function: echo }",
      "  - { name: b, function: echo, after: [a] }",
      "  - { name: c, function: echo, after: [a] }",
    ),
    {
      message:
        "missing: steps 'b', 'c' have no step after them; set 'output' to the one whose output is the workflow's",
      field: "output",
      line: 1,
      column: 1,
    },
  ],
  [
    "output naming an unknown step",
    yaml("name: w", "steps:", STEP, "output: b"),
    {
      message: "no step named 'b'",
      field: "output",
      line: 4,
      column: 9,
    },
  ],
  [
    "a bad via",
    yaml("name: w", "steps:", "  - { name: a, function: echo, via: unx }"),
    {
      message:
        "must be one of memory, unix, http2; got 'unx'; did you mean 'unix'?",
      field: "steps[0].via",
      line: 3,
      column: 37,
    },
  ],
  [
    "on as a list",
    yaml("name: w", "steps:", "  - { name: a, function: echo, on: [x] }"),
    {
      message: "must be a node id or { labels: { KEY: VALUE } }; got a list",
      field: "steps[0].on",
      line: 3,
      column: 36,
    },
  ],
  [
    "on with an unknown key",
    yaml(
      "name: w",
      "steps:",
      "  - { name: a, function: echo, on: { lables: {} } }",
    ),
    {
      message: "unknown key 'lables'; did you mean 'labels'?",
      field: "steps[0].on.lables",
      line: 3,
      column: 38,
    },
  ],
  [
    "on with no labels",
    yaml(
      "name: w",
      "steps:",
      "  - { name: a, function: echo, on: { labels: {} } }",
    ),
    {
      message: "must name at least one label",
      field: "steps[0].on.labels",
      line: 3,
      column: 46,
    },
  ],
  [
    "on with a bad label key",
    yaml(
      "name: w",
      "steps:",
      "  - { name: a, function: echo, on: { labels: { -x: y } } }",
    ),
    {
      message:
        "invalid label key '-x': use up to 128 letters, digits, '.', '_', '/' or '-', starting with a letter or digit",
      field: 'steps[0].on.labels["-x"]',
      line: 3,
      column: 48,
    },
  ],
  [
    "on with a label value that is a map",
    yaml(
      "name: w",
      "steps:",
      "  - { name: a, function: echo, on: { labels: { tier: {} } } }",
    ),
    {
      message: "must be a string, number or boolean; got a map",
      field: "steps[0].on.labels.tier",
      line: 3,
      column: 54,
    },
  ],
];

for (const [what, text, expected] of REFUSED) {
  Deno.test(`parseWorkflow refuses ${what}`, async () => {
    await assertRefused(() => parseWorkflow(text), expected);
  });
}
