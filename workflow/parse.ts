/**
 * Reading a YAML (or JSON) workflow document into a validated
 * {@link WorkflowSpec}. Every refusal is a `ManifestError` with code
 * `invalid_workflow` naming the field and its line and column.
 *
 * @module
 */
import { isMode, type Mode, MODES } from "../comm/mod.ts";
import { ManifestError, type SourcePosition } from "../runtime/errors.ts";
import { fieldPath } from "../runtime/manifest/_path.ts";
import type { Tree, TreeMap } from "../runtime/manifest/_tree.ts";
import { readYamlTree } from "../runtime/manifest/_yaml.ts";
import { FUNCTION_NAME_PATTERN } from "../runtime/manifest/spec.ts";
import { findCycle, sinks } from "./_graph.ts";
import {
  asMap,
  asMatch,
  asSeq,
  asText,
  checkKeys,
  describe,
  fail,
  get,
  INVALID_WORKFLOW,
  isNull,
  positionsOf,
  suggest,
} from "./_read.ts";
import {
  type StepPlacement,
  type WorkflowSpec,
  type WorkflowStep,
} from "./spec.ts";

const TOP_KEYS = ["name", "steps", "output"];
const STEP_KEYS = ["name", "function", "args", "after", "via", "on"];
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;
const NAME_RULE =
  "use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit";

/**
 * Parses and validates a workflow: `name`, a `steps` list (each with `name`,
 * `function` and optionally `args`, `after`, `via`, `on`) and an optional
 * `output`, which defaults to the one step nothing comes after. Fan-in: a
 * step after several steps gets their outputs concatenated in `after` order.
 *
 * @example
 * ```ts
 * import { parseWorkflow } from "./parse.ts";
 * const spec = parseWorkflow(`
 * name: thumbnails
 * steps:
 *   - { name: fetch, function: echo }
 *   - { name: hash, function: sha256, after: [fetch] }
 *   - { name: count, function: wordcount, after: [fetch] }
 *   - { name: join, function: echo, after: [hash, count] }
 * `);
 * console.log(spec.output); // "join"
 * ```
 */
export function parseWorkflow(text: string): WorkflowSpec {
  let root: Tree | undefined;
  try {
    root = readYamlTree(text);
  } catch (e) {
    throw _asWorkflowError(e);
  }
  if (!root || isNull(root)) {
    fail(
      "workflow is empty; expected 'name:' and a 'steps:' list",
      "",
      root?.position,
    );
  }
  return _readWorkflow(root);
}

function _readWorkflow(root: Tree): WorkflowSpec {
  const top = asMap(root, "");
  checkKeys(top, "", TOP_KEYS, ["name", "steps"]);
  const name = asMatch(
    get(top, "name")!,
    "name",
    FUNCTION_NAME_PATTERN,
    "workflow name",
    NAME_RULE,
  );
  const list = asSeq(get(top, "steps")!, "steps");
  if (list.items.length === 0) {
    fail("must list at least one step", "steps", list.position);
  }
  const positions = positionsOf(root);
  const steps: WorkflowStep[] = [];
  list.items.forEach((item, i) => {
    const step = _readStep(item, fieldPath("steps", i));
    const first = steps.findIndex((s) => s.name === step.name);
    if (first >= 0) {
      const line = positions[`steps[${first}].name`]?.line;
      const path = `steps[${i}].name`;
      fail(
        `duplicate step name '${step.name}' (also steps[${first}]${
          line ? `, line ${line}` : ""
        })`,
        path,
        positions[path],
      );
    }
    steps.push(step);
  });
  _checkAfter(steps, positions);
  return {
    name,
    steps,
    output: _output(top, steps),
    positions,
  };
}

function _readStep(node: Tree, path: string): WorkflowStep {
  const map = asMap(node, path);
  checkKeys(map, path, STEP_KEYS, ["name", "function"]);
  const field = (key: string) => fieldPath(path, key);
  const step: WorkflowStep = {
    name: asMatch(
      get(map, "name")!,
      field("name"),
      FUNCTION_NAME_PATTERN,
      "step name",
      NAME_RULE,
    ),
    function: asMatch(
      get(map, "function")!,
      field("function"),
      FUNCTION_NAME_PATTERN,
      "function name",
      NAME_RULE,
    ),
    args: _list(get(map, "args"), field("args")),
    after: _list(get(map, "after"), field("after")),
  };
  const via = get(map, "via");
  if (via) step.via = _via(via, field("via"));
  const on = get(map, "on");
  if (on) step.on = _on(on, field("on"));
  return step;
}

