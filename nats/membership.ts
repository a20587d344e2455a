/**
 * Cluster membership on NATS: each node registers its info (locality,
 * endpoints, functions, workflows) in a JetStream KV bucket every second
 * and watches the bucket for the others; one not heard from for a few
 * seconds is down. The view lands in the node's {@linkcode PeerTable}, the
 * same one `--peer` polling fills, so routing and workflow placement read
 * one view whichever source keeps it.
 *
 * @module
 */
import { jetstream } from "@nats-io/jetstream";
import { type KV, Kvm, type KvWatchEntry } from "@nats-io/kv";
import type { NatsConnection, QueuedIterator } from "@nats-io/transport-node";
import type { NodeInfo, PeerTable } from "../node/peers.ts";
import { decodeKey, encodeKey } from "./_keys.ts";

/** The KV bucket nodes register in. */
export const MEMBERS_BUCKET = "eddy_nodes";
const SOURCE = "nats";

/** Options of {@linkcode NatsMembership.start}. */
export interface MembershipOptions {
  /** The JetStream domain the membership bucket lives in (the hub's). */
  domain?: string;
  /** How often this node registers (ms, default 1000). */
  heartbeatMs?: number;
  /** A node silent this long is down (ms, default 3000). */
  downAfterMs?: number;
  /** Whether the NATS connection is up now. */
  connected: () => boolean;
}

interface Member {
  info: NodeInfo;
  at: number;
  up: boolean;
}

/**
 * This node's membership.
 *
 * @example
 * ```ts ignore
 * const members = await NatsMembership.start(nc, node.peers, () => node.info(), { connected });
 * // ... node.peers now lists every registered node
 * await members.close(); // leaves at once
 * ```
 */
export class NatsMembership {
  readonly #kv: KV;
  readonly #peers: PeerTable;
  readonly #self: () => NodeInfo;
  readonly #options: MembershipOptions;
  readonly #members = new Map<string, Member>();
  #watch: QueuedIterator<KvWatchEntry> | undefined;
  #timers: ReturnType<typeof setInterval>[] = [];

  private constructor(
    kv: KV,
    peers: PeerTable,
    self: () => NodeInfo,
    options: MembershipOptions,
  ) {
    this.#kv = kv;
    this.#peers = peers;
    this.#self = self;
    this.#options = options;
  }

  /** Registers this node and starts following the others. */
  static async start(
    nc: NatsConnection,
    peers: PeerTable,
    self: () => NodeInfo,
    options: MembershipOptions,
  ): Promise<NatsMembership> {
    const heartbeatMs = options.heartbeatMs ?? 1000;
    const kv = await new Kvm(
      jetstream(nc, { domain: options.domain, timeout: heartbeatMs }),
    ).create(MEMBERS_BUCKET, { history: 1, ttl: 60_000 });
    const members = new NatsMembership(kv, peers, self, options);
    await members.#register();
    members.#watch = await kv.watch();
    members.#follow(members.#watch);
    members.#timers = [
      setInterval(() => members.#register(), heartbeatMs),
      setInterval(() => members.#sweep(), heartbeatMs / 2),
    ];
    peers.addAnnouncer(() => members.#register());
    return members;
  }

  /** Leaves: stops the heartbeat and deletes this node's registration. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    await this.#watch?.stop();
    await this.#kv.delete(encodeKey(this.#self().id)).catch(() => {});
  }

  async #register(): Promise<void> {
    const self = this.#self();
    // A missed heartbeat is the next one's job.
    await this.#kv.put(encodeKey(self.id), JSON.stringify(self)).catch(
      () => {},
    );
  }

  #follow(watch: QueuedIterator<KvWatchEntry>): void {
    (async () => {
      for await (const entry of watch) {
        const id = decodeKey(entry.key);
        if (entry.operation !== "PUT") {
          const member = this.#members.get(id);
          if (member) this.#down(member, "left the cluster");
          continue;
        }
        const info = JSON.parse(entry.string()) as NodeInfo;
        // A registration from before this node started may be stale.
        const at = entry.isUpdate ? Date.now() : entry.created.getTime();
        const member = { info, at, up: false };
        this.#members.set(id, member);
        if (Date.now() - at < this.#downAfter) {
          member.up = true;
          this.#peers.observe(info, { up: true, source: SOURCE });
        } else this.#down(member, "no heartbeat on NATS");
      }
    })().catch(() => {});
  }

  #sweep(): void {
    const now = Date.now();
    if (!this.#options.connected()) {
      // Silence while this node itself is cut off says nothing of the others.
      for (const member of this.#members.values()) member.at = now;
      return;
    }
    for (const member of this.#members.values()) {
      if (member.up && now - member.at > this.#downAfter) {
        this.#down(
          member,
          `no heartbeat on NATS for ${((now - member.at) / 1000).toFixed(1)} s`,
        );
      }
    }
  }

  #down(member: Member, why: string): void {
    member.up = false;
    this.#peers.observe(member.info, {
      up: false,
      lastError: why,
      source: SOURCE,
    });
  }

  get #downAfter(): number {
    return this.#options.downAfterMs ?? 3000;
  }
}
