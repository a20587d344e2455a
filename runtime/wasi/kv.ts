/**
 * A preopen backed by a key-value bucket instead of a host directory: the
 * guest sees a flat directory whose files are the bucket's keys. Reads come
 * from the node's replica synchronously (the value as of the open); writes
 * are buffered per open file and become one atomic put on close or
 * `fd_sync`; unlink deletes. Puts are asynchronous (a cluster backend waits
 * for its stream), so a host with a {@linkcode KvSession} serves the calls
 * that may write (`fd_close`, `fd_sync`, `fd_datasync`, `fd_renumber`,
 * `path_unlink_file`) as JSPI `Suspending` imports that wait for them.
 *
 * @module
 */
import { Errno } from "./errno.ts";
import { KvDir } from "./_kv_dir.ts";
import type { WasiDir } from "./dir.ts";

/**
 * The most bytes of values one run's open state files may hold at once:
 * without it a guest could open its 1024 descriptors on 1 MiB values and
 * hold a GiB of host memory.
 */
export const MAX_HELD_BYTES = 32 << 20;

/** One key as the bucket has it. */
export interface KvEntry {
  value: Uint8Array;
  revision: string;
  /** ms since the epoch. */
  updatedAt: number;
}

/**
 * What a KV preopen needs of a bucket (`state/store.ts` `StateBucket` has
 * it): synchronous reads from the replica, asynchronous durable writes.
 *
 * @example
 * ```ts ignore
 * const bucket: KvBucket = await store.bucket("carts");
 * ```
 */
export interface KvBucket {
  readonly name: string;
  getSync(key: string): KvEntry | undefined;
  listSync(options?: { after?: string; limit?: number }): {
    keys: string[];
    next?: string;
  };
  put(key: string, value: Uint8Array): Promise<string>;
  delete(key: string): Promise<void>;
}

/**
 * The writes one guest run has started and not yet seen finish, and the
 * counts of its state reads and writes (for metrics).
 *
 * @example
 * ```ts
 * import { KvSession } from "./kv.ts";
 * const session = new KvSession();
 * session.start(Promise.resolve());
 * console.log(await session.drain(0)); // 0
 * ```
 */
export class KvSession {
  reads = 0;
  writes = 0;
  /** Bytes of values the run's open files hold (bounded: ENOMEM past it). */
  held = 0;
  #pending: Promise<number>[] = [];
  readonly #hooks: { suspend(): void; resume(): void } | undefined;
  readonly #deadline: number;

  /**
   * `hooks` are told when the guest waits for a write and when it resumes;
   * past `deadline` (epoch ms) a guest that waited is not resumed.
   */
  constructor(
    hooks?: { suspend(): void; resume(): void },
    deadline = Infinity,
  ) {
    this.#hooks = hooks;
    this.#deadline = deadline;
  }

  /**
   * Awaits `work` with the guest off the CPU (its executor is told). A
   * guest that writes in a loop is off the CPU at almost every instant an
   * executor's watchdog looks, so its deadline is enforced here: past it,
   * the guest is unwound instead of resumed.
   */
  async wait<T>(work: Promise<T>): Promise<T> {
    this.#hooks?.suspend();
    let result: T;
    try {
      result = await work;
    } finally {
      this.#hooks?.resume();
    }
    if (Date.now() > this.#deadline) throw new StateDeadline();
    return result;
  }

  /** Takes `bytes` more for an open file's buffer; false past the bound. */
  charge(bytes: number): boolean {
    if (this.held + bytes > MAX_HELD_BYTES) return false;
    this.held += bytes;
    return true;
  }

  /** Gives back what a closed file held. */
  release(bytes: number): void {
    this.held -= bytes;
  }

  /** Whether writes are in flight. */
  get busy(): boolean {
    return this.#pending.length > 0;
  }

  /** Tracks a write; a failure becomes EIO for the call that made it. */
  start(write: Promise<unknown>): void {
    this.writes++;
    this.#pending.push(write.then(() => Errno.ESUCCESS, () => Errno.EIO));
  }

  /** Waits for every write in flight: the first failure's errno, else `result`. */
  async drain(result: number): Promise<number> {
    while (this.#pending.length > 0) {
      const pending = this.#pending;
      this.#pending = [];
      for (const errno of await this.wait(Promise.all(pending))) {
        if (errno !== Errno.ESUCCESS && result === Errno.ESUCCESS) {
          result = errno;
        }
      }
    }
    return result;
  }
}

/**
 * Unwinds a guest that ran past its deadline while it waited for a state
 * write.
 *
 * @example
 * ```ts
 * import { StateDeadline } from "./kv.ts";
 * console.log(new StateDeadline().message);
 * ```
 */
export class StateDeadline extends Error {
  constructor() {
    super("ran past its deadline while it waited for a state write");
    this.name = "StateDeadline";
  }
}

/**
 * A preopen served by a bucket.
 *
 * @example
 * ```ts ignore
 * const host = new WasiHost({
 *   preopens: [kvPreopen(bucket, "/state", true, session)],
 *   kvSession: session,
 * });
 * ```
 */
export interface BackendPreopen {
  backend: WasiDir;
  guestPath: string;
  writable: boolean;
}

/**
 * The preopen of `bucket` at `guestPath`.
 *
 * @example
 * ```ts ignore
 * const preopen = kvPreopen(bucket, "/state", false, new KvSession());
 * ```
 */
export function kvPreopen(
  bucket: KvBucket,
  guestPath: string,
  writable: boolean,
  session: KvSession,
): BackendPreopen {
  return { backend: new KvDir(bucket, session), guestPath, writable };
}

/** Imports that may start a write on a KV preopen. */
export const KV_WRITING_CALLS: readonly string[] = [
  "fd_close",
  "fd_sync",
  "fd_datasync",
  "fd_renumber",
  "path_unlink_file",
];
