/** What a benchmark ran on, recorded beside its results. */
import { cpus, loadavg, totalmem } from "node:os";

/** The CPU, memory, OS and Deno a benchmark ran on, and when. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  arch: string;
  deno: string;
  v8: string;
  date: string;
  /** 1, 5 and 15 minute load averages: other work on the machine skews figures. */
  loadAverage: number[];
}

/** The machine and its load, now. */
export function machine(): Machine {
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${Deno.build.os} ${Deno.osRelease()}`,
    arch: Deno.build.arch,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    date: new Date().toISOString(),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
