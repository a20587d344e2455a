/**
 * The peers a node knows: their locality, endpoints and functions, kept
 * current by polling and by announcements (or by another source of the same
 * view, such as NATS membership), so that an invocation of a function this
 * node does not run can go to the nearest node that does.
 *
 * Peering spreads: every node says which peers it knows, so nodes that
 * share one peer learn of each other, and a peer that does not list this
 * node (it restarted and forgot) is told about it again.
 *
 * @module
 */
import { chooseMode, type Locality, type Mode } from "../comm/mod.ts";
import { NotFoundError, RequestError } from "../runtime/errors.ts";
import { NodeUnavailableError, whyFailed } from "./unavailable.ts";

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
  /** Base URLs of the peers it knows, so that peering spreads. */
  peers?: string[];
  /** The workflows deployed on it, so that any node can list and run them. */
  workflows?: { name: string; source: string; deployedAt: string }[];
}

/** A peer and what was last learnt of it. */
export interface Peer {
  url: string;
  /** Absent until the peer first answered. */
  info?: NodeInfo;
  up: boolean;
  lastSeen?: string;
  lastError?: string;
  /** Who keeps it current: polling (the default) or another source. */
  source?: string;
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
  readonly #announcers: (() => void)[] = [];

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

  /**
   * Records what another source of the view (NATS membership) says of the
   * node `info`: up with its info, or down and why. Such peers are not
   * polled; their source keeps them current.
   */
  observe(
    info: NodeInfo,
    state: { up: boolean; lastError?: string; source: string },
  ): void {
    if (info.id === this.#self().id) return;
    const key = normalize(info.endpoints.http);
    const peer = this.#peers.get(key) ?? { url: key, up: false };
    this.#peers.set(key, peer);
    peer.info = info;
    peer.source = state.source;
    peer.up = state.up;
    if (state.up) {
      peer.lastSeen = new Date().toISOString();
      peer.lastError = undefined;
      this.#dropOtherUrls(peer);
    } else {
      peer.lastError = state.lastError;
    }
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

  /**
   * The error for `fn` when {@linkcode nearest} found no node: 503 naming
   * the nodes that run it when they are all down, else 404.
   */
  missing(fn: string): Error {
    const down = this.list().filter((p) =>
      !p.up && p.info?.functions.includes(fn)
    );
    if (down.length === 0) return new NotFoundError("function", fn);
    return new NodeUnavailableError(
      `function '${fn}'`,
      down.map((p) => ({ id: p.info!.id, lastError: p.lastError })),
    );
  }

  /** Tells every peer that this node changed (deployments, endpoints). */
  async announce(): Promise<void> {
    for (const announcer of this.#announcers) announcer();
    await Promise.all(
      this.list().filter((p) => !p.source).map((p) => this.#announceTo(p)),
    );
  }

  /** Also runs `announcer` whenever this node changes (another view source). */
  addAnnouncer(announcer: () => void): void {
    this.#announcers.push(announcer);
  }

  /** Starts polling peers. */
  start(): void {
    this.#timer ??= setInterval(() => this.poll(), this.#intervalMs);
  }

  /** Refreshes every peer once. */
  async poll(): Promise<void> {
    await Promise.all(
      this.list().filter((p) => !p.source).map((p) => this.#refresh(p)),
    );
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
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`answered ${res.status}`);
      }
      peer.info = await res.json() as NodeInfo;
      peer.up = true;
      peer.lastSeen = new Date().toISOString();
      peer.lastError = undefined;
    } catch (error) {
      peer.up = false;
      peer.lastError = whyFailed(error, this.#timeoutMs);
      return;
    }
    if (peer.info.id === this.#self().id) {
      // This node under another name (a --peer that points back at it).
      this.#peers.delete(peer.url);
      return;
    }
    this.#dropOtherUrls(peer);
    this.#spread(peer);
  }

  /**
   * Learns the peers `peer` knows, and tells it about this node when it
   * does not list it: nodes that share a peer find each other, and one that
   * restarted with an empty table is filled again.
   */
  #spread(peer: Peer): void {
    const known = (peer.info!.peers ?? []).map(normalize);
    const self = normalize(this.#self().endpoints.http);
    if (self && !known.includes(self)) void this.#announceTo(peer);
    for (const url of known) {
      if (url !== self && !this.#peers.has(url)) {
        this.learn(url).catch(() => {});
      }
    }
  }

  /** A node reached at a new URL (restarted on another port) is one peer. */
  #dropOtherUrls(peer: Peer): void {
    for (const [key, other] of this.#peers) {
      if (other !== peer && other.info?.id === peer.info?.id) {
        this.#peers.delete(key);
      }
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
