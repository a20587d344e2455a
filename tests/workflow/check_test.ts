import assert from "node:assert/strict";
import { ManifestError } from "../../runtime/errors.ts";
import {
  checkWorkflow,
  planWorkflow,
  type WorkflowSpec,
} from "../../workflow/mod.ts";
import { cluster } from "./_cluster.ts";
import { assertRefused, type Refusal, specOf, yaml } from "./_helpers.ts";

/** A workflow whose steps are the given YAML flow maps, from line 3 on. */
function spec(...steps: string[]): WorkflowSpec {
  return specOf(
    yaml("name: w", "steps:", ...steps.map((s) => `  - ${s}`)),
  );
}

const REFUSED: [string, WorkflowSpec, Refusal][] = [
  [
    "a function deployed nowhere",
    spec(
      "{ name: a, function: echo }",
      "{ name: b, function: sha265, after: [a] }",
    ),
    {
      message:
        "function 'sha265' is not deployed on any node; did you mean 'sha256'?",
      field: "steps[1].function",
      line: 4,
      column: 26,
    },
  ],
  [
    "placement on an unknown node",
    spec("{ name: a, function: echo, on: e }"),
    {
      message: "no node 'e' in the cluster",
      field: "steps[0].on",
      line: 3,
      column: 36,
    },
  ],
  [
    "placement on a node that does not run the function",
    spec("{ name: a, function: resize, on: b }"),
    {
      message: "node 'b' does not run function 'resize'; 'resize' runs on c, d",
      field: "steps[0].on",
      line: 3,
      column: 38,
    },
  ],
  [
    "labels that no node running the function has",
    spec("{ name: a, function: resize, on: { labels: { tier: cloud } } }"),
    {
      message:
        "no node running function 'resize' has labels tier=cloud; 'resize' runs on c, d, and those labels are on a",
      field: "steps[0].on.labels",
      line: 3,
      column: 48,
    },
  ],
  [
    "labels that no node has",
    spec(
      "{ name: a, function: echo, on: { labels: { tier: edge, gpu: 'yes' } } }",
    ),
    {
      message:
        "no node running function 'echo' has labels tier=edge, gpu=yes; 'echo' runs on a",
      field: "steps[0].on.labels",
      line: 3,
      column: 46,
    },
  ],
  [
    "memory from the input to a step on another node",
    spec("{ name: r, function: resize, via: memory }"),
    {
      message:
        "cannot be memory: step 'r' runs on node 'c' but the workflow's input arrives at node 'a'",
      field: "steps[0].via",
      line: 3,
      column: 39,
    },
  ],
  [
    "memory between steps pinned to two nodes",
    spec(
      "{ name: p, function: sha256, on: b }",
      "{ name: q, function: echo, after: [p], via: memory }",
    ),
    {
      message:
        "cannot be memory: step 'q' runs on node 'a' but its producer 'p' runs on node 'b'",
      field: "steps[1].via",
      line: 4,
      column: 49,
    },
  ],
  [
    "memory into a fan-in whose producers are on two nodes",
    spec(
      "{ name: x, function: echo }",
      "{ name: y, function: sha256, on: b }",
      "{ name: j, function: wordcount, after: [x, y], via: memory }",
    ),
    {
      message:
        "cannot be memory: step 'j' runs on node 'a' but its producer 'y' runs on node 'b'",
      field: "steps[2].via",
      line: 5,
      column: 57,
    },
  ],
  [
    "unix between two hosts",
    spec(
      "{ name: r, function: resize }",
      "{ name: e, function: echo, after: [r], via: unix }",
    ),
    {
      message:
        "cannot be unix: step 'e' runs on host 'h1' but its producer 'r' runs on host 'h2'",
      field: "steps[1].via",
      line: 4,
      column: 49,
    },
  ],
];

for (const [what, workflow, expected] of REFUSED) {
  Deno.test(`checkWorkflow refuses ${what}`, async () => {
    await assertRefused(() => checkWorkflow(workflow, cluster()), expected);
    // Planning checks first, with the same error.
    await assertRefused(() => planWorkflow(workflow, cluster()), expected);
  });
}

Deno.test("checkWorkflow accepts what the cluster can run", () => {
  checkWorkflow(
    spec(
      "{ name: fetch, function: echo }",
      "{ name: hash, function: sha256, after: [fetch], via: unix, on: b }",
      "{ name: count, function: wordcount, after: [fetch], on: { labels: { tier: edge } } }",
      "{ name: join, function: echo, after: [hash, count] }",
    ),
    cluster(),
  );
});

Deno.test("checkWorkflow names the field of a spec built in code, without a line", async () => {
  const built: WorkflowSpec = {
    name: "w",
    steps: [{ name: "a", function: "nope", args: [], after: [] }],
    output: "a",
  };
  await assertRefused(() => checkWorkflow(built, cluster()), {
    message: "function 'nope' is not deployed on any node",
    field: "steps[0].function",
  });
});

Deno.test("checkWorkflow needs the local node in the cluster", () => {
  assert.throws(
    () => checkWorkflow(spec("{ name: a, function: echo }"), cluster("z")),
    (e: unknown) =>
      e instanceof TypeError && !(e instanceof ManifestError) &&
      e.message === "the local node 'z' is not in the cluster",
  );
});
