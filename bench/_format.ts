/**
 * Formatting shared by the report's sections, plots and analysis.
 *
 * @module
 */
import type { System } from "./exchange.ts";
import type { Machine } from "../scripts/mod.ts";
import type { Tick } from "./_svg.ts";

/** How the report names each exchange system. */
export const SYSTEM_LABEL: Record<System, string> = {
  memory: "eddy memory",
  unix: "eddy unix",
  http2: "eddy http2",
  redis: "Redis baseline",
  http1: "HTTP/1.1 baseline",
};

/** A figure with three significant digits (integers as they are). */
export function fmt(value: number | undefined | null): string {
  if (value === undefined || value === null || !Number.isFinite(value)) {
    return "–";
  }
  if (Math.abs(value) >= 100) return String(Math.round(value));
  return String(+value.toPrecision(3));
}

/** "76% lower", or "48% higher" for a negative reduction. */
export function lowerOrHigher(reductionPct: number): string {
  return reductionPct >= 0
    ? `${fmt(reductionPct)}% lower`
    : `${fmt(-reductionPct)}% higher`;
}

/** A Markdown table. */
export function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

/** A target's verdict, in bold; `undefined`: the results lack the figure. */
export function met(ok: boolean | undefined): string {
  if (ok === undefined) return "not measured";
  return ok ? "**met**" : "**missed**";
}

/** The machine in one line, with its load average. */
export function machineLine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os} ${m.arch}, deno ${m.deno} (V8 ${m.v8}); load average ${
    m.loadAverage?.join(" / ") ?? "?"
  } at ${m.date}`;
}

/** Bytes of a size label (1KB, 64MB: powers of 1024). */
export function bytesOf(label: string): number {
  const n = parseFloat(label);
  return label.endsWith("MB") ? n * 2 ** 20 : n * 1024;
}

/** Plot ticks at the payload sizes, labelled as in the tables. */
export function sizeTicks(labels: string[]): Tick[] {
  return labels.map((label) => ({ value: bytesOf(label), label }));
}
