/**
 * The peers a node knows: their locality, endpoints and functions, kept
 * current by polling and by announcements, so that an invocation of a
 * function this node does not run can go to the nearest node that does.
 *
 * @module
 */
import { chooseMode, type Locality, type Mode } from "../comm/mod.ts";
import { RequestError } from "../runtime/errors.ts";

/** What a node says about itself at `GET /v1/node`. */
export interface NodeInfo {
  id: string;
  version: string;
  locality: Locality;
  endpoints: {
    /** Base URL of the node's API (HTTP/1.1 and h2c). */
    http: string;
    /** Unix socket of the node's comm endpoint, for nodes on the same host. */
    unix?: string;
    /**
     * Base URL of its HTTP/2-over-TLS comm endpoint, when it has one: other
     * hosts then use it instead of h2c on the API port.
     */
    https?: string;
  };
  /** Names of the functions deployed on the node. */
  functions: string[];
}

/** A peer and what was last learnt of it. */
export interface Peer {
  url: string;
  /** Absent until the peer first answered. */
  info?: NodeInfo;
  up: boolean;
  lastSeen?: string;
  lastError?: string;
}

/** Options of {@linkcode PeerTable}. */
export interface PeerTableOptions {
  /** Bearer token sent to peers' management routes. */
  token?: string;
  /** How often peers are polled (ms, default 2000). */
  intervalMs?: number;
  /** How long a poll waits for a peer (ms, default 1000). */
  timeoutMs?: number;
}

const MODE_RANK: Record<Mode, number> = { memory: 0, unix: 1, http2: 2 };

/**
 * The peer table of one node.
 *
 * @example
 * ```ts ignore
 * const peers = new PeerTable(() => node.info(), { token });
 * await peers.add("http://10.0.0.2:8080");
 * const target = peers.nearest("resize");
 * ```
 */
export class PeerTable {
  readonly #self: () => NodeInfo;
  readonly #peers = new Map<string, Peer>();
  readonly #token?: string;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(self: () => NodeInfo, options: PeerTableOptions = {}) {
    this.#self = self;
    this.#token = options.token;
    this.#intervalMs = options.intervalMs ?? 2000;
    this.#timeoutMs = options.timeoutMs ?? 1000;
  }

  /** Every known peer. */
  list(): Peer[] {
    return [...this.#peers.values()];
  }

  /**
   * Adds (or refreshes) the peer at `url` and tells it about this node, so
   * that peering is mutual. A peer that does not answer is kept, marked down
   * and retried at every poll.
   */
  async add(url: string): Promise<Peer> {
    const peer = await this.learn(url);
    if (peer.up) await this.#announceTo(peer);
    return peer;
  }

  /**
   * Adds (or refreshes) the peer at `url` without announcing back: what a
   * node does when a peer announces itself, so announcements do not echo.
   */
  async learn(url: string): Promise<Peer> {
    const key = normalize(url);
    if (key === normalize(this.#self().endpoints.http)) {
      throw new RequestError("invalid_peer", `${url} is this node itself`);
    }
    let peer = this.#peers.get(key);
    if (!peer) {
      peer = { url: key, up: false };
      this.#peers.set(key, peer);
    }
    await this.#refresh(peer);
    return peer;
  }

  /** Forgets a peer by URL or node id; false when it was not known. */
  remove(urlOrId: string): boolean {
    for (const [key, peer] of this.#peers) {
      if (key === normalize(urlOrId) || peer.info?.id === urlOrId) {
        return this.#peers.delete(key);
      }
    }
    return false;
  }

  /**
   * The nearest peer that is up and runs `fn`: same host before other
   * hosts, then same zone, then same region, then the lowest id.
   */
  nearest(fn: string): Peer | undefined {
    const self = this.#self().locality;
    const candidates = this.list().filter((p) =>
      p.up && p.info?.functions.includes(fn)
    );
    const distance = (p: Peer) => {
      const to = p.info!.locality;
      return [
        MODE_RANK[chooseMode(self, to)],
        to.zone && to.zone === self.zone ? 0 : 1,
        to.region && to.region === self.region ? 0 : 1,
      ];
    };
    return candidates.sort((a, b) => {
      const [da, db] = [distance(a), distance(b)];
      for (let i = 0; i < da.length; i++) {
        if (da[i] !== db[i]) return da[i] - db[i];
      }
      return a.info!.id < b.info!.id ? -1 : 1;
    })[0];
  }

  /** Tells every peer that this node changed (deployments, endpoints). */
  async announce(): Promise<void> {
    await Promise.all(this.list().map((p) => this.#announceTo(p)));
  }

  /** Starts polling peers. */
  start(): void {
    this.#timer ??= setInterval(() => this.poll(), this.#intervalMs);
  }

  /** Refreshes every peer once. */
  async poll(): Promise<void> {
    await Promise.all(this.list().map((p) => this.#refresh(p)));
  }

  /** Stops polling. */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #refresh(peer: Peer): Promise<void> {
    try {
      const res = await fetch(`${peer.url}/v1/node`, {
        headers: this.#headers(),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      if (!res.ok) throw new Error(`answered ${res.status}`);
      peer.info = await res.json() as NodeInfo;
      peer.up = true;
      peer.lastSeen = new Date().toISOString();
      peer.lastError = undefined;
    } catch (error) {
      peer.up = false;
      peer.lastError = (error as Error).message;
    }
  }

  async #announceTo(peer: Peer): Promise<void> {
    try {
      const res = await fetch(`${peer.url}/v1/peers/announce`, {
        method: "POST",
        headers: { ...this.#headers(), "content-type": "application/json" },
        body: JSON.stringify({ url: this.#self().endpoints.http }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      await res.body?.cancel();
    } catch {
      // A peer that missed the announcement learns at its next poll.
    }
  }

  #headers(): Record<string, string> {
    return this.#token ? { authorization: `Bearer ${this.#token}` } : {};
  }
}

function normalize(url: string): string {
  return url.replace(/\/+$/, "");
}
