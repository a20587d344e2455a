/**
 * Connecting a node to its NATS server with the options NATS users expect:
 * a URL (or several), a `.creds` file, user and password, a token, a CA
 * for TLS. The connection reconnects by itself, forever.
 *
 * @module
 */
import {
  type Authenticator,
  connect,
  credsAuthenticator,
  type NatsConnection,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
} from "@nats-io/transport-node";
import { NatsConfigError } from "./errors.ts";

/**
 * How to reach NATS.
 *
 * @example
 * ```ts
 * import type { NatsOptions } from "./connect.ts";
 * const options: NatsOptions = { servers: ["nats://127.0.0.1:4222"], user: "eddy", password: "s3cret" };
 * ```
 */
export interface NatsOptions {
  /** `nats://host:port` (or `tls://…`), one or more. */
  servers: string[];
  /** A `.creds` file (JWT and NKey seed). */
  credsFile?: string;
  user?: string;
  password?: string;
  token?: string;
  /** PEM file of the CA that signs the server's certificate. */
  tlsCaFile?: string;
  /** Name the connection shows in the server's monitoring. */
  name?: string;
  /**
   * Keep trying until the first connection succeeds instead of failing
   * (what a store opened while NATS is down does: it reads its replica
   * meanwhile).
   */
  waitOnFirstConnect?: boolean;
}

/**
 * Connects, or throws {@linkcode NatsConfigError} saying why not.
 *
 * @example
 * ```ts ignore
 * const nc = await connectNats({ servers: ["nats://127.0.0.1:4222"] });
 * ```
 */
export async function connectNats(
  options: NatsOptions,
): Promise<NatsConnection> {
  const authenticator: Authenticator[] = [];
  if (options.credsFile !== undefined) {
    let creds: Uint8Array;
    try {
      creds = await Deno.readFile(options.credsFile);
    } catch (error) {
      throw new NatsConfigError(
        `--nats-creds: cannot read '${options.credsFile}': ${
          (error as Error).message
        }`,
      );
    }
    authenticator.push(credsAuthenticator(creds));
  }
  if (options.user !== undefined) {
    authenticator.push(
      usernamePasswordAuthenticator(options.user, options.password),
    );
  }
  if (options.token !== undefined) {
    authenticator.push(tokenAuthenticator(options.token));
  }
  if (authenticator.length > 1) {
    throw new NatsConfigError(
      "give one of --nats-creds, --nats-user/--nats-password, --nats-token",
    );
  }
  try {
    return await connect({
      servers: options.servers,
      name: options.name,
      ...(authenticator.length ? { authenticator: authenticator[0] } : {}),
      ...(options.tlsCaFile ? { tls: { caFile: options.tlsCaFile } } : {}),
      maxReconnectAttempts: -1,
      waitOnFirstConnect: options.waitOnFirstConnect ?? false,
      reconnectTimeWait: 250,
      pingInterval: 2000,
      maxPingOut: 2,
    });
  } catch (error) {
    throw new NatsConfigError(
      `cannot connect to NATS at ${options.servers.join(", ")}: ${
        (error as Error).message
      }`,
    );
  }
}

/**
 * Follows `nc`'s status: the returned function says whether it is
 * connected now, so writes fail at once while it is not (a write buffered
 * across a reconnect could land after its caller was told it failed).
 *
 * @example
 * ```ts ignore
 * const connected = trackConnection(nc);
 * if (!connected()) throw new Error("NATS is unreachable");
 * ```
 */
export function trackConnection(nc: NatsConnection): () => boolean {
  let up = !nc.isClosed();
  (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") up = false;
      else if (status.type === "reconnect") up = true;
    }
  })().catch(() => {});
  return () => up && !nc.isClosed();
}
