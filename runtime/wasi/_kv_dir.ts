/**
 * The key-value directory backend (see kv.ts): `KvDir` is the flat mount,
 * `KvFile` one open key. Paths are resolved here, by name only: there are
 * no subdirectories and no links, so a path is the mount itself (`.`, or
 * empty) or one key; `..` and absolute paths answer ENOTCAPABLE as a host
 * mount does for a path that leaves it, `a/b` ENOENT (or ENOTDIR when `a`
 * is a key). A value is bounded ({@linkcode MAX_VALUE_BYTES}, EFBIG past it),
 * and so is what one run's open files hold together (`MAX_HELD_BYTES`,
 * ENOMEM past it).
 *
 * @module
 */
import { FileType } from "./_abi.ts";
import type {
  DirEntry,
  Filestat,
  NewTimes,
  OpenOptions,
  WasiDir,
  WasiFile,
} from "./dir.ts";
import { Errno } from "./errno.ts";
import type { KvBucket, KvSession } from "./kv.ts";

/** The largest value a guest may write (1 MiB, NATS's default message size). */
export const MAX_VALUE_BYTES = 1 << 20;
const MAX_NAME_BYTES = 255;
const KEY = /^[A-Za-z0-9_=-](?:[A-Za-z0-9._=-]{0,253}[A-Za-z0-9_=-])?$/;
const encoder = new TextEncoder();

/** A resolved path: the mount itself, one key, or an errno. */
type Resolved = { key?: string; mustBeDir: boolean } | number;

function resolve(path: string, exists: (key: string) => boolean): Resolved {
  if (path.startsWith("/")) return Errno.ENOTCAPABLE;
  const parts = path.split("/");
  if (parts.includes("..")) return Errno.ENOTCAPABLE;
  const names = parts.filter((p) => p !== "" && p !== ".");
  const mustBeDir = path.endsWith("/") || path.endsWith("/.");
  if (names.length === 0) return { mustBeDir };
  if (names.length > 1) return exists(names[0]) ? Errno.ENOTDIR : Errno.ENOENT;
  if (encoder.encode(names[0]).length > MAX_NAME_BYTES) {
    return Errno.ENAMETOOLONG;
  }
  return { key: names[0], mustBeDir };
}

function ns(ms: number): bigint {
  return BigInt(Math.round(ms)) * 1_000_000n;
}

/** A stable inode number per key (FNV-1a), so tools that compare files can. */
function inode(key: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const byte of encoder.encode(key)) {
    h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h | 2n;
}

function stat(
  filetype: number,
  ino: bigint,
  size: number,
  mtimMs: number,
): Filestat {
  const t = ns(mtimMs);
  return {
    dev: 0n,
    ino,
    filetype,
    nlink: 1n,
    size: BigInt(size),
    atim: t,
    mtim: t,
    ctim: t,
  };
}

/**
 * The mount: a directory whose entries are the bucket's keys.
 *
 * @example
 * ```ts ignore
 * const dir = new KvDir(bucket, session);
 * const file = dir.open("counter", { read: true, write: false, ... });
 * ```
 */
export class KvDir implements WasiDir {
  readonly filetype = FileType.DIRECTORY;
  readonly #bucket: KvBucket;
  readonly #session: KvSession;

  constructor(bucket: KvBucket, session: KvSession) {
    this.#bucket = bucket;
    this.#session = session;
  }

  #exists = (key: string) => KEY.test(key) && this.#get(key) !== undefined;

