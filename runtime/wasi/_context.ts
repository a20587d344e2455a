/**
 * What every WASI call works on: the guest's memory, its descriptors, its
 * argv and environ, where its CPU-time clocks start.
 *
 * @module
 */

import type { StringList } from "./_args.ts";
import type { FdTable } from "./_fd_table.ts";
import type { GuestMemory } from "./_memory.ts";

/**
 * The state one guest's WASI calls share.
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { StringList } from "./_args.ts";
 * import { FdTable } from "./_fd_table.ts";
 * import { GuestMemory } from "./_memory.ts";
 * import { OutputBuffer } from "./stdio.ts";
 * const ctx: WasiContext = {
 *   mem: new GuestMemory(),
 *   fds: new FdTable(undefined, new OutputBuffer(), new OutputBuffer(), []),
 *   args: new StringList(["echo"]),
 *   env: new StringList([]),
 *   cpuOrigin: 0,
 * };
 * ```
 */
export interface WasiContext {
  readonly mem: GuestMemory;
  readonly fds: FdTable;
  readonly args: StringList;
  readonly env: StringList;
  /**
   * The thread's CPU time (ns) when the run started, which the CPU-time
   * clocks count from, moved on by what the thread spent on other runs
   * while this one was suspended; 0: they count the whole process and
   * thread.
   */
  cpuOrigin: number;
}
