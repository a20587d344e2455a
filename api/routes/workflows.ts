/**
 * Workflows: deploy (YAML or JSON), list, get, delete, and invoke.
 *
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { EddyNode } from "../../node/node.ts";
import { NotFoundError } from "../../runtime/errors.ts";
import { answerWorkflow } from "./run_workflow.ts";
import { limitBody } from "../body.ts";
import { DOCUMENT_TYPES, requireContentType } from "../content_type.ts";
import { type PlainSchema, requiredBody } from "../openapi/content.ts";
import { describeOnly } from "../openapi/document.ts";
import {
  ANY_REQUEST,
  errorResponses,
  INVOCATION,
  MANAGEMENT,
  TYPED_BODY,
  WRITE,
} from "../openapi/errors.ts";
import {
  BinarySchema,
  TraceEntrySchema,
  WorkflowSchema,
} from "../openapi/schemas.ts";

/** Specs are text; anything bigger than this is not one. */
const MAX_SPEC_BYTES = 1 << 20;

const SPEC_TEXT: PlainSchema = {
  type: "string",
  description:
    "YAML or JSON text; checked by eddy's workflow parser and against the cluster, whose errors name the field, line and column",
};
const nameParam = z.object({ name: z.string() });
const workflow = {
  content: { "application/json": { schema: WorkflowSchema } },
};

const deploy = createRoute({
  method: "post",
  path: "/",
  summary: "Deploys a workflow spec under its own name",
  tags: ["workflows"],
  middleware: [
    requireContentType(DOCUMENT_TYPES),
    limitBody(MAX_SPEC_BYTES, "workflow_too_large", "workflow spec"),
  ],
  request: { body: requiredBody(DOCUMENT_TYPES, SPEC_TEXT, "The spec") },
  responses: {
    201: { description: "Deployed", ...workflow },
    ...errorResponses(ANY_REQUEST, MANAGEMENT, WRITE, TYPED_BODY, [
      "invalid_workflow",
      "workflow_too_large",
      "node_unavailable",
    ]),
  },
});

const list = createRoute({
  method: "get",
  path: "/",
  summary: "Workflows deployed in the cluster (this node's and its peers')",
  tags: ["workflows"],
  responses: {
    200: {
      description: "Every deployed workflow",
      content: {
        "application/json": {
          schema: z.object({ workflows: z.array(WorkflowSchema) }),
        },
      },
    },
    ...errorResponses(ANY_REQUEST, MANAGEMENT),
  },
});

const get = createRoute({
  method: "get",
  path: "/{name}",
  summary: "A deployed workflow",
  tags: ["workflows"],
  request: { params: nameParam },
  responses: {
    200: { description: "The workflow", ...workflow },
    ...errorResponses(ANY_REQUEST, MANAGEMENT, ["not_found"]),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/{name}",
  summary: "Removes a workflow (deployed on this node)",
  tags: ["workflows"],
  request: { params: nameParam },
  responses: {
    200: { description: "The removed workflow", ...workflow },
    ...errorResponses(ANY_REQUEST, MANAGEMENT, WRITE, [
      "not_found",
      "workflow_elsewhere",
    ]),
  },
});

const invoke = createRoute({
  method: "post",
  path: "/{name}",
  summary: "Runs a workflow: the body is its input, the response its output",
  description:
    "`x-eddy-run` is the run id and `x-eddy-trace` the trace (JSON: per step its node, start, end and duration; per edge its mode, bytes and transfer time). With `?format=json` the body is `{runId, output (base64), trace}` instead.",
  tags: ["invocation"],
  request: {
    params: nameParam,
    query: z.object({
      format: z.enum(["json"]).optional().openapi({
        description: "json: answer {runId, output, trace} as JSON",
      }),
    }),
    body: {
      description: "The workflow's input",
      content: { "application/octet-stream": { schema: BinarySchema } },
    },
  },
  responses: {
    200: {
      description: "The output (or, with ?format=json, the run as JSON)",
      headers: z.object({
        "x-eddy-run": z.string(),
        "x-eddy-trace": z.string(),
      }),
      content: {
        "application/octet-stream": { schema: BinarySchema },
        "application/json": {
          schema: z.object({
            runId: z.string(),
            output: z.string().openapi({ format: "byte" }),
            trace: z.array(TraceEntrySchema),
          }),
        },
      },
    },
    ...errorResponses(ANY_REQUEST, WRITE, INVOCATION, [
      "invalid_workflow",
      "not_found",
      "input_too_large",
      "step_failed",
      "push_failed",
      "peer_unreachable",
      "peer_protocol",
      "node_unavailable",
      "peer_timeout",
    ]),
  },
});

/**
 * Management: `POST /v1/workflows` (body: the spec; deployed under its
 * `name`), `GET /v1/workflows`, `GET|DELETE /v1/workflows/:name`.
 *
 * @example
 * ```ts ignore
 * app.route("/v1/workflows", workflowRoutes(node));
 * ```
 */
export function workflowRoutes(node: EddyNode): OpenAPIHono {
  return new OpenAPIHono()
    .openapi(deploy, async (c) => {
      const deployed = await node.workflows.deploy(await c.req.text());
      return c.json(deployed, 201);
    })
    .openapi(list, (c) => c.json({ workflows: node.workflows.list() }, 200))
    .openapi(get, (c) => {
      const workflow = node.workflows.get(c.req.valid("param").name);
      if (!workflow) {
        throw new NotFoundError("workflow", c.req.valid("param").name);
      }
      return c.json(workflow, 200);
    })
    .openapi(
      remove,
      async (c) =>
        c.json(await node.workflows.remove(c.req.valid("param").name), 200),
    );
}

/**
 * Invocation: `POST /workflows/:name` with the input as the body. The
 * response body is the output; `x-eddy-run` is the run id and
 * `x-eddy-trace` the trace (JSON: per step its node, start, end and
 * duration; per edge its mode, bytes and transfer time). With
 * `?format=json` the body is `{runId, output (base64), trace}` instead.
 *
 * @example
 * ```ts ignore
 * app.route("/workflows", workflowInvokeRoutes(node));
 * // curl --data-binary @photo.jpg http://127.0.0.1:8080/workflows/thumbs
 * ```
 */
export function workflowInvokeRoutes(node: EddyNode): OpenAPIHono {
  const app = describeOnly(new OpenAPIHono(), invoke);
  app.post(
    "/:name",
    (c) =>
      answerWorkflow(
        node,
        c.req.param("name"),
        c.req.raw,
        c.req.query("format"),
      ),
  );
  return app;
}
