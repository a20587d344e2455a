/**
 * A function's page: its deployment, live figures, last failures, and a
 * form to invoke it and see what came back.
 *
 * @module
 */
import type { Child } from "hono/jsx";
import type { Failure } from "../../../node/history.ts";
import type { Deployment } from "../../../node/node.ts";
import { Sparkline } from "../draw/sparkline.tsx";
import type { Figures } from "../figures.ts";
import { ms, size } from "../format.ts";
import { CsrfField } from "../layout.tsx";

/**
 * What an invocation from the form returned.
 *
 * @example
 * ```ts
 * import type { InvokeOutcome } from "./function.tsx";
 * const ok: InvokeOutcome = { status: 200, output: "hi", exitCode: "0", durationMs: "0.2", node: "n1", via: "local" };
 * ```
 */
export interface InvokeOutcome {
  status: number;
  output: string;
  /** Set when the output is not UTF-8 text (then `output` is a hex preview). */
  binaryBytes?: number;
  exitCode?: string;
  durationMs?: string;
  node?: string;
  via?: string;
  calls?: string;
  /** The JSON error of a failed invocation. */
  error?: { code: string; message: string; stderr?: string };
}

/**
 * The page's content.
 *
 * @example
 * ```tsx ignore
 * <FunctionPage fn={deployment} figures={figures(node)} failures={[]} csrf={csrf} />
 * ```
 */
export function FunctionPage(props: {
  fn: Deployment;
  figures: Figures;
  failures: Failure[];
  csrf: string;
  outcome?: InvokeOutcome;
  input?: string;
  args?: string;
}): Child {
  const { fn, outcome } = props;
  const f = props.figures.functions[fn.name];
  const path = `/console/functions/${encodeURIComponent(fn.name)}`;
  return (
    <>
      <section class="stats" aria-label="Figures">
        <div class="stat">
          <div class="label">Calls</div>
          <div class="value" data-fn={fn.name} data-field="invocations">
            {f?.invocations ?? 0}
          </div>
        </div>
        <div class="stat">
          <div class="label">Errors</div>
          <div class="value" data-fn={fn.name} data-field="errors">
            {f?.errors ?? 0}
          </div>
        </div>
        <div class="stat">
          <div class="label">Calls · errors</div>
          {f && (
            <Sparkline
              fn={fn.name}
              series={f.series}
              lines={["invocations", "errors"]}
              label="calls and errors per 10 s"
            />
          )}
        </div>
        <div class="stat">
          <div class="label">p50 · p99 latency</div>
          {f && (
            <Sparkline
              fn={fn.name}
              series={f.series}
              lines={["p50Ms", "p99Ms"]}
              label="median and 99th percentile latency per 10 s"
            />
          )}
        </div>
      </section>
      <div class="grid2">
        <section class="panel" aria-labelledby="invoke">
          <h2 id="invoke">Invoke</h2>
          <form
            class="stack"
            method="post"
            action={`${path}/invoke`}
            enctype="multipart/form-data"
          >
            <CsrfField token={props.csrf} />
            <label>
              Input text
              <textarea name="input" placeholder="stdin for the function">
                {props.input ?? ""}
              </textarea>
            </label>
            <label>
              Or an input file
              <input type="file" name="file" />
            </label>
            <label>
              Arguments (one per line)
              <textarea name="args" rows={2} style="min-height:3rem">
                {props.args ?? ""}
              </textarea>
            </label>
            <div>
              <button type="submit">Invoke {fn.name}</button>
            </div>
          </form>
        </section>
        <section
          class="panel result"
          aria-labelledby="result"
          aria-live="polite"
        >
          <h2 id="result">Result</h2>
          {!outcome && (
            <p class="muted">Invoke the function to see its output here.</p>
          )}
          {outcome && (
            <>
              <dl>
                <dt>Status</dt>
                <dd>
                  <span class={`pill ${outcome.error ? "down" : "up"}`}>
                    {outcome.status} {outcome.error ? outcome.error.code : "ok"}
                  </span>
                </dd>
                {outcome.exitCode !== undefined && (
                  <>
                    <dt>Exit code</dt>
                    <dd data-result="exit-code">{outcome.exitCode}</dd>
                  </>
                )}
                {outcome.durationMs !== undefined && (
                  <>
                    <dt>Duration</dt>
                    <dd>{ms(Number(outcome.durationMs))}</dd>
                  </>
                )}
                {outcome.node && (
                  <>
                    <dt>Node</dt>
                    <dd class="mono">{outcome.node}</dd>
                  </>
                )}
                {outcome.via && (
                  <>
                    <dt>Mode</dt>
                    <dd>{outcome.via}</dd>
                  </>
                )}
              </dl>
              {outcome.error
                ? (
                  <>
                    <p>{outcome.error.message}</p>
                    {outcome.error.stderr && <pre>{outcome.error.stderr}</pre>}
                  </>
                )
                : (
                  <>
                    {outcome.binaryBytes !== undefined && (
                      <p class="muted">
                        {size(outcome.binaryBytes)}{" "}
                        of binary output; first bytes in hex:
                      </p>
                    )}
                    <pre data-result="output">{outcome.output}</pre>
                  </>
                )}
              {outcome.calls && (
                <>
                  <h2>Calls it made</h2>
                  <pre>{outcome.calls}</pre>
                </>
              )}
            </>
          )}
        </section>
      </div>
      <section class="panel" aria-labelledby="deployment">
        <h2 id="deployment">Deployment</h2>
        <div class="result">
          <dl>
            <dt>Module</dt>
            <dd class="mono">{fn.module}</dd>
            <dt>Revision</dt>
            <dd>{fn.revision} · {fn.deployedAt}</dd>
            <dt>Args</dt>
            <dd class="mono">{fn.args.length ? fn.args.join(" ") : "–"}</dd>
            <dt>Environment</dt>
            <dd class="mono">{Object.keys(fn.env).join(", ") || "–"}</dd>
            <dt>Directories</dt>
            <dd class="mono">
              {fn.dirs.map((d) => `${d.guest}${d.writable ? " (rw)" : ""}`)
                .join(", ") || "–"}
            </dd>
            <dt>Limits</dt>
            <dd>
              memory {size(fn.limits.maxMemoryBytes)} · timeout{" "}
              {fn.limits.timeoutMs / 1000} s · input{" "}
              {size(fn.limits.maxInputBytes)} · output{" "}
              {size(fn.limits.maxOutputBytes)} · call depth{" "}
              {fn.limits.callDepth}
              {fn.limits.concurrency !== undefined &&
                ` · concurrency ${fn.limits.concurrency}`}
              {fn.limits.maxQueueWaitMs !== undefined &&
                ` · queue wait ≤ ${fn.limits.maxQueueWaitMs} ms`}
            </dd>
            <dt>Labels</dt>
            <dd>
              {Object.entries(fn.labels).map(([k, v]) => (
                <span class="pill">{k}={v}</span>
              ))}
              {Object.keys(fn.labels).length === 0 && "–"}
            </dd>
          </dl>
        </div>
      </section>
      {props.failures.length > 0 && (
        <section class="panel" aria-labelledby="failures">
          <h2 id="failures">Recent failures</h2>
          {props.failures.map((failure) => (
            <details>
              <summary>
                <time datetime={failure.at}>{failure.at.slice(11, 19)}</time>
                {" "}
                <span class="pill down">{failure.reason}</span>{" "}
                {failure.message}
              </summary>
              <pre>{failure.stderr || "(no stderr)"}</pre>
            </details>
          ))}
        </section>
      )}
    </>
  );
}
