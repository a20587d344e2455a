/**
 * Which of a node's steps of a run go together as one job in one executor
 * worker (see `WorkflowRunOptions.executeGroup`): a step and the local
 * steps it alone feeds by memory, so that their data never leaves the
 * worker's isolate.
 *
 * @module
 */
import type { PlannedEdge, PlannedStep, WorkflowPlan } from "./plan.ts";

/**
 * Steps run as one job: `steps` in an order where each comes after those
 * it reads; `from[i]` are the places in `steps` of step i's producers, in
 * its fan-in order (`[]` for the first, which takes the group's input).
 * Only the last step's output leaves the group.
 */
export interface StepGroup {
  steps: PlannedStep[];
  from: number[][];
}

/**
 * Groups `local` (a node's steps of a run), each step in one group at most,
 * groups of two or more only. A group grows from a step, producers first,
 * whose group is not yet made by every local step all of whose producers
 * are in it by memory edges (a chain, a fan-out, its fan-in), then loses
 * its last steps until one step alone sends outside it. A fan-out's
 * branches run one after the other in the worker: a group with one is
 * kept only when `short` says every function in it runs briefly; else the
 * step heads a chain (each step's only consumer, fed by it alone).
 *
 * @example
 * ```ts
 * import { groupSteps } from "./_groups.ts";
 * const step = (name: string, after: string[]) =>
 *   ({ name, function: name, args: [], after, node: "n" });
 * const edge = (from: string, to: string) =>
 *   ({ from, to, fromNode: "n", toNode: "n", mode: "memory" as const });
 * const steps = [step("a", []), step("b", ["a"]), step("c", ["a"]), step("d", ["b", "c"])];
 * const edges = [edge("a", "b"), edge("a", "c"), edge("b", "d"), edge("c", "d"), edge("d", "$output")];
 * const [group] = groupSteps(steps, edges, () => true);
 * console.log(group.steps.map((s) => s.name), group.from); // [ "a", "b", "c", "d" ] [ [], [ 0 ], [ 0 ], [ 1, 2 ] ]
 * ```
 */
export function groupSteps(
  local: readonly PlannedStep[],
  edges: readonly PlannedEdge[],
  short: (fn: string) => boolean = () => false,
): StepGroup[] {
  const names = new Set(local.map((step) => step.name));
  const out = new Map<string, PlannedEdge[]>();
  for (const edge of edges) {
    if (!names.has(edge.from)) continue;
    out.set(edge.from, [...(out.get(edge.from) ?? []), edge]);
  }
  const grouped = new Set<string>();
  const groups: StepGroup[] = [];
  const ordered = producersFirst(local, names);
  for (const entry of ordered) {
    if (grouped.has(entry.name)) continue;
    const free = ordered.filter((s) => s !== entry && !grouped.has(s.name));
    let steps = singleExit(grown(entry, free, out), out);
    if (fansOut(steps, out) && !steps.every((s) => short(s.function))) {
      steps = chain(entry, free, out);
    }
    if (steps.length < 2) continue;
    for (const step of steps) grouped.add(step.name);
    const place = new Map(steps.map((step, i) => [step.name, i]));
    groups.push({
      steps,
      from: steps.map((step, i) =>
        i === 0 ? [] : step.after.map((p) => place.get(p)!)
      ),
    });
  }
  return groups;
}

/** Groupings kept per plan and node, by the steps found long. */
const KEPT_GROUPINGS = 8;

/** What grouping a plan's steps on one node gave. */
interface Made {
  local: PlannedStep[];
  /** Groups when every function runs long: chains only. */
  chains: StepGroup[];
  /** Whether brief functions would make other groups (a fan-out). */
  fansOut: boolean;
  /** Groups by the names of the steps found long. */
  byLong: Map<string, StepGroup[]>;
}

/** Groups already made, by plan, then node. */
const made = new WeakMap<WorkflowPlan, Map<string, Made>>();

/**
 * {@linkcode groupSteps} of the steps `plan` puts on node `nodeId`, made
 * once per plan and set of its functions that `short` finds long (asked
 * only when the plan has a fan-out to group): a node runs a workflow's plan
 * many times, and grouping costs more than asking.
 *
 * @example
 * ```ts
 * import { groupsOf } from "./_groups.ts";
 * const plan = {
 *   workflow: "w", origin: "n", output: "b",
 *   steps: [
 *     { name: "a", function: "up", args: [], after: [], node: "n" },
 *     { name: "b", function: "hash", args: [], after: ["a"], node: "n" },
 *   ],
 *   edges: [
 *     { from: "$input", to: "a", fromNode: "n", toNode: "n", mode: "memory" as const },
 *     { from: "a", to: "b", fromNode: "n", toNode: "n", mode: "memory" as const },
 *     { from: "b", to: "$output", fromNode: "n", toNode: "n", mode: "memory" as const },
 *   ],
 * };
 * console.log(groupsOf(plan, "n", () => true) === groupsOf(plan, "n", () => false)); // true
 * ```
 */
