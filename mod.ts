/**
 * eddy, embedded: run a node, or single guests, inside another Deno program.
 *
 * @example
 * ```ts
 * import { createApp, EddyNode } from "./mod.ts";
 * const node = await EddyNode.start({ dataDir: await Deno.makeTempDir() });
 * const server = Deno.serve({ port: 0 }, createApp(node).fetch);
 * await server.shutdown();
 * await node.close();
 * ```
 *
 * @module
 */
export { type AppOptions, createApp } from "./api/app.ts";
export { EddyNode, type Invocation, type NodeOptions } from "./node/node.ts";
export { Metrics } from "./node/metrics.ts";
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