  #get(key: string) {
    this.#session.reads++;
    return this.#bucket.getSync(key);
  }

  stat(): Filestat {
    return stat(FileType.DIRECTORY, 1n, 0, 0);
  }

  setTimes(_times: NewTimes): number {
    return Errno.ENOTSUP;
  }

  close(): void {}

  open(path: string, options: OpenOptions): WasiDir | WasiFile | number {
    const at = resolve(path, this.#exists);
    if (typeof at === "number") return at;
    if (at.key === undefined) {
      if (options.write || options.create) return Errno.EISDIR;
      return new KvDir(this.#bucket, this.#session);
    }
    const key = at.key;
    if (!KEY.test(key)) return options.create ? Errno.EINVAL : Errno.ENOENT;
    const entry = this.#get(key);
    if (at.mustBeDir || options.directory) {
      return entry ? Errno.ENOTDIR : Errno.ENOENT;
    }
    if (!entry && !options.create) return Errno.ENOENT;
    if (entry && options.exclusive) return Errno.EEXIST;
    const value = options.truncate || !entry ? new Uint8Array() : entry.value;
    if (!this.#session.charge(value.byteLength)) return Errno.ENOMEM;
    return new KvFile(
      this.#bucket,
      this.#session,
      key,
      value,
      entry?.updatedAt ?? Date.now(),
      options.truncate || !entry,
    );
  }

  statAt(path: string, _follow: boolean): Filestat | number {
    const at = resolve(path, this.#exists);
    if (typeof at === "number") return at;
    if (at.key === undefined) return this.stat();
    const entry = KEY.test(at.key) ? this.#get(at.key) : undefined;
    if (!entry) return Errno.ENOENT;
    if (at.mustBeDir) return Errno.ENOTDIR;
    return stat(
      FileType.REGULAR_FILE,
      inode(at.key),
      entry.value.byteLength,
      entry.updatedAt,
    );
  }

  setTimesAt(_path: string, _follow: boolean, _times: NewTimes): number {
    return Errno.ENOTSUP;
  }

  createDirectory(path: string): number {
    const at = resolve(path, this.#exists);
    if (typeof at === "number") return at;
    if (at.key === undefined || this.#exists(at.key)) return Errno.EEXIST;
    return Errno.ENOTSUP;
  }

  removeDirectory(path: string): number {
    const at = resolve(path, this.#exists);
    if (typeof at === "number") return at;
    if (at.key === undefined) return Errno.EBUSY;
    return this.#exists(at.key) ? Errno.ENOTDIR : Errno.ENOENT;
  }

  unlinkFile(path: string): number {
    const at = resolve(path, this.#exists);
    if (typeof at === "number") return at;
    if (at.key === undefined) return Errno.EISDIR;
    if (!this.#exists(at.key)) return Errno.ENOENT;
    if (at.mustBeDir) return Errno.ENOTDIR;
    this.#session.start(this.#bucket.delete(at.key));
    return Errno.ESUCCESS;
  }

  rename(_path: string, _to: WasiDir, _toPath: string): number {
    return Errno.ENOTSUP;
  }

  link(_path: string, _follow: boolean, _to: WasiDir, _toPath: string): number {
    return Errno.ENOTSUP;
  }

  symlink(_target: string, _path: string): number {
    return Errno.ENOTSUP;
  }

  readlink(path: string): Uint8Array | number {
    const at = resolve(path, this.#exists);
    if (typeof at === "number") return at;
    if (at.key !== undefined && !this.#exists(at.key)) return Errno.ENOENT;
    return Errno.EINVAL;
  }

  entries(): DirEntry[] | number {
    const list: DirEntry[] = [
      { name: encoder.encode("."), ino: 1n, type: FileType.DIRECTORY },
      { name: encoder.encode(".."), ino: 1n, type: FileType.DIRECTORY },
    ];
    let after: string | undefined;
    do {
      const page = this.#bucket.listSync({ after, limit: 1000 });
      for (const key of page.keys) {
        list.push({
          name: encoder.encode(key),
          ino: inode(key),
          type: FileType.REGULAR_FILE,
        });
      }
      after = page.next;
    } while (after !== undefined);
    this.#session.reads++;
    return list;
  }
}

/**
 * One open key: its value as of the open, in a buffer the guest reads and
 * writes; put back whole on close or sync when changed.
 *
 * @example
 * ```ts ignore
 * file.write(new TextEncoder().encode("1"), false);
 * file.close(); // one put
 * ```
 */
export class KvFile implements WasiFile {
  readonly filetype = FileType.REGULAR_FILE;
  readonly #bucket: KvBucket;
  readonly #session: KvSession;
  readonly #key: string;
  #buf: Uint8Array;
  #size: number;
  /** Bytes charged to the session for `#buf`. */
  #charged: number;
  #pos = 0;
  #mtime: number;
  #dirty: boolean;

  constructor(
    bucket: KvBucket,
    session: KvSession,
    key: string,
    value: Uint8Array,
    mtime: number,
    dirty: boolean,
  ) {
    this.#bucket = bucket;
    this.#session = session;
    this.#key = key;
    this.#buf = value;
    this.#size = value.byteLength;
    this.#charged = value.byteLength;
    this.#mtime = mtime;
    this.#dirty = dirty;
  }

  stat(): Filestat {
    return stat(
      FileType.REGULAR_FILE,
      inode(this.#key),
      this.#size,
      this.#mtime,
    );
  }

  setTimes(_times: NewTimes): number {
    return Errno.ENOTSUP;
  }

  read(into: Uint8Array): number {
    const n = this.pread(into, this.#pos);
    if (n > 0) this.#pos += n;
    return n;
  }

  write(data: Uint8Array, append: boolean): number {
    if (append) this.#pos = this.#size;
    const n = this.pwrite(data, this.#pos);
    if (n > 0) this.#pos += n;
    return n;
  }

  pread(into: Uint8Array, offset: number): number {
    if (offset >= this.#size) return 0;
    const n = Math.min(into.byteLength, this.#size - offset);
    into.set(this.#buf.subarray(offset, offset + n));
    return n;
  }

  pwrite(data: Uint8Array, offset: number): number {
    const end = offset + data.byteLength;
    const grown = this.#reserve(end);
    if (grown !== Errno.ESUCCESS) return -grown;
    this.#buf.set(data, offset);
    this.#size = Math.max(this.#size, end);
    this.#touch();
    return data.byteLength;
  }

  seek(offset: number, whence: number): number {
    const base = whence === 0 ? 0 : whence === 1 ? this.#pos : this.#size;
    const pos = base + offset;
    if (pos < 0) return -Errno.EINVAL;
    this.#pos = pos;
    return pos;
  }

  setSize(size: number): number {
    const grown = this.#reserve(size);
    if (grown !== Errno.ESUCCESS) return grown;
    if (size < this.#size) this.#buf.fill(0, size, this.#size);
    this.#size = size;
    this.#touch();
    return Errno.ESUCCESS;
  }

  sync(): number {
    this.#flush();
    return Errno.ESUCCESS;
  }

  datasync(): number {
    return this.sync();
  }

  allocate(offset: number, len: number): number {
    const end = offset + len;
    if (end <= this.#size) return Errno.ESUCCESS;
    return this.setSize(end);
  }

  close(): void {
    this.#flush();
    this.#session.release(this.#charged);
    this.#charged = 0;
    this.#buf = new Uint8Array();
  }

  #touch(): void {
    this.#dirty = true;
    this.#mtime = Date.now();
  }

  /** Room for `end` bytes in a private buffer (the value read may be shared). */
  #reserve(end: number): number {
    if (end > MAX_VALUE_BYTES) return Errno.EFBIG;
    if (end <= this.#buf.byteLength && this.#dirty) return Errno.ESUCCESS;
    const next = new Uint8Array(
      Math.min(MAX_VALUE_BYTES, Math.max(end, this.#buf.byteLength * 2, 64)),
    );
    if (!this.#session.charge(next.byteLength - this.#charged)) {
      return Errno.ENOMEM;
    }
    this.#charged = next.byteLength;
    next.set(this.#buf.subarray(0, this.#size));
    this.#buf = next;
    return Errno.ESUCCESS;
  }

  #flush(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    this.#session.start(
      this.#bucket.put(this.#key, this.#buf.slice(0, this.#size)),
    );
  }
}
