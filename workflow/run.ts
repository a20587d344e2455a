/**
 * The data-flow engine: one node's part of one workflow run. Inputs arrive
 * through `deliver` (by comm, from this node or a peer); a step starts the
 * moment its last input is there, concurrently with any other ready step;
 * its output is pushed at once to every consumer. Nothing waits for a
 * coordinator and nothing is stored on the way.
 *
 * Transport-agnostic: the engine runs functions through `execute` and sends
 * every output through `push`, memory edges (consumer on this node)
 * included; the node implements both with its executors and its comm
 * layer, whose memory mode hands an output to its one consumer without a
 * copy.
 *
 * @module
 */
import { handOver } from "../comm/mod.ts";
import { NotFoundError } from "../runtime/errors.ts";
import { Inbox } from "./_inbox.ts";
import { groupsOf, type StepGroup } from "./_groups.ts";
import { invalidDelivery, pushFailed, stepFailed } from "./errors.ts";
import type { PlannedEdge, PlannedStep, WorkflowPlan } from "./plan.ts";
import { WORKFLOW_INPUT, WORKFLOW_OUTPUT } from "./spec.ts";
import { edgeTrace, epochMs, type TraceEntry } from "./trace.ts";

/**
 * Runs a step's function on this node. It owns `input` (it may transfer the
 * buffer to a worker) until it settles, then keeps nothing of it (the run
 * may recycle what is left), and returns the output, which the engine then
 * owns.
 *
 * @example
 * ```ts ignore
 * const execute: ExecuteFn = async (step, input) =>
 *   (await node.invoke(step.function, input, { args: step.args })).stdout;
 * ```
 */
export type ExecuteFn = (
  step: PlannedStep,
  input: Uint8Array,
) => Promise<Uint8Array>;

/**
 * What a group of steps run in one worker gave: the last step's output, and
 * for the trace each step's run time and output size (the last's too).
 */
export interface GroupOutput {
  output: Uint8Array;
  stages: { durationMs: number; outputBytes: number }[];
}

/**
 * Runs `group`'s steps in one executor worker (see
 * `WorkflowRunOptions.executeGroup`), the first with `input`, each later
 * one with the outputs of the steps it reads (`group.from`). Owns `input`
 * as {@linkcode ExecuteFn} does. A rejection with an error whose `stage`
 * is a place in `group.steps` fails that step; any other fails the first.
 *
 * @example
 * ```ts ignore
 * const executeGroup: ExecuteGroupFn = async ({ steps, from }, input) => {
 *   const { earlier, last } = await node.invokeGroup(
 *     steps.map((s, i) => ({ name: s.function, from: from[i] })), input);
 *   return { output: last.stdout, stages: [...earlier, { ...last, outputBytes: last.stdout.byteLength }] };
 * };
 * ```
 */
export type ExecuteGroupFn = (
  group: StepGroup,
  input: Uint8Array,
) => Promise<GroupOutput>;

/**
 * The place in `group` of the step that `error` failed: the stage it names,
 * or the first step whose function it did not find (removed since the run
 * was planned), else the first.
 */
function failedStage(group: StepGroup, error: unknown): number {
  const stage = (error as { stage?: number }).stage;
  if (stage !== undefined) return stage;
  if (error instanceof NotFoundError && error.details.kind === "function") {
    const missing = group.steps.findIndex((s) =>
      s.function === error.details.name
    );
    if (missing >= 0) return missing;
  }
  return 0;
}

