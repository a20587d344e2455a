/**
 * The step graph: producers before consumers, cycles, sinks. Steps are
 * taken in document order wherever the graph leaves a choice, so that every
 * answer is deterministic.
 *
 * @module
 */

/** What the graph needs of a step. */
export interface GraphStep {
  name: string;
  after: readonly string[];
}

/**
 * The steps with every producer before its consumers, ties in document
 * order; steps on or behind a cycle are left out (see {@link findCycle}).
 */
export function topologicalOrder<S extends GraphStep>(
  steps: readonly S[],
): S[] {
  const done = new Set<string>();
  const order: S[] = [];
  let progressed = true;
  while (progressed) {
    progressed = false;
    for (const step of steps) {
      if (done.has(step.name)) continue;
      if (step.after.every((name) => done.has(name))) {
        done.add(step.name);
        order.push(step);
        progressed = true;
        // Restart from the top, so that ties go to the earliest step.
        break;
      }
    }
  }
  return order;
}

/**
 * A cycle as step names in data-flow order, starting (and implicitly ending)
 * at its earliest step in document order; `undefined` for an acyclic graph.
 * Assumes every `after` entry names a step.
 */
export function findCycle(steps: readonly GraphStep[]): string[] | undefined {
  const ordered = new Set(topologicalOrder(steps).map((s) => s.name));
  const blocked = new Map(
    steps.filter((s) => !ordered.has(s.name)).map((s) => [s.name, s]),
  );
  if (blocked.size === 0) return undefined;
  // Every blocked step waits for some blocked producer, so walking producers
  // from any blocked step must come back to a step already walked.
  const walked: string[] = [];
  let name = blocked.keys().next().value!;
  while (!walked.includes(name)) {
    walked.push(name);
    name = blocked.get(name)!.after.find((p) => blocked.has(p))!;
  }
  const backwards = walked.slice(walked.indexOf(name));
  const cycle = backwards.reverse();
  const index = (n: string) => steps.findIndex((s) => s.name === n);
  const first = cycle.reduce((a, b) => index(a) <= index(b) ? a : b);
  const at = cycle.indexOf(first);
  return [...cycle.slice(at), ...cycle.slice(0, at)];
}

/** Steps that no step comes after, in document order. */
export function sinks<S extends GraphStep>(steps: readonly S[]): S[] {
  const consumed = new Set(steps.flatMap((s) => s.after));
  return steps.filter((s) => !consumed.has(s.name));
}
