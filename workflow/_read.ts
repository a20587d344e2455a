/**
 * Typed reads of a workflow document's tree (the manifest's tree shape),
 * failing with `invalid_workflow` errors that name the field and position.
 *
 * @module
 */
import { ManifestError, type SourcePosition } from "../runtime/errors.ts";
import { fieldPath } from "../runtime/manifest/_path.ts";
import { closest } from "../runtime/manifest/_suggest.ts";
import type { Tree, TreeMap, TreeSeq } from "../runtime/manifest/_tree.ts";

/** The error code of every refused workflow. */
export const INVALID_WORKFLOW = "invalid_workflow";

/** Throws the workflow error for `path` ("" = the whole document). */
export function fail(
  problem: string,
  path: string,
  position?: SourcePosition,
): never {
  throw new ManifestError(
    problem,
    path || undefined,
    position,
    INVALID_WORKFLOW,
  );
}

/** `node` as a map. */
export function asMap(node: Tree, path: string): TreeMap {
  if (node.kind !== "map") {
    fail(
      `must be a map (key: value); got ${describe(node)}`,
      path,
      node.position,
    );
  }
  return node;
}

/** `node` as a list. */
export function asSeq(node: Tree, path: string): TreeSeq {
  if (node.kind !== "seq") {
    fail(`must be a list; got ${describe(node)}`, path, node.position);
  }
  return node;
}

/**
 * A scalar as written (`007` stays `007`). NUL is refused: step args reach
 * the guest as C strings.
 */
export function asText(node: Tree, path: string): string {
  if (
    node.kind !== "scalar" ||
    !["string", "number", "boolean"].includes(typeof node.value)
  ) {
    fail(
      `must be a string, number or boolean; got ${describe(node)}`,
      path,
      node.position,
    );
  }
  if (node.text.includes("\0")) {
    fail("must not contain NUL characters", path, node.position);
  }
  return node.text;
}

/** A text that `pattern` accepts; else "invalid WHAT 'text': RULE". */
export function asMatch(
  node: Tree,
  path: string,
  pattern: RegExp,
  what: string,
  rule: string,
): string {
  const text = asText(node, path);
  if (!pattern.test(text)) {
    fail(`invalid ${what} '${text}': ${rule}`, path, node.position);
  }
  return text;
}

/** The value under `key`, if the map has it. */
export function get(map: TreeMap, key: string): Tree | undefined {
  return map.entries.find((entry) => entry.key === key)?.value;
}

/** Unknown keys are errors, so that a typo never drops a setting silently. */
export function checkKeys(
  map: TreeMap,
  path: string,
  known: readonly string[],
  required: readonly string[],
): void {
  for (const { key, keyPosition } of map.entries) {
    if (known.includes(key)) continue;
    const guess = closest(key, known);
    const hint = guess
      ? `did you mean '${guess}'?`
      : `expected one of: ${known.join(", ")}`;
    fail(`unknown key '${key}'; ${hint}`, fieldPath(path, key), keyPosition);
  }
  for (const key of required) {
    if (!get(map, key) || isNull(get(map, key)!)) {
      fail(
        `missing required key '${key}'`,
        fieldPath(path, key),
        map.position,
      );
    }
  }
}

/** A `did you mean` suffix for a name that is not among `names`. */
export function suggest(name: string, names: readonly string[]): string {
  const guess = closest(name, names);
  return guess ? `; did you mean '${guess}'?` : "";
}

/** Where every field of the document is, by its path. */
export function positionsOf(root: Tree): Record<string, SourcePosition> {
  const positions: Record<string, SourcePosition> = {};
  const walk = (node: Tree, path: string) => {
    if (node.position) positions[path] = node.position;
    if (node.kind === "seq") {
      node.items.forEach((item, i) => walk(item, fieldPath(path, i)));
    } else if (node.kind === "map") {
      for (const { key, value } of node.entries) {
        walk(value, fieldPath(path, key));
      }
    }
  };
  walk(root, "");
  return positions;
}

/** An empty value (`key:` or `null`). */
export function isNull(node: Tree): boolean {
  return node.kind === "scalar" &&
    (node.value === null || node.value === undefined);
}

/** How a wrong node is named in messages. */
export function describe(node: Tree): string {
  if (node.kind === "map") return "a map";
  if (node.kind === "seq") return "a list";
  if (isNull(node)) return "nothing";
  return typeof node.value === "string"
    ? `'${node.text}'`
    : `${typeof node.value} ${node.text}`;
}
