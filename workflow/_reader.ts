/**
 * How workflow documents are read and refused: the document reader with
 * code `invalid_workflow`.
 *
 * @module
 */
import { DocumentReader } from "../runtime/document/mod.ts";

/**
 * The reader of workflow specs.
 *
 * @example
 * ```ts
 * import { READER } from "./_reader.ts";
 * console.log(READER.kind.code); // "invalid_workflow"
 * ```
 */
export const READER: DocumentReader = new DocumentReader({
  code: "invalid_workflow",
  noun: "workflow",
});
