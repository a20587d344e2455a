/**
 * eddy, embedded: run a node, or single guests, inside another Deno program.
 *
 * @example
 * ```ts
 * import { serveNode } from "./mod.ts";
 * const dataDir = await Deno.makeTempDir();
 * const served = await serveNode({ dataDir, port: 0 });
 * console.log(served.url); // http://127.0.0.1:<port>
 * await served.shutdown();
 * await Deno.remove(dataDir, { recursive: true });
 * ```
 *
 * @module
 */
export { type AppOptions, createApp, createHandler } from "./api/app.ts";
export { EddyNode, type Invocation, type NodeOptions } from "./node/node.ts";
export { Metrics } from "./node/metrics.ts";
export {
  type ServedNode,
  serveNode,
  type ServeNodeOptions,
} from "./node/serve.ts";
export * from "./runtime/errors.ts";
export {
  ExecutorPool,
  type JobResult,
  type JobSpec,
  runGuest,
} from "./runtime/executor/mod.ts";
export {
  type FunctionSpec,
  type Limits,
  type Manifest,
  parseManifest,
} from "./runtime/manifest/mod.ts";
export { type Deployment, Registry } from "./runtime/registry.ts";
export { WasiHost, type WasiOptions } from "./runtime/wasi/mod.ts";
export { VERSION } from "./version.ts";
