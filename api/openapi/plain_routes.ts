/**
 * The documentation of the routes a node serves from its start without
 * zod (invocation, peers' comm, health, metrics, and `/v1/node`, which
 * peers poll as their heartbeat): their handlers are plain
 * Hono, for the cost per request and at start-up, and their bodies are
 * opaque bytes no schema would check. They are described here, from the
 * same schemas as every other route, and put in the document beside them.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import {
  ANY_REQUEST,
  errorResponses,
  INVOCATION,
  MANAGEMENT,
  WRITE,
} from "./errors.ts";
import { BinarySchema, NodeInfoSchema } from "./schemas.ts";

const health = createRoute({
  method: "get",
  path: "/healthz",
  summary: "Liveness",
  tags: ["system"],
  responses: {
    200: {
      description: "The node is up",
      content: {
        "application/json": {
          schema: z.object({ status: z.literal("ok"), node: z.string() }),
        },
      },
    },
    ...errorResponses(ANY_REQUEST),
  },
});

const metrics = createRoute({
  method: "get",
  path: "/metrics",
  summary: "Prometheus metrics",
  tags: ["system"],
  responses: {
    200: {
      description:
        "Invocations, errors and latency per function; executor gauges",
      content: { "text/plain": { schema: z.string() } },
    },
    ...errorResponses(ANY_REQUEST),
  },
});

const nodeInfo = createRoute({
  method: "get",
  path: "/v1/node",
  summary: "This node: id, version, locality, labels, endpoints, uptime",
  tags: ["system"],
  responses: {
    200: {
      description: "The node",
      content: {
        "application/json": {
          schema: NodeInfoSchema.extend({
            startedAt: z.string(),
            uptimeSeconds: z.number(),
          }),
        },
      },
    },
    ...errorResponses(ANY_REQUEST, MANAGEMENT),
  },
});

const invoke = createRoute({
  method: "post",
  path: "/invoke/{name}",
  summary: "Invokes a function: the body is its stdin, the response its stdout",
  description:
    "A function this node does not run goes to the nearest peer that does. `x-eddy-calls` lists the calls its guest made to other functions (JSON).",
  tags: ["invocation"],
  request: {
    params: z.object({ name: z.string() }),
    query: z.object({
      arg: z.union([z.string(), z.array(z.string())]).optional().openapi({
        description: "appended to the function's argv (repeatable)",
      }),
    }),
    body: {
      description: "The function's stdin",
      content: { "application/octet-stream": { schema: BinarySchema } },
    },
  },
  responses: {
    200: {
      description: "The function's stdout",
      headers: z.object({
        "x-eddy-exit-code": z.string(),
        "x-eddy-duration-ms": z.string(),
        "x-eddy-node": z.string(),
        "x-eddy-via": z.enum(["local", "unix", "http2"]),
        "x-eddy-calls": z.string().optional(),
      }),
      content: { "application/octet-stream": { schema: BinarySchema } },
    },
    ...errorResponses(ANY_REQUEST, WRITE, INVOCATION, [
      "not_found",
      "peer_unreachable",
      "peer_protocol",
      "memory_budget",
      "node_unavailable",
      "peer_timeout",
    ]),
  },
});

const comm = createRoute({
  method: "post",
  path: "/comm",
  summary: "A peer's invocation (eddy's comm protocol over HTTP/2)",
  description:
    "For nodes, not people: the cluster token travels inside the comm request and is checked by the node.",
  tags: ["peers"],
  request: {
    body: {
      description: "A comm request",
      content: { "application/octet-stream": { schema: BinarySchema } },
    },
  },
  responses: {
    200: {
      description: "The comm response",
      content: { "application/octet-stream": { schema: BinarySchema } },
    },
    ...errorResponses(ANY_REQUEST, ["bad_comm_request"]),
  },
});

/**
 * The routes served without zod, as the document shows them (full paths).
 *
 * @example
 * ```ts
 * import { PLAIN_ROUTES } from "./plain_routes.ts";
 * console.log(PLAIN_ROUTES.map((r) => r.path)); // ["/healthz", "/metrics", "/v1/node", "/invoke/{name}", "/comm"]
 * ```
 */
export const PLAIN_ROUTES = [health, metrics, nodeInfo, invoke, comm] as const;
