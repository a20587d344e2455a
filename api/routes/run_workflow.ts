/**
 * Running a workflow over HTTP: the request body is its input, its output
 * the response body. Kept apart from the workflow routes (OpenAPI, loaded
 * on first use) so that the node's direct path answers runs without them.
 *
 * @module
 */
import type { EddyNode } from "../../node/node.ts";
import { readApiInput } from "../body.ts";

/**
 * Runs workflow `name` with `request`'s body as its input and answers its
 * output, with `x-eddy-run` (the run id) and `x-eddy-trace` (JSON: per
 * step its node, start, end and duration; per edge its mode, bytes and
 * transfer time); with `format` `json` the body is `{runId, output
 * (base64), trace}` instead. Errors reject the promise, for the caller's
 * error handler.
 *
 * @example
 * ```ts ignore
 * const response = await answerWorkflow(node, "thumbs", request);
 * ```
 */
export async function answerWorkflow(
  node: EddyNode,
  name: string,
  request: Request,
  format?: string,
): Promise<Response> {
  // Not body-limit: a streamed input of up to 1 GiB would be buffered by
  // it and copied again here; readApiInput copies it once.
  const input = await readApiInput(request, "a workflow run");
  const { runId, output, trace } = await node.workflows.invoke(name, input);
  if (format === "json") {
    return Response.json({ runId, output: toBase64(output), trace });
  }
  // Pairs, not a record: cheaper for Deno (see answerInvocation).
  return new Response(output as Uint8Array<ArrayBuffer>, {
    headers: [
      ["content-type", "application/octet-stream"],
      ["x-eddy-run", runId],
      ["x-eddy-trace", JSON.stringify(trace)],
    ],
  });
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
