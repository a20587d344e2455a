/**
 * One NATS connection per node process: the executor workers of a node on
 * NATS do not connect. They read its replica file in place (a synchronous
 * SQLite read in the worker's own isolate, a few µs, never a message to
 * another isolate: guests read inside synchronous WASI calls) and hand
 * their writes to the main isolate over a `BroadcastChannel` named after
 * the replica; the main isolate writes them through its store (JetStream,
 * then the replica) and answers. A worker's write is in the replica before
 * its answer arrives, so the worker reads its own write at once; a
 * compare-and-swap is decided by JetStream on the revision, as before.
 *
 * This module imports no NATS client: workers load it, and the NATS
 * client (about 20 MB and 200 ms an isolate) stays in the main isolate.
 *
 * @module
 */
import { StateError } from "../state/errors.ts";
import type { StateBucket, StateStore } from "../state/store.ts";
import { StateUnavailableError } from "./errors.ts";
import { Replica, ReplicaReads } from "./_replica.ts";

/** How long a worker waits for the main isolate to answer a write. */
const ANSWER_MS = 30_000;

type Op = "open" | "put" | "delete" | "cas";

interface Request {
  kind: "request";
  id: string;
  op: Op;
  bucket: string;
  key?: string;
  value?: Uint8Array | null;
  expected?: string | null;
}

interface Answer {
  kind: "answer";
  id: string;
  result?: string;
  error?: { code?: string; message: string };
}

/** The channel of the node whose replica is `replicaPath`. */
function channelName(replicaPath: string): string {
  return `eddy-state:${replicaPath}`;
}

/**
 * Answers the workers of a node: runs their writes on `store` (the main
 * isolate's, opened on first use). Close it with the node.
 *
 * @example
 * ```ts ignore
 * using relay = serveRelay(config.replicaPath, () => nodeState.store());
 * ```
 */
export function serveRelay(
  replicaPath: string,
  store: () => Promise<StateStore>,
): Disposable {
  const channel = new BroadcastChannel(channelName(replicaPath));
  channel.onmessage = async (event: MessageEvent<Request | Answer>) => {
    const request = event.data;
    if (request.kind !== "request") return;
    let answer: Answer;
    try {
      const bucket = await (await store()).bucket(request.bucket);
      answer = {
        kind: "answer",
        id: request.id,
        result: await run(bucket, request),
      };
    } catch (error) {
      const e = error as { code?: string; message: string };
      answer = {
        kind: "answer",
        id: request.id,
        error: { code: e.code, message: e.message },
      };
    }
    channel.postMessage(answer);
  };
  return { [Symbol.dispose]: () => channel.close() };
}

async function run(
  bucket: StateBucket,
  r: Request,
): Promise<string | undefined> {
  switch (r.op) {
    case "open":
      return undefined;
    case "put":
      return await bucket.put(r.key!, r.value!);
    case "delete":
      await bucket.delete(r.key!);
      return "";
    case "cas":
      return await bucket.cas(r.key!, r.value ?? null, r.expected ?? null);
  }
}

/**
 * A worker's view of its node's replicated store: reads from the replica
 * file, writes through the main isolate.
 *
 * @example
 * ```ts ignore
 * const store = new RelayedStore("./eddy-data/state-replica.sqlite");
 * const carts = await store.bucket("carts"); // the main isolate follows it
 * carts.getSync("alice");
 * ```
 */
export class RelayedStore implements StateStore {
  readonly #replica: Replica;
  readonly #channel: BroadcastChannel;
  readonly #prefix = crypto.randomUUID();
  #next = 0;
  readonly #waiting = new Map<
    string,
    { resolve(a: Answer): void; timer: ReturnType<typeof setTimeout> }
  >();
  readonly #buckets = new Map<string, Promise<RelayedBucket>>();

  constructor(replicaPath: string) {
    this.#replica = new Replica(replicaPath);
    this.#channel = new BroadcastChannel(channelName(replicaPath));
    this.#channel.onmessage = (event: MessageEvent<Request | Answer>) => {
      const answer = event.data;
      if (answer.kind !== "answer") return;
      const waiting = this.#waiting.get(answer.id);
      if (!waiting) return;
      this.#waiting.delete(answer.id);
      clearTimeout(waiting.timer);
      waiting.resolve(answer);
    };
  }

  /** Bucket `name`, once the main isolate follows it. */
  bucket(name: string): Promise<RelayedBucket> {
    let bucket = this.#buckets.get(name);
    if (!bucket) {
      bucket = this.ask({ kind: "request", op: "open", bucket: name }).then(
        () => new RelayedBucket(name, this.#replica, this),
      );
      this.#buckets.set(name, bucket);
      bucket.catch(() => this.#buckets.delete(name));
    }
    return bucket;
  }

  /** Sends `request` to the main isolate; its result, or its error thrown. */
  async ask(request: Omit<Request, "id">): Promise<string | undefined> {
    const id = `${this.#prefix}:${this.#next++}`;
    const answered = Promise.withResolvers<Answer>();
    const timer = setTimeout(() => {
      this.#waiting.delete(id);
      answered.resolve({
        kind: "answer",
        id,
        error: {
          code: "state_unavailable",
          message: `the node did not answer within ${ANSWER_MS} ms`,
        },
      });
    }, ANSWER_MS);
    this.#waiting.set(id, { resolve: answered.resolve, timer });
    this.#channel.postMessage({ ...request, id });
    const answer = await answered.promise;
    if (!answer.error) return answer.result;
    const { code, message } = answer.error;
    if (code === "state_unavailable") {
      throw new StateUnavailableError(request.bucket, request.op, message);
    }
    throw new StateError(
      (code ?? "state_unavailable") as StateError["code"],
      message,
      { bucket: request.bucket },
    );
  }

  [Symbol.asyncDispose](): Promise<void> {
    for (const { timer } of this.#waiting.values()) clearTimeout(timer);
    this.#channel.close();
    this.#replica[Symbol.dispose]();
    return Promise.resolve();
  }
}

/**
 * One bucket as a worker sees it.
 *
 * @example
 * ```ts ignore
 * const rev = await bucket.put("alice", new Uint8Array([1])); // via the main isolate
 * bucket.getSync("alice")?.revision === rev; // true: the replica has it
 * ```
 */
export class RelayedBucket extends ReplicaReads implements StateBucket {
  readonly #store: RelayedStore;

  constructor(name: string, replica: Replica, store: RelayedStore) {
    super(name, replica);
    this.#store = store;
  }

  async put(key: string, value: Uint8Array): Promise<string> {
    return (await this.#store.ask({
      kind: "request",
      op: "put",
      bucket: this.name,
      key,
      value,
    }))!;
  }

  async delete(key: string): Promise<void> {
    await this.#store.ask({
      kind: "request",
      op: "delete",
      bucket: this.name,
      key,
    });
  }

  cas(
    key: string,
    value: Uint8Array | null,
    expected: string | null,
  ): Promise<string | undefined> {
    return this.#store.ask({
      kind: "request",
      op: "cas",
      bucket: this.name,
      key,
      value,
      expected,
    });
  }
}
