/**
 * What a workflow run records: when each step ran and where, and how each
 * edge carried its bytes. Times are epoch milliseconds (with fractions), so
 * that parts recorded on different nodes can be merged and compared.
 *
 * @module
 */
import type { Mode } from "../comm/mod.ts";
import type { PlannedEdge } from "./plan.ts";

/**
 * One step's run on its node. `durationMs` includes waiting for an executor.
 *
 * @example
 * ```ts
 * import type { StepTrace } from "./trace.ts";
 * const entry: StepTrace = {
 *   kind: "step", step: "hash", function: "sha256", node: "node-a",
 *   start: 1767225600000, end: 1767225600004.5, durationMs: 4.5,
 *   inputBytes: 1024, outputBytes: 65,
 * };
 * ```
 */
export interface StepTrace {
  kind: "step";
  step: string;
  function: string;
  node: string;
  start: number;
  end: number;
  durationMs: number;
  inputBytes: number;
  outputBytes: number;
}

/**
 * One transfer, recorded by the sending node; `transferMs` is the time the
 * push took (for memory: the copy and hand-over).
 *
 * @example
 * ```ts
 * import type { EdgeTrace } from "./trace.ts";
 * const entry: EdgeTrace = {
 *   kind: "edge", from: "fetch", to: "hash", fromNode: "node-a", toNode: "node-b",
 *   mode: "http2", bytes: 1024, start: 1767225600000, transferMs: 0.4,
 * };
 * ```
 */
export interface EdgeTrace {
  kind: "edge";
  from: string;
  to: string;
  fromNode: string;
  toNode: string;
  mode: Mode;
  bytes: number;
  start: number;
  transferMs: number;
  /**
   * The consumer ran in the producer's isolate, right after it, and read
   * its output where it was written: no transfer of its own.
   */
  sameIsolate?: true;
}

/**
 * A trace entry.
 *
 * @example
 * ```ts
 * import type { TraceEntry } from "./trace.ts";
 * const steps = (trace: TraceEntry[]) => trace.filter((e) => e.kind === "step");
 * ```
 */
export type TraceEntry = StepTrace | EdgeTrace;

/**
 * The current time as epoch milliseconds with sub-millisecond precision.
 *
 * @example
 * ```ts
 * import { epochMs } from "./trace.ts";
 * console.log(epochMs() > 1.7e12); // true
 * ```
 */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The trace entry of a transfer along `edge` that started at `start` (epoch
 * ms) and ends now: for the sender, when the consumer's node acknowledged
 * it; for the origin completing a participant's trace that came with the
 * bytes, when they arrived (across hosts, as far as the two clocks agree;
 * never negative).
 *
 * @example
 * ```ts
 * import { edgeTrace, epochMs } from "./trace.ts";
 * const edge = { from: "a", to: "b", fromNode: "n1", toNode: "n2", mode: "unix" as const };
 * console.log(edgeTrace(edge, 1024, epochMs()).transferMs >= 0); // true
 * ```
 */
export function edgeTrace(
  edge: PlannedEdge,
  bytes: number,
  start: number,
): EdgeTrace {
  return {
    kind: "edge",
    from: edge.from,
    to: edge.to,
    fromNode: edge.fromNode,
    toNode: edge.toNode,
    mode: edge.mode,
    bytes,
    start,
    transferMs: Math.max(0, epochMs() - start),
  };
}
