/**
 * `eddy serve --config FILE`: the same settings as the flags, from YAML.
 *
 * @module
 */
import { parse } from "yaml";
import { type FlagSpec, type ParsedFlags, UsageError } from "./args.ts";

/** The flags of `eddy serve`, which are also the keys of its config file. */
export const SERVE_FLAGS = {
  port: { type: "string" },
  hostname: { type: "string" },
  "data-dir": { type: "string" },
  token: { type: "string" },
  workers: { type: "string" },
  "max-module-size": { type: "string" },
  "max-buffered": { type: "string" },
  "memory-budget": { type: "string" },
  "node-id": { type: "string" },
  "host-id": { type: "string" },
  zone: { type: "string" },
  region: { type: "string" },
  label: { type: "string", multiple: true },
  peer: { type: "string", multiple: true },
  advertise: { type: "string" },
  socket: { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "tls-port": { type: "string" },
  "tls-ca": { type: "string" },
  "allowed-host": { type: "string", multiple: true },
  nats: { type: "string", multiple: true },
  "nats-creds": { type: "string" },
  "nats-user": { type: "string" },
  "nats-password": { type: "string" },
  "nats-token": { type: "string" },
  "nats-tls-ca": { type: "string" },
  "nats-domain": { type: "string" },
  "nats-hub-domain": { type: "string" },
  "state-home": { type: "string", multiple: true },
} as const satisfies FlagSpec;

/** Settings of `eddy serve`, from flags or a config file. */
export type ServeSettings = Partial<ParsedFlags<typeof SERVE_FLAGS>["values"]>;

/**
 * Reads a config file into flag values. Keys are the long flag names;
 * `label` and `state-home` may be maps, `peer` and `nats` lists. Unknown keys are errors.
 *
 * @example
 * ```yaml
 * # eddy.yaml
 * port: 8080
 * hostname: 0.0.0.0
 * data-dir: /var/lib/eddy
 * node-id: pi-kitchen
 * zone: home
 * label: { tier: edge }
 * peer: [http://10.0.0.2:8080]
 * # or, on NATS:
 * nats: nats://127.0.0.1:4222
 * nats-domain: edge
 * nats-hub-domain: cloud
 * state-home: { thresholds: cloud }
 * ```
 */
export async function readConfig(
  path: string,
): Promise<ServeSettings> {
  let document: unknown;
  try {
    document = parse(await Deno.readTextFile(path));
  } catch (error) {
    throw new UsageError(
      "serve",
      `--config ${path}: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== "object" || Array.isArray(document)) {
    throw new UsageError(
      "serve",
      `--config ${path}: must be a map of settings`,
    );
  }
  const values: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(document)) {
    const spec = (SERVE_FLAGS as FlagSpec)[key];
    if (!spec) {
      throw new UsageError(
        "serve",
        `--config ${path}: unknown setting '${key}' (known: ${
          Object.keys(SERVE_FLAGS).join(", ")
        })`,
      );
    }
    if (
      (key === "label" || key === "state-home") && value &&
      typeof value === "object" && !Array.isArray(value)
    ) {
      values[key] = Object.entries(value).map(([k, v]) => `${k}=${v}`);
    } else if (spec.multiple) {
      values[key] = (Array.isArray(value) ? value : [value]).map(String);
    } else if (value !== null && typeof value === "object") {
      throw new UsageError(
        "serve",
        `--config ${path}: '${key}' must be a single value`,
      );
    } else {
      values[key] = String(value);
    }
  }
  return values as ServeSettings;
}
