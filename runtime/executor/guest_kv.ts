/**
 * The `eddy` state imports: atomic reads and writes of the buckets a
 * function declares (`state:` in its manifest), for what files cannot do
 * safely, such as a counter that many invocations bump at once
 * (`kv_get`, then `kv_cas` on the revision read, again on a conflict).
 *
 * ABI (i32 unless said; bucket and key are UTF-8 bytes; revisions u64,
 * 0 meaning "no such key"):
 * - `kv_get(bucket_ptr, bucket_len, key_ptr, key_len, buf_ptr, buf_len,
 *   len_ptr, rev_ptr) -> status` copies the first `min(len, buf_len)`
 *   bytes of the value to `buf_ptr`, its whole length (u32) to `len_ptr`
 *   and its revision (u64) to `rev_ptr`. Served from the node's replica
 *   without suspending.
 * - `kv_put(bucket_ptr, bucket_len, key_ptr, key_len, val_ptr, val_len,
 *   rev_ptr) -> status` writes the value; its new revision to `rev_ptr`.
 * - `kv_delete(bucket_ptr, bucket_len, key_ptr, key_len) -> status`.
 * - `kv_cas(bucket_ptr, bucket_len, key_ptr, key_len, val_ptr, val_len,
 *   expected: i64, rev_ptr) -> status` writes only if the key's revision
 *   is `expected` (0: the key must not exist); else status 8.
 *
 * Writes suspend the guest (JSPI) until they are durable. Status: 0 ok,
 * 1 no such key (kv_get), 4 state is not available here (`eddy run`),
 * 6 the function does not declare this bucket, 7 the bucket is mounted
 * read-only, 8 revision mismatch (kv_cas), 9 invalid key, 10 the write
 * could not be made durable (`state_unavailable`), 11 value too large,
 * 21 (EFAULT) a pointer outside memory.
 *
 * @module
 */
import { jspi } from "../jspi.ts";
import type { KvSession } from "../wasi/mod.ts";
import { MAX_VALUE_BYTES, StateDeadline } from "../wasi/mod.ts";
import type { StateBucket } from "../../state/store.ts";

/** Status codes of the `kv_*` imports. */
export const KV_STATUS = {
  ok: 0,
  notFound: 1,
  unavailable: 4,
  notDeclared: 6,
  readOnly: 7,
  conflict: 8,
  invalidKey: 9,
  stateUnavailable: 10,
  tooLarge: 11,
  fault: 21,
} as const;

/** Names of the `kv_*` imports. */
export const KV_FUNCTIONS: readonly string[] = [
  "kv_get",
  "kv_put",
  "kv_delete",
  "kv_cas",
];

/** A bucket as one run may use it. */
export interface GuestBucket {
  bucket: StateBucket;
  readOnly: boolean;
}

const KEY = /^[A-Za-z0-9_=-](?:[A-Za-z0-9._=-]{0,253}[A-Za-z0-9_=-])?$/;
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The `kv_*` imports of one run, over the buckets its function declares.
 *
 * @example
 * ```ts ignore
 * const kv = new GuestKv(new Map([["counters", { bucket, readOnly: false }]]), session);
 * const instance = new WebAssembly.Instance(module, { eddy: { ...kv.imports } });
 * kv.bind(instance.exports.memory as WebAssembly.Memory);
 * ```
 */
export class GuestKv {
  readonly imports: Record<string, WebAssembly.ImportValue>;
  #memory: WebAssembly.Memory | undefined;

