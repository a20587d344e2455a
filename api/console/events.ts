/**
 * `GET /console/events`: the live figures as Server-Sent Events. Nothing
 * is computed while no console is open; an open one costs one snapshot
 * every {@linkcode EVENT_INTERVAL_MS}.
 *
 * @module
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { EddyNode } from "../../node/node.ts";
import { figures } from "./figures.ts";

/**
 * How often an open console gets fresh figures.
 *
 * @example
 * ```ts
 * import { EVENT_INTERVAL_MS } from "./events.ts";
 * console.log(EVENT_INTERVAL_MS); // 2000
 * ```
 */
export const EVENT_INTERVAL_MS = 2000;

/** The streams open in this process, ended by {@linkcode closeEventStreams}. */
const open = new Set<() => void>();

/**
 * Ends every open event stream of this process: a server shutting down
 * waits for its responses, and an open console's never ends by itself.
 *
 * @example
 * ```ts ignore
 * Deno.addSignalListener("SIGTERM", () => {
 *   closeEventStreams();
 *   server.shutdown();
 * });
 * ```
 */
export function closeEventStreams(): void {
  for (const close of open) close();
}

/**
 * Streams `figures` events (JSON) to `c` until the client goes away or
 * {@linkcode closeEventStreams} is called.
 *
 * @example
 * ```ts ignore
 * app.get("/console/events", (c) => streamFigures(c, node));
 * ```
 */
export function streamFigures(c: Context, node: EddyNode): Response {
  return streamSSE(c, async (stream) => {
    let ended = false;
    let end = () => {};
    const closed = new Promise<void>((resolve) => {
      end = () => {
        ended = true;
        resolve();
      };
    });
    stream.onAbort(end);
    open.add(end);
    try {
      while (!ended) {
        await stream.writeSSE({
          event: "figures",
          data: JSON.stringify(figures(node)),
        });
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          closed,
          new Promise((resolve) =>
            timer = setTimeout(resolve, EVENT_INTERVAL_MS)
          ),
        ]);
        clearTimeout(timer);
      }
    } finally {
      open.delete(end);
    }
  });
}
