/**
 * A node's replica of its replicated buckets: one SQLite file in the data
 * dir (`node:sqlite`), read synchronously and in place by every isolate of
 * the node, so a write applied by one is read by all (read-your-writes on
 * the writer's node) and a restart resumes from the last applied revision
 * instead of replaying the bucket. Deleted keys keep a tombstone with their
 * revision, so a late, older change never brings a value back.
 *
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { KeyPage, StateBucket, StateEntry } from "../state/store.ts";

/**
 * One change of a bucket as its stream delivers it (`value` null: a delete).
 *
 * @example
 * ```ts
 * import type { Change } from "./_replica.ts";
 * const change: Change = { key: "s1", revision: 7, value: null, updatedAt: Date.now() };
 * ```
 */
export interface Change {
  key: string;
  revision: number;
  value: Uint8Array | null;
  updatedAt: number;
}

/**
 * A checkpoint (which fsyncs) runs once writes pause this long, or after
 * this many writes without a pause: never inside the apply of a change
 * that a reader waits for. SQLite's automatic one did, and an fsync on a
 * busy disk held one change in 400 for ~50 ms (the replication lag's p99).
 */
const CHECKPOINT_IDLE_MS = 250;
const CHECKPOINT_EVERY = 5000;

/*
 * Entries are a rowid table (values of a KB or more; WITHOUT ROWID is for
 * small rows): 100k keys of 1 KB take ~140 MB instead of ~450 MB on disk.
 */
const SCHEMA = `
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA wal_autocheckpoint = 0;
PRAGMA busy_timeout = 5000;
CREATE TABLE IF NOT EXISTS entries (
  bucket TEXT NOT NULL, key TEXT NOT NULL, value BLOB,
  revision INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  PRIMARY KEY (bucket, key)
);
CREATE TABLE IF NOT EXISTS applied (
  bucket TEXT PRIMARY KEY, revision INTEGER NOT NULL
) WITHOUT ROWID;
`;

/**
 * The replica file.
 *
 * @example
 * ```ts ignore
 * const replica = new Replica("./eddy-data/state-replica.sqlite");
 * replica.apply("readings", "s1", 7, new Uint8Array([1]), Date.now());
 * console.log(replica.get("readings", "s1")?.revision); // "7"
 * ```
 */
export class Replica implements Disposable {
  readonly #db: DatabaseSync;
  readonly #get: StatementSync;
  readonly #list: StatementSync;
  readonly #apply: StatementSync;
  readonly #applied: StatementSync;
  readonly #setApplied: StatementSync;
  readonly #count: StatementSync;
  readonly #hide: StatementSync;
  #unchecked = 0;
  #checkpoint: ReturnType<typeof setTimeout> | undefined;

