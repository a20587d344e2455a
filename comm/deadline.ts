/**
 * The per-call timeout and abort signal, shared by every transport.
 *
 * @module
 */
import { PeerError } from "./errors.ts";
import type { Mode } from "./mode.ts";

/** What {@linkcode withDeadline} needs to know about a call. */
export interface Deadline {
  /** The endpoint named in the timeout error. */
  peer: string;
  mode: Mode;
  /** Milliseconds; `Infinity` waits forever. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Runs when the timeout or the signal wins, to free what the call holds. */
  cancel?: () => void;
}

/**
 * Settles like `work` unless the timeout passes first (rejects with a
 * `peer_timeout` {@linkcode PeerError}) or the signal aborts (rejects with
 * its reason). The timer and listener are removed as soon as it settles.
 *
 * @example
 * ```ts
 * import { withDeadline } from "./deadline.ts";
 * const never = new Promise<never>(() => {});
 * await withDeadline(never, { peer: "n2", mode: "memory", timeoutMs: 10 })
 *   .catch((e) => console.log(e.code)); // peer_timeout
 * ```
 */
export function withDeadline<T>(
  work: Promise<T>,
  deadline: Deadline,
): Promise<T> {
  const { signal } = deadline;
  if (signal?.aborted) {
    deadline.cancel?.();
    return Promise.reject(signal.reason);
  }
  const finite = Number.isFinite(deadline.timeoutMs);
  if (!finite && !signal) return work;
  return new Promise<T>((resolve, reject) => {
    const stop = (error: unknown) => {
      cleanup();
      deadline.cancel?.();
      reject(error);
    };
    const onAbort = () => stop(signal!.reason);
    const timer = finite
      ? setTimeout(
        () =>
          stop(
            new PeerError(
              "peer_timeout",
              deadline.peer,
              `no answer within ${deadline.timeoutMs} ms`,
              { mode: deadline.mode, timeoutMs: deadline.timeoutMs },
            ),
          ),
        deadline.timeoutMs,
      )
      : undefined;
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error) => {
        cleanup();
        reject(error);
      },
    );
  });
}