/**
 * Delivers `bytes` along `edge` with `edge.mode` (memory included) to the
 * run's part on `edge.toNode`, which hands them to its
 * `deliver(edge.to, edge.from, bytes)`. With `transfer` the consumer may
 * take `bytes` itself; without it the push only reads them (a memory push
 * copies them before it returns, so the next push may take them), and must
 * not change them. A rejection fails the run with a `push_failed` error.
 *
 * `trace` is set on a participant's last push when it goes to the origin:
 * the part's whole trace but this edge, so that the origin has it with the
 * bytes instead of waiting for the part to report once the push is
 * acknowledged; the origin completes it with {@linkcode edgeTrace}.
 *
 * @example
 * ```ts ignore
 * const push: PushFn = (edge, bytes, transfer, trace) =>
 *   comm.call(endpointOf(edge.toNode), { target: "deliver", headers, payload: bytes }, { transfer });
 * ```
 */
export type PushFn = (
  edge: PlannedEdge,
  bytes: Uint8Array,
  transfer: boolean,
  trace?: TraceEntry[],
) => Promise<void>;

/**
 * Options of {@link WorkflowRun}.
 *
 * @example
 * ```ts ignore
 * const options: WorkflowRunOptions = { plan, runId: "r1", nodeId: node.id, execute, push };
 * ```
 */
export interface WorkflowRunOptions {
  plan: WorkflowPlan;
  /** Names the run in errors; the node routes pushes by it. */
  runId: string;
  /** This node: the run takes the steps and edges the plan puts here. */
  nodeId: string;
  execute: ExecuteFn;
  /**
   * Runs a local step and the local steps it alone feeds by memory (see
   * `groupSteps`) together: the design's first mode, consumers in their
   * producer's isolate, with no push between them. Without it every step
   * runs on its own.
   */
  executeGroup?: ExecuteGroupFn;
  /**
   * Whether runs of function `fn` are brief enough for a fan-out's
   * branches to run one after the other in a group; without it a group
   * has no fan-out.
   */
  short?: (fn: string) => boolean;
  push: PushFn;
  /**
   * Takes back bytes the run is done with and owns alone: a step's input
   * its executor kept intact (it copied rather than transferred it), the
   * parts of a fan-in once joined, a local step's output once every send
   * of it that only read it (unix, http2, copies for memory consumers)
   * succeeded. The node recycles them as receive buffers or as buffers
   * its workers write later outputs in; by default they are left to the
   * collector.
   */
  release?: (bytes: Uint8Array) => void;
}

/**
 * What a run returns on its origin node.
 *
 * @example
 * ```ts ignore
 * const { output, trace } = await run.result();
 * ```
 */
export interface WorkflowResult {
  output: Uint8Array;
  /** The origin's part of the trace, by start time. */
  trace: TraceEntry[];
}

/**
 * One node's part of one workflow run. On the origin node, `start` feeds
 * the input and `result` returns the output; on every participating node,
 * `deliver` takes inputs and `settled` tells when its part is done. The
 * trace of a part holds the steps it ran and the edges it sent; a node
 * that wants the whole trace merges the parts.
 *
 * @example
 * ```ts
 * import { MemoryTransport } from "../comm/mod.ts";
 * import { WorkflowRun } from "./run.ts";
 * const plan = {
 *   workflow: "shout", origin: "a", output: "up",
 *   steps: [{ name: "up", function: "uppercase", args: [], after: [], node: "a" }],
 *   edges: [
 *     { from: "$input", to: "up", fromNode: "a", toNode: "a", mode: "memory" as const },
 *     { from: "up", to: "$output", fromNode: "a", toNode: "a", mode: "memory" as const },
 *   ],
 * };
 * const comm = new MemoryTransport();
 * const run = new WorkflowRun({
 *   plan, runId: "r1", nodeId: "a",
 *   execute: (_step, input) =>
 *     Promise.resolve(new TextEncoder().encode(new TextDecoder().decode(input).toUpperCase())),
 *   push: async (edge, payload, transfer) => {
 *     await comm.call(edge.toNode, { target: edge.to, headers: { from: edge.from }, payload }, { transfer });
 *   },
 * });
 * comm.register("a", (req) => {
 *   run.deliver(req.target, req.headers.from, req.payload);
 *   return Promise.resolve({ status: 200, headers: {}, payload: new Uint8Array() });
 * });
 * run.start(new TextEncoder().encode("hi"));
 * const { output } = await run.result();
 * console.log(new TextDecoder().decode(output)); // "HI"
 * ```
 */
