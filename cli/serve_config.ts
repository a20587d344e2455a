/**
 * `eddy serve --config FILE`: the same settings as the flags, from YAML.
 *
 * @module
 */
import {
  DocumentReader,
  fieldPath,
  isNull,
  type Tree,
} from "../runtime/document/mod.ts";
import { ManifestError } from "../runtime/errors.ts";
import { type FlagSpec, type ParsedFlags, UsageError } from "./args.ts";

/** Config files are read like every other document; refusals become usage errors. */
const READER: DocumentReader = new DocumentReader({
  code: "invalid_config",
  noun: "config",
});

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
  "max-queue-wait": { type: "string" },
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
 * `label` and `state-home` may be maps, `peer` and `nats` lists; a key
 * with nothing after it sets nothing. Unknown keys and values of the wrong
 * shape are usage errors naming the key, its line and column.
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
  const refused = (message: string) =>
    new UsageError("serve", `--config ${path}: ${message}`);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw refused((error as Error).message);
  }
  try {
    return settingsOf(await READER.parse(text));
  } catch (error) {
    if (error instanceof ManifestError) throw refused(error.message);
    throw error;
  }
}

/** The flag values of a config document (an empty one sets nothing). */
function settingsOf(root: Tree | undefined): ServeSettings {
  if (!root || isNull(root)) return {};
  const settings = READER.map(root, "");
  READER.checkKeys(settings, "", Object.keys(SERVE_FLAGS), []);
  const values: Record<string, string | string[]> = {};
  for (const { key, value } of settings.entries) {
    // `key:` with nothing after it sets nothing, as if it were left out.
    if (isNull(value)) continue;
    if ((key === "label" || key === "state-home") && value.kind === "map") {
      values[key] = value.entries.map((entry) =>
        `${entry.key}=${READER.text(entry.value, fieldPath(key, entry.key))}`
      );
    } else if ((SERVE_FLAGS as FlagSpec)[key].multiple) {
      const items = value.kind === "seq" ? value.items : [value];
      values[key] = items.map((item, i) =>
        READER.text(item, value.kind === "seq" ? fieldPath(key, i) : key)
      );
    } else {
      values[key] = READER.text(value, key);
    }
  }
  return values as ServeSettings;
}