  /** `buckets` undefined: state is not available in this run at all. */
  constructor(
    buckets: ReadonlyMap<string, GuestBucket> | undefined,
    session: KvSession | undefined,
  ) {
    const open = (
      bPtr: number,
      bLen: number,
      kPtr: number,
      kLen: number,
      write: boolean,
    ): { bucket: StateBucket; key: string } | number => {
      const name = this.#text(bPtr, bLen);
      const key = this.#text(kPtr, kLen);
      if (name === undefined || key === undefined) return KV_STATUS.fault;
      if (!buckets) return KV_STATUS.unavailable;
      const declared = buckets.get(name);
      if (!declared) return KV_STATUS.notDeclared;
      if (write && declared.readOnly) return KV_STATUS.readOnly;
      if (!KEY.test(key)) return KV_STATUS.invalidKey;
      return { bucket: declared.bucket, key };
    };
    const value = (ptr: number, len: number): Uint8Array | number => {
      if ((len >>> 0) > MAX_VALUE_BYTES) return KV_STATUS.tooLarge;
      const bytes = this.#bytes(ptr, len);
      return bytes ? bytes.slice() : KV_STATUS.fault;
    };
    /** A writable key, the value to write and room for its revision. */
    const openValue = (
      bPtr: number,
      bLen: number,
      kPtr: number,
      kLen: number,
      vPtr: number,
      vLen: number,
      revPtr: number,
    ) => {
      const at = open(bPtr, bLen, kPtr, kLen, true);
      if (typeof at === "number") return at;
      const bytes = value(vPtr, vLen);
      if (typeof bytes === "number") return bytes;
      if (!this.#fits(revPtr, 8)) return KV_STATUS.fault;
      return { ...at, bytes };
    };
    const kv_get = (
      bPtr: number,
      bLen: number,
      kPtr: number,
      kLen: number,
      bufPtr: number,
      bufLen: number,
      lenPtr: number,
      revPtr: number,
    ): number => {
      const at = open(bPtr, bLen, kPtr, kLen, false);
      if (typeof at === "number") return at;
      if (!this.#fits(lenPtr, 4) || !this.#fits(revPtr, 8)) {
        return KV_STATUS.fault;
      }
      if (session) session.reads++;
      const entry = at.bucket.getSync(at.key);
      const n = Math.min(entry?.value.byteLength ?? 0, bufLen >>> 0);
      const into = this.#bytes(bufPtr, n);
      if (!into) return KV_STATUS.fault;
      if (entry) into.set(entry.value.subarray(0, n));
      const view = new DataView(this.#memory!.buffer);
      view.setUint32(lenPtr >>> 0, entry?.value.byteLength ?? 0, true);
      view.setBigUint64(revPtr >>> 0, BigInt(entry?.revision ?? 0), true);
      return entry ? KV_STATUS.ok : KV_STATUS.notFound;
    };
    const write = async (
      run: () => Promise<string | undefined>,
      revPtr: number | undefined,
    ): Promise<number> => {
      if (session) session.writes++;
      let revision: string | undefined;
      try {
        revision = await (session ? session.wait(run()) : run());
      } catch (error) {
        if (error instanceof StateDeadline) throw error;
        return (error as { code?: string }).code === "invalid_key"
          ? KV_STATUS.invalidKey
          : KV_STATUS.stateUnavailable;
      }
      if (revision === undefined) return KV_STATUS.conflict;
      if (revPtr !== undefined) {
        if (!this.#fits(revPtr, 8)) return KV_STATUS.fault;
        new DataView(this.#memory!.buffer).setBigUint64(
          revPtr >>> 0,
          BigInt(revision),
          true,
        );
      }
      return KV_STATUS.ok;
    };
    const kv_put = (
      bPtr: number,
      bLen: number,
      kPtr: number,
      kLen: number,
      vPtr: number,
      vLen: number,
      revPtr: number,
    ): number | Promise<number> => {
      const at = openValue(bPtr, bLen, kPtr, kLen, vPtr, vLen, revPtr);
      if (typeof at === "number") return at;
      return write(() => at.bucket.put(at.key, at.bytes), revPtr);
    };
    const kv_delete = (
      bPtr: number,
      bLen: number,
      kPtr: number,
      kLen: number,
    ): number | Promise<number> => {
      const at = open(bPtr, bLen, kPtr, kLen, true);
      if (typeof at === "number") return at;
      return write(() => at.bucket.delete(at.key).then(() => ""), undefined);
    };
    const kv_cas = (
      bPtr: number,
      bLen: number,
      kPtr: number,
      kLen: number,
      vPtr: number,
      vLen: number,
      expected: bigint,
      revPtr: number,
    ): number | Promise<number> => {
      const at = openValue(bPtr, bLen, kPtr, kLen, vPtr, vLen, revPtr);
      if (typeof at === "number") return at;
      const want = expected === 0n ? null : BigInt.asUintN(64, expected)
        .toString();
      return write(() => at.bucket.cas(at.key, at.bytes, want), revPtr);
    };
    const suspending = (fn: (...args: never[]) => unknown) =>
      new jspi.Suspending(fn as () => Promise<unknown>);
    this.imports = {
      kv_get,
      kv_put: suspending(kv_put),
      kv_delete: suspending(kv_delete),
      kv_cas: suspending(kv_cas),
    };
  }

  /** Binds the guest's memory; call after instantiation. */
  bind(memory: WebAssembly.Memory): void {
    this.#memory = memory;
  }

  #fits(ptr: number, len: number): boolean {
    return this.#memory !== undefined &&
      (ptr >>> 0) + (len >>> 0) <= this.#memory.buffer.byteLength;
  }

  #bytes(ptr: number, len: number): Uint8Array | undefined {
    if (!this.#fits(ptr, len)) return undefined;
    return new Uint8Array(this.#memory!.buffer, ptr >>> 0, len >>> 0);
  }

  #text(ptr: number, len: number): string | undefined {
    const bytes = this.#bytes(ptr, len);
    if (!bytes) return undefined;
    try {
      return decoder.decode(bytes);
    } catch {
      return "\uFFFD";
    }
  }
}
