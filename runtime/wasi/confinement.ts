/**
 * Whether paths can be confined by the kernel here (openat2 with
 * `RESOLVE_BENEATH`, through libc), which a deployment with directory
 * mounts needs. A file of its own so that the node's main isolate, which
 * checks deployments but runs no guest, can ask without loading the WASI
 * host.
 *
 * @module
 */
export { ConfinementUnavailable, requireConfinement } from "./_libc.ts";
