/**
 * Grouped jobs (see `ExecutorPool.runGroup`): what makes a group well
 * formed, and the template ids of groups of frozen specs.
 *
 * @module
 */
import type { FollowerJob, JobSpec } from "./job.ts";

/**
 * `stage`, group stage `k` (1 or later), as workers get it: its `from`
 * dropped when it names the stage before alone, which the stage reads
 * anyway, so that a chain costs no `from` check, shape or lookup.
 *
 * @example
 * ```ts
 * import { followerJob } from "./_group.ts";
 * const spec = {
 *   fn: "b", args: [], env: {}, preopens: [], timeoutMs: 100,
 *   maxMemoryBytes: 65536, maxOutputBytes: 1024,
 * };
 * const stage = { moduleKey: "b", spec, maxInputBytes: 1024 };
 * console.log(followerJob({ ...stage, from: [0] }, 1).from); // undefined
 * console.log(followerJob({ ...stage, from: [0] }, 2).from); // [ 0 ]
 * ```
 */
export function followerJob(stage: FollowerJob, k: number): FollowerJob {
  const then: FollowerJob = {
    moduleKey: stage.moduleKey,
    spec: stage.spec,
    maxInputBytes: stage.maxInputBytes,
  };
  const from = stage.from;
  if (from && !(from.length === 1 && from[0] === k - 1)) then.from = from;
  return then;
}

/**
 * Throws a `RangeError` when a stage of the group that starts with `fn`
 * reads no earlier stage or a later one, or when an output other than the
 * last stage's is read by no stage (it would be lost).
 *
 * @example
 * ```ts
 * import { checkGroup } from "./_group.ts";
 * checkGroup("a", [{}, { from: [0] }, { from: [1, 2] }]); // A → {B, C} → D
 * try {
 *   checkGroup("a", [{}, { from: [0] }]); // B's output goes nowhere
 * } catch (error) {
 *   console.log((error as Error).message);
 * }
 * ```
 */
export function checkGroup(
  fn: string,
  later: readonly Pick<FollowerJob, "from">[],
): void {
  // A chain (each stage reads the one before) is always well formed.
  if (later.every((stage) => !stage.from)) return;
  const read = new Set<number>();
  later.forEach((stage, k) => {
    const from = stage.from ?? [k];
    const fine = from.length > 0 && new Set(from).size === from.length &&
      from.every((i) => Number.isInteger(i) && i >= 0 && i <= k);
    if (!fine) {
      throw new RangeError(
        `stage ${
          k + 1
        } of the group of '${fn}' must read earlier stages, each once (from: ${
          JSON.stringify(stage.from)
        })`,
      );
    }
    for (const i of from) read.add(i);
  });
  for (let i = 0; i < later.length; i++) {
    if (!read.has(i)) {
      throw new RangeError(
        `the output of stage ${i} of the group of '${fn}' is read by no later stage`,
      );
    }
  }
}

/**
 * Ids of groups of frozen specs, each kept as long as its specs live: one
 * level per stage's spec, then the shape of the stages' `from`s.
 *
 * @example
 * ```ts
 * import { GroupIds } from "./_group.ts";
 * const spec = Object.freeze({
 *   fn: "a", args: [], env: {}, preopens: [], timeoutMs: 100,
 *   maxMemoryBytes: 65536, maxOutputBytes: 1024,
 * });
 * const ids = new GroupIds();
 * let next = 0;
 * const then = [{ moduleKey: "a", spec, maxInputBytes: 1024 }];
 * console.log(ids.of(spec, then, () => next++), ids.of(spec, then, () => next++)); // 0 0
 * ```
 */
export class GroupIds {
  readonly #first = new WeakMap<JobSpec, Level>();

  /** The id of the group `first` then `then`, from `newId` the first time. */
  of(
    first: JobSpec,
    then: readonly FollowerJob[],
    newId: () => number,
  ): number {
    let level = levelOf(this.#first, first);
    for (const stage of then) level = levelOf(level.next, stage.spec);
    const shape = then.some((stage) => stage.from)
      ? then.map((stage) => stage.from?.join() ?? "").join(";")
      : "";
    let id = level.ids.get(shape);
    if (id === undefined) level.ids.set(shape, id = newId());
    return id;
  }
}

interface Level {
  /** Ids of groups ending here, by the shape of their `from`s. */
  ids: Map<string, number>;
  next: WeakMap<JobSpec, Level>;
}

function levelOf(map: WeakMap<JobSpec, Level>, spec: JobSpec): Level {
  let level = map.get(spec);
  if (!level) map.set(spec, level = { ids: new Map(), next: new WeakMap() });
  return level;
}
