/**
 * Sparklines: a series as a small SVG polyline, redrawn live by the
 * console's script with the same scaling.
 *
 * @module
 */
import type { Child } from "hono/jsx";
import type { FunctionSeries } from "../../../node/history.ts";

const WIDTH = 120;
const HEIGHT = 28;

/**
 * The polyline points of `values` in a `width`×`height` box, scaled to the
 * largest value (nulls drawn as 0).
 *
 * @example
 * ```ts
 * import { sparkPoints } from "./sparkline.tsx";
 * console.log(sparkPoints([0, 1], 10, 10)); // "0.0,9.0 10.0,1.0"
 * ```
 */
export function sparkPoints(
  values: readonly (number | null)[],
  width: number,
  height: number,
): string {
  const max = Math.max(1, ...values.map((v) => v ?? 0));
  return values.map((v, i) =>
    `${(i * width / (values.length - 1)).toFixed(1)},${
      (height - 1 - (v ?? 0) / max * (height - 2)).toFixed(1)
    }`
  ).join(" ");
}

/**
 * One function's sparkline of `series` fields (each its own line, scaled
 * on its own), labelled for screen readers.
 *
 * @example
 * ```tsx ignore
 * <Sparkline fn="echo" series={series} lines={["invocations", "errors"]} label="calls per 10 s" />
 * ```
 */
export function Sparkline(props: {
  fn: string;
  series: FunctionSeries;
  lines: ("invocations" | "errors" | "p50Ms" | "p99Ms")[];
  label: string;
}): Child {
  const css = { invocations: "inv", errors: "err", p50Ms: "lat", p99Ms: "lat" };
  return (
    <svg
      class="spark"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      data-spark={props.fn}
      role="img"
      aria-label={`${props.label} over the last ${
        props.series.invocations.length * props.series.slotMs / 60_000
      } minutes`}
    >
      {props.lines.map((line) => (
        <polyline
          class={css[line]}
          data-series={line}
          points={sparkPoints(props.series[line], WIDTH, HEIGHT)}
        />
      ))}
    </svg>
  );
}
