/**
 * The report's SVG plots: latency, throughput and edge transfer against
 * payload size (log scales, one line per system), workflow latency against
 * arrival rate, serving against connections, and the floors.
 *
 * @module
 */
import type { System } from "./exchange.ts";
import { bytesOf, sizeTicks, SYSTEM_LABEL } from "./_format.ts";
import type { Results } from "./_results.ts";
import { linePlot, type Series } from "./_svg.ts";

/**
 * The report's plots, by file name (SVG documents).
 *
 * @example
 * ```ts ignore
 * for (const [file, svg] of Object.entries(plotsOf(results))) await Deno.writeTextFile(file, svg);
 * ```
 */
export function plotsOf(r: Results): Record<string, string> {
  const plots: Record<string, string> = {};
  const x = r.exchange?.results;
  if (x) {
    const ticks = sizeTicks(x.sizes);
    const perSystem = (
      value: (label: string, s: System) => number | undefined,
    ): Series[] =>
      (Object.keys(SYSTEM_LABEL) as System[]).map((s) => ({
        name: SYSTEM_LABEL[s],
        dashed: s === "redis" || s === "http1",
        points: x.sizes.map((l) => [bytesOf(l), value(l, s)]),
      }));
    plots["exchange_latency_p50.svg"] = linePlot({
      title: "Chain latency p50 (producer → consumer)",
      xLabel: "payload",
      yLabel: "ms",
      xLog: true,
      yLog: true,
      xTicks: ticks,
      series: perSystem((l, s) => x.rows[s][l]?.latencyMs.p50),
    });
    plots["exchange_latency_p99.svg"] = linePlot({
      title: "Chain latency p99",
      xLabel: "payload",
      yLabel: "ms",
      xLog: true,
      yLog: true,
      xTicks: ticks,
      series: perSystem((l, s) => x.rows[s][l]?.latencyMs.p99),
    });
    plots["exchange_throughput.svg"] = linePlot({
      title: "Chain throughput",
      xLabel: "payload",
      yLabel: "MB/s",
      xLog: true,
      yLog: true,
      xTicks: ticks,
      series: perSystem((l, s) => x.rows[s][l]?.throughput.mbPerS),
    });
    const floors = r.floors?.results.transfers;
    const floorSeries = (name: string, label: string): Series => ({
      name: label,
      dashed: true,
      points: x.sizes.map((l) => [bytesOf(l), floors?.[name]?.[l]?.p50Ms]),
    });
    plots["exchange_transfer.svg"] = linePlot({
      title: "Producer → consumer edge transfer, p50",
      xLabel: "payload",
      yLabel: "ms",
      xLog: true,
      yLog: true,
      xTicks: ticks,
      series: [
        ...(["memory", "unix", "http2", "redis"] as const).map((s) => ({
          name: s === "redis" ? "Redis SET+GET" : SYSTEM_LABEL[s],
          points: x.sizes.map((l): [number, number | undefined] => [
            bytesOf(l),
            x.rows[s][l]?.transferMs?.p50,
          ]),
        })),
        ...(floors
          ? [
            floorSeries("memcpy, fresh buffer", "floor: memcpy (fresh)"),
            floorSeries("unix echo", "floor: unix echo"),
            floorSeries("http2 echo", "floor: http2 echo"),
          ]
          : []),
      ],
    });
  }
  const w = r.workflows?.results;
  if (w) {
    const series = (system: "dataflow" | "controlflow", q: "P50" | "P99") => ({
      name: `${system} p${q.slice(1)}`,
      dashed: q === "P99",
      color: system === "dataflow" ? "#1f77b4" : "#d62728",
      points: w.rates[system].map((s): [number, number] => [
        s.rate,
        s[`latency${q}Ms`],
      ]),
    });
    plots["workflows_latency.svg"] = linePlot({
      title: "Workflow latency under open-loop load",
      xLabel: "arrival rate (req/s)",
      yLabel: "ms",
      xLog: true,
      yLog: true,
      xTicks: w.rates.dataflow.map((s) => ({
        value: s.rate,
        label: String(s.rate),
      })),
      series: [
        series("dataflow", "P50"),
        series("dataflow", "P99"),
        series("controlflow", "P50"),
        series("controlflow", "P99"),
      ],
    });
  }
  const s = r.serving?.results;
  if (s) {
    const ticks = s.steps.map((p) => ({
      value: p.connections,
      label: String(p.connections),
    }));
    plots["serving_throughput.svg"] = linePlot({
      title: "echo 1 KB over HTTP: throughput",
      xLabel: "connections",
      yLabel: "req/s",
      xLog: true,
      xTicks: ticks,
      series: [{
        name: "eddy /invoke/echo",
        points: s.steps.map((p) => [p.connections, p.requestsPerSecond]),
      }],
    });
    plots["serving_latency.svg"] = linePlot({
      title: "echo 1 KB over HTTP: latency",
      xLabel: "connections",
      yLabel: "ms",
      xLog: true,
      yLog: true,
      xTicks: ticks,
      series: [
        {
          name: "p50",
          points: s.steps.map((p) => [p.connections, p.latencyP50Ms]),
        },
        {
          name: "p99",
          dashed: true,
          points: s.steps.map((p) => [p.connections, p.latencyP99Ms]),
        },
      ],
    });
  }
  const f = r.floors?.results;
  if (f) {
    plots["floors.svg"] = linePlot({
      title: "Floors: bytes moved per second at p50",
      xLabel: "payload",
      yLabel: "MB/s",
      xLog: true,
      yLog: true,
      xTicks: sizeTicks(f.sizes),
      series: Object.entries(f.transfers).map(([name, row]) => ({
        name,
        points: f.sizes.map((l) => [bytesOf(l), row[l]?.mbPerS]),
      })),
    });
  }
  return plots;
}
