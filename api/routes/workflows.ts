/**
 * Workflows: deploy (YAML or JSON), list, get, delete, and invoke.
 *
 * @module
 */
import { Hono } from "hono";
import type { EddyNode } from "../../node/node.ts";
import { NotFoundError, RequestError } from "../../runtime/errors.ts";
import { readBody } from "../body.ts";
import { DOCUMENT_TYPES, requireContentType } from "../content_type.ts";

/** Specs are text; anything bigger than this is not one. */
const MAX_SPEC_BYTES = 1 << 20;
/** Largest workflow input accepted. */
const MAX_INPUT_BYTES = 1 << 30;

/**
 * Management: `POST /v1/workflows` (body: the spec; deployed under its
 * `name`), `GET /v1/workflows`, `GET|DELETE /v1/workflows/:name`.
 *
 * @example
 * ```ts ignore
 * app.route("/v1/workflows", workflowRoutes(node));
 * ```
 */
export function workflowRoutes(node: EddyNode): Hono {
  return new Hono()
    .post("/", requireContentType(DOCUMENT_TYPES), async (c) => {
      const bytes = await readBody(
        c.req.raw,
        MAX_SPEC_BYTES,
        (size) =>
          new RequestError(
            "workflow_too_large",
            `workflow spec of ${size} bytes exceeds ${MAX_SPEC_BYTES} bytes`,
          ),
      );
      const deployed = await node.workflows.deploy(
        new TextDecoder().decode(bytes),
      );
      return c.json(deployed, 201);
    })
    .get("/", (c) => c.json({ workflows: node.workflows.list() }))
    .get("/:name", (c) => {
      const workflow = node.workflows.get(c.req.param("name"));
      if (!workflow) throw new NotFoundError("workflow", c.req.param("name"));
      return c.json(workflow);
    })
    .delete(
      "/:name",
      async (c) => c.json(await node.workflows.remove(c.req.param("name"))),
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
export function workflowInvokeRoutes(node: EddyNode): Hono {
  return new Hono().post("/:name", async (c) => {
    const input = await readBody(
      c.req.raw,
      MAX_INPUT_BYTES,
      (size) =>
        new RequestError(
          "input_too_large",
          `input of ${size} bytes exceeds ${MAX_INPUT_BYTES} bytes`,
        ),
    );
    const { runId, output, trace } = await node.workflows.invoke(
      c.req.param("name"),
      input,
    );
    if (c.req.query("format") === "json") {
      return c.json({ runId, output: toBase64(output), trace });
    }
    return c.body(output as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "application/octet-stream",
      "x-eddy-run": runId,
      "x-eddy-trace": JSON.stringify(trace),
    });
  });
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
