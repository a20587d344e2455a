/**
 * The live figures the console shows and streams: the node's gauges and,
 * per function, its counters and recent series.
 *
 * @module
 */
import type { FunctionSeries } from "../../node/history.ts";
import type { EddyNode } from "../../node/node.ts";

/**
 * A snapshot of the live figures.
 *
 * @example
 * ```ts
 * import type { Figures } from "./figures.ts";
 * const rss = (f: Figures) => f.node.rssBytes;
 * ```
 */
export interface Figures {
  node: {
    startedAt: string;
    uptimeSeconds: number;
    rssBytes: number;
    workers: number;
    running: number;
    queued: number;
    restarts: number;
  };
  functions: Record<string, {
    invocations: number;
    errors: number;
    series: FunctionSeries;
  }>;
}

/**
 * The figures of `node` now. Costs a few microseconds per deployed
 * function; computed only for pages and open event streams.
 *
 * @example
 * ```ts ignore
 * const { node: { workers } } = figures(node);
 * ```
 */
export function figures(node: EddyNode): Figures {
  const gauges = node.metrics.gauges();
  return {
    node: {
      startedAt: node.startedAt.toISOString(),
      uptimeSeconds: (Date.now() - node.startedAt.getTime()) / 1000,
      rssBytes: Deno.memoryUsage().rss,
      workers: gauges.eddy_executor_workers ?? 0,
      running: gauges.eddy_executor_running ?? 0,
      queued: gauges.eddy_executor_queued ?? 0,
      restarts: gauges.eddy_executor_restarts ?? 0,
    },
    functions: Object.fromEntries(
      node.registry.list().map((fn) => [fn.name, {
        ...node.metrics.count(fn.name),
        series: node.metrics.history.series(fn.name),
      }]),
    ),
  };
}