export function groupsOf(
  plan: WorkflowPlan,
  nodeId: string,
  short: (fn: string) => boolean = () => false,
): StepGroup[] {
  let byNode = made.get(plan);
  if (!byNode) made.set(plan, byNode = new Map());
  let m = byNode.get(nodeId);
  if (!m) {
    const local = plan.steps.filter((step) => step.node === nodeId);
    const chains = groupSteps(local, plan.edges);
    const all = groupSteps(local, plan.edges, () => true);
    const fansOut = all.some((g) => g.from.flat().length > g.steps.length - 1);
    m = { local, chains, fansOut, byLong: new Map() };
    byNode.set(nodeId, m);
  }
  if (!m.fansOut) return m.chains;
  const long = m.local.filter((step) => !short(step.function));
  const key = long.map((step) => step.name).join("\n");
  let groups = m.byLong.get(key);
  if (!groups) {
    const isLong = new Set(long.map((step) => step.function));
    groups = groupSteps(m.local, plan.edges, (fn) => !isLong.has(fn));
    // Functions near the bound flip between brief and long: keep a few.
    if (m.byLong.size === KEPT_GROUPINGS) {
      m.byLong.delete(m.byLong.keys().next().value!);
    }
    m.byLong.set(key, groups);
  }
  return groups;
}

/**
 * `local` with each step after its local producers, so that a group grows
 * from the first step of a chain rather than from one within it.
 */
function producersFirst(
  local: readonly PlannedStep[],
  names: Set<string>,
): PlannedStep[] {
  return closure(
    [],
    local,
    (step, placed) => step.after.every((p) => placed.has(p) || !names.has(p)),
  );
}

/**
 * `seed`, then each step of `candidates` that `admits` given the names
 * taken so far, in passes until one adds none: each step comes after those
 * it was admitted for.
 */
function closure(
  seed: PlannedStep[],
  candidates: readonly PlannedStep[],
  admits: (step: PlannedStep, taken: Set<string>) => boolean,
): PlannedStep[] {
  const steps = [...seed];
  const taken = new Set(seed.map((step) => step.name));
  for (let added = true; added;) {
    added = false;
    for (const step of candidates) {
      if (taken.has(step.name) || !admits(step, taken)) continue;
      steps.push(step);
      taken.add(step.name);
      added = true;
    }
  }
  return steps;
}

/** Whether `from`'s output goes to `to` in memory. */
function feedsByMemory(
  out: Map<string, PlannedEdge[]>,
  from: string,
  to: string,
): boolean {
  return out.get(from)?.some((e) => e.to === to && e.mode === "memory") ??
    false;
}

/**
 * `entry` and every step of `free` all of whose producers are in the
 * group by memory, each after its producers.
 */
function grown(
  entry: PlannedStep,
  free: PlannedStep[],
  out: Map<string, PlannedEdge[]>,
): PlannedStep[] {
  return closure(
    [entry],
    free,
    (step, inside) =>
      step.after.length > 0 &&
      step.after.every((p) =>
        inside.has(p) && feedsByMemory(out, p, step.name)
      ),
  );
}

/**
 * `steps` without their last ones until one alone sends outside them (the
 * last step always does: nothing after it in the group reads it).
 */
function singleExit(
  steps: PlannedStep[],
  out: Map<string, PlannedEdge[]>,
): PlannedStep[] {
  const kept = [...steps];
  for (;;) {
    const inside = new Set(kept.map((s) => s.name));
    const exits = kept.filter((step) => {
      const edges = out.get(step.name) ?? [];
      return edges.length === 0 || edges.some((e) => !inside.has(e.to));
    });
    if (exits.length <= 1) return kept;
    kept.pop();
  }
}

/** Whether a step of `steps` feeds two or more of them. */
function fansOut(
  steps: PlannedStep[],
  out: Map<string, PlannedEdge[]>,
): boolean {
  const inside = new Set(steps.map((s) => s.name));
  return steps.some((step) =>
    (out.get(step.name) ?? []).filter((e) => inside.has(e.to)).length > 1
  );
}

/** `entry` and, while the last step has one consumer fed by it alone, that. */
function chain(
  entry: PlannedStep,
  free: PlannedStep[],
  out: Map<string, PlannedEdge[]>,
): PlannedStep[] {
  const steps = [entry];
  for (;;) {
    const edges = out.get(steps.at(-1)!.name) ?? [];
    const next = free.find((s) => s.name === edges[0]?.to);
    if (
      edges.length !== 1 || edges[0].mode !== "memory" || !next ||
      next.after.length !== 1 || steps.includes(next)
    ) {
      return steps;
    }
    steps.push(next);
  }
}
