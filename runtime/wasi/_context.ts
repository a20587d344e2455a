/**
 * What every WASI call works on: the guest's memory and its descriptors.
 *
 * @module
 */

import type { FdTable } from "./_fd_table.ts";
import type { GuestMemory } from "./_memory.ts";

/**
 * The state one guest's WASI calls share.
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { FdTable } from "./_fd_table.ts";
 * import { GuestMemory } from "./_memory.ts";
 * import { OutputBuffer } from "./stdio.ts";
 * const ctx: WasiContext = {
 *   mem: new GuestMemory(),
 *   fds: new FdTable(undefined, new OutputBuffer(), new OutputBuffer(), []),
 * };
 * ```
 */
export interface WasiContext {
  readonly mem: GuestMemory;
  readonly fds: FdTable;
}
