import assert from "node:assert/strict";
import {
  type PlannedEdge,
  planWorkflow,
  type WorkflowPlan,
} from "../../workflow/mod.ts";
import { cluster, NODES } from "./_cluster.ts";
import { specOf, yaml } from "./_helpers.ts";

/** Plans a workflow whose steps are the given YAML flow maps. */
function plan(steps: string[], local = "a", nodes = NODES): WorkflowPlan {
  const spec = specOf(
    yaml("name: w", "steps:", ...steps.map((s) => `  - ${s}`)),
  );
  return planWorkflow(spec, cluster(local, nodes));
}

/** `step@node` for every step. */
function placement(p: WorkflowPlan): string[] {
  return p.steps.map((s) => `${s.name}@${s.node}`);
}

/** `from→to mode` for every edge. */
function modes(p: WorkflowPlan): string[] {
  return p.edges.map((e: PlannedEdge) => `${e.from}→${e.to} ${e.mode}`);
}

const TABLE: {
  what: string;
  steps: string[];
  local?: string;
  nodes?: string[];
  modes: string[];
}[] = [
  {
    what: "a chain whose functions all run locally stays in memory",
    steps: [
      "{ name: e, function: echo }",
      "{ name: u, function: uppercase, after: [e] }",
      "{ name: h, function: sha256, after: [u] }",
    ],
    nodes: ["e@a", "u@a", "h@a"],
    modes: [
      "$input→e memory",
      "e→u memory",
      "u→h memory",
      "h→$output memory",
    ],
  },
  {
    what: "a first step runs where the input arrives when it can",
    steps: ["{ name: h, function: sha256 }"],
    local: "b",
    nodes: ["h@b"],
    modes: ["$input→h memory", "h→$output memory"],
  },
  {
    what: "a step follows its producer to another host, then comes back",
    steps: [
      "{ name: r, function: resize }",
      "{ name: w, function: wordcount, after: [r] }",
      "{ name: e, function: echo, after: [w] }",
    ],
    nodes: ["r@c", "w@c", "e@a"],
    modes: [
      "$input→r http2",
      "r→w memory",
      "w→e http2",
      "e→$output memory",
    ],
  },
  {
    what: "without a local choice, the node on the input's host wins",
    steps: ["{ name: g, function: gray }"],
    local: "c",
    nodes: ["g@d"],
    modes: ["$input→g unix", "g→$output unix"],
  },
  {
    what: "fan-in goes where most producers are",
    steps: [
      "{ name: x, function: resize }",
      "{ name: y, function: wordcount, after: [x] }",
      "{ name: z, function: sha256 }",
      "{ name: j, function: wordcount, after: [x, y, z] }",
    ],
    nodes: ["x@c", "y@c", "z@a", "j@c"],
    modes: [
      "$input→x http2",
      "x→y memory",
      "$input→z memory",
      "x→j memory",
      "y→j memory",
      "z→j http2",
      "j→$output http2",
    ],
  },
  {
    what: "fan-out with placement by node id and by labels",
    steps: [
      "{ name: fetch, function: echo }",
      "{ name: hash, function: sha256, after: [fetch], on: b }",
      "{ name: count, function: wordcount, after: [fetch], on: { labels: { tier: edge } } }",
      "{ name: join, function: echo, after: [hash, count] }",
    ],
    nodes: ["fetch@a", "hash@b", "count@b", "join@a"],
    modes: [
      "$input→fetch memory",
      "fetch→hash unix",
      "fetch→count unix",
      "hash→join unix",
      "count→join unix",
      "join→$output memory",
    ],
  },
  {
    what: "labels can send a step to another host",
    steps: [
      "{ name: r, function: resize }",
      "{ name: w, function: wordcount, after: [r], on: { labels: { tier: cloud } } }",
    ],
    nodes: ["r@c", "w@a"],
    modes: ["$input→r http2", "r→w http2", "w→$output memory"],
  },
  {
    what: "a forced mode can be dearer than the placement needs",
    steps: [
      "{ name: e, function: echo, via: unix }",
      "{ name: h, function: sha256, after: [e], via: http2 }",
    ],
    nodes: ["e@a", "h@a"],
    modes: ["$input→e unix", "e→h http2", "h→$output memory"],
  },
  {
    what: "without via, a step after a remote producer comes home",
    steps: [
      "{ name: r, function: resize }",
      "{ name: g, function: gray, after: [r] }",
    ],
    nodes: ["r@c", "g@a"],
    modes: ["$input→r http2", "r→g http2", "g→$output memory"],
  },
  {
    what: "a forced unix edge moves the step onto its producer's host",
    steps: [
      "{ name: r, function: resize }",
      "{ name: g, function: gray, after: [r], via: unix }",
    ],
    nodes: ["r@c", "g@d"],
    modes: ["$input→r http2", "r→g unix", "g→$output http2"],
  },
  {
    what: "a forced memory edge is met by co-location",
    steps: [
      "{ name: h, function: sha256, on: b }",
      "{ name: g, function: gray, after: [h], via: memory }",
    ],
    nodes: ["h@b", "g@b"],
    modes: ["$input→h unix", "h→g memory", "g→$output unix"],
  },
];

for (const row of TABLE) {
  Deno.test(`planWorkflow: ${row.what}`, () => {
    const p = plan(row.steps, row.local);
    assert.deepEqual(placement(p), row.nodes);
    assert.deepEqual(modes(p), row.modes);
  });
}

Deno.test("planWorkflow returns plain data: origin, output, steps, edges", () => {
  const p = plan([
    "{ name: r, function: resize, args: [--w, 64] }",
    "{ name: w, function: wordcount, after: [r] }",
  ]);
  assert.deepEqual(p, {
    workflow: "w",
    origin: "a",
    output: "w",
    steps: [
      {
        name: "r",
        function: "resize",
        args: ["--w", "64"],
        after: [],
        node: "c",
      },
      { name: "w", function: "wordcount", args: [], after: ["r"], node: "c" },
    ],
    edges: [
      { from: "$input", to: "r", fromNode: "a", toNode: "c", mode: "http2" },
      { from: "r", to: "w", fromNode: "c", toNode: "c", mode: "memory" },
      { from: "w", to: "$output", fromNode: "c", toNode: "a", mode: "http2" },
    ],
  });
  assert.deepEqual(JSON.parse(JSON.stringify(p)), p);
});

Deno.test("planWorkflow is deterministic whatever the order of the nodes", () => {
  const steps = [
    "{ name: r, function: resize }",
    "{ name: g, function: gray, after: [r] }",
    "{ name: s, function: sha256, after: [g] }",
    "{ name: w, function: wordcount, after: [r, s] }",
  ];
  const first = plan(steps);
  const orders = [
    [...NODES].reverse(),
    [NODES[2], NODES[0], NODES[3], NODES[1]],
    [NODES[1], NODES[3], NODES[0], NODES[2]],
  ];
  for (const nodes of orders) {
    assert.deepEqual(plan(steps, "a", nodes), first);
  }
  // Equal candidates (same host, nothing placed) go to the lowest id.
  assert.deepEqual(placement(plan(["{ name: r, function: resize }"])), [
    "r@c",
  ]);
});

Deno.test("planWorkflow places a producer listed after its consumer first", () => {
  const p = plan([
    "{ name: w, function: wordcount, after: [r] }",
    "{ name: r, function: resize }",
  ]);
  assert.deepEqual(placement(p), ["w@c", "r@c"]);
  assert.deepEqual(modes(p), [
    "r→w memory",
    "$input→r http2",
    "w→$output http2",
  ]);
});
