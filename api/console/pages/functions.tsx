/**
 * The functions page: every deployed function with its module, limits,
 * labels and recent figures; deploy (module upload or manifest) and
 * remove.
 *
 * @module
 */
import type { Child } from "hono/jsx";
import type { EddyNode } from "../../../node/node.ts";
import { FUNCTION_NAME_PATTERN } from "../../../runtime/manifest/mod.ts";
import { Sparkline } from "../draw/sparkline.tsx";
import type { Figures } from "../figures.ts";
import { ms, shortDigest, size } from "../format.ts";
import { CsrfField } from "../layout.tsx";

/**
 * The page's content.
 *
 * @example
 * ```tsx ignore
 * <FunctionsPage node={node} figures={figures(node)} csrf={session.csrf} />
 * ```
 */
export function FunctionsPage(
  props: { node: EddyNode; figures: Figures; csrf: string },
): Child {
  const { node, figures, csrf } = props;
  const functions = node.registry.list();
  const failures = functions.flatMap((fn) =>
    node.metrics.history.failures(fn.name).map((f) => ({ fn: fn.name, ...f }))
  ).sort((a, b) => b.at.localeCompare(a.at)).slice(0, 10);
  return (
    <>
      <section class="panel" aria-labelledby="deployed">
        <h2 id="deployed">Deployed</h2>
        {functions.length === 0
          ? <p class="muted">No functions yet: deploy a module below.</p>
          : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Function</th>
                    <th scope="col" class="hide-narrow">Module</th>
                    <th scope="col" class="hide-narrow">Limits</th>
                    <th scope="col" class="num">Calls</th>
                    <th scope="col" class="num">Errors</th>
                    <th scope="col">Last 5 min</th>
                    <th scope="col" class="num">p50 / p99</th>
                    <th scope="col">
                      <span class="skip">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {functions.map((fn) => {
                    const f = figures.functions[fn.name];
                    const last = (xs: (number | null)[]) =>
                      xs.findLast((x) => x !== null) ?? null;
                    return (
                      <tr>
                        <td>
                          <a
                            href={`/console/functions/${
                              encodeURIComponent(fn.name)
                            }`}
                          >
                            <strong>{fn.name}</strong>
                          </a>
                          <div>
                            {Object.entries(fn.labels).map(([k, v]) => (
                              <span class="pill">{k}={v}</span>
                            ))}
                          </div>
                        </td>
                        <td class="mono hide-narrow" title={fn.module}>
                          {shortDigest(fn.module)}
                        </td>
                        <td class="hide-narrow">
                          {size(fn.limits.maxMemoryBytes)} ·{" "}
                          {fn.limits.timeoutMs / 1000} s
                        </td>
                        <td
                          class="num"
                          data-fn={fn.name}
                          data-field="invocations"
                        >
                          {f?.invocations ?? 0}
                        </td>
                        <td class="num" data-fn={fn.name} data-field="errors">
                          {f?.errors ?? 0}
                        </td>
                        <td>
                          {f && (
                            <Sparkline
                              fn={fn.name}
                              series={f.series}
                              lines={["invocations", "errors"]}
                              label={`${fn.name}: calls and errors per 10 s`}
                            />
                          )}
                        </td>
                        <td class="num">
                          {ms(last(f?.series.p50Ms ?? []))} /{" "}
                          {ms(last(f?.series.p99Ms ?? []))}
                        </td>
                        <td>
                          <form
                            method="post"
                            action={`/console/functions/${
                              encodeURIComponent(fn.name)
                            }/remove`}
                          >
                            <CsrfField token={csrf} />
                            <button
                              class="danger"
                              type="submit"
                              aria-label={`Remove ${fn.name}`}
                            >
                              Remove
                            </button>
                          </form>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
      </section>
      {failures.length > 0 && (
        <section class="panel" aria-labelledby="failures">
          <h2 id="failures">Recent failures</h2>
          {failures.map((f) => (
            <details>
              <summary>
                <time datetime={f.at}>{f.at.slice(11, 19)}</time>{" "}
                <strong>{f.fn}</strong>{" "}
                <span class="pill down">{f.reason}</span> {f.message}
              </summary>
              <pre>{f.stderr || "(no stderr)"}</pre>
            </details>
          ))}
        </section>
      )}
      <div class="grid2">
        <section class="panel" aria-labelledby="deploy">
          <h2 id="deploy">Deploy a module</h2>
          <form
            class="stack"
            method="post"
            action="/console/functions"
            enctype="multipart/form-data"
          >
            <CsrfField token={csrf} />
            <label>
              Function name
              <input
                type="text"
                name="name"
                required
                pattern={FUNCTION_NAME_PATTERN.source.slice(1, -1)}
                placeholder="echo"
                autocomplete="off"
              />
            </label>
            <label>
              Module (.wasm)
              <input
                type="file"
                name="module"
                accept=".wasm,application/wasm"
                required
              />
            </label>
            <div>
              <button type="submit">Deploy</button>
            </div>
          </form>
        </section>
        <section class="panel" aria-labelledby="manifest">
          <h2 id="manifest">Apply a manifest</h2>
          <form class="stack" method="post" action="/console/manifests">
            <CsrfField token={csrf} />
            <label>
              Manifest (YAML or JSON; modules by digest)
              <textarea
                name="manifest"
                required
                placeholder="functions:
  - name: echo
    module: sha256:…
    limits: { timeout: 2s }"
              >
              </textarea>
            </label>
            <div>
              <button type="submit">Apply</button>
            </div>
          </form>
        </section>
      </div>
    </>
  );
}
