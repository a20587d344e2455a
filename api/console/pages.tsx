/**
 * The console's pages (GET): node and cluster, functions, a function,
 * workflows, a workflow, the API reference, and the live event stream.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { EddyNode } from "../../node/node.ts";
import type { ConsoleEnv } from "./access.ts";
import { streamFigures } from "./events.ts";
import { figures } from "./figures.ts";
import { type Notice, Page, type PageProps } from "./layout.tsx";
import { FunctionPage } from "./pages/function.tsx";
import { FunctionsPage } from "./pages/functions.tsx";
import { NodePage } from "./pages/node.tsx";
import { ReferencePage } from "./pages/reference.tsx";
import { WorkflowPage, WorkflowsPage } from "./pages/workflows.tsx";

/**
 * What the pages need besides the node.
 *
 * @example
 * ```ts ignore
 * const options: PageOptions = { loggedIn: true, document: () => openApiDocument(app, true) };
 * ```
 */
export interface PageOptions {
  /** Whether the node has a token (users log in, and may log out). */
  loggedIn: boolean;
  /** The node's OpenAPI document. */
  document: () => unknown;
}

/**
 * Renders `content` in the console's frame, with the session's flash
 * notice (once) or `notice`.
 *
 * @example
 * ```tsx ignore
 * return render(c, node, options, { title: "Functions", section: "functions" }, <p>...</p>);
 * ```
 */
export function render(
  c: Context<ConsoleEnv>,
  node: EddyNode,
  options: PageOptions,
  page: Pick<PageProps, "title" | "section">,
  content: PageProps["children"],
  notice?: Notice,
  status: 200 | 400 | 404 = 200,
): Response | Promise<Response> {
  const session = c.get("session");
  const flash = session.flash;
  session.flash = undefined;
  return c.html(
    <Page
      {...page}
      nodeId={node.id}
      csrf={session.csrf}
      loggedIn={options.loggedIn}
      notice={notice ?? flash}
    >
      {content}
    </Page>,
    status,
  );
}

/**
 * The GET routes of the console, under `/console` (the node page is `/`).
 *
 * @example
 * ```ts ignore
 * app.route("/console", consolePages(node, { loggedIn: true, document }));
 * ```
 */
export function consolePages(
  node: EddyNode,
  options: PageOptions,
): Hono<ConsoleEnv> {
  return new Hono<ConsoleEnv>()
    .get("/functions", (c) =>
      render(
        c,
        node,
        options,
        { title: "Functions", section: "functions" },
        <FunctionsPage
          node={node}
          figures={figures(node)}
          csrf={c.get("session").csrf}
        />,
      ))
    .get("/functions/:name", (c) => {
      const fn = node.registry.get(c.req.param("name"));
      if (!fn) return notFound(c, node, options, "function", "functions");
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
        />,
      );
    })
    .get("/workflows", (c) =>
      render(
        c,
        node,
        options,
        { title: "Workflows", section: "workflows" },
        <WorkflowsPage
          workflows={node.workflows.list()}
          lastRun={(name) => node.workflows.recent(name)[0]}
          csrf={c.get("session").csrf}
        />,
      ))
    .get("/workflows/:name", (c) => {
      const workflow = node.workflows.get(c.req.param("name"));
      if (!workflow) return notFound(c, node, options, "workflow", "workflows");
      const runs = node.workflows.recent(workflow.name);
      const wanted = c.req.query("run");
      const shown = wanted === undefined
        ? runs.find((r) => !r.error)
        : runs.find((r) => r.runId === wanted);
      return render(
        c,
        node,
        options,
        { title: workflow.name, section: "workflows" },
        <WorkflowPage
          workflow={workflow}
          plan={placement(node, workflow.name)}
          runs={runs}
          shown={shown}
          csrf={c.get("session").csrf}
        />,
      );
    })
    .get("/api", (c) =>
      render(
        c,
        node,
        options,
        { title: "API reference", section: "api" },
        <ReferencePage document={options.document()} />,
      ))
    .get("/events", (c) => streamFigures(c, node));
}

/**
 * The node page, served at `/`.
 *
 * @example
 * ```ts ignore
 * app.get("/", access, (c) => nodePage(c, node, options));
 * ```
 */
export function nodePage(
  c: Context<ConsoleEnv>,
  node: EddyNode,
  options: PageOptions,
): Response | Promise<Response> {
  return render(
    c,
    node,
    options,
    { title: "Node & cluster", section: "node" },
    <NodePage node={node} figures={figures(node)} />,
  );
}

/**
 * How workflow `name` would be placed now, or why it cannot be.
 *
 * @example
 * ```ts ignore
 * const plan = placement(node, "thumbs");
 * ```
 */
export function placement(
  node: EddyNode,
  name: string,
): ReturnType<EddyNode["workflows"]["plan"]> | string {
  try {
    return node.workflows.plan(name);
  } catch (error) {
    return (error as Error).message;
  }
}

function notFound(
  c: Context<ConsoleEnv>,
  node: EddyNode,
  options: PageOptions,
  kind: string,
  section: "functions" | "workflows",
): Response | Promise<Response> {
  return render(
    c,
    node,
    options,
    { title: "Not found", section },
    <p>
      <a href={`/console/${section}`}>All {section}</a>
    </p>,
    {
      kind: "bad",
      text: `no ${kind} named '${c.req.param("name")}' on this node`,
    },
    404,
  );
}
