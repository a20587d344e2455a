/**
 * Test-only npm packages, pinned here instead of in deno.json's import map
 * (which is the product's): the WebAssembly text compiler that builds the
 * tests' guest modules, and the driver of Debian's chromium for the
 * console's browser tests.
 *
 * @example
 * ```ts ignore
 * import { initWabt } from "./deps.ts";
 * const wabt = await initWabt();
 * ```
 *
 * @module
 */
export { default as initWabt } from "npm:wabt@^1.0.39";
export { chromium as playwrightChromium } from "npm:playwright-core@^1.65.1";
export type { Browser, Page } from "npm:playwright-core@^1.65.1";