export class WorkflowRun {
  readonly plan: WorkflowPlan;
  readonly runId: string;
  readonly nodeId: string;
  readonly #execute: ExecuteFn;
  readonly #executeGroup: ExecuteGroupFn | undefined;
  /** Groups of local steps run as one job, by their first step. */
  readonly #groups = new Map<string, StepGroup>();
  /** Steps of groups that are not their first: they take no delivery. */
  readonly #grouped = new Set<string>();
  readonly #push: PushFn;
  readonly #release: (bytes: Uint8Array) => void;
  /** Steps placed on this node, and `$output` on the origin. */
  readonly #inboxes = new Map<string, Inbox>();
  readonly #steps = new Map<string, PlannedStep>();
  /** Edges this node sends, by producer. */
  readonly #outgoing = new Map<string, PlannedEdge[]>();
  readonly #trace: TraceEntry[] = [];
  readonly #settled = Promise.withResolvers<TraceEntry[]>();
  readonly #output = Promise.withResolvers<Uint8Array>();
  /** Local steps not yet finished, plus (origin) input not sent, output not in. */
  #remaining: number;
  #started = false;
  #failure: Error | undefined;

  constructor(options: WorkflowRunOptions) {
    const { plan, nodeId } = options;
    this.plan = plan;
    this.runId = options.runId;
    this.nodeId = nodeId;
    this.#execute = options.execute;
    this.#executeGroup = options.executeGroup;
    this.#push = options.push;
    this.#release = options.release ?? (() => {});
    for (const step of plan.steps) {
      if (step.node !== nodeId) continue;
      this.#steps.set(step.name, step);
      const producers = step.after.length > 0 ? step.after : [WORKFLOW_INPUT];
      this.#inboxes.set(step.name, new Inbox(producers));
    }
    if (this.#isOrigin) {
      this.#inboxes.set(WORKFLOW_OUTPUT, new Inbox([plan.output]));
    }
    for (const edge of plan.edges) {
      if (edge.fromNode !== nodeId) continue;
      const list = this.#outgoing.get(edge.from) ?? [];
      list.push(edge);
      this.#outgoing.set(edge.from, list);
    }
    if (this.#executeGroup) this.#groupUp(options.short);
    // Failures are reported through settled() and result(); these handlers
    // only keep a run nobody awaits from crashing the process.
    this.#settled.promise.catch(() => {});
    this.#output.promise.catch(() => {});
    this.#remaining = this.#steps.size + (this.#isOrigin ? 2 : 0);
    if (this.#remaining === 0) this.#settled.resolve([]);
  }

  /**
   * Groups local steps (see `groupSteps`); a group's later steps' inputs
   * never arrive by delivery, so their inboxes go.
   */
  #groupUp(short?: (fn: string) => boolean): void {
    for (const group of groupsOf(this.plan, this.nodeId, short)) {
      this.#groups.set(group.steps[0].name, group);
      for (const step of group.steps.slice(1)) {
        this.#grouped.add(step.name);
        this.#inboxes.delete(step.name);
      }
    }
  }

  get #isOrigin(): boolean {
    return this.plan.origin === this.nodeId;
  }

