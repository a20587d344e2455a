/**
 * Reading a YAML (or JSON) workflow document into a validated
 * {@link WorkflowSpec}. Every refusal is a `ManifestError` with code
 * `invalid_workflow` naming the field and its line and column.
 *
 * @module
 */
import { isMode, type Mode, MODES } from "../comm/mod.ts";
import type { SourcePosition } from "../runtime/errors.ts";
import {
  describe,
  fieldPath,
  get,
  isNull,
  positionsOf,
  suggest,
  type Tree,
  type TreeMap,
} from "../runtime/document/mod.ts";
import { FUNCTION_NAME_PATTERN } from "../runtime/manifest/spec.ts";
import { findCycle, sinks } from "./_graph.ts";
import { READER } from "./_reader.ts";
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
 * Asynchronous: the YAML library is loaded by the first document read.
 *
 * @example
 * ```ts
 * import { parseWorkflow } from "./parse.ts";
 * const spec = await parseWorkflow(`
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
export async function parseWorkflow(text: string): Promise<WorkflowSpec> {
  return _readDocument(await READER.parse(text));
}

/**
 * {@linkcode parseWorkflow}, synchronously, once a document has been read
 * in this process (the YAML library is loaded by the first); `undefined`
 * before that, and the library starts loading. For a peer's spec met
 * where nothing can wait: it is read at the next look.
 *
 * @example
 * ```ts
 * import { parseWorkflow, parseWorkflowNow } from "./parse.ts";
 * const text = "name: w\nsteps: [{ name: a, function: echo }]\n";
 * await parseWorkflow(text);
 * console.log(parseWorkflowNow(text)?.output); // "a"
 * ```
 */
export function parseWorkflowNow(text: string): WorkflowSpec | undefined {
  const parsed = READER.parseNow(text);
  return parsed && _readDocument(parsed.tree);
}

function _readDocument(root: Tree | undefined): WorkflowSpec {
  if (!root || isNull(root)) {
    READER.fail(
      "workflow is empty; expected 'name:' and a 'steps:' list",
      "",
      root?.position,
    );
  }
  return _readWorkflow(root);
}

function _readWorkflow(root: Tree): WorkflowSpec {
  const top = READER.map(root, "");
  READER.checkKeys(top, "", TOP_KEYS, ["name", "steps"]);
  const name = READER.match(
    get(top, "name")!,
    "name",
    FUNCTION_NAME_PATTERN,
    "workflow name",
    NAME_RULE,
  );
  const list = READER.seq(get(top, "steps")!, "steps");
  if (list.items.length === 0) {
    READER.fail("must list at least one step", "steps", list.position);
  }
  const positions = positionsOf(root);
  const steps: WorkflowStep[] = [];
  list.items.forEach((item, i) => {
    const step = _readStep(item, fieldPath("steps", i));
    const first = steps.findIndex((s) => s.name === step.name);
    if (first >= 0) {
      const line = positions[`steps[${first}].name`]?.line;
      const path = `steps[${i}].name`;
      READER.fail(
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
  const map = READER.map(node, path);
  READER.checkKeys(map, path, STEP_KEYS, ["name", "function"]);
  const field = (key: string) => fieldPath(path, key);
  const step: WorkflowStep = {
    name: READER.match(
      get(map, "name")!,
      field("name"),
      FUNCTION_NAME_PATTERN,
      "step name",
      NAME_RULE,
    ),
    function: READER.match(
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
  if (node.kind === "scalar") return [READER.text(node, path)];
  return READER.seq(node, path).items.map((item, i) =>
    READER.text(item, fieldPath(path, i))
  );
}

function _via(node: Tree, path: string): Mode {
  const text = READER.text(node, path);
  if (!isMode(text)) {
    READER.fail(
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
    const id = READER.text(node, path);
    if (id === "") READER.fail("must not be empty", path, node.position);
    return { node: id };
  }
  if (node.kind !== "map") {
    READER.fail(
      `must be a node id or { labels: { KEY: VALUE } }; got ${describe(node)}`,
      path,
      node.position,
    );
  }
  READER.checkKeys(node, path, ["labels"], ["labels"]);
  const labelsPath = fieldPath(path, "labels");
  const labelsNode = READER.map(get(node, "labels")!, labelsPath);
  if (labelsNode.entries.length === 0) {
    READER.fail(
      "must name at least one label",
      labelsPath,
      labelsNode.position,
    );
  }
  const entries = labelsNode.entries.map(({ key, keyPosition, value }) => {
    if (!LABEL_KEY.test(key)) {
      READER.fail(
        `invalid label key '${key}': use up to 128 letters, digits, '.', '_', '/' or '-', starting with a letter or digit`,
        fieldPath(labelsPath, key),
        keyPosition,
      );
    }
    return [key, READER.text(value, fieldPath(labelsPath, key))];
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
        READER.fail(`step '${step.name}' cannot come after itself`, path, at);
      }
      if (!names.includes(producer)) {
        READER.fail(
          `no step named '${producer}'${suggest(producer, names)}`,
          path,
          at,
        );
      }
      if (step.after.indexOf(producer) !== j) {
        READER.fail(`'${producer}' is listed twice`, path, at);
      }
    });
  });
  const cycle = findCycle(steps);
  if (cycle) {
    const i = names.indexOf(cycle[0]);
    const j = steps[i].after.indexOf(cycle[cycle.length - 1]);
    const path = _afterPath(i, j, positions);
    READER.fail(
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
    const name = READER.text(node, "output");
    if (!names.includes(name)) {
      READER.fail(
        `no step named '${name}'${suggest(name, names)}`,
        "output",
        node.position,
      );
    }
    return name;
  }
  const ends = sinks(steps).map((s) => s.name);
  if (ends.length > 1) {
    READER.fail(
      `missing: steps ${
        ends.map((n) => `'${n}'`).join(", ")
      } have no step after them; set 'output' to the one whose output is the workflow's`,
      "output",
      top.position,
    );
  }
  return ends[0];
}
