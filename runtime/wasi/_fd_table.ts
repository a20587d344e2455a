/**
 * The guest's file descriptor table: stdio at 0-2, preopened directories at
 * 3.., then whatever the guest opens. Construction does no file-system work:
 * a preopen's host directory is only looked at when a path call uses it.
 *
 * @module
 */

import {
  DIR_RIGHTS,
  FILE_RIGHTS,
  FileType,
  MUTATING_RIGHTS,
  SINK_RIGHTS,
  STDIN_RIGHTS,
} from "./_abi.ts";
import { Errno } from "./errno.ts";
import type { ByteSink, ByteSource } from "./stdio.ts";
import { OutputBuffer } from "./stdio.ts";

const NO_INPUT = new Uint8Array(0);

/**
 * At most this many host files and directories open per guest (EMFILE).
 *
 * @example
 * ```ts
 * import { MAX_OPEN_FDS } from "./_fd_table.ts";
 * console.log(MAX_OPEN_FDS); // 1024
 * ```
 */
export const MAX_OPEN_FDS = 1024;

/**
 * A preopened host directory: the root that confines every path under it.
 *
 * @example
 * ```ts
 * import type { PreopenRoot } from "./_fd_table.ts";
 * const root: PreopenRoot = { hostPath: "/srv/data", writable: false };
 * ```
 */
export interface PreopenRoot {
  readonly hostPath: string;
  readonly writable: boolean;
  /** `Deno.realPathSync(hostPath)`, resolved on first use. */
  real?: string;
}

/** Fields every descriptor has (they make up its fdstat). */
abstract class Fd {
  abstract readonly filetype: number;
  flags = 0;
  rightsBase: number;
  rightsInheriting: number;
  constructor(rightsBase: number, rightsInheriting: number) {
    this.rightsBase = rightsBase;
    this.rightsInheriting = rightsInheriting;
  }
  /** Releases host resources; the default holds none. */
  close(): void {}
}

/**
 * fd 0: bytes from an array (fast path) or from a {@link ByteSource}.
 *
 * @example
 * ```ts
 * import { StdinFd } from "./_fd_table.ts";
 * const stdin = new StdinFd(new TextEncoder().encode("input"));
 * ```
 */
export class StdinFd extends Fd {
  readonly filetype = FileType.UNKNOWN;
  readonly bytes: Uint8Array | undefined;
  readonly source: ByteSource | undefined;
  /** Read position in `bytes`. */
  pos = 0;
  constructor(input: Uint8Array | ByteSource | undefined) {
    super(STDIN_RIGHTS, 0);
    if (input === undefined) this.bytes = NO_INPUT;
    else if (input instanceof Uint8Array) this.bytes = input;
    else this.source = input;
  }
}

/**
 * fd 1 and 2: a {@link ByteSink}; `buffer` is set for the OutputBuffer fast path.
 *
 * @example
 * ```ts
 * import { SinkFd } from "./_fd_table.ts";
 * import { OutputBuffer } from "./stdio.ts";
 * const stdout = new SinkFd(new OutputBuffer());
 * ```
 */
export class SinkFd extends Fd {
  readonly filetype = FileType.UNKNOWN;
  readonly sink: ByteSink;
  readonly buffer: OutputBuffer | undefined;
  constructor(sink: ByteSink) {
    super(SINK_RIGHTS, 0);
    this.sink = sink;
    this.buffer = sink instanceof OutputBuffer ? sink : undefined;
  }
}

/**
 * One entry of a directory listing kept for fd_readdir cookies.
 *
 * @example
 * ```ts
 * import type { DirListing } from "./_fd_table.ts";
 * const dot: DirListing = { name: new Uint8Array([46]), ino: 2n, type: 3 };
 * ```
 */
export interface DirListing {
  name: Uint8Array;
  ino: bigint;
  type: number;
}

/**
 * A directory: a preopen or one the guest opened under it.
 *
 * @example
 * ```ts
 * import { DirFd } from "./_fd_table.ts";
 * const root = new DirFd({ hostPath: "/srv", writable: false }, [], 0, 0, "/srv");
 * const sub = new DirFd(root.root, ["a", "b"], root.rightsBase, root.rightsInheriting);
 * ```
 */
export class DirFd extends Fd {
  readonly filetype = FileType.DIRECTORY;
  readonly root: PreopenRoot;
  /** Path components from the root's real path to this directory. */
  readonly rel: readonly string[];
  /** The guest path of a preopen (prestat); undefined for opened dirs. */
  readonly preopenName: string | undefined;
  /** Listing taken at cookie 0, reused for later cookies. */
  listing: DirListing[] | undefined;
  constructor(
    root: PreopenRoot,
    rel: readonly string[],
    rightsBase: number,
    rightsInheriting: number,
    preopenName?: string,
  ) {
    super(rightsBase, rightsInheriting);
    this.root = root;
    this.rel = rel;
    this.preopenName = preopenName;
  }
}

