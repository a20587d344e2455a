/**
 * The console's actions (POST forms). Each becomes the API request a
 * client would send (see `dispatch.ts`); the outcome is shown on the page
 * the action came from.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { EddyNode } from "../../node/node.ts";
import type { ConsoleEnv } from "./access.ts";
import { callApi, errorMessage, type Fetch } from "./dispatch.ts";
import { figures } from "./figures.ts";
import { FunctionPage, type InvokeOutcome } from "./pages/function.tsx";
import { WorkflowPage } from "./pages/workflows.tsx";
import { type PageOptions, placement, render } from "./pages.tsx";
import type { Sessions } from "./session.ts";

/**
 * What the actions need besides the node.
 *
 * @example
 * ```ts ignore
 * consoleActions(node, { loggedIn: false, document, fetch: app.fetch, sessions });
 * ```
 */
export interface ActionOptions extends PageOptions {
  token?: string;
  /** The node's app, through which every change goes. */
  fetch: Fetch;
  sessions: Sessions;
}

/**
 * The POST routes of the console, under `/console`.
 *
 * @example
 * ```ts ignore
 * app.route("/console", consoleActions(node, options));
 * ```
 */
export function consoleActions(
  node: EddyNode,
  options: ActionOptions,
): Hono<ConsoleEnv> {
  const api = (
    c: Context<ConsoleEnv>,
    method: string,
    path: string,
    body?: BodyInit,
    type?: string,
  ) => callApi(options.fetch, options.token, c, method, path, body, type);
  return new Hono<ConsoleEnv>()
    .post("/functions", async (c) => {
      const form = await c.req.parseBody();
      const name = String(form.name ?? "");
      const module = form.module;
      if (!(module instanceof File) || module.size === 0) {
        return back(
          c,
          "/console/functions",
          "bad",
          "choose a .wasm file to deploy",
        );
      }
      const res = await api(
        c,
        "PUT",
        `/v1/functions/${encodeURIComponent(name)}`,
        module,
        "application/wasm",
      );
      return res.ok
        ? back(
          c,
          `/console/functions/${encodeURIComponent(name)}`,
          "ok",
          `deployed ${name}`,
        )
        : back(c, "/console/functions", "bad", await errorMessage(res));
    })
    .post("/manifests", async (c) => {
      const text = String((await c.req.parseBody()).manifest ?? "");
      const res = await api(
        c,
        "POST",
        "/v1/manifests",
        text,
        text.trimStart().startsWith("{")
          ? "application/json"
          : "application/yaml",
      );
      if (!res.ok) {
        return back(c, "/console/functions", "bad", await errorMessage(res));
      }
      const { functions } = await res.json();
      return back(
        c,
        "/console/functions",
        "ok",
        `applied: ${functions.map((f: { name: string }) => f.name).join(", ")}`,
      );
    })
    .post("/functions/:name/remove", async (c) => {
      const name = c.req.param("name");
      const res = await api(
        c,
        "DELETE",
        `/v1/functions/${encodeURIComponent(name)}`,
      );
      return back(
        c,
        "/console/functions",
        res.ok ? "ok" : "bad",
        res.ok ? `removed ${name}` : await errorMessage(res),
      );
    })
    .post("/functions/:name/invoke", async (c) => {
      const name = c.req.param("name");
      const form = await c.req.parseBody();
      const input = typedText(form.input);
      const args = String(form.args ?? "");
      const file = form.file instanceof File && form.file.size > 0
        ? form.file
        : undefined;
      const query = args.split(/\r?\n/).filter((a) => a !== "")
        .map((a) => `arg=${encodeURIComponent(a)}`).join("&");
      const res = await api(
        c,
        "POST",
        `/invoke/${encodeURIComponent(name)}${query ? `?${query}` : ""}`,
        file ?? input,
        "application/octet-stream",
      );
      const fn = node.registry.get(name);
      if (!fn) {
        return back(c, "/console/functions", "bad", await errorMessage(res));
      }
      return render(
        c,
        node,
        options,
        { title: fn.name, section: "functions" },
        <FunctionPage
          fn={fn}
          figures={figures(node)}
          failures={node.metrics.history.failures(fn.name)}
          csrf={c.get("session").csrf}
          outcome={await outcomeOf(res)}
          input={input}
          args={args}
        />,
      );
    })
    .post("/workflows", async (c) => {
      const text = String((await c.req.parseBody()).spec ?? "");
      const res = await api(
        c,
        "POST",
        "/v1/workflows",
        text,
        text.trimStart().startsWith("{")
          ? "application/json"
          : "application/yaml",
      );
      if (!res.ok) {
        return back(c, "/console/workflows", "bad", await errorMessage(res));
      }
      const { name } = await res.json();
      return back(
        c,
        `/console/workflows/${encodeURIComponent(name)}`,
        "ok",
        `deployed ${name}`,
      );
    })
    .post("/workflows/:name/run", async (c) => {
      const name = c.req.param("name");
      const input = typedText((await c.req.parseBody()).input);
      const res = await api(
        c,
        "POST",
        `/workflows/${encodeURIComponent(name)}?format=json`,
        input,
        "application/octet-stream",
      );
      const workflow = node.workflows.get(name);
      if (!workflow) {
        return back(c, "/console/workflows", "bad", await errorMessage(res));
      }
      const runs = node.workflows.recent(name);
      let output: string | undefined;
      let notice: { kind: "ok" | "bad"; text: string };
      if (res.ok) {
        const run = await res.json();
        output = text(Uint8Array.from(atob(run.output), (ch) =>
          ch.charCodeAt(0))).output;
        notice = { kind: "ok", text: `run ${run.runId.slice(0, 8)} finished` };
      } else {
        notice = { kind: "bad", text: await errorMessage(res) };
      }
      return render(
        c,
        node,
        options,
        { title: workflow.name, section: "workflows" },
        <WorkflowPage
          workflow={workflow}
          plan={placement(node, name)}
          runs={runs}
          shown={res.ok ? runs[0] : undefined}
          output={output}
          csrf={c.get("session").csrf}
        />,
        notice,
      );
    })
    .post("/workflows/:name/remove", async (c) => {
      const name = c.req.param("name");
      const res = await api(
        c,
        "DELETE",
        `/v1/workflows/${encodeURIComponent(name)}`,
      );
      return res.ok
        ? back(c, "/console/workflows", "ok", `removed ${name}`)
        : back(
          c,
          `/console/workflows/${encodeURIComponent(name)}`,
          "bad",
          await errorMessage(res),
        );
    })
    .post("/logout", (c) => {
      options.sessions.close(c);
      return c.redirect(options.loggedIn ? "/console/login" : "/", 303);
    });
}

