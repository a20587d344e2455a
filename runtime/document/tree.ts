/**
 * One tree shape for every document eddy reads (manifests, workflows, the
 * serve config), from YAML text (nodes carry line/column) or from plain
 * values in code (no positions), and the plain questions asked of it. The
 * readers validate this tree, so both inputs get the same rules and the
 * same messages.
 *
 * @module
 */
import type { SourcePosition } from "../errors.ts";
import { fieldPath } from "./path.ts";

/** A scalar: `value` as typed (YAML 1.2 core schema), `text` as written. */
export interface TreeScalar {
  kind: "scalar";
  value: unknown;
  text: string;
  position?: SourcePosition;
}

/** A map entry; keys are always strings. */
export interface TreeEntry {
  key: string;
  keyPosition?: SourcePosition;
  value: Tree;
}

/** A map, entries in document order. */
export interface TreeMap {
  kind: "map";
  entries: TreeEntry[];
  position?: SourcePosition;
}

/** A list. */
export interface TreeSeq {
  kind: "seq";
  items: Tree[];
  position?: SourcePosition;
}

/** Any node. */
export type Tree = TreeScalar | TreeMap | TreeSeq;

/**
 * The tree of a plain value; `undefined` object properties are left out.
 *
 * @example
 * ```ts
 * import { treeFromValue } from "./tree.ts";
 * console.log(treeFromValue({ a: [1] }).kind); // "map"
 * ```
 */
export function treeFromValue(value: unknown): Tree {
  if (Array.isArray(value)) {
    return { kind: "seq", items: value.map(treeFromValue) };
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([key, v]) => ({ key, value: treeFromValue(v) }));
    return { kind: "map", entries };
  }
  return { kind: "scalar", value, text: String(value) };
}

/**
 * The value under `key`, if the map has it.
 *
 * @example
 * ```ts
 * import { get, treeFromValue, type TreeMap } from "./tree.ts";
 * const map = treeFromValue({ a: 1 }) as TreeMap;
 * console.log(get(map, "a")?.kind); // "scalar"
 * ```
 */
export function get(map: TreeMap, key: string): Tree | undefined {
  return map.entries.find((entry) => entry.key === key)?.value;
}

/**
 * An empty value (`key:` or `null`).
 *
 * @example
 * ```ts
 * import { isNull, treeFromValue } from "./tree.ts";
 * console.log(isNull(treeFromValue(null))); // true
 * ```
 */
export function isNull(node: Tree): boolean {
  return node.kind === "scalar" &&
    (node.value === null || node.value === undefined);
}

/**
 * How a wrong node is named in messages.
 *
 * @example
 * ```ts
 * import { describe, treeFromValue } from "./tree.ts";
 * console.log(describe(treeFromValue([]))); // "a list"
 * ```
 */
export function describe(node: Tree): string {
  if (node.kind === "map") return "a map";
  if (node.kind === "seq") return "a list";
  if (isNull(node)) return "nothing";
  return typeof node.value === "string"
    ? `'${node.text}'`
    : `${typeof node.value} ${node.text}`;
}

/**
 * Where every field of the document is, by its path.
 *
 * @example
 * ```ts
 * import { positionsOf, treeFromValue } from "./tree.ts";
 * console.log(positionsOf(treeFromValue({ a: 1 }))); // {} (no positions from code)
 * ```
 */
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
