/**
 * Real `nats-server` processes for the cluster tests: a JetStream hub and
 * leaf nodes with their own JetStream domains, on free loopback ports, in
 * temp dirs the tests remove. Tests that need one are ignored, with the
 * reason, where `nats-server` is not installed (`.ci/run` installs it).
 *
 * @module
 */
import { join } from "node:path";

/** Why NATS tests are ignored here, or undefined when they can run. */
export const NATS_MISSING: string | undefined = await (async () => {
  try {
    const { success } = await new Deno.Command("nats-server", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success ? undefined : "nats-server does not run";
  } catch {
    return "nats-server is not installed (Debian: apt-get install nats-server)";
  }
})();
if (NATS_MISSING) console.warn(`NATS cluster tests ignored: ${NATS_MISSING}`);

/** A running `nats-server`. */
export interface NatsServer extends AsyncDisposable {
  /** `nats://127.0.0.1:PORT` for clients. */
  url: string;
  /** Its leafnode listen port (a hub's), for leaves to connect to. */
  leafPort?: number;
  /** Its monitoring endpoint, `http://127.0.0.1:PORT` (`/connz`, `/jsz`). */
  monitorUrl: string;
  domain: string;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and store (after `kill`). */
  restart(): Promise<void>;
}

/**
 * Starts `nats-server` with JetStream in domain `domain`; a hub listens
 * for leaf nodes, a leaf (`leafTo`: the hub's leaf port, or a proxy's)
 * connects to it.
 *
 * @example
 * ```ts ignore
 * await using hub = await startNats({ domain: "cloud", hub: true });
 * await using leaf = await startNats({ domain: "edge", leafTo: hub.leafPort });
 * // or through a link that can be cut:
 * const uplink = startTcpProxy(() => hub2.leafPort!);
 * const hub2 = await startNats({ domain: "cloud", hub: true, advertiseLeaf: uplink.port });
 * ```
 */
export async function startNats(
  options: {
    domain: string;
    hub?: boolean;
    leafTo?: number;
    /**
     * The port a hub tells leaves to reach it at (a proxy's): else a leaf
     * learns the hub's own leafnode port and reconnects around the proxy.
     */
    advertiseLeaf?: number;
  },
): Promise<NatsServer> {
  const dir = await Deno.makeTempDir({ prefix: "eddy-nats-" });
  let clientPort = -1;
  let monitorPort = -1;
  let leafPort = options.hub ? -1 : undefined;
  let child: Deno.ChildProcess | undefined;
  const start = async () => {
    const config = [
      `host: "127.0.0.1"`,
      `port: ${clientPort}`,
      `http: "127.0.0.1:${monitorPort}"`,
      `jetstream { domain: ${options.domain}, store_dir: "${
        join(dir, "js")
      }" }`,
      leafPort !== undefined
        ? `leafnodes { host: "127.0.0.1", port: ${leafPort}${
          options.advertiseLeaf
            ? `, advertise: "127.0.0.1:${options.advertiseLeaf}"`
            : ""
        } }`
        : "",
      options.leafTo !== undefined
        ? `leafnodes { reconnect: 1, remotes: [ { url: "nats-leaf://127.0.0.1:${options.leafTo}" } ] }`
        : "",
    ].join("\n");
    await Deno.writeTextFile(join(dir, "nats.conf"), config);
    child = new Deno.Command("nats-server", {
      args: ["-c", join(dir, "nats.conf")],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const reader = child.stderr.pipeThrough(new TextDecoderStream())
      .getReader();
    let seen = "";
    const timer = setTimeout(() => child?.kill("SIGKILL"), 10_000);
    while (!seen.includes("Server is ready")) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`nats-server exited: ${seen}`);
      seen += value;
    }
    clearTimeout(timer);
    (async () => {
      while (!(await reader.read()).done) { /* drain */ }
    })().catch(() => {});
    clientPort = Number(
      /client connections on [\d.]+:(\d+)/.exec(seen)![1],
    );
    monitorPort = Number(/http monitor on [\d.]+:(\d+)/.exec(seen)![1]);
    if (leafPort !== undefined) {
      leafPort = Number(
        /leafnode connections on [\d.]+:(\d+)/.exec(seen)![1],
      );
    }
  };
  await start();
  const kill = async () => {
    try {
      child?.kill("SIGKILL");
    } catch { /* gone */ }
    await child?.status;
  };
  return {
    get url() {
      return `nats://127.0.0.1:${clientPort}`;
    },
    get leafPort() {
      return leafPort;
    },
    get monitorUrl() {
      return `http://127.0.0.1:${monitorPort}`;
    },
    domain: options.domain,
    kill,
    restart: start,
    [Symbol.asyncDispose]: async () => {
      await kill();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
