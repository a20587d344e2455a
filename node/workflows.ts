/**
 * Workflows on a node: deployed specs (kept durably), and runs. A run is
 * planned on the node it is invoked on (the origin), which starts every
 * participating node's part with one comm call that also stays open until
 * that part settles: its answer is the part's trace, or its error, and a
 * participant that dies drops the call, so the origin learns of it at once.
 * Steps then run as data flows: each producer pushes its output straight to
 * its consumers' nodes; nothing passes through the origin but the input and
 * the output.
 *
 * @module
 */
import { statusOf } from "../api/status.ts";
import { join } from "node:path";
import type {
  CallOptions,
  CommRequest,
  CommResponse,
  Mode,
} from "../comm/mod.ts";
import { errorResponse, PeerError } from "../comm/mod.ts";
import { writeFileAtomic } from "../runtime/durable.ts";
import { EddyError, NotFoundError, RequestError } from "../runtime/errors.ts";
import {
  checkWorkflow,
  type Cluster,
  type ClusterNode,
  edgeTrace,
  epochMs,
  parseWorkflow,
  parseWorkflowNow,
  planWorkflow,
  type TraceEntry,
  type WorkflowPlan,
  WorkflowRun,
  type WorkflowSpec,
} from "../workflow/mod.ts";
import { NodeUnavailableError } from "./unavailable.ts";
import type { Invoke, InvokeGroup } from "./invocation.ts";
import type { NodeInfo, PeerTable } from "./peers.ts";

/** What {@linkcode Workflows} needs of its node. */
export interface WorkflowParts {
  /** Where the deployed workflows persist. */
  dataDir: string;
  nodeId: string;
  /** Runs a step's function here. */
  invoke: Invoke;
  /** Runs a group of steps here, in one worker. */
  invokeGroup: InvokeGroup;
  /** Whether runs of function `fn` are brief (see `WorkflowRunOptions.short`). */
  short(fn: string): boolean;
  /**
   * Sends to node `nodeId` (this one included) with `mode`, or the mode its
   * locality allows; `options.transfer` hands the payload over.
   */
  send(
    nodeId: string,
    mode: Mode | undefined,
    request: CommRequest,
    options?: CallOptions,
  ): Promise<CommResponse>;
  /**
   * This node as workflows are placed on it; asked once a run, so cheap,
   * its `functions` the same array while its deployments are.
   */
  self(): ClusterNode;
  /** The peers it knows, told when workflows change. */
  peers: PeerTable;
  /** Takes back bytes a run is done with (see `WorkflowRunOptions.release`). */
  release?: (bytes: Uint8Array) => void;
}

const STATE_FILE = "workflows.json";

/** A deployed workflow. */
export interface DeployedWorkflow {
  name: string;
  /** The YAML or JSON it was deployed from. */
  source: string;
  spec: WorkflowSpec;
  deployedAt: string;
}

/** What an invocation of a workflow returns. */
export interface WorkflowOutcome {
  runId: string;
  output: Uint8Array;
  /** Every node's steps and edges, by start time. */
  trace: TraceEntry[];
}

/** Runs kept per workflow for the console. */
const RECENT_RUNS = 10;

/** Plans a participant keeps parsed (see `#receivedPlan`). */
const RECEIVED_PLANS = 64;

/** A finished run as the console shows it. */
export interface RecentRun {
  runId: string;
  /** ISO 8601 time it started. */
  at: string;
  durationMs: number;
  /** The merged trace; empty for a failed run. */
  trace: TraceEntry[];
  /** Why it failed, when it did. */
  error?: { code: string; message: string };
}

/** A recent run as kept: when it started, as an epoch time. */
type KeptRun = Omit<RecentRun, "at"> & { started: number };

/** Comm targets of workflow messages between nodes. */
const RUN = "workflow:run";
const DELIVER = "workflow:deliver";
const ABORT = "workflow:abort";
/**
 * Headers of a participant's last delivery to the origin: its trace so far
 * (JSON) and when the delivery was sent (epoch ms).
 */
const PART_TRACE = "part-trace";
const SENT = "sent";
/**
 * The largest trace sent in a header (unix meta blocks and HTTP/2 header
 * lists are bounded); a larger one comes with the part's answer instead.
 */
