/**
 * Test-only npm packages, pinned here instead of in deno.json's import map
 * (which is the product's): the WebAssembly text compiler that builds the
 * tests' guest modules.
 *
 * @example
 * ```ts ignore
 * import { initWabt } from "./_deps.ts";
 * const wabt = await initWabt();
 * ```
 *
 * @module
 */
export { default as initWabt } from "npm:wabt@^1.0.39";
