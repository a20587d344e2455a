/**
 * The guest's file descriptor table: stdio at 0-2, preopened directories at
 * 3.., then whatever the guest opens. Construction does no file-system work:
 * a preopen's host directory is only opened when a call uses it.
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
import type { DirEntry, WasiDir, WasiFile } from "./dir.ts";
import { openHostDir } from "./_host_dir.ts";
import { Errno } from "./errno.ts";
import type { ByteSink, ByteSource } from "./stdio.ts";
import type { Preopen } from "./host.ts";
import type { BackendPreopen } from "./kv.ts";
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
 * A directory: a preopen (its host directory opened on first use) or one
 * the guest opened under it.
 *
 * @example
 * ```ts
 * import { DirFd } from "./_fd_table.ts";
 * const data = new DirFd("/srv/data", false, 0, 0, "/data");
 * console.log(data.preopenName); // "/data"
 * ```
 */
export class DirFd extends Fd {
  readonly filetype = FileType.DIRECTORY;
  /** Whether its preopen was mounted writable. */
  readonly writable: boolean;
  /** The guest path of a preopen (prestat); undefined for opened dirs. */
  readonly preopenName: string | undefined;
  /** Listing taken at cookie 0, reused for later cookies. */
  listing: DirEntry[] | undefined;
  #dir: WasiDir | undefined;
  readonly #hostPath: string | undefined;

  /**
   * `dir` is an open directory (a guest-opened one, or a preopen served by
   * another backend), or the host path of a preopen to open later.
   */
  constructor(
    dir: WasiDir | string,
    writable: boolean,
    rightsBase: number,
    rightsInheriting: number,
    preopenName?: string,
  ) {
    super(rightsBase, rightsInheriting);
    if (typeof dir === "string") this.#hostPath = dir;
    else this.#dir = dir;
    this.writable = writable;
    this.preopenName = preopenName;
  }

  /** The directory, opening a preopen's on first use; an errno if that fails. */
  dir(): WasiDir | number {
    if (this.#dir !== undefined) return this.#dir;
    if (this.#hostPath === undefined) return Errno.EBADF;
    const opened = openHostDir(this.#hostPath);
    if (typeof opened !== "number") this.#dir = opened;
    return opened;
  }

  override close(): void {
    this.#dir?.close();
    this.#dir = undefined;
  }
}

/**
 * An open file (or other non-directory) of a directory backend.
 *
 * @example
 * ```ts
 * import { FileFd } from "./_fd_table.ts";
 * import type { WasiFile } from "./dir.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(file: WasiFile) {
 *   const entry = new FileFd(file, 0, 0);
 * }
 * ```
 */
export class FileFd extends Fd {
  readonly filetype: number;
  readonly file: WasiFile;
  constructor(file: WasiFile, rightsBase: number, rightsInheriting: number) {
    super(rightsBase, rightsInheriting);
    this.file = file;
    this.filetype = file.filetype;
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
    preopens: readonly (Preopen | BackendPreopen)[],
  ) {
    const entries: (FdEntry | undefined)[] = [
      new StdinFd(stdin),
      new SinkFd(stdout),
      new SinkFd(stderr),
    ];
    for (const p of preopens) {
      const [base, inheriting] = preopenRights(p.writable);
      entries.push(
        new DirFd(
          "backend" in p ? p.backend : p.hostPath,
          p.writable,
          base,
          inheriting,
          p.guestPath,
        ),
      );
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
