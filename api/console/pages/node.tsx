/**
 * The node and cluster page: this node's figures, and the peers it knows
 * drawn by region, zone and host with the mode between each two.
 *
 * @module
 */
import type { Child } from "hono/jsx";
import { chooseMode } from "../../../comm/mod.ts";
import type { EddyNode } from "../../../node/node.ts";
import { ClusterDrawing, type ClusterMember } from "../draw/cluster.tsx";
import type { Figures } from "../figures.ts";
import { duration, size } from "../format.ts";

/**
 * The page's content.
 *
 * @example
 * ```tsx ignore
 * <NodePage node={node} figures={figures(node)} />
 * ```
 */
export function NodePage(props: { node: EddyNode; figures: Figures }): Child {
  const { node, figures } = props;
  const info = node.info();
  const peers = node.peers.list();
  const members: ClusterMember[] = [
    {
      locality: node.locality,
      self: true,
      up: true,
      functions: info.functions.length,
    },
    ...peers.flatMap((p) =>
      p.info
        ? [{
          locality: p.info.locality,
          self: false,
          up: p.up,
          functions: p.info.functions.length,
        }]
        : []
    ),
  ];
  return (
    <>
      <section class="stats" aria-label="This node">
        <Stat label="Version" value={info.version} />
        <Stat
          label="Uptime"
          value={duration(figures.node.uptimeSeconds)}
          live="node.uptimeSeconds"
          format="duration"
        />
        <Stat
          label="Workers"
          value={String(figures.node.workers)}
          live="node.workers"
        />
        <Stat
          label="Running"
          value={String(figures.node.running)}
          live="node.running"
        />
        <Stat
          label="Queued"
          value={String(figures.node.queued)}
          live="node.queued"
        />
        <Stat
          label="Memory (RSS)"
          value={size(figures.node.rssBytes)}
          live="node.rssBytes"
          format="bytes"
        />
      </section>
      <div class="grid2">
        <section class="panel" aria-labelledby="locality">
          <h2 id="locality">Locality</h2>
          <div class="result">
            <dl>
              <dt>Node</dt>
              <dd class="mono">{node.locality.nodeId}</dd>
              <dt>Host</dt>
              <dd class="mono">{node.locality.hostId}</dd>
              <dt>Zone</dt>
              <dd>{node.locality.zone ?? "–"}</dd>
              <dt>Region</dt>
              <dd>{node.locality.region ?? "–"}</dd>
              <dt>API</dt>
              <dd class="mono">{info.endpoints.http || "–"}</dd>
              <dt>Labels</dt>
              <dd>
                {Object.keys(node.labels).length === 0
                  ? "–"
                  : Object.entries(node.labels).map(([k, v]) => (
                    <span class="pill">{k}={v}</span>
                  ))}
              </dd>
            </dl>
          </div>
        </section>
        <section class="panel" aria-labelledby="functions-here">
          <h2 id="functions-here">Functions here</h2>
          {info.functions.length === 0
            ? (
              <p class="muted">
                None yet. <a href="/console/functions">Deploy one</a>.
              </p>
            )
            : (
              <p>
                {info.functions.map((name) => (
                  <a
                    class="pill"
                    href={`/console/functions/${encodeURIComponent(name)}`}
                  >
                    {name}
                  </a>
                ))}
              </p>
            )}
          <p class="muted">
            {node.workflows.list().length} workflow(s) deployed ·{" "}
            <a href="/metrics">Prometheus metrics</a>
          </p>
        </section>
      </div>
      <section class="panel" aria-labelledby="cluster">
        <h2 id="cluster">Cluster</h2>
        <div class="legend" aria-hidden="true">
          <span class="mode-memory">memory (same node)</span>
          <span class="mode-unix">unix socket (same host)</span>
          <span class="mode-http2">HTTP/2 (other hosts)</span>
        </div>
        <div class="drawing-wrap">
          <ClusterDrawing members={members} />
        </div>
      </section>
      <section class="panel" aria-labelledby="peers">
        <h2 id="peers">Peers</h2>
        {peers.length === 0
          ? (
            <p class="muted">
              This node knows no peers. Start another with{" "}
              <code>--peer {info.endpoints.http || "URL"}</code>.
            </p>
          )
          : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Node</th>
                    <th scope="col">URL</th>
                    <th scope="col" class="hide-narrow">Locality</th>
                    <th scope="col">State</th>
                    <th scope="col">Mode</th>
                    <th scope="col" class="num">Functions</th>
                  </tr>
                </thead>
                <tbody>
                  {peers.map((p) => {
                    const mode = p.info &&
                      chooseMode(node.locality, p.info.locality);
                    return (
                      <tr>
                        <td class="mono">{p.info?.id ?? "?"}</td>
                        <td class="mono">{p.url}</td>
                        <td class="hide-narrow">
                          {p.info
                            ? [
                              p.info.locality.region,
                              p.info.locality.zone,
                              p.info.locality.hostId.slice(0, 12),
                            ]
                              .filter(Boolean).join(" › ")
                            : "–"}
                        </td>
                        <td>
                          <span class={`pill ${p.up ? "up" : "down"}`}>
                            {p.up ? "up" : "down"}
                          </span>
                          {p.lastError && (
                            <span class="muted" title={p.lastError}>
                              {" "}
                              {p.lastError.slice(0, 60)}
                            </span>
                          )}
                        </td>
                        <td class={mode ? `mode-${mode}` : ""}>
                          {mode ?? "–"}
                        </td>
                        <td class="num">{p.info?.functions.length ?? 0}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
      </section>
    </>
  );
}

function Stat(
  props: { label: string; value: string; live?: string; format?: string },
): Child {
  return (
    <div class="stat">
      <div class="label">{props.label}</div>
      <div class="value" data-live={props.live} data-format={props.format}>
        {props.value}
      </div>
    </div>
  );
}
