/**
 * Feeding a node's replica from a bucket's JetStream stream: an ordered
 * pull consumer read in bounded batches, each batch applied in one SQLite
 * transaction.
 *
 * Why not the KV watch (a push consumer): it answers JetStream's flow
 * control as soon as a message arrives, not once it is applied, so on a
 * catch-up of 100k keys the server queued tens of MB for the client ahead
 * of its PONGs; the client (ping every 2 s, 2 outstanding) declared the
 * connection stale, reconnected, and the push consumer then sat stalled on
 * a lost flow-control reply until its 30 s idle heartbeat, again and again
 * (measured: stuck at 60–80 % of the keys with idle CPU). A fetch asks for
 * the next batch only once the previous one is applied, so at most one
 * batch is ever in flight: pings are answered within one batch's apply.
 * Whatever breaks a fetch (a reconnect, a consumer lost with a restarted
 * server) starts a new consumer from the last revision applied.
 *
 * @module
 */
import { DeliverPolicy, type JsMsg } from "@nats-io/jetstream";
import type { Bucket } from "@nats-io/kv";
import { decodeKey } from "./_keys.ts";
import type { Change, Replica } from "./_replica.ts";

/** Changes asked for per fetch: 256 KiB of 1 KB values. */
const BATCH = 256;
/** How long an idle fetch waits for a change before asking again. */
const EXPIRES_MS = 5_000;
/** Pause before a new consumer after a failed one. */
const RETRY_MS = 250;

/**
 * Follows one bucket into the replica until stopped.
 *
 * @example
 * ```ts ignore
 * const follower = new Follower(kv as Bucket, replica, "readings");
 * await follower.start(); // caught up
 * await follower.stop();
 * ```
 */
export class Follower {
  readonly #kv: Bucket;
  readonly #replica: Replica;
  readonly #name: string;
  #stopped = false;
  #running: Promise<void> | undefined;
  #current: { stop(): void } | undefined;
  #caughtUpAt = 0;
  /** Write-to-applied time of the newest change after the catch-up, ms. */
  lagMs = 0;

  constructor(kv: Bucket, replica: Replica, name: string) {
    this.#kv = kv;
    this.#replica = replica;
    this.#name = name;
  }

  /**
   * Starts following; resolves once the replica holds everything the
   * stream held when it started (rejects if the stream cannot be read).
   */
  async start(): Promise<void> {
    const last = (await this.#kv.status()).streamInfo.state.last_seq;
    const caughtUp = Promise.withResolvers<void>();
    if (this.#replica.applied(this.#name) >= last) {
      this.#caughtUpAt = Date.now();
      caughtUp.resolve();
    }
    this.#running = this.#run(last, caughtUp);
    await caughtUp.promise;
  }

  /** Stops following (the replica keeps what it applied). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#current?.stop();
    await this.#running;
  }

  async #run(
    last: number,
    caughtUp: PromiseWithResolvers<void>,
  ): Promise<void> {
    const done = () => {
      if (!this.#caughtUpAt) this.#caughtUpAt = Date.now();
      caughtUp.resolve();
    };
    let failures = 0;
    while (!this.#stopped) {
      const from = this.#replica.applied(this.#name);
      try {
        // Strictly in stream order from the first change not applied, so
        // the last applied revision is always a sound place to resume
        // (buckets keep one revision per key: "all" delivers what a KV
        // watch's "last per subject" does).
        const consumer = await this.#kv.js.consumers.get(this.#kv.stream, {
          filter_subjects: this.#kv.fullKeyName(">"),
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: from + 1,
        });
        try {
          while (!this.#stopped) {
            const messages = await consumer.fetch({
              max_messages: BATCH,
              expires: EXPIRES_MS,
            });
            this.#current = messages;
            let batch: Change[] = [];
            let fetched = 0;
            for await (const m of messages) {
              fetched++;
              batch.push(this.#change(m));
              // Applies what has arrived: a whole batch while catching up,
              // each change at once while following live.
              if (messages.getPending() === 0) {
                this.#apply(batch);
                batch = [];
              }
              if (m.seq >= last) done();
            }
            this.#apply(batch);
            // A fetch that found nothing: the stream has no more to give
            // (its last message may be gone, expired or purged).
            if (fetched === 0) done();
            failures = 0;
          }
        } finally {
          consumer.delete().catch(() => {});
        }
      } catch (error) {
        // A connection closed for good (the node is shutting down) ends it.
        if (this.#stopped || this.#closed()) break;
        // A stream that is gone for good stops the open; anything else
        // (a reconnect, a restarted server) resumes after what was applied.
        if (++failures > 20 && !this.#caughtUpAt) {
          caughtUp.reject(error);
          return;
        }
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }

  /** Whether the connection is closed for good (not reconnecting). */
  #closed(): boolean {
    // The client behind a KV keeps its connection, untyped.
    const js = this.#kv.js as unknown as { nc?: { isClosed(): boolean } };
    return js.nc?.isClosed() ?? false;
  }

  #change(m: JsMsg): Change {
    const entry = this.#kv.jmToWatchEntry(m, false);
    return {
      key: decodeKey(entry.key),
      revision: m.seq,
      value: entry.operation === "PUT" ? m.data : null,
      updatedAt: entry.created.getTime(),
    };
  }

  #apply(batch: Change[]): void {
    if (batch.length === 0) return;
    this.#replica.applyAll(this.#name, batch);
    if (this.#caughtUpAt) {
      this.lagMs = Math.max(0, Date.now() - batch.at(-1)!.updatedAt);
    }
  }
}
