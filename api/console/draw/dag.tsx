/**
 * A workflow's graph with its placement: steps in columns by depth, each
 * box naming its function and node, each edge its mode; with a run's
 * trace, the node each step ran on and its duration, and per edge the
 * mode, bytes and milliseconds it took.
 *
 * @module
 */
import type { Child } from "hono/jsx";
import type { WorkflowPlan } from "../../../workflow/plan.ts";
import { WORKFLOW_INPUT, WORKFLOW_OUTPUT } from "../../../workflow/spec.ts";
import type { TraceEntry } from "../../../workflow/trace.ts";

const BOX_W = 170;
const BOX_H = 62;
/** Leaves room between columns for an edge's two label lines. */
const COL_W = 330;
const ROW_H = 96;
const PAD = 24;

/**
 * The SVG drawing of `plan`, overlaid with `trace` when given.
 *
 * @example
 * ```tsx ignore
 * <WorkflowDrawing plan={node.workflows.plan("thumbs")} trace={run.trace} />
 * ```
 */
export function WorkflowDrawing(
  props: { plan: WorkflowPlan; trace?: TraceEntry[] },
): Child {
  const { plan } = props;
  const depth = new Map<string, number>([[WORKFLOW_INPUT, 0]]);
  const depthOf = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    const step = plan.steps.find((s) => s.name === name)!;
    const d = 1 + Math.max(0, ...step.after.map(depthOf));
    depth.set(name, d);
    return d;
  };
  for (const step of plan.steps) depthOf(step.name);
  depth.set(WORKFLOW_OUTPUT, Math.max(...depth.values()) + 1);
  const columns: string[][] = [];
  for (const [name, d] of depth) (columns[d] ??= []).push(name);
  const at = new Map<string, { x: number; y: number }>();
  const rows = Math.max(...columns.map((c) => c.length));
  columns.forEach((names, col) =>
    names.forEach((name, row) =>
      at.set(name, {
        x: PAD + col * COL_W,
        y: PAD + (row + (rows - names.length) / 2) * ROW_H,
      })
    )
  );
  const steps = new Map(
    (props.trace ?? []).flatMap((e) => e.kind === "step" ? [[e.step, e]] : []),
  );
  const edges = new Map(
    (props.trace ?? []).flatMap((e) =>
      e.kind === "edge" ? [[`${e.from}>${e.to}`, e]] : []
    ),
  );
  const width = PAD * 2 + (columns.length - 1) * COL_W + BOX_W;
  const height = PAD * 2 + (rows - 1) * ROW_H + BOX_H;
  return (
    <svg
      class="drawing"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`workflow ${plan.workflow}: ${plan.steps.length} steps, ${plan.edges.length} edges${
        props.trace ? ", with the trace of its last run" : ""
      }`}
      style={`max-width:${width}px;--natural:${width}px`}
    >
      {plan.edges.map((edge) => {
        const a = at.get(edge.from)!;
        const b = at.get(edge.to)!;
        const ran = edges.get(`${edge.from}>${edge.to}`);
        const mode = ran?.mode ?? edge.mode;
        const [x1, y1, x2, y2] = [
          a.x + BOX_W,
          a.y + BOX_H / 2,
          b.x,
          b.y + BOX_H / 2,
        ];
        const mid = (x1 + x2) / 2;
        return (
          <g
            data-edge={`${edge.from}>${edge.to}`}
            data-mode={mode}
            data-traced={ran ? "true" : "false"}
          >
            <path
              class={`edge ${mode}`}
              d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`}
            />
            <text
              class={`edge-label ${mode}`}
              x={mid}
              y={(y1 + y2) / 2 - 7}
              text-anchor="middle"
              font-weight="600"
            >
              {mode}
            </text>
            {ran && (
              <text
                class={`edge-label ${mode}`}
                x={mid}
                y={(y1 + y2) / 2 + 16}
                text-anchor="middle"
              >
                {`${bytes(ran.bytes)} · ${ran.transferMs.toFixed(2)} ms`}
              </text>
            )}
          </g>
        );
      })}
      {[...at].map(([name, p]) => {
        const planned = plan.steps.find((s) => s.name === name);
        const ran = steps.get(name);
        const pseudo = !planned;
        return (
          <g data-step={name}>
            <rect
              class={`box${pseudo ? "" : " self"}`}
              x={p.x}
              y={p.y}
              width={BOX_W}
              height={BOX_H}
              rx={pseudo ? 31 : 8}
            />
            <text x={p.x + 12} y={p.y + 23} font-weight="600">
              {pseudo ? (name === WORKFLOW_INPUT ? "input" : "output") : name}
            </text>
            <text class="sub" x={p.x + 12} y={p.y + 43}>
              {pseudo
                ? `on ${plan.origin}`
                : ran
                ? `${planned.function} on ${ran.node} · ${
                  ran.durationMs.toFixed(1)
                } ms`
                : `${planned.function} on ${planned.node}`}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/**
 * `n` bytes in B, KB or MB.
 *
 * @example
 * ```ts
 * import { bytes } from "./dag.tsx";
 * console.log(bytes(1536)); // "1.5 KB"
 * ```
 */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1 << 20)).toFixed(1)} MB`;
}
