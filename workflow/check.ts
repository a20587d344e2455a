/**
 * Checking a parsed workflow against a cluster: every function is deployed
 * somewhere, every placement can be met, and every forced mode is possible
 * where the steps land. Errors name the field (and its line, for specs that
 * were parsed from a document), like parse errors.
 *
 * @module
 */
import { fieldPath, suggest } from "../runtime/document/mod.ts";
import { canRun, fits, placeSteps } from "./_place.ts";
import { READER } from "./_reader.ts";
import { forcedModeProblem } from "../comm/mod.ts";
import {
  type Cluster,
  type ClusterNode,
  localityOf,
  localNode,
} from "./cluster.ts";
import type { WorkflowSpec, WorkflowStep } from "./spec.ts";

/**
 * Throws a `ManifestError` (code `invalid_workflow`) for the first step that
 * cannot run in `cluster`: a function deployed on no node, `on` naming an
 * unknown node or one that does not run the function, labels that match no
 * node running it, or a `via` the placement makes impossible (memory between
 * two nodes, unix between two hosts). Pure: nothing is contacted.
 *
 * @example
 * ```ts
 * import { checkWorkflow } from "./check.ts";
 * import { parseWorkflow } from "./parse.ts";
 * const spec = await parseWorkflow("name: w\nsteps:\n  - { name: a, function: resize }\n");
 * const cluster = {
 *   localNodeId: "a",
 *   nodes: [{ id: "a", hostId: "h1", functions: ["echo"] }],
 * };
 * try {
 *   checkWorkflow(spec, cluster);
 * } catch (e) {
 *   console.log((e as Error).message);
 *   // steps[0].function (line 3, column 26): function 'resize' is not deployed on any node
 * }
 * ```
 */
export function checkWorkflow(spec: WorkflowSpec, cluster: Cluster): void {
  const local = localNode(cluster);
  spec.steps.forEach((step, i) => _checkPlaceable(spec, step, i, cluster));
  const placed = placeSteps(spec, cluster);
  spec.steps.forEach((step, i) => {
    if (!step.via) return;
    const node = placed.get(step.name)!;
    const sources = step.after.length === 0
      ? [{ what: "the workflow's input arrives at", node: local }]
      : step.after.map((p) => ({
        what: `its producer '${p}' runs on`,
        node: placed.get(p)!,
      }));
    for (const source of sources) {
      if (
        !forcedModeProblem(step.via, localityOf(source.node), localityOf(node))
      ) continue;
      const where = (n: ClusterNode) =>
        step.via === "memory" ? `node '${n.id}'` : `host '${n.hostId}'`;
      const path = fieldPath(`steps[${i}]`, "via");
      READER.fail(
        `cannot be ${step.via}: step '${step.name}' runs on ${
          where(node)
        } but ${source.what} ${where(source.node)}`,
        path,
        spec.positions?.[path],
      );
    }
  });
}

/** The step's function is deployed on a node that meets its `on`. */
function _checkPlaceable(
  spec: WorkflowSpec,
  step: WorkflowStep,
  i: number,
  cluster: Cluster,
): void {
  const at = (path: string) => spec.positions?.[path];
  const running = cluster.nodes.filter((n) =>
    n.functions.includes(step.function)
  );
  if (running.length === 0) {
    const path = `steps[${i}].function`;
    const deployed = [...new Set(cluster.nodes.flatMap((n) => n.functions))];
    READER.fail(
      `function '${step.function}' is not deployed on any node${
        suggest(step.function, deployed)
      }`,
      path,
      at(path),
    );
  }
  if (!step.on || running.some((n) => canRun(n, step))) return;
  const runsOn = `'${step.function}' runs on ${
    running.map((n) => n.id).join(", ")
  }`;
  if ("node" in step.on) {
    const path = `steps[${i}].on`;
    const id = step.on.node;
    const ids = cluster.nodes.map((n) => n.id);
    READER.fail(
      ids.includes(id)
        ? `node '${id}' does not run function '${step.function}'; ${runsOn}`
        : `no node '${id}' in the cluster${suggest(id, ids)}`,
      path,
      at(path),
    );
  }
  const wanted = Object.entries(step.on.labels).map(([k, v]) => `${k}=${v}`);
  const path = `steps[${i}].on.labels`;
  const labelled = cluster.nodes.filter((n) => fits(n, step.on));
  READER.fail(
    `no node running function '${step.function}' has labels ${
      wanted.join(", ")
    }; ${runsOn}${
      labelled.length > 0
        ? `, and those labels are on ${labelled.map((n) => n.id).join(", ")}`
        : ""
    }`,
    path,
    at(path),
  );
}