/**
 * What was typed in a text area, with the CRLF line ends browsers send
 * turned back into the LF that was typed (a file input keeps its bytes).
 */
function typedText(value: unknown): string {
  return String(value ?? "").replaceAll("\r\n", "\n");
}

/** Redirects to `path` (post, redirect, get) with a notice shown there once. */
function back(
  c: Context<ConsoleEnv>,
  path: string,
  kind: "ok" | "bad",
  text: string,
): Response {
  c.get("session").flash = { kind, text };
  return c.redirect(path, 303);
}

async function outcomeOf(res: Response): Promise<InvokeOutcome> {
  const headers = {
    exitCode: res.headers.get("x-eddy-exit-code") ?? undefined,
    durationMs: res.headers.get("x-eddy-duration-ms") ?? undefined,
    node: res.headers.get("x-eddy-node") ?? undefined,
    via: res.headers.get("x-eddy-via") ?? undefined,
    calls: res.headers.get("x-eddy-calls") ?? undefined,
  };
  const body = new Uint8Array(await res.arrayBuffer());
  if (res.ok) return { status: res.status, ...headers, ...text(body) };
  try {
    const { error } = JSON.parse(new TextDecoder().decode(body));
    return {
      status: res.status,
      ...headers,
      output: "",
      error: {
        code: String(error.code),
        message: String(error.message),
        stderr: typeof error.stderr === "string" ? error.stderr : undefined,
      },
    };
  } catch {
    return {
      status: res.status,
      ...headers,
      output: "",
      error: {
        code: String(res.status),
        message: new TextDecoder().decode(body).slice(0, 500),
      },
    };
  }
}

/** `bytes` as text when they are UTF-8, else a hex preview of the first ones. */
function text(bytes: Uint8Array): { output: string; binaryBytes?: number } {
  try {
    return { output: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    const hex = Array.from(
      bytes.subarray(0, 256),
      (b) => b.toString(16).padStart(2, "0"),
    );
    return { output: hex.join(" "), binaryBytes: bytes.length };
  }
}
