/**
 * What the scripts share with the benchmarks and the tests: a real
 * `eddy serve` process from any command line, the few API calls made
 * against it, the single-file bundle, and the machine a measurement ran
 * on. Dependencies go one way: bench/ and tests/ import this door;
 * scripts/ imports neither.
 *
 * @example
 * ```ts ignore
 * import { deploy, invoke, startServe } from "./mod.ts";
 * await using node = await startServe(Deno.execPath(), ["run", "-A", "cli.ts", "serve", "--port", "0"]);
 * await deploy(node.url, "echo", await Deno.readFile("examples/echo/echo.wasm"));
 * console.log(await invoke(node.url, "echo", new Uint8Array([1, 2, 3])));
 * ```
 *
 * @module
 */
export { bundle, type BundleOptions } from "./bundle.ts";
export { deploy, invoke, putModule, randomBytes, sha256Hex } from "./_http.ts";
export { type Machine, machine } from "./_machine.ts";
export {
  rssBytes,
  type ServeProcess,
  startServe,
  type StartServeOptions,
} from "./_serve_process.ts";