/** A list of texts; a single text is a list of one (`after: fetch`). */
function _list(node: Tree | undefined, path: string): string[] {
  if (!node || isNull(node)) return [];
  if (node.kind === "scalar") return [asText(node, path)];
  return asSeq(node, path).items.map((item, i) =>
    asText(item, fieldPath(path, i))
  );
}

function _via(node: Tree, path: string): Mode {
  const text = asText(node, path);
  if (!isMode(text)) {
    fail(
      `must be one of ${MODES.join(", ")}; got '${text}'${
        suggest(text, MODES)
      }`,
      path,
      node.position,
    );
  }
  return text;
}

/** `on: NODE-ID` or `on: { labels: { KEY: VALUE, ... } }`. */
function _on(node: Tree, path: string): StepPlacement {
  if (node.kind === "scalar" && !isNull(node)) {
    const id = asText(node, path);
    if (id === "") fail("must not be empty", path, node.position);
    return { node: id };
  }
  if (node.kind !== "map") {
    fail(
      `must be a node id or { labels: { KEY: VALUE } }; got ${describe(node)}`,
      path,
      node.position,
    );
  }
  checkKeys(node, path, ["labels"], ["labels"]);
  const labelsPath = fieldPath(path, "labels");
  const labelsNode = asMap(get(node, "labels")!, labelsPath);
  if (labelsNode.entries.length === 0) {
    fail("must name at least one label", labelsPath, labelsNode.position);
  }
  const entries = labelsNode.entries.map(({ key, keyPosition, value }) => {
    if (!LABEL_KEY.test(key)) {
      fail(
        `invalid label key '${key}': use up to 128 letters, digits, '.', '_', '/' or '-', starting with a letter or digit`,
        fieldPath(labelsPath, key),
        keyPosition,
      );
    }
    return [key, asText(value, fieldPath(labelsPath, key))];
  });
  // fromEntries keeps a key like `__proto__` as an entry, not a prototype.
  return { labels: Object.fromEntries(entries) };
}

/** `after` names other, existing steps, once each, and makes no cycle. */
function _checkAfter(
  steps: readonly WorkflowStep[],
  positions: Record<string, SourcePosition>,
): void {
  const names = steps.map((s) => s.name);
  steps.forEach((step, i) => {
    step.after.forEach((producer, j) => {
      const path = _afterPath(i, j, positions);
      const at = positions[path];
      if (producer === step.name) {
        fail(`step '${step.name}' cannot come after itself`, path, at);
      }
      if (!names.includes(producer)) {
        fail(
          `no step named '${producer}'${suggest(producer, names)}`,
          path,
          at,
        );
      }
      if (step.after.indexOf(producer) !== j) {
        fail(`'${producer}' is listed twice`, path, at);
      }
    });
  });
  const cycle = findCycle(steps);
  if (cycle) {
    const i = names.indexOf(cycle[0]);
    const j = steps[i].after.indexOf(cycle[cycle.length - 1]);
    const path = _afterPath(i, j, positions);
    fail(
      `steps form a cycle: ${[...cycle, cycle[0]].join(" → ")}`,
      path,
      positions[path],
    );
  }
}

/** `steps[i].after[j]`, or `steps[i].after` when it was written as a text. */
function _afterPath(
  i: number,
  j: number,
  positions: Record<string, SourcePosition>,
): string {
  const path = fieldPath(fieldPath("steps", i), "after");
  const item = fieldPath(path, j);
  return item in positions ? item : path;
}

/** The step named by `output`, or the only step nothing comes after. */
function _output(
  top: TreeMap,
  steps: readonly WorkflowStep[],
): string {
  const node = get(top, "output");
  const names = steps.map((s) => s.name);
  if (node && !isNull(node)) {
    const name = asText(node, "output");
    if (!names.includes(name)) {
      fail(
        `no step named '${name}'${suggest(name, names)}`,
        "output",
        node.position,
      );
    }
    return name;
  }
  const ends = sinks(steps).map((s) => s.name);
  if (ends.length > 1) {
    fail(
      `missing: steps ${
        ends.map((n) => `'${n}'`).join(", ")
      } have no step after them; set 'output' to the one whose output is the workflow's`,
      "output",
      top.position,
    );
  }
  return ends[0];
}

/**
 * The tree reader speaks of manifests (code `invalid_manifest`); the same
 * problem in a workflow is reported as a workflow error.
 */
function _asWorkflowError(error: unknown): unknown {
  if (!(error instanceof ManifestError)) return error;
  const { field, line, column } = error.details as {
    field?: string;
    line?: number;
    column?: number;
  };
  const position = line && column ? { line, column } : undefined;
  const prefix = new ManifestError("", field, position).message;
  return new ManifestError(
    error.message.slice(prefix.length).replace("manifest", "workflow"),
    field,
    position,
    INVALID_WORKFLOW,
  );
}
