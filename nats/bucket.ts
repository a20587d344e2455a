/**
 * A bucket replicated through JetStream KV. Reads come from the node's
 * replica (a SQLite file every isolate of the node reads in place), fed
 * from the bucket's stream on the node's own NATS server (the bucket
 * itself at its home site, a mirror of it elsewhere) by `_follow.ts`.
 * Writes go to JetStream and are applied to
 * the replica once acknowledged, so the writer's node reads them at once.
 *
 * @module
 */
import type { Bucket, KV } from "@nats-io/kv";
import type { StateBucket } from "../state/store.ts";
import { encodeKey } from "./_keys.ts";
import { Follower } from "./_follow.ts";
import { type Replica, ReplicaReads } from "./_replica.ts";
import { StateUnavailableError } from "./errors.ts";

/** Whether the node's NATS connection is up now (writes fail fast if not). */
export type Connected = () => boolean;

/**
 * How a bucket reaches JetStream: its KV (the bucket at its home, or this
 * site's mirror), and for a mirror the step that makes sure the home exists
 * before a write.
 *
 * @example
 * ```ts ignore
 * const link: BucketLink = { kv: await new Kvm(js).create("readings") };
 * ```
 */
export interface BucketLink {
  kv: KV;
  ensureHome?: () => Promise<void>;
}

/**
 * One replicated bucket.
 *
 * @example
 * ```ts ignore
 * const readings = await ReplicatedBucket.open("readings", async () => ({ kv }), replica, () => true);
 * const rev = await readings.put("s1", new TextEncoder().encode("21.5"));
 * console.log(readings.getSync("s1")?.revision === rev); // true
 * ```
 */
export class ReplicatedBucket extends ReplicaReads
  implements StateBucket, AsyncDisposable {
  readonly #connected: Connected;
  readonly #follows: boolean;
  /** Unset while JetStream could not be reached since the bucket opened. */
  #link: BucketLink | undefined;
  #follower: Follower | undefined;
  #retry: ReturnType<typeof setInterval> | undefined;

  private constructor(
    name: string,
    replica: Replica,
    connected: Connected,
    follows: boolean,
  ) {
    super(name, replica);
    this.#connected = connected;
    this.#follows = follows;
  }

  /**
   * Opens bucket `name` through `link`. With `follow`, starts feeding the
   * replica from the bucket's stream (from where it left off) and resolves
   * once the replica holds everything the bucket held when it opened: its
   * catch-up. When
   * JetStream cannot be reached and this node replicated the bucket before,
   * it opens anyway on its replica (reads work, writes are
   * `state_unavailable`) and keeps trying every `retryMs`.
   */
  static async open(
    name: string,
    link: () => Promise<BucketLink>,
    replica: Replica,
    connected: Connected,
    options: { follow?: boolean; retryMs?: number } = {},
  ): Promise<ReplicatedBucket> {
    const bucket = new ReplicatedBucket(
      name,
      replica,
      connected,
      options.follow ?? true,
    );
    try {
      await bucket.#attach(await link());
    } catch (error) {
      if (!replica.knows(name)) {
        throw new StateUnavailableError(
          name,
          "open",
          (error as Error).message,
        );
      }
      let trying = false;
      bucket.#retry = setInterval(async () => {
        if (trying) return;
        trying = true;
        try {
          await bucket.#attach(await link());
          clearInterval(bucket.#retry);
        } catch {
          // Still out of reach: reads keep coming from the replica.
        } finally {
          trying = false;
        }
      }, options.retryMs ?? 1000);
    }
    return bucket;
  }

  async #attach(link: BucketLink): Promise<void> {
    if (this.#follows) await this.#follow(link.kv);
    this.#link = link;
  }

  async #follow(kv: KV): Promise<void> {
    const from = this.replica.applied(this.name);
    // KV.create answers the library's Bucket, whose stream the follower reads.
    const follower = new Follower(kv as Bucket, this.replica, this.name);
    await follower.start();
    this.#follower = follower;
    // Marks the bucket as followed, so it can open on its replica alone.
    this.replica.setApplied(this.name, from);
  }

  /**
   * How long the newest change took from its write at the bucket's home to
   * this node's replica, ms (clocks of two hosts must agree for this to mean
   * much across sites).
   */
  get lagMs(): number {
    return this.#follower?.lagMs ?? 0;
  }

  /** Keys in the replica now. */
  get size(): number {
    return this.replica.size(this.name);
  }

  /** The newest revision the replica has applied. */
  get applied(): number {
    return this.replica.applied(this.name);
  }

  async put(key: string, value: Uint8Array): Promise<string> {
    const revision = await this.#write(
      "put",
      (kv) => kv.put(encodeKey(key), value),
    );
    this.replica.apply(this.name, key, revision, value, Date.now());
    return String(revision);
  }

  async delete(key: string): Promise<void> {
    await this.#write("delete", async (kv) => {
      await kv.delete(encodeKey(key));
      return 0;
    });
    this.replica.hide(this.name, key);
  }

  async cas(
    key: string,
    value: Uint8Array | null,
    expected: string | null,
  ): Promise<string | undefined> {
    const kvKey = encodeKey(key);
    const current = this.getSync(key);
    try {
      if (value === null) {
        if (expected === null) return current ? undefined : "0";
        await this.#write("cas", async (kv) => {
          await kv.delete(kvKey, { previousSeq: Number(expected) });
          return 0;
        });
        this.replica.hide(this.name, key);
        return expected;
      }
      const revision = await this.#write(
        "cas",
        (kv) =>
          expected === null
            ? kv.create(kvKey, value)
            : kv.update(kvKey, value, Number(expected)),
      );
      this.replica.apply(this.name, key, revision, value, Date.now());
      return String(revision);
    } catch (error) {
      if (error instanceof StateUnavailableError) throw error;
      return undefined;
    }
  }

  /** Stops feeding the replica (and trying to reach JetStream). */
  async [Symbol.asyncDispose](): Promise<void> {
    clearInterval(this.#retry);
    await this.#follower?.stop();
  }

  /**
   * Runs a write against JetStream. A conflict (wrong revision) rejects
   * with the client's error for `cas` to read; anything else that keeps
   * the write from being acknowledged is {@linkcode StateUnavailableError}.
   */
  async #write(
    op: string,
    write: (kv: KV) => Promise<number>,
  ): Promise<number> {
    const link = this.#link;
    if (!link || !this.#connected()) {
      throw new StateUnavailableError(this.name, op, "NATS is unreachable");
    }
    try {
      await link.ensureHome?.();
      return await write(link.kv);
    } catch (error) {
      if (op === "cas" && isConflict(error)) throw error;
      throw new StateUnavailableError(
        this.name,
        op,
        (error as Error).message,
      );
    }
  }
}

/** A JetStream "wrong last sequence" (10071) or "key exists" answer. */
function isConflict(error: unknown): boolean {
  const e = error as { api_error?: { err_code?: number } };
  return e?.api_error?.err_code === 10071 ||
    /wrong last sequence|key exists/i.test((error as Error)?.message ?? "");
}
