/**
 * `eddy kv`: read and write function state on a node (`/v1/kv`).
 *
 * @module
 */
import { parseFlags, UsageError } from "../args.ts";
import { Client, CLIENT_FLAGS, CLIENT_HELP } from "../client.ts";
import type { Command } from "../command.ts";
import { readInput } from "./invoke.ts";

const HELP = `usage: eddy kv get [FLAGS] BUCKET KEY [--revision]
       eddy kv put [FLAGS] BUCKET KEY [--data TEXT | --file PATH] [--if-match REV | --create]
       eddy kv rm [FLAGS] BUCKET KEY [--if-match REV]
       eddy kv ls [FLAGS] BUCKET [--prefix P]

Function state (see README.md, "State"). get writes the value to stdout
(--revision prints its revision to stderr); put takes the value from
--data, --file or stdin and prints the new revision; --if-match REV writes
only if the key is still at revision REV, --create only if it does not
exist; ls prints every key, one per line.

${CLIENT_HELP}`;

/** `eddy kv`. */
export const kvCommand: Command = {
  name: "kv",
  summary: "get, put, remove and list keys of function state",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags("kv", argv, {
      ...CLIENT_FLAGS,
      data: { type: "string" },
      file: { type: "string" },
      "if-match": { type: "string" },
      create: { type: "boolean" },
      revision: { type: "boolean" },
      prefix: { type: "string" },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const [action, bucket, key, ...extra] = positionals;
    const client = new Client(values as { url?: string; token?: string });
    const wants = (n: number, what: string) => {
      const given = [bucket, key].filter((p) => p !== undefined).length;
      if (given !== n || extra.length) {
        throw new UsageError("kv", `${action} wants ${what}`);
      }
    };
    const path = () =>
      `/v1/kv/${encodeURIComponent(bucket)}/${encodeURIComponent(key)}`;
    const conditions = (): Record<string, string> => {
      const match = values["if-match"] as string | undefined;
      if (match !== undefined) return { "if-match": `"${match}"` };
      return values.create ? { "if-none-match": "*" } : {};
    };
    switch (action) {
      case "get": {
        wants(2, "BUCKET KEY");
        const response = await client.request("GET", path());
        await Deno.stdout.write(new Uint8Array(await response.arrayBuffer()));
        if (values.revision) {
          console.error(response.headers.get("etag")?.replaceAll('"', ""));
        }
        return 0;
      }
      case "put": {
        wants(2, "BUCKET KEY");
        const value = values.data !== undefined
          ? new TextEncoder().encode(values.data as string)
          : values.file !== undefined
          ? await readInput("kv", values.file as string)
          : new Uint8Array(
            await new Response(Deno.stdin.readable).arrayBuffer(),
          );
        const { revision } = await client.json<{ revision: string }>(
          "PUT",
          path(),
          value,
          { "content-type": "application/octet-stream", ...conditions() },
        );
        console.log(revision);
        return 0;
      }
      case "rm": {
        wants(2, "BUCKET KEY");
        await client.json("DELETE", path(), undefined, conditions());
        console.log(`removed ${key}`);
        return 0;
      }
      case "ls": {
        wants(1, "BUCKET");
        let after: string | undefined;
        do {
          const query = new URLSearchParams({
            ...(values.prefix ? { prefix: values.prefix as string } : {}),
            ...(after ? { after } : {}),
          });
          const page = await client.json<{ keys: string[]; next?: string }>(
            "GET",
            `/v1/kv/${encodeURIComponent(bucket)}?${query}`,
          );
          for (const k of page.keys) console.log(k);
          after = page.next;
        } while (after !== undefined);
        return 0;
      }
      default:
        throw new UsageError(
          "kv",
          action === undefined
            ? "missing get, put, rm or ls"
            : `unknown action '${action}'; use get, put, rm or ls`,
        );
    }
  },
};
