import assert from "node:assert/strict";
import { groupSteps } from "./_groups.ts";
import type { PlannedEdge, PlannedStep } from "./plan.ts";
import type { Mode } from "../comm/mod.ts";

const step = (name: string, after: string[] = [], node = "n"): PlannedStep => ({
  name,
  function: `fn-${name}`,
  args: [],
  after,
  node,
});
const edge = (
  from: string,
  to: string,
  mode: Mode = "memory",
  toNode = "n",
): PlannedEdge => ({ from, to, fromNode: "n", toNode, mode });
const brief = () => true;
const shapes = (groups: ReturnType<typeof groupSteps>) =>
  groups.map((g) => ({ steps: g.steps.map((s) => s.name), from: g.from }));

Deno.test("groupSteps: a chain runs whole, whatever its functions cost", () => {
  // Listed from its end: the group still starts at its first step.
  const steps = [step("c", ["b"]), step("b", ["a"]), step("a")];
  const edges = [
    edge("$input", "a"),
    edge("a", "b"),
    edge("b", "c"),
    edge("c", "$output"),
  ];
  assert.deepEqual(shapes(groupSteps(steps, edges)), [
    { steps: ["a", "b", "c"], from: [[], [0], [1]] },
  ]);
});

Deno.test("groupSteps: a fan-out and its fan-in are one group when brief, none otherwise", () => {
  // Listed out of order: a step may name a producer listed after it.
  const steps = [
    step("d", ["b", "c"]),
    step("c", ["a"]),
    step("b", ["a"]),
    step("a"),
  ];
  const edges = [
    edge("$input", "a"),
    edge("a", "b"),
    edge("a", "c"),
    edge("b", "d"),
    edge("c", "d"),
    edge("d", "$output"),
  ];
  assert.deepEqual(shapes(groupSteps(steps, edges, brief)), [
    { steps: ["a", "c", "b", "d"], from: [[], [0], [0], [2, 1]] },
  ]);
  const long = (fn: string) => fn !== "fn-c";
  assert.deepEqual(shapes(groupSteps(steps, edges, long)), []);
});

Deno.test("groupSteps: only one step of a group sends outside it", () => {
  // c also feeds x on another node: a → {b, c} → d cannot be one group,
  // and a feeds two steps, so no chain starts at a either.
  const steps = [
    step("a"),
    step("b", ["a"]),
    step("c", ["a"]),
    step("d", ["b", "c"]),
  ];
  const edges = [
    edge("a", "b"),
    edge("a", "c"),
    edge("b", "d"),
    edge("c", "d"),
    edge("c", "x", "unix", "m"),
    edge("d", "$output"),
  ];
  assert.deepEqual(shapes(groupSteps(steps, edges, brief)), []);
  // Without the fan-in, a and b stay apart too; b → d runs whole.
  const chain = [step("a"), step("b", ["a"]), step("d", ["b"])];
  const out = [
    edge("a", "b"),
    edge("a", "x", "http2", "m"),
    edge("b", "d"),
    edge("d", "$output"),
  ];
  assert.deepEqual(shapes(groupSteps(chain, out, brief)), [
    { steps: ["b", "d"], from: [[], [0]] },
  ]);
});

Deno.test("groupSteps: an edge forced off memory, or a step fed from outside, ends a group", () => {
  const steps = [step("a"), step("b", ["a"]), step("c", ["b", "r"])];
  const edges = [edge("a", "b", "unix"), edge("b", "c"), edge("c", "$output")];
  // c also reads r, which is on another node: b → c cannot group either.
  assert.deepEqual(shapes(groupSteps(steps, edges, brief)), []);
  const two = [step("a"), step("b", ["a"]), step("c", ["b"])];
  assert.deepEqual(shapes(groupSteps(two, edges, brief)), [
    { steps: ["b", "c"], from: [[], [0]] },
  ]);
});