/**
 * A regular (or other non-directory) host file.
 *
 * @example
 * ```ts
 * import { FileFd } from "./_fd_table.ts";
 * import { FILE_RIGHTS, FileType } from "./_abi.ts";
 * const file = new FileFd(Deno.openSync("/etc/hostname"), "/etc/hostname", FileType.REGULAR_FILE, FILE_RIGHTS, 0);
 * file.close();
 * ```
 */
export class FileFd extends Fd {
  readonly filetype: number;
  readonly file: Deno.FsFile;
  readonly hostPath: string;
  constructor(
    file: Deno.FsFile,
    hostPath: string,
    filetype: number,
    rightsBase: number,
    rightsInheriting: number,
  ) {
    super(rightsBase, rightsInheriting);
    this.file = file;
    this.hostPath = hostPath;
    this.filetype = filetype;
  }
  override close(): void {
    this.file.close();
  }
}

/**
 * Any descriptor in the table.
 *
 * @example
 * ```ts
 * import type { FdEntry } from "./_fd_table.ts";
 * const isDir = (e: FdEntry) => e.filetype === 3;
 * ```
 */
export type FdEntry = StdinFd | SinkFd | DirFd | FileFd;

/**
 * Rights of a preopen: everything, less what changes files if read-only.
 *
 * @example
 * ```ts
 * import { preopenRights } from "./_fd_table.ts";
 * const [base, inheriting] = preopenRights(false);
 * ```
 */
export function preopenRights(writable: boolean): [number, number] {
  const mask = writable ? -1 : ~MUTATING_RIGHTS;
  return [DIR_RIGHTS & mask, (DIR_RIGHTS | FILE_RIGHTS) & mask];
}

/**
 * The descriptor table.
 *
 * @example
 * ```ts
 * import { FdTable } from "./_fd_table.ts";
 * import { OutputBuffer } from "./stdio.ts";
 * const fds = new FdTable(undefined, new OutputBuffer(), new OutputBuffer(), [
 *   { hostPath: "/tmp", guestPath: "/tmp", writable: false },
 * ]);
 * console.log(fds.get(3)?.filetype); // 3 (directory)
 * ```
 */
export class FdTable {
  readonly entries: (FdEntry | undefined)[];
  #open = 0;

  constructor(
    stdin: Uint8Array | ByteSource | undefined,
    stdout: ByteSink,
    stderr: ByteSink,
    preopens: readonly {
      hostPath: string;
      guestPath: string;
      writable: boolean;
    }[],
  ) {
    const entries: (FdEntry | undefined)[] = [
      new StdinFd(stdin),
      new SinkFd(stdout),
      new SinkFd(stderr),
    ];
    for (const p of preopens) {
      const root: PreopenRoot = { hostPath: p.hostPath, writable: p.writable };
      const [base, inheriting] = preopenRights(p.writable);
      entries.push(new DirFd(root, [], base, inheriting, p.guestPath));
    }
    this.entries = entries;
  }

  /** The entry at `fd`, or undefined when it is not open. */
  get(fd: number): FdEntry | undefined {
    return fd >= 0 ? this.entries[fd] : undefined;
  }

  /** Puts `entry` at the lowest free fd; answers `-EMFILE` when full. */
  add(entry: DirFd | FileFd): number {
    if (this.#open >= MAX_OPEN_FDS) {
      entry.close();
      return -Errno.EMFILE;
    }
    const entries = this.entries;
    let fd = 0;
    while (fd < entries.length && entries[fd] !== undefined) fd++;
    entries[fd] = entry;
    this.#open++;
    return fd;
  }

  /** Closes `fd`; EBADF when it is not open. */
  close(fd: number): number {
    const entry = this.get(fd);
    if (entry === undefined) return Errno.EBADF;
    this.entries[fd] = undefined;
    this.#release(entry);
    return Errno.ESUCCESS;
  }

  /** Moves `from` onto `to` (closing what was there); both must be open. */
  renumber(from: number, to: number): number {
    const entry = this.get(from);
    const target = this.get(to);
    if (entry === undefined || target === undefined) return Errno.EBADF;
    if (from === to) return Errno.ESUCCESS;
    this.entries[to] = entry;
    this.entries[from] = undefined;
    this.#release(target);
    return Errno.ESUCCESS;
  }

  /** Closes every host file (start() does this when the guest ends). */
  closeAll(): void {
    const entries = this.entries;
    for (let fd = 0; fd < entries.length; fd++) {
      const entry = entries[fd];
      if (entry !== undefined) {
        entries[fd] = undefined;
        this.#release(entry);
      }
    }
  }

  #release(entry: FdEntry): void {
    if (
      entry instanceof FileFd ||
      (entry instanceof DirFd && entry.preopenName === undefined)
    ) {
      this.#open--;
    }
    try {
      entry.close();
    } catch {
      // Already closed by the host: nothing left to release.
    }
  }
}
