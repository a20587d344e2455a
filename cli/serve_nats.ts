/**
 * `eddy serve --nats URL ...`: the NATS settings of a node, checked.
 *
 * @module
 */
import { join } from "node:path";
import type { NatsClusterOptions } from "../nats/mod.ts";
import { keyValues, UsageError } from "./args.ts";

/** What `serve --help` says about NATS. */
export const NATS_HELP = `cluster on NATS JetStream (instead of --peer polling):
  --nats URL             this node's NATS server, nats://host:4222 (repeatable
                         for a NATS cluster); membership and state go through it
  --nats-creds FILE      a .creds file (JWT + NKey seed)
  --nats-user USER, --nats-password PASSWORD, --nats-token TOKEN
  --nats-tls-ca FILE     CA certificate that signs the NATS server's (tls://)
  --nats-domain DOMAIN   the JetStream domain of this node's server (a leaf's own)
  --nats-hub-domain DOMAIN
                         the hub's domain, where nodes register (default: --nats-domain)
  --state-home BUCKET=DOMAIN
                         bucket BUCKET lives in DOMAIN; this site keeps a mirror
                         (repeatable; default: every bucket lives in --nats-domain)`;

/**
 * The NATS options the flags ask for, or undefined without `--nats`.
 *
 * @example
 * ```ts
 * import { natsOptions } from "./serve_nats.ts";
 * const options = natsOptions({ nats: ["nats://127.0.0.1:4222"] }, "/var/lib/eddy");
 * console.log(options?.replicaPath); // /var/lib/eddy/state-replica.sqlite
 * ```
 */
export function natsOptions(
  values: Record<string, unknown>,
  dataDir: string,
): NatsClusterOptions | undefined {
  const servers = values.nats as string[] | undefined;
  const others = Object.keys(values).filter((k) =>
    (k.startsWith("nats-") || k === "state-home") && values[k] !== undefined
  );
  if (!servers?.length) {
    if (others.length) {
      throw new UsageError("serve", `--${others[0]} needs --nats URL`);
    }
    return undefined;
  }
  for (const url of servers) {
    if (!/^(nats|tls|wss?):\/\/[^\s/]+\/?$|^[^\s/:]+:\d+$/.test(url)) {
      throw new UsageError(
        "serve",
        `--nats wants a server URL like nats://127.0.0.1:4222, got '${url}'`,
      );
    }
  }
  const string = (key: string) => values[key] as string | undefined;
  if (string("nats-password") !== undefined && !string("nats-user")) {
    throw new UsageError("serve", "--nats-password needs --nats-user");
  }
  const homes = keyValues("serve", "--state-home", values["state-home"]);
  return {
    servers,
    credsFile: string("nats-creds"),
    user: string("nats-user"),
    password: string("nats-password"),
    token: string("nats-token"),
    tlsCaFile: string("nats-tls-ca"),
    domain: string("nats-domain"),
    hubDomain: string("nats-hub-domain"),
    homes,
    replicaPath: join(dataDir, "state-replica.sqlite"),
  };
}