const MAX_PART_TRACE = 4 * 1024;

/**
 * A node's workflows.
 *
 * @example
 * ```ts ignore
 * await node.workflows.deploy("thumbs", yamlText);
 * const { output, trace } = await node.workflows.invoke("thumbs", input);
 * ```
 */
export class Workflows {
  readonly #node: WorkflowParts;
  readonly #deployed = new Map<string, DeployedWorkflow>();
  /**
   * Runs open on this node, by id, each in a box emptied when it ends (see
   * `#close`).
   */
  readonly #runs = new Map<string, { run?: WorkflowRun }>();
  /** Recent runs as kept: their start an epoch time, formatted when read. */
  readonly #recent = new Map<string, KeptRun[]>();
  /**
   * Origin runs in flight: per participant, what to call when its trace
   * comes with its last delivery.
   */
  readonly #partTraces = new Map<
    string,
    Map<string, (trace: TraceEntry[]) => void>
  >();
  /** Deliveries that arrived before their run's start (a race between nodes). */
  readonly #early = new Map<string, [string, string, Uint8Array][]>();
  #changes: Promise<unknown> = Promise.resolve();
  readonly #parsedSpecs = new Map<string, WorkflowSpec | undefined>();
  /**
   * Plans made on the cluster as it was last seen (what `#seen` gives), by
   * spec; made again once it changes. Planning read every function of
   * every node at each run.
   */
  #plans: {
    seen: readonly unknown[];
    bySpec: WeakMap<WorkflowSpec, WorkflowPlan>;
  } = { seen: [], bySpec: new WeakMap() };
  /** Plans as this origin sends them to participants, encoded once. */
  readonly #sentPlans = new WeakMap<WorkflowPlan, Uint8Array>();
  /**
   * Plans participants were sent, by their text, newest last: a plan
   * parsed once serves its next runs (the grouping of its steps too).
   */
  readonly #receivedPlans = new Map<string, WorkflowPlan>();

  private constructor(node: WorkflowParts) {
    this.#node = node;
  }

  /** Loads the deployed workflows of `node`'s data directory. */
  static async open(node: WorkflowParts): Promise<Workflows> {
    const workflows = new Workflows(node);
    let text: string | undefined;
    try {
      text = await Deno.readTextFile(workflows.#path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    for (const saved of text ? JSON.parse(text).workflows : []) {
      workflows.#deployed.set(saved.name, {
        ...saved,
        spec: await parseWorkflow(saved.source),
      });
    }
    return workflows;
  }

  get #path(): string {
    return join(this.#node.dataDir, STATE_FILE);
  }

  /**
   * Every workflow deployed in the cluster: this node's and those its peers
   * say they have (the newest deployment of a name wins), so any node lists
   * and runs them.
   */
  list(): DeployedWorkflow[] {
    const all = new Map(this.#deployed);
    for (const peer of this.#node.peers.list()) {
      for (const w of peer.info?.workflows ?? []) {
        const newest = this.#newest(all.get(w.name), w);
        if (newest) all.set(w.name, newest);
      }
    }
    return [...all.values()].sort((a, b) => a.name < b.name ? -1 : 1);
  }

  /** A workflow deployed in the cluster, or `undefined` (as `list` says). */
  get(name: string): DeployedWorkflow | undefined {
    let found = this.#deployed.get(name);
    for (const peer of this.#node.peers.list()) {
      for (const w of peer.info?.workflows ?? []) {
        if (w.name === name) found = this.#newest(found, w);
      }
    }
    return found;
  }

  /**
   * The newer of `known` and `w`, a peer's deployment of the same name
   * (`known` when `w` cannot be read by this version).
   */
  #newest(
    known: DeployedWorkflow | undefined,
    w: NonNullable<NodeInfo["workflows"]>[number],
  ): DeployedWorkflow | undefined {
    if (known && known.deployedAt >= w.deployedAt) return known;
    const spec = this.#parsed(w.source);
    return spec ? { ...w, spec } : known;
  }

  /** The workflows deployed on this node itself, as peers learn them. */
  owned(): { name: string; source: string; deployedAt: string }[] {
    return [...this.#deployed.values()].map(({ name, source, deployedAt }) => ({
      name,
      source,
      deployedAt,
    }));
  }

  /** A peer's spec, parsed once; one this version cannot read is skipped. */
  #parsed(source: string): WorkflowSpec | undefined {
    if (!this.#parsedSpecs.has(source)) {
      let spec: WorkflowSpec | undefined;
      try {
        spec = parseWorkflowNow(source);
        // Not yet readable in this process: read at the next look.
        if (!spec) return undefined;
      } catch {
        spec = undefined;
      }
      if (this.#parsedSpecs.size > 1000) this.#parsedSpecs.clear();
      this.#parsedSpecs.set(source, spec);
    }
    return this.#parsedSpecs.get(source);
  }

  /**
   * Throws what `check` threw against the live cluster, unless the nodes
   * that are down would have satisfied it: then the spec is fine and the
   * answer is 503 naming them.
   */
  #checkLive<T>(spec: WorkflowSpec, check: (cluster: Cluster) => T): T {
    try {
      return check(this.#cluster());
    } catch (error) {
      try {
        check(this.#cluster(true));
      } catch {
        throw error;
      }
      const functions = new Set(spec.steps.map((s) => s.function));
      const down = this.#node.peers.list().filter((p) =>
        !p.up && p.info?.functions.some((f) => functions.has(f))
      ).map((p) => ({ id: p.info!.id, lastError: p.lastError }));
      throw new NodeUnavailableError(`workflow '${spec.name}'`, down);
    }
  }

  /**
   * Validates `source` (syntax, graph, and against the functions and nodes
   * the cluster has now) and deploys it under its own name.
   */
  async deploy(source: string): Promise<DeployedWorkflow> {
    const spec = await parseWorkflow(source);
    this.#checkLive(spec, (cluster) => checkWorkflow(spec, cluster));
    const deployed = {
      name: spec.name,
      source,
      spec,
      deployedAt: new Date().toISOString(),
    };
    return await this.#change(
      () => this.#deployed.set(spec.name, deployed),
      deployed,
    );
  }

  /** Removes a deployed workflow. */
  remove(name: string): Promise<DeployedWorkflow> {
    const deployed = this.#deployed.get(name);
    if (!deployed) {
      const owner = this.#node.peers.list().find((p) =>
        p.info?.workflows?.some((w) => w.name === name)
      );
      return Promise.reject(
        owner
          ? new RequestError(
            "workflow_elsewhere",
            `workflow '${name}' is deployed on node '${
              owner.info!.id
            }' (${owner.url}); remove it there`,
            { node: owner.info!.id },
          )
          : new NotFoundError("workflow", name),
      );
    }
    this.#recent.delete(name);
    return this.#change(() => this.#deployed.delete(name), deployed);
  }

  /**
   * How workflow `name` would be placed on the cluster as it is now (what
   * a run started now would do). Throws when it cannot be placed.
   */
  plan(name: string): WorkflowPlan {
    const deployed = this.get(name);
    if (!deployed) throw new NotFoundError("workflow", name);
    return this.#plan(deployed.spec);
  }

  /**
   * How `spec` is placed on the cluster as it is now: made once per spec
   * while the cluster stays as it was (frozen: runs share it).
   */
  #plan(spec: WorkflowSpec): WorkflowPlan {
    const seen = this.#seen();
    if (!sameItems(seen, this.#plans.seen)) {
      this.#plans = { seen, bySpec: new WeakMap() };
    }
    let plan = this.#plans.bySpec.get(spec);
    if (!plan) {
      plan = frozen(
        this.#checkLive(spec, (cluster) => planWorkflow(spec, cluster)),
      );
      this.#plans.bySpec.set(spec, plan);
    }
    return plan;
  }

  /**
   * What a plan depends on: this node's functions, and each peer's info
   * (a new object whenever it is polled) and whether it is up.
   */
  #seen(): unknown[] {
    const seen: unknown[] = [this.#node.self().functions];
    for (const peer of this.#node.peers.list()) seen.push(peer.info, peer.up);
    return seen;
  }

  /** The last runs of workflow `name` started on this node, newest first. */
  recent(name: string): RecentRun[] {
    return (this.#recent.get(name) ?? []).map(({ started, ...run }) => ({
      ...run,
      at: new Date(started).toISOString(),
    })).reverse();
  }

  /**
   * Runs workflow `name` with `input`, planned on the cluster as it is now,
   * and resolves with its output and the merged trace. The run owns
   * `input` from here on: it may hand it to a step's worker or recycle it.
   */
  async invoke(name: string, input: Uint8Array): Promise<WorkflowOutcome> {
    const deployed = this.get(name);
    if (!deployed) throw new NotFoundError("workflow", name);
    const started = Date.now();
    try {
      const outcome = await this.#invoke(deployed, input);
      this.#keep(name, {
        runId: outcome.runId,
        started,
        durationMs: Date.now() - started,
        trace: outcome.trace,
      });
      return outcome;
    } catch (error) {
      const e = error as EddyError;
      this.#keep(name, {
        runId: String(e.details?.runId ?? ""),
        started,
        durationMs: Date.now() - started,
        trace: [],
        error: { code: e.code ?? "internal", message: String(e.message) },
      });
      throw error;
    }
  }

  /** Keeps `run` among workflow `name`'s last {@linkcode RECENT_RUNS}. */
  #keep(name: string, run: KeptRun): void {
    let runs = this.#recent.get(name);
    if (!runs) this.#recent.set(name, runs = []);
    if (runs.length === RECENT_RUNS) runs.shift();
    runs.push(run);
  }

  async #invoke(
    deployed: DeployedWorkflow,
    input: Uint8Array,
  ): Promise<WorkflowOutcome> {
    const plan = this.#plan(deployed.spec);
    const runId = crypto.randomUUID();
    const run = this.#open(plan, runId);
    const others = [...new Set(plan.steps.map((s) => s.node))]
      .filter((id) => id !== this.#node.nodeId);
    const waiting = new Map<string, (trace: TraceEntry[]) => void>();
    this.#partTraces.set(runId, waiting);
    const parts = others.map((id) => {
      const reported = this.#startRemote(id, plan, runId);
      // A part's trace may come with its last delivery, before the part
      // answers the start message: whichever comes first is its trace.
      const delivered = new Promise<TraceEntry[]>((resolve) =>
        waiting.set(id, resolve)
      );
      reported.catch(() => {});
      return Promise.race([reported, delivered]);
    });
    // A failed part fails the run at once, whichever comes first.
    const failed = Promise.all(parts).then(() => new Promise<never>(() => {}));
    failed.catch(() => {});
    run.start(input);
    try {
      const { output, trace } = await Promise.race([run.result(), failed]);
      const remote = await Promise.race([Promise.all(parts), failed]);
      const merged = [...trace, ...remote.flat()].sort((a, b) =>
        a.start - b.start
      );
      return { runId, output, trace: merged };
    } catch (error) {
      run.abort(error as Error);
      for (const id of others) this.#abortRemote(id, runId);
      throw error;
    } finally {
      this.#close(runId);
    }
  }

  /**
   * Forgets run `runId`, and empties what held it: a map's entry, once
   * deleted, can still be reached by V8's scavenges from the map's dead
   * old tables until a mark-compact, and with it everything the run held
   * (its inputs, outputs and promises) would be kept and promoted.
   */
  #close(runId: string): void {
    const box = this.#runs.get(runId);
    if (box) box.run = undefined;
    this.#runs.delete(runId);
    this.#partTraces.get(runId)?.clear();
    this.#partTraces.delete(runId);
  }

  /** Handles a workflow message from another node (see {@linkcode RUN} etc.). */
  async handle(request: CommRequest): Promise<CommResponse> {
    const runId = request.headers.run;
    switch (request.target) {
      case RUN: {
        const run = this.#open(this.#receivedPlan(request.payload), runId);
        try {
          const trace = await run.settled();
          return ok(new TextEncoder().encode(JSON.stringify(trace)));
        } catch (error) {
          return errorResponse(error, statusOf(error));
        } finally {
          this.#close(runId);
        }
      }
      case DELIVER: {
        const { to, from } = request.headers;
        const run = this.#runs.get(runId)?.run;
        if (run) run.deliver(to, from, request.payload);
        else this.#earlyDelivery(runId, [to, from, request.payload]);
        if (run && request.headers[PART_TRACE]) {
          this.#partTrace(run, request);
        }
        return ok(new Uint8Array());
      }
      case ABORT:
        this.#runs.get(runId)?.run?.abort(
          new RequestError("aborted", "the run was aborted"),
        );
        return ok(new Uint8Array());
    }
    throw new NotFoundError("comm target", request.target);
  }

  /** Whether `target` is a workflow message. */
  static handles(target: string): boolean {
    return target.startsWith("workflow:");
  }

  #open(plan: WorkflowPlan, runId: string): WorkflowRun {
    const run = new WorkflowRun({
      plan,
      runId,
      nodeId: this.#node.nodeId,
      execute: async (step, input) =>
        (await this.#node.invoke(step.function, input, { args: step.args }))
          .stdout,
      executeGroup: async ({ steps, from }, input) => {
        const { earlier, last } = await this.#node.invokeGroup(
          steps.map((step, k) => ({
            name: step.function,
            args: step.args,
            from: from[k],
          })),
          input,
        );
        return {
          output: last.stdout,
          stages: [...earlier, {
            durationMs: last.durationMs,
            outputBytes: last.stdout.byteLength,
          }],
        };
      },
      short: this.#node.short,
      release: this.#node.release,
      push: async (edge, bytes, transfer, trace) => {
        const headers: Record<string, string> = {
          run: runId,
          to: edge.to,
          from: edge.from,
        };
        const text = trace && JSON.stringify(trace);
        if (text && text.length <= MAX_PART_TRACE) {
          headers[PART_TRACE] = text;
          headers[SENT] = String(epochMs());
        }
        const response = await this.#send(edge.toNode, edge.mode, {
          target: DELIVER,
          headers,
          payload: bytes,
          // A delivery is answered as soon as it is stored: in memory no
          // timer needs to watch it.
        }, {
          transfer,
          ...(edge.mode === "memory" ? { timeoutMs: Infinity } : {}),
        });
        if (response.status !== 200) throw failure(response, edge.toNode);
      },
    });
    this.#runs.set(runId, { run });
    for (const [to, from, bytes] of this.#early.get(runId) ?? []) {
      run.deliver(to, from, bytes);
    }
    this.#early.delete(runId);
    return run;
  }

  async #startRemote(
    nodeId: string,
    plan: WorkflowPlan,
    runId: string,
  ): Promise<TraceEntry[]> {
    let response: CommResponse;
    try {
      response = await this.#send(nodeId, undefined, {
        target: RUN,
        headers: { run: runId },
        payload: this.#sentPlan(plan),
      });
    } catch (error) {
      const steps = plan.steps.filter((s) => s.node === nodeId).map((s) =>
        s.name
      );
      throw new EddyError(
        (error as EddyError).code ?? "peer_unreachable",
        `workflow '${plan.workflow}' (run ${runId}): node '${nodeId}', running ${
          steps.map((s) => `'${s}'`).join(", ")
        }, was lost: ${(error as Error).message}`,
        { workflow: plan.workflow, runId, node: nodeId, steps },
      );
    }
    if (response.status !== 200) throw failure(response, nodeId);
    return JSON.parse(new TextDecoder().decode(response.payload));
  }

  /** `plan` as sent to participants (its JSON), encoded once per plan. */
  #sentPlan(plan: WorkflowPlan): Uint8Array {
    let bytes = this.#sentPlans.get(plan);
    if (!bytes) {
      bytes = new TextEncoder().encode(JSON.stringify(plan));
      this.#sentPlans.set(plan, bytes);
    }
    return bytes;
  }

  /** The plan an origin sent as `payload`, parsed once per text. */
  #receivedPlan(payload: Uint8Array): WorkflowPlan {
    const text = new TextDecoder().decode(payload);
    let plan = this.#receivedPlans.get(text);
    if (plan) {
      this.#receivedPlans.delete(text);
    } else {
      plan = frozen(JSON.parse(text) as WorkflowPlan);
      if (this.#receivedPlans.size === RECEIVED_PLANS) {
        this.#receivedPlans.delete(this.#receivedPlans.keys().next().value!);
      }
    }
    this.#receivedPlans.set(text, plan);
    return plan;
  }

  #abortRemote(nodeId: string, runId: string): void {
    this.#send(nodeId, undefined, {
      target: ABORT,
      headers: { run: runId },
      payload: new Uint8Array(),
    }).catch(() => {
      // A participant that cannot be told will time out on its own.
    });
  }

  /** Sends to node `nodeId` with `mode`, or the mode its locality allows. */
  #send(
    nodeId: string,
    mode: Mode | undefined,
    request: CommRequest,
    options?: CallOptions,
  ): Promise<CommResponse> {
    return this.#node.send(nodeId, mode, request, options);
  }

  /**
   * Takes the trace a participant sent with its last delivery, completed
   * with that delivery's edge, as the part's trace. A malformed one is
   * ignored: the part's answer to the start message still brings it.
   */
  #partTrace(run: WorkflowRun, request: CommRequest): void {
    const { to, from } = request.headers;
    const edge = run.plan.edges.find((e) =>
      e.from === from && e.to === to && e.toNode === this.#node.nodeId
    );
    const resolve = edge && this.#partTraces.get(run.runId)?.get(edge.fromNode);
    if (!resolve) return;
    let trace: TraceEntry[];
    try {
      trace = JSON.parse(request.headers[PART_TRACE]);
    } catch {
      return;
    }
    const sent = Number(request.headers[SENT]);
    if (!Array.isArray(trace) || !Number.isFinite(sent)) return;
    resolve([
      ...trace,
      edgeTrace(edge, request.payload.byteLength, sent),
    ]);
  }

  #earlyDelivery(runId: string, delivery: [string, string, Uint8Array]): void {
    const waiting = this.#early.get(runId);
    if (waiting) {
      waiting.push(delivery);
      return;
    }
    this.#early.set(runId, [delivery]);
    // A run that never starts here must not pin its bytes.
    setTimeout(() => this.#early.delete(runId), 60_000);
  }

  /** The nodes that are up, or with `withDown` every node ever seen. */
  #cluster(withDown = false): Cluster {
    const self = this.#node.self();
    return {
      localNodeId: self.id,
      nodes: [
        self,
        ...this.#node.peers.list().flatMap((p) =>
          (p.up || withDown) && p.info
            ? [{
              id: p.info.id,
              hostId: p.info.locality.hostId,
              labels: (p.info as { labels?: Record<string, string> }).labels ??
                {},
              functions: p.info.functions,
            }]
            : []
        ),
      ],
    };
  }

  #change<T>(apply: () => unknown, value: T): Promise<T> {
    const next = this.#changes.then(async () => {
      apply();
      const workflows = this.list().map(({ name, source, deployedAt }) => ({
        name,
        source,
        deployedAt,
      }));
      await writeFileAtomic(
        this.#path,
        JSON.stringify({ version: 1, workflows }, null, 2),
      );
      this.#node.peers.announce();
      return value;
    });
    this.#changes = next.catch(() => {});
    return next;
  }
}

/** Whether `a` and `b` hold the same items in the same order. */
function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `plan`, its steps and edges frozen. */
function frozen(plan: WorkflowPlan): WorkflowPlan {
  for (const step of plan.steps) {
    Object.freeze(step.args);
    Object.freeze(step.after);
    Object.freeze(step);
  }
  for (const edge of plan.edges) Object.freeze(edge);
  Object.freeze(plan.steps);
  Object.freeze(plan.edges);
  return Object.freeze(plan);
}

function ok(payload: Uint8Array): CommResponse {
  return { status: 200, headers: {}, payload };
}

/** The error a participant answered with, or a protocol error naming it. */
function failure(response: CommResponse, nodeId: string): Error {
  try {
    const { error } = JSON.parse(new TextDecoder().decode(response.payload));
    return new EddyError(error.code, error.message, {
      ...error,
      node: nodeId,
    });
  } catch {
    return new PeerError(
      "peer_protocol",
      nodeId,
      `answered ${response.status}`,
    );
  }
}
