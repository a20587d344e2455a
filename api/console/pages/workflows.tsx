/**
 * The workflows pages: the list with a deploy form, and one workflow's
 * graph with its placement, its last runs and their traces, and a form to
 * start a run.
 *
 * @module
 */
import type { Child } from "hono/jsx";
import type { DeployedWorkflow, RecentRun } from "../../../node/workflows.ts";
import type { WorkflowPlan } from "../../../workflow/plan.ts";
import { bytes, WorkflowDrawing } from "../draw/dag.tsx";
import { ms } from "../format.ts";
import { CsrfField } from "../layout.tsx";

/**
 * The list's content.
 *
 * @example
 * ```tsx ignore
 * <WorkflowsPage workflows={node.workflows.list()} lastRuns={...} csrf={csrf} />
 * ```
 */
export function WorkflowsPage(props: {
  workflows: DeployedWorkflow[];
  lastRun: (name: string) => RecentRun | undefined;
  csrf: string;
}): Child {
  return (
    <>
      <section class="panel" aria-labelledby="deployed">
        <h2 id="deployed">Deployed</h2>
        {props.workflows.length === 0
          ? <p class="muted">No workflows yet: deploy a spec below.</p>
          : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Workflow</th>
                    <th scope="col">Steps</th>
                    <th scope="col" class="hide-narrow">Deployed</th>
                    <th scope="col">Last run</th>
                  </tr>
                </thead>
                <tbody>
                  {props.workflows.map((w) => {
                    const run = props.lastRun(w.name);
                    return (
                      <tr>
                        <td>
                          <a
                            href={`/console/workflows/${
                              encodeURIComponent(w.name)
                            }`}
                          >
                            <strong>{w.name}</strong>
                          </a>
                        </td>
                        <td>{w.spec.steps.map((s) => s.name).join(" → ")}</td>
                        <td class="hide-narrow">
                          {w.deployedAt.slice(0, 19).replace("T", " ")}
                        </td>
                        <td>
                          {run
                            ? (
                              <span class={`pill ${run.error ? "down" : "up"}`}>
                                {run.error ? run.error.code : "ok"} ·{" "}
                                {ms(run.durationMs)}
                              </span>
                            )
                            : <span class="muted">never</span>}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
      </section>
      <section class="panel" aria-labelledby="deploy">
        <h2 id="deploy">Deploy a workflow</h2>
        <form class="stack" method="post" action="/console/workflows">
          <CsrfField token={props.csrf} />
          <label>
            Spec (YAML or JSON)
            <textarea
              name="spec"
              required
              rows={8}
              placeholder="name: shout
steps:
  - name: up
    function: uppercase
output: up"
            >
            </textarea>
          </label>
          <div>
            <button type="submit">Deploy</button>
          </div>
        </form>
      </section>
    </>
  );
}

/**
 * One workflow's content.
 *
 * @example
 * ```tsx ignore
 * <WorkflowPage workflow={w} plan={plan} runs={runs} shown={runs[0]} csrf={csrf} />
 * ```
 */
export function WorkflowPage(props: {
  workflow: DeployedWorkflow;
  /** Where it would run now, or why it cannot. */
  plan: WorkflowPlan | string;
  runs: RecentRun[];
  /** The run whose trace is drawn. */
  shown?: RecentRun;
  output?: string;
  csrf: string;
}): Child {
  const { workflow, plan, shown } = props;
  const path = `/console/workflows/${encodeURIComponent(workflow.name)}`;
  const edges = shown?.trace.filter((e) => e.kind === "edge") ?? [];
  return (
    <>
      <section class="panel" aria-labelledby="graph">
        <h2 id="graph">
          {shown && !shown.error
            ? `Run ${shown.runId.slice(0, 8)} · ${ms(shown.durationMs)}`
            : "Placement now"}
        </h2>
        <div class="legend" aria-hidden="true">
          <span class="mode-memory">memory</span>
          <span class="mode-unix">unix socket</span>
          <span class="mode-http2">HTTP/2</span>
        </div>
        {typeof plan === "string"
          ? <p class="notice bad">It cannot be placed now: {plan}</p>
          : (
            <div class="drawing-wrap">
              <WorkflowDrawing
                plan={plan}
                trace={shown?.error ? undefined : shown?.trace}
              />
            </div>
          )}
        {edges.length > 0 && (
          <div class="table-wrap">
            <table aria-label="Edges of the run">
              <thead>
                <tr>
                  <th scope="col">Edge</th>
                  <th scope="col">Nodes</th>
                  <th scope="col">Mode</th>
                  <th scope="col" class="num">Bytes</th>
                  <th scope="col" class="num">Time</th>
                </tr>
              </thead>
              <tbody>
                {edges.map((e) =>
                  e.kind === "edge" && (
                    <tr>
                      <td>{e.from} → {e.to}</td>
                      <td class="mono">{e.fromNode} → {e.toNode}</td>
                      <td class={`mode-${e.mode}`}>
                        {e.sameIsolate ? `${e.mode} (same worker)` : e.mode}
                      </td>
                      <td class="num">{bytes(e.bytes)}</td>
                      <td class="num">{ms(e.transferMs)}</td>
                    </tr>
                  )
                )}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <div class="grid2">
        <section class="panel" aria-labelledby="run">
          <h2 id="run">Run it</h2>
          <form class="stack" method="post" action={`${path}/run`}>
            <CsrfField token={props.csrf} />
            <label>
              Input text
              <textarea name="input" placeholder="the workflow's input">
              </textarea>
            </label>
            <div class="row">
              <div>
                <button type="submit">Start a run</button>
              </div>
            </div>
          </form>
          {props.output !== undefined && (
            <>
              <h2>Output</h2>
              <pre data-result="output">{props.output}</pre>
            </>
          )}
        </section>
        <section class="panel" aria-labelledby="runs">
          <h2 id="runs">Last runs</h2>
          {props.runs.length === 0
            ? <p class="muted">No runs since this node started.</p>
            : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Started</th>
                    <th scope="col">Result</th>
                    <th scope="col" class="num">Time</th>
                  </tr>
                </thead>
                <tbody>
                  {props.runs.map((run) => (
                    <tr>
                      <td>
                        {run.error
                          ? (
                            <time datetime={run.at}>
                              {run.at.slice(11, 19)}
                            </time>
                          )
                          : (
                            <a
                              href={`${path}?run=${
                                encodeURIComponent(run.runId)
                              }`}
                              aria-current={run === shown ? "true" : undefined}
                            >
                              <time datetime={run.at}>
                                {run.at.slice(11, 19)}
                              </time>
                            </a>
                          )}
                      </td>
                      <td>
                        <span class={`pill ${run.error ? "down" : "up"}`}>
                          {run.error ? run.error.code : "ok"}
                        </span>
                        {run.error && (
                          <span class="muted">
                            {run.error.message.slice(0, 80)}
                          </span>
                        )}
                      </td>
                      <td class="num">{ms(run.durationMs)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
        </section>
      </div>
      <section class="panel" aria-labelledby="source">
        <h2 id="source">Spec</h2>
        <pre>{workflow.source}</pre>
        <form method="post" action={`${path}/remove`}>
          <CsrfField token={props.csrf} />
          <button class="danger" type="submit">Remove {workflow.name}</button>
        </form>
      </section>
    </>
  );
}