  constructor(path: string) {
    this.#db = new DatabaseSync(path);
    this.#db.exec(SCHEMA);
    this.#get = this.#db.prepare(
      "SELECT value, revision, updated_at FROM entries WHERE bucket = ? AND key = ? AND value IS NOT NULL",
    );
    this.#list = this.#db.prepare(
      "SELECT key FROM entries WHERE bucket = ? AND value IS NOT NULL AND key > ? AND substr(key, 1, ?) = ? ORDER BY key LIMIT ?",
    );
    this.#apply = this.#db.prepare(
      `INSERT INTO entries (bucket, key, value, revision, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (bucket, key) DO UPDATE SET value = excluded.value,
         revision = excluded.revision, updated_at = excluded.updated_at
       WHERE excluded.revision > entries.revision`,
    );
    this.#applied = this.#db.prepare(
      "SELECT revision FROM applied WHERE bucket = ?",
    );
    this.#setApplied = this.#db.prepare(
      `INSERT INTO applied (bucket, revision) VALUES (?, ?)
       ON CONFLICT (bucket) DO UPDATE SET revision = max(revision, excluded.revision)`,
    );
    this.#hide = this.#db.prepare(
      "UPDATE entries SET value = NULL, updated_at = ? WHERE bucket = ? AND key = ?",
    );
    this.#count = this.#db.prepare(
      "SELECT count(*) AS n FROM entries WHERE bucket = ? AND value IS NOT NULL",
    );
  }

  /** Key `key` of `bucket` as the replica has it. */
  get(bucket: string, key: string): StateEntry | undefined {
    const row = this.#get.get(bucket, key) as
      | { value: Uint8Array; revision: number; updated_at: number }
      | undefined;
    return row
      ? {
        value: row.value,
        revision: String(row.revision),
        updatedAt: row.updated_at,
      }
      : undefined;
  }

  /** A page of `bucket`'s keys, in order. */
  list(
    bucket: string,
    options: { prefix?: string; after?: string; limit?: number } = {},
  ): KeyPage {
    const { prefix = "", after = "", limit = 1000 } = options;
    const rows = this.#list.all(
      bucket,
      after,
      prefix.length,
      prefix,
      limit + 1,
    ) as { key: string }[];
    const keys = rows.slice(0, limit).map((r) => r.key);
    return rows.length > limit ? { keys, next: keys.at(-1) } : { keys };
  }

  /** Whether the replica ever followed `bucket` (it can serve its reads). */
  knows(bucket: string): boolean {
    return this.#applied.get(bucket) !== undefined;
  }

  /** Keys `bucket` holds. */
  size(bucket: string): number {
    return (this.#count.get(bucket) as { n: number }).n;
  }

  /**
   * Applies one change (`value` null: a delete) unless the replica already
   * has this key at `revision` or newer.
   */
  apply(
    bucket: string,
    key: string,
    revision: number,
    value: Uint8Array | null,
    updatedAt: number,
  ): void {
    this.#apply.run(bucket, key, value, revision, updatedAt);
    this.#wrote(1);
  }

  /**
   * Applies `changes` (in stream order) and records the last one's
   * revision as applied, in one transaction: one commit for a whole batch
   * of a catch-up instead of one per key.
   */
  applyAll(bucket: string, changes: readonly Change[]): void {
    if (changes.length === 0) return;
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      for (const c of changes) {
        this.#apply.run(bucket, c.key, c.value, c.revision, c.updatedAt);
      }
      this.#setApplied.run(bucket, changes.at(-1)!.revision);
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
    this.#wrote(changes.length);
  }

  /**
   * Hides `key` at once (a delete this node made): its revision stays until
   * the delete's own arrives from the stream, so older changes stay out.
   */
  hide(bucket: string, key: string): void {
    this.#hide.run(Date.now(), bucket, key);
    this.#wrote(1);
  }

  /** The newest revision of `bucket`'s stream the replica has applied. */
  applied(bucket: string): number {
    return (this.#applied.get(bucket) as { revision: number } | undefined)
      ?.revision ?? 0;
  }

  /** Records that the replica applied everything up to `revision`. */
  setApplied(bucket: string, revision: number): void {
    this.#setApplied.run(bucket, revision);
    this.#wrote(1);
  }

  /** Schedules the WAL's checkpoint after `n` more writes. */
  #wrote(n: number): void {
    this.#unchecked += n;
    clearTimeout(this.#checkpoint);
    if (this.#unchecked >= CHECKPOINT_EVERY) {
      this.#checkpointNow();
      return;
    }
    this.#checkpoint = setTimeout(
      () => this.#checkpointNow(),
      CHECKPOINT_IDLE_MS,
    );
    Deno.unrefTimer(this.#checkpoint);
  }

  #checkpointNow(): void {
    this.#unchecked = 0;
    if (this.#db.isOpen) this.#db.exec("PRAGMA wal_checkpoint(PASSIVE)");
  }

  [Symbol.dispose](): void {
    clearTimeout(this.#checkpoint);
    this.#db.close();
  }
}

/**
 * The reads of a bucket served from a replica, synchronously and in place:
 * what every bucket over a replica shares, whoever makes its writes.
 *
 * @example
 * ```ts ignore
 * class Readings extends ReplicaReads {}
 * new Readings("readings", replica).getSync("s1");
 * ```
 */
export abstract class ReplicaReads
  implements
    Pick<StateBucket, "name" | "getSync" | "listSync" | "get" | "list"> {
  readonly name: string;
  protected readonly replica: Replica;

  constructor(name: string, replica: Replica) {
    this.name = name;
    this.replica = replica;
  }

  getSync(key: string): StateEntry | undefined {
    return this.replica.get(this.name, key);
  }

  listSync(
    options?: { prefix?: string; after?: string; limit?: number },
  ): KeyPage {
    return this.replica.list(this.name, options);
  }

  get(key: string): Promise<StateEntry | undefined> {
    return Promise.resolve(this.getSync(key));
  }

  list(
    options?: { prefix?: string; after?: string; limit?: number },
  ): Promise<KeyPage> {
    return Promise.resolve(this.listSync(options));
  }
}