  /**
   * Feeds the workflow's input to its first steps (origin only, once). The
   * run owns `input` from here on.
   */
  start(input: Uint8Array): void {
    if (!this.#isOrigin) {
      throw new TypeError(
        `run ${this.runId} starts on node '${this.plan.origin}', not '${this.nodeId}'`,
      );
    }
    if (this.#started) throw new TypeError(`run ${this.runId} already started`);
    this.#started = true;
    void this.#send(WORKFLOW_INPUT, input).then(() => this.#done());
  }

  /**
   * Hands this node `bytes` for step `to` (or `$output`) from producer
   * `from` (or `$input`); the run owns them from here on. Starts the step
   * when this was its last input. Throws a `WorkflowError` with code
   * `invalid_delivery` for an input the plan does not route here or that
   * came before; inputs for a run that already failed are dropped.
   */
  deliver(to: string, from: string, bytes: Uint8Array): void {
    if (this.#failure) return;
    const inbox = this.#inboxes.get(to);
    const problem = inbox
      ? inbox.put(from, bytes)
      : this.#grouped.has(to)
      ? `'${to}' runs in its producer's worker and takes no delivery`
      : `'${to}' is not on node '${this.nodeId}'`;
    if (problem) {
      throw invalidDelivery(this.plan.workflow, this.runId, to, from, problem);
    }
    if (!inbox!.complete) return;
    const input = inbox!.take(this.#release);
    if (to === WORKFLOW_OUTPUT) {
      // A response body cannot be shared memory (a unix receive buffer).
      this.#output.resolve(
        input.buffer instanceof SharedArrayBuffer ? input.slice() : input,
      );
      this.#done();
    } else {
      const group = this.#groups.get(to);
      // The step's input goes out of scope when #run returns, before the
      // output is sent on: a slow push does not hold both.
      void this.#run(this.#steps.get(to)!, input, group).then(
        async (output) => {
          if (!output) return;
          // A group's steps but its last are done: they send nothing.
          const steps = group?.steps ?? [];
          for (let k = 1; k < steps.length; k++) this.#done();
          await this.#send(steps.at(-1)?.name ?? to, output);
          this.#done();
        },
      );
    }
  }

  /**
   * Resolves with this node's part of the trace once every step placed here
   * has run and sent its output (on the origin: and the output is in);
   * rejects with the run's first failure. A part whose inputs never come
   * waits until `abort`.
   */
  settled(): Promise<TraceEntry[]> {
    return this.#settled.promise;
  }

  /** The workflow's output and the origin's trace (origin only). */
  async result(): Promise<WorkflowResult> {
    if (!this.#isOrigin) {
      throw new TypeError(
        `run ${this.runId} returns its output on node '${this.plan.origin}', not '${this.nodeId}'`,
      );
    }
    const trace = await this.#settled.promise;
    return { output: await this.#output.promise, trace };
  }

  /**
   * Fails the run from outside, e.g. when a peer reports that its part
   * failed: no further step starts here and results still running are
   * dropped.
   */
  abort(reason: Error): void {
    this.#fail(reason);
  }

  /**
   * Runs a step, or the group it heads (see `#groupUp`) as one job; the
   * output of the last step run, or nothing when the run failed. A group's
   * trace has each step and the memory edges between them: the steps end
   * one after the other at the job's end, each after its own run time (the
   * job's wait counts in the first), and an edge took no time of its own,
   * its consumer reading the output where it was written.
   */
  async #run(
    step: PlannedStep,
    input: Uint8Array,
    group?: StepGroup,
  ): Promise<Uint8Array | undefined> {
    // Read before execute: it may transfer (and so empty) the buffer.
    const inputBytes = input.byteLength;
    const start = epochMs();
    let ran: GroupOutput | undefined;
    let output: Uint8Array;
    try {
      if (group) {
        ran = await this.#executeGroup!(group, input);
        output = ran.output;
      } else {
        output = await this.#execute(step, input);
      }
    } catch (error) {
      const failed = group ? group.steps[failedStage(group, error)] : step;
      this.#fail(stepFailed(this.plan.workflow, this.runId, failed, error));
      return undefined;
    }
    if (this.#failure) return undefined;
    // Not transferred to a worker (it holds bytes still): nobody needs it.
    if (input.byteLength > 0) this.#release(input);
    const end = epochMs();
    if (!ran) {
      this.#traceStep(step, start, end, inputBytes, output.byteLength);
      return output;
    }
    this.#traceGroup(group!, ran.stages, start, end, inputBytes);
    return output;
  }

  /** The trace of `group`'s steps, run from `start` to `end`, and its edges. */
  #traceGroup(
    { steps, from }: StepGroup,
    stages: GroupOutput["stages"],
    start: number,
    end: number,
    inputBytes: number,
  ): void {
    const ends: number[] = new Array(steps.length);
    let at = end;
    for (let k = steps.length - 1; k >= 0; k--) {
      ends[k] = at;
      at = Math.max(start, at - stages[k].durationMs);
    }
    for (let k = 0; k < steps.length; k++) {
      let input = k === 0 ? inputBytes : 0;
      for (const i of from[k]) {
        const bytes = stages[i].outputBytes;
        input += bytes;
        this.#trace.push({
          kind: "edge",
          from: steps[i].name,
          to: steps[k].name,
          fromNode: this.nodeId,
          toNode: this.nodeId,
          mode: "memory",
          bytes,
          start: ends[i],
          transferMs: 0,
          sameIsolate: true,
        });
      }
      const begun = k === 0 ? start : ends[k - 1];
      this.#traceStep(steps[k], begun, ends[k], input, stages[k].outputBytes);
    }
  }

  #traceStep(
    step: PlannedStep,
    start: number,
    end: number,
    inputBytes: number,
    outputBytes: number,
  ): void {
    this.#trace.push({
      kind: "step",
      step: step.name,
      function: step.function,
      node: this.nodeId,
      start,
      end,
      durationMs: end - start,
      inputBytes,
      outputBytes,
    });
  }

  /**
   * Sends a producer's output to all its consumers through comm, memory
   * edges included. comm's {@linkcode handOver} decides who may take
   * `bytes` itself: with one memory consumer it is handed over, no copy;
   * with several, each but the last gets a copy made by the memory
   * transport. Once this returns, the output is referenced by consumers
   * alone.
   */
  async #send(from: string, bytes: Uint8Array): Promise<void> {
    const edges = this.#outgoing.get(from) ?? [];
    const owns = handOver(edges.map((e) => e.mode));
    const trace = this.#isLastPush(from, edges) ? this.#sorted() : undefined;
    // Read before the pushes: a consumer that takes the bytes may empty them.
    const size = bytes.byteLength;
    let sent = 0;
    await Promise.all(edges.map(async (edge, i) => {
      const start = epochMs();
      try {
        await this.#push(edge, bytes, owns[i], trace);
      } catch (error) {
        this.#fail(pushFailed(this.plan.workflow, this.runId, edge, error));
        return;
      }
      sent++;
      this.#trace.push(edgeTrace(edge, size, start));
    }));
    // Every send only read a local step's output, and finished reading it
    // (a failed one may still be writing it): the run owns it alone.
    if (
      from !== WORKFLOW_INPUT && sent === edges.length && !owns.includes(true)
    ) {
      this.#release(bytes);
    }
  }

  /**
   * Whether sending `from`'s output along `edges` is all this participant
   * has left to do, in one push to the origin: every other local step has
   * run and sent its output.
   */
  #isLastPush(from: string, edges: PlannedEdge[]): boolean {
    return !this.#isOrigin && from !== WORKFLOW_INPUT &&
      this.#remaining === 1 && edges.length === 1 &&
      edges[0].toNode === this.plan.origin;
  }

  #sorted(): TraceEntry[] {
    return this.#trace.toSorted((a, b) => a.start - b.start);
  }

  #done(): void {
    if (this.#failure || --this.#remaining > 0) return;
    this.#settled.resolve(this.#sorted());
  }

  #fail(error: Error): void {
    if (this.#failure || this.#remaining === 0) return;
    this.#failure = error;
    for (const inbox of this.#inboxes.values()) inbox.clear();
    this.#settled.reject(error);
    this.#output.reject(error);
  }
}
