/**
 * A node's function state: the store its guests and `/v1/kv` use (the
 * embedded one in the data dir unless configured otherwise), what runs of
 * each function get, and the state metrics. The main isolate opens the
 * store on first use, so a node without state never touches it.
 *
 * @module
 */
import { openStore } from "../state/mod.ts";
import type { StateStore, StoreConfig } from "../state/store.ts";
import { serveRelay } from "../nats/relay.ts";
import type { JobState } from "../runtime/executor/guest_state.ts";
import type { FunctionSpec } from "../runtime/manifest/mod.ts";
import type { GaugeSource } from "./metrics.ts";

/**
 * The node's store and its figures.
 *
 * @example
 * ```ts
 * import { NodeState } from "./state.ts";
 * const dir = await Deno.makeTempDir();
 * const state = NodeState.of(dir);
 * await (await (await state.store()).bucket("carts")).put("alice", new Uint8Array([1]));
 * await state.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class NodeState {
  readonly config: StoreConfig;
  #store: Promise<StateStore> | undefined;
  readonly #retrying = new Map<string, ReturnType<typeof setTimeout>>();
  #closed = false;
  #lagTimer: ReturnType<typeof setInterval> | undefined;
  /** Runs the executor workers' writes (a replicated store only). */
  readonly #relay: Disposable | undefined;
  /** Reads and writes of state, by guests and through the API. */
  reads = 0;
  writes = 0;
  /**
   * How far this node's replica is behind the writes it knows of, in
   * seconds (0 for the embedded store; a replicating backend sets it).
   */
  replicaLagSeconds = 0;

  private constructor(config: StoreConfig) {
    this.config = config;
    // Listening before any worker exists, so that no request goes unheard.
    if (config.kind === "nats") {
      this.#relay = serveRelay(config.replicaPath, () => this.store());
    }
  }

  /** The state of a node: `config`, or the embedded store in `<dataDir>/state`. */
  static of(dataDir: string, config?: StoreConfig): NodeState {
    return new NodeState(
      config ?? { kind: "embedded", dir: `${dataDir}/state` },
    );
  }

  /** The store, opened on first use. */
  store(): Promise<StateStore> {
    if (!this.#store) {
      const opening = this.#store = this.#open();
      opening.then((store) => this.#sampleLag(store), () => {});
      opening.catch(() => {
        if (this.#store === opening) this.#store = undefined;
      });
    }
    return this.#store;
  }

  /**
   * The main isolate's store. On NATS, this isolate holds the node's one
   * connection and feeds the replica; its workers read the replica and
   * relay their writes here (nats/relay.ts). The NATS client loads only
   * where configured, by a plain specifier so that the bundle and `deno
   * compile` carry it.
   */
  async #open(): Promise<StateStore> {
    if (this.config.kind !== "nats") return openStore(this.config);
    const { NatsStateStore } = await import("../nats/store.ts");
    return NatsStateStore.connect(this.config);
  }

  /**
   * What a run of `fn` carries about its state; undefined without `state:`.
   * A replicated store's workers read the replica this isolate follows.
   */
  jobState(fn: Pick<FunctionSpec, "state">): JobState | undefined {
    if (!fn.state?.length) return undefined;
    if (this.config.kind === "embedded") {
      return { store: this.config, mounts: fn.state };
    }
    // The main isolate's connection stays here (workers relay to it).
    const { connection: _, ...store } = this.config;
    return { store, mounts: fn.state };
  }

  /**
   * Opens the buckets `functions` use, so that a replicated store follows
   * them before any guest reads them (the embedded store needs nothing). A
   * bucket that cannot open yet (its home has not created it, NATS is down)
   * is tried again every second until it opens or the node closes.
   */
  async follow(functions: Pick<FunctionSpec, "state">[]): Promise<void> {
    if (this.config.kind === "embedded") return;
    const names = new Set(
      functions.flatMap((f) => f.state ?? []).map((m) => m.bucket),
    );
    for (const name of names) await this.#followBucket(name);
  }

  /** Samples a replicating store's lag for the gauge, every second. */
  #sampleLag(store: StateStore): void {
    const lagging = store as Partial<{ lagSeconds(): Promise<number> }>;
    if (typeof lagging.lagSeconds !== "function" || this.#closed) return;
    const timer = this.#lagTimer = setInterval(async () => {
      this.replicaLagSeconds = await lagging.lagSeconds!().catch(() =>
        this.replicaLagSeconds
      );
    }, 1000);
    Deno.unrefTimer(timer);
  }

  async #followBucket(name: string): Promise<void> {
    if (this.#closed || this.#retrying.has(name)) return;
    try {
      await (await this.store()).bucket(name);
    } catch {
      const timer = setTimeout(() => {
        this.#retrying.delete(name);
        this.#followBucket(name);
      }, 1000);
      this.#retrying.set(name, timer);
    }
  }

  /** Counts what a run did. */
  record(counts: { reads: number; writes: number } | undefined): void {
    if (!counts) return;
    this.reads += counts.reads;
    this.writes += counts.writes;
  }

  /** The state figures for `/metrics`. */
  readonly gauges: GaugeSource = () => ({
    eddy_state_reads_total: {
      help: "State reads (guest files, kv_get, GET /v1/kv) since start.",
      value: this.reads,
      type: "counter",
    },
    eddy_state_writes_total: {
      help: "State writes (puts, deletes, compare-and-swaps) since start.",
      value: this.writes,
      type: "counter",
    },
    eddy_state_replica_lag_seconds: {
      help: "How far this node's state replica is behind (0: embedded store).",
      value: this.replicaLagSeconds,
    },
  });

  /** Closes the store. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#relay?.[Symbol.dispose]();
    clearInterval(this.#lagTimer);
    for (const timer of this.#retrying.values()) clearTimeout(timer);
    const store = await this.#store?.catch(() => undefined);
    await store?.[Symbol.asyncDispose]();
  }
}
