/**
 * The bodies the API sends and takes, as zod schemas: the routes validate
 * requests with them and the OpenAPI document is generated from them.
 *
 * @module
 */
import { z } from "@hono/zod-openapi";

/**
 * Resource limits of a deployed function.
 *
 * @example
 * ```ts
 * import { LimitsSchema } from "./schemas.ts";
 * console.log(LimitsSchema.shape.timeoutMs !== undefined); // true
 * ```
 */
export const LimitsSchema = z.object({
  maxMemoryBytes: z.number().int(),
  timeoutMs: z.number(),
  maxInputBytes: z.number().int(),
  maxOutputBytes: z.number().int(),
  callDepth: z.number().int(),
  concurrency: z.number().int().optional(),
  maxQueueWaitMs: z.number().optional(),
}).openapi("Limits");

/**
 * A deployed function: its module digest, argv, environment, preopened
 * directories, limits, labels and revision.
 *
 * @example
 * ```ts
 * import { DeploymentSchema } from "./schemas.ts";
 * console.log(DeploymentSchema.shape.module !== undefined); // true
 * ```
 */
export const DeploymentSchema = z.object({
  name: z.string(),
  module: z.string().openapi({ example: `sha256:${"0".repeat(64)}` }),
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  dirs: z.array(z.object({
    host: z.string(),
    guest: z.string(),
    writable: z.boolean(),
  })),
  limits: LimitsSchema,
  labels: z.record(z.string(), z.string()),
  revision: z.number().int(),
  deployedAt: z.string(),
}).openapi("Deployment");

/**
 * A stored module: digest, size, imports, exports and memory limits.
 *
 * @example
 * ```ts
 * import { ModuleInfoSchema } from "./schemas.ts";
 * console.log(ModuleInfoSchema.shape.digest !== undefined); // true
 * ```
 */
export const ModuleInfoSchema = z.object({
  digest: z.string(),
  size: z.number().int(),
  imports: z.array(
    z.object({ module: z.string(), name: z.string(), kind: z.string() }),
  ),
  exports: z.array(z.object({ name: z.string(), kind: z.string() })),
  memory: z.object({
    initialPages: z.number().int(),
    maximumPages: z.number().int().optional(),
  }),
}).openapi("ModuleInfo");

/**
 * Where a node is: its id, host, zone and region.
 *
 * @example
 * ```ts
 * import { LocalitySchema } from "./schemas.ts";
 * console.log(LocalitySchema.shape.hostId !== undefined); // true
 * ```
 */
export const LocalitySchema = z.object({
  nodeId: z.string(),
  hostId: z.string(),
  zone: z.string().optional(),
  region: z.string().optional(),
}).openapi("Locality");

/**
 * What a node says about itself.
 *
 * @example
 * ```ts
 * import { NodeInfoSchema } from "./schemas.ts";
 * console.log(NodeInfoSchema.shape.endpoints !== undefined); // true
 * ```
 */
export const NodeInfoSchema = z.object({
  id: z.string(),
  version: z.string(),
  locality: LocalitySchema,
  labels: z.record(z.string(), z.string()).optional(),
  endpoints: z.object({
    http: z.string(),
    unix: z.string().optional(),
    https: z.string().optional(),
  }),
  functions: z.array(z.string()),
}).openapi("NodeInfo");

/**
 * A peer and what was last learnt of it.
 *
 * @example
 * ```ts
 * import { PeerSchema } from "./schemas.ts";
 * console.log(PeerSchema.shape.up !== undefined); // true
 * ```
 */
export const PeerSchema = z.object({
  url: z.string(),
  info: NodeInfoSchema.optional(),
  up: z.boolean(),
  lastSeen: z.string().optional(),
  lastError: z.string().optional(),
}).openapi("Peer");

/**
 * The body that names a peer: its base URL.
 *
 * @example
 * ```ts
 * import { PeerUrlSchema } from "./schemas.ts";
 * console.log(PeerUrlSchema.safeParse({ url: "http://10.0.0.2:8080" }).success); // true
 * ```
 */
export const PeerUrlSchema = z.object({
  url: z.string().regex(/^https?:\/\/[^/\s]+\/?$/, {
    message: "a peer is a base URL like http://10.0.0.2:8080",
  }),
}).openapi("PeerUrl");

/**
 * One step or edge of a workflow run's trace.
 *
 * @example
 * ```ts
 * import { TraceEntrySchema } from "./schemas.ts";
 * console.log(TraceEntrySchema.options.length); // 2
 * ```
 */
export const TraceEntrySchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("step"),
    step: z.string(),
    function: z.string(),
    node: z.string(),
    start: z.number(),
    end: z.number(),
    durationMs: z.number(),
    inputBytes: z.number().int(),
    outputBytes: z.number().int(),
  }),
  z.object({
    kind: z.literal("edge"),
    from: z.string(),
    to: z.string(),
    fromNode: z.string(),
    toNode: z.string(),
    mode: z.enum(["memory", "unix", "http2"]),
    bytes: z.number().int(),
    start: z.number(),
    transferMs: z.number(),
    sameIsolate: z.literal(true).optional().openapi({
      description:
        "The consumer ran in the producer's worker, in the same job, and read its output where it was written: no transfer of its own.",
    }),
  }),
]).openapi("TraceEntry");

/**
 * A deployed workflow: its name, source document, parsed spec and time.
 *
 * @example
 * ```ts
 * import { WorkflowSchema } from "./schemas.ts";
 * console.log(WorkflowSchema.shape.source !== undefined); // true
 * ```
 */
export const WorkflowSchema = z.object({
  name: z.string(),
  source: z.string(),
  spec: z.object({
    name: z.string(),
    steps: z.array(z.object({
      name: z.string(),
      function: z.string(),
      args: z.array(z.string()),
      after: z.array(z.string()),
      via: z.enum(["memory", "unix", "http2"]).optional(),
      on: z.union([
        z.object({ node: z.string() }),
        z.object({ labels: z.record(z.string(), z.string()) }),
      ]).optional(),
    })),
    output: z.string(),
  }).passthrough(),
  deployedAt: z.string(),
}).openapi("Workflow");

/**
 * Bytes of any kind (a module, an input, an output).
 *
 * @example
 * ```ts
 * import { BinarySchema } from "./schemas.ts";
 * console.log(BinarySchema.safeParse("x").success); // true
 * ```
 */
export const BinarySchema = z.string().openapi({ format: "binary" });
