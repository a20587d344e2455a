/**
 * Jobs as the pool holds them, for the unit tests of the pool's parts.
 *
 * @module
 */
import type { CompiledModule } from "../module/mod.ts";
import type { FollowerJob, JobSpec } from "./job.ts";
import type { PendingJob } from "./_records.ts";

/**
 * A frozen spec of `fn` with small limits, as a deployment's is.
 *
 * @example
 * ```ts
 * import { testSpec } from "./_testing.ts";
 * console.log(Object.isFrozen(testSpec("echo"))); // true
 * ```
 */
export function testSpec(fn: string): JobSpec {
  return Object.freeze({
    fn,
    args: [fn],
    env: {},
    preopens: [],
    timeoutMs: 1000,
    maxMemoryBytes: 1 << 20,
    maxOutputBytes: 1 << 20,
  });
}

let seq = 0;

/**
 * A job of module `key` (its function's name too, unless `spec` says
 * another), followed by stages of the modules `then` names; its compiled
 * module `compiled`.
 *
 * @example
 * ```ts
 * import { testJob } from "./_testing.ts";
 * console.log(testJob("a", { then: ["b"] }).posted.then?.length); // 1
 * ```
 */
export function testJob(
  key: string,
  { spec = testSpec(key), then = [], compiled = {} as CompiledModule }: {
    spec?: JobSpec;
    then?: string[];
    compiled?: CompiledModule;
  } = {},
): PendingJob {
  return {
    fn: spec.fn,
    posted: {
      seq: seq++,
      moduleKey: key,
      spec,
      stdin: new Uint8Array(),
      ...(then.length
        ? {
          then: then.map((f): FollowerJob => ({
            moduleKey: f,
            spec: testSpec(f),
            maxInputBytes: 1 << 20,
          })),
        }
        : {}),
    },
    compiled,
    resolve: () => {},
    reject: () => {},
    parked: 0,
    parkedMs: 0,
  };
}
