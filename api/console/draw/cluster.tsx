/**
 * The cluster as this node sees it: nodes grouped by region, zone and
 * host, each link labelled with the mode eddy would use between the two.
 *
 * @module
 */
import type { Child } from "hono/jsx";
import { chooseMode, type Locality } from "../../../comm/mod.ts";

/**
 * A node to draw.
 *
 * @example
 * ```ts ignore
 * const me: ClusterMember = { locality: node.locality, self: true, up: true, functions: 2 };
 * ```
 */
export interface ClusterMember {
  locality: Locality;
  /** This node (drawn highlighted). */
  self: boolean;
  up: boolean;
  functions: number;
}

const BOX_W = 180;
const BOX_H = 56;
const GAP_Y = 44;
const COL_W = 250;
const PAD = 28;
/** Beyond this many nodes only this node's links are drawn. */
const ALL_LINKS_UP_TO = 6;

/**
 * The SVG drawing of `members`.
 *
 * @example
 * ```tsx ignore
 * <ClusterDrawing members={[{ locality, self: true, up: true, functions: 2 }]} />
 * ```
 */
export function ClusterDrawing(props: { members: ClusterMember[] }): Child {
  const hosts = new Map<string, ClusterMember[]>();
  const sorted = [...props.members].sort((a, b) =>
    groupKey(a.locality).localeCompare(groupKey(b.locality)) ||
    a.locality.nodeId.localeCompare(b.locality.nodeId)
  );
  for (const m of sorted) {
    const key = groupKey(m.locality);
    hosts.set(key, [...(hosts.get(key) ?? []), m]);
  }
  const at = new Map<string, { x: number; y: number }>();
  const groups = [...hosts.values()].map((members, col) => {
    const x = PAD + col * COL_W;
    members.forEach((m, row) =>
      at.set(m.locality.nodeId, {
        x: x + 12,
        y: PAD + 26 + row * (BOX_H + GAP_Y),
      })
    );
    return {
      x,
      height: 26 + members.length * (BOX_H + GAP_Y) - GAP_Y + 14,
      locality: members[0].locality,
    };
  });
  const width = PAD * 2 + groups.length * COL_W - (COL_W - BOX_W - 24);
  const height = PAD * 2 + Math.max(...groups.map((g) => g.height)) + 4;
  const links: [ClusterMember, ClusterMember][] = [];
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      if (
        sorted.length <= ALL_LINKS_UP_TO || sorted[i].self || sorted[j].self
      ) links.push([sorted[i], sorted[j]]);
    }
  }
  return (
    <svg
      class="drawing"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`cluster of ${sorted.length} node${
        sorted.length === 1 ? "" : "s"
      } on ${groups.length} host${groups.length === 1 ? "" : "s"}`}
      style={`max-width:${width}px;--natural:${width}px`}
    >
      {groups.map((g) => (
        <g>
          <rect
            class="group"
            x={g.x}
            y={PAD}
            width={BOX_W + 24}
            height={g.height}
            rx="10"
          />
          <text class="group-label" x={g.x + 10} y={PAD + 16}>
            {groupLabel(g.locality)}
          </text>
        </g>
      ))}
      {links.map(([a, b], i) => {
        const pa = at.get(a.locality.nodeId)!;
        const pb = at.get(b.locality.nodeId)!;
        const mode = chooseMode(a.locality, b.locality);
        const [x1, y1, x2, y2] = [
          pa.x + BOX_W / 2,
          pa.y + BOX_H / 2,
          pb.x + BOX_W / 2,
          pb.y + BOX_H / 2,
        ];
        // Links in one column bow out so they do not hide behind each other.
        const bow = x1 === x2 ? (BOX_W / 2 + 16 + i * 6) : 0;
        const path = bow
          ? `M${x1 + BOX_W / 2},${y1} C${x1 + bow},${y1} ${x2 + bow},${y2} ${
            x2 + BOX_W / 2
          },${y2}`
          : `M${x1},${y1} L${x2},${y2}`;
        const lx = bow ? x1 + BOX_W / 2 + bow * 0.7 : (x1 + x2) / 2;
        const ly = (y1 + y2) / 2 + 4;
        return (
          <g data-link={`${a.locality.nodeId}|${b.locality.nodeId}`}>
            <path class={`edge ${mode}`} d={path} />
            <text
              class={`edge-label ${mode}`}
              x={lx}
              y={ly}
              text-anchor="middle"
            >
              {mode}
            </text>
          </g>
        );
      })}
      {sorted.map((m) => {
        const p = at.get(m.locality.nodeId)!;
        return (
          <g data-node={m.locality.nodeId}>
            <rect
              class={`box${m.self ? " self" : ""}`}
              x={p.x}
              y={p.y}
              width={BOX_W}
              height={BOX_H}
              rx="8"
            />
            <text x={p.x + 12} y={p.y + 22} font-weight="600">
              {clip(m.locality.nodeId, 22)}
              {m.self ? " (this node)" : ""}
            </text>
            <text class="sub" x={p.x + 12} y={p.y + 41}>
              {m.up ? "up" : "down"} · {m.functions}{" "}
              function{m.functions === 1 ? "" : "s"}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

function groupKey(l: Locality): string {
  return `${l.region ?? ""}\u0000${l.zone ?? ""}\u0000${l.hostId}`;
}

function groupLabel(l: Locality): string {
  return [l.region, l.zone, `host ${clip(l.hostId, 12)}`].filter(Boolean).join(
    " › ",
  );
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
