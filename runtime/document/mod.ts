/**
 * The one reader of eddy's documents (manifests, workflows, the serve
 * config): YAML or JSON text, bounded before it is parsed, into a
 * {@link Tree} whose nodes carry their line and column, then typed reads
 * of it that refuse a wrong field with a `ManifestError` of the
 * document's kind naming its path and position. The YAML library is
 * loaded by the first parse.
 *
 * @example
 * ```ts
 * import { DocumentReader, get } from "./mod.ts";
 * const reader = new DocumentReader({ code: "invalid_workflow", noun: "workflow" });
 * try {
 *   const root = reader.map((await reader.parse("nmae: w\n"))!, "");
 *   reader.checkKeys(root, "", ["name", "steps"], ["name"]);
 * } catch (error) {
 *   console.log((error as Error).message); // nmae (line 1, column 1): unknown key 'nmae'; did you mean 'name'?
 * }
 * ```
 *
 * @module
 */
export { checkYamlBounds, YAML_BOUNDS, type YamlBounds } from "./bounds.ts";
export { fieldPath } from "./path.ts";
export { type DocumentKind, DocumentReader } from "./reader.ts";
export { closest, suggest } from "./suggest.ts";
export {
  describe,
  get,
  isNull,
  positionsOf,
  type Tree,
  type TreeEntry,
  treeFromValue,
  type TreeMap,
  type TreeScalar,
  type TreeSeq,
} from "./tree.ts";
