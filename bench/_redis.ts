/**
 * A real `redis-server` (Debian's) for the remote-store baselines: started
 * on a free loopback port with persistence off, stopped by the benchmark
 * that started it. Clients are npm `redis` (node-redis), the client a
 * Node.js function would use.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createClient } from "./_deps.ts";
import { track } from "./_nodes.ts";

/** A connected node-redis client that reads values as bytes. */
export type RedisClient = ReturnType<typeof createClient>;

/** A running redis-server. */
export interface BenchRedis extends AsyncDisposable {
  port: number;
  pid: number;
  /** SIGTERM (SIGKILL after 3 s) and wait. */
  stop(): Promise<void>;
}

let installTried: Promise<string | undefined> | undefined;

/**
 * Makes sure `redis-server` is on PATH: with `install`, as root with apt,
 * installs Debian's `redis-server` when it is missing (once per process).
 * Resolves to `undefined` when it is there, else to why it is not.
 *
 * @example
 * ```ts ignore
 * const missing = await ensureRedisServer({ install: false });
 * if (missing) console.log(`no Redis baseline: ${missing}`);
 * ```
 */
export async function ensureRedisServer(
  options = { install: true },
): Promise<string | undefined> {
  if (await runs("redis-server", ["--version"])) return undefined;
  if (!options.install) {
    return "redis-server is not installed (apt-get install -y redis-server)";
  }
  installTried ??= (async () => {
    if (Deno.uid() !== 0) {
      return "redis-server is not installed and this is not root: apt-get install -y redis-server";
    }
    const installed = await runs("apt-get", ["update"]) &&
      await runs("apt-get", ["install", "-y", "redis-server"]);
    if (installed && await runs("redis-server", ["--version"])) {
      return undefined;
    }
    return "redis-server is missing and apt-get could not install it";
  })();
  return installTried;
}

async function runs(command: string, args: string[]): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "null",
      env: { DEBIAN_FRONTEND: "noninteractive" },
    }).output();
    return success;
  } catch {
    return false;
  }
}

/**
 * Starts `redis-server` on a free loopback port, without persistence
 * (`--save '' --appendonly no`), and resolves once it answers PING.
 *
 * @example
 * ```ts ignore
 * await using redis = await startRedis();
 * const client = await connectRedis(redis.port);
 * ```
 */
export async function startRedis(): Promise<BenchRedis> {
  // The runner installs it (bench/run.ts); here it must be there.
  const missing = await ensureRedisServer({ install: false });
  if (missing) throw new Error(missing);
  const port = freePort();
  const child = new Deno.Command("redis-server", {
    args: [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const untrack = track(child.pid);
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, 3000);
    await child.status;
    clearTimeout(timer);
    untrack();
  };
  try {
    const client = await connectRedis(port, 5000);
    await client.quit();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    port,
    pid: child.pid,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * A node-redis client on `port`, retrying the connection for up to
 * `waitMs` (a server that was just started may not listen yet).
 *
 * @example
 * ```ts ignore
 * const client = await connectRedis(redis.port);
 * await client.set("k", Buffer.from("v"));
 * ```
 */
export async function connectRedis(
  port: number,
  waitMs = 0,
): Promise<RedisClient> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const client = createClient({
      socket: { host: "127.0.0.1", port, reconnectStrategy: false },
    });
    client.on("error", () => {
      // Connection errors reject connect() or the command that met them.
    });
    try {
      await client.connect();
      return client;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * GET as bytes (node-redis returns strings unless told otherwise).
 *
 * @example
 * ```ts ignore
 * const value = await getBytes(client, "k");
 * ```
 */
export async function getBytes(
  client: RedisClient,
  key: string,
): Promise<Uint8Array> {
  const value = await client.get(
    client.commandOptions({ returnBuffers: true }),
    key,
  );
  if (value === null) throw new Error(`redis: no value at ${key}`);
  return value;
}

/**
 * SET bytes with a 60 s expiry, so a run that fails midway leaves nothing
 * behind for long.
 *
 * @example
 * ```ts ignore
 * await setBytes(client, "k", new Uint8Array(1024));
 * ```
 */
export async function setBytes(
  client: RedisClient,
  key: string,
  value: Uint8Array,
): Promise<void> {
  await client.set(
    key,
    Buffer.from(value.buffer, value.byteOffset, value.byteLength),
    { PX: 60_000 },
  );
}

/** A free TCP port on loopback (the listener is closed at once). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
