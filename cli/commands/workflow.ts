/**
 * `eddy workflow`: deploy, list, remove and invoke workflows.
 *
 * @module
 */
import { parseFlags, UsageError } from "../args.ts";
import { Client, CLIENT_FLAGS, CLIENT_HELP } from "../client.ts";
import type { Command } from "../command.ts";
import { alignFlags } from "../help.ts";
import { readInput } from "./invoke.ts";

const HELP = alignFlags(`usage: eddy workflow deploy [FLAGS] SPEC.yaml
       eddy workflow invoke [FLAGS] NAME [--data TEXT | --file PATH] [--trace]
       eddy workflow ls [FLAGS]
       eddy workflow rm [FLAGS] NAME...

Workflows are data flows of functions (see README.md, "Workflows"). invoke
writes the output to stdout.

  --data TEXT    invoke: input text
  --file PATH    invoke: input file (else stdin)
  --trace        invoke: print the run's trace (JSON) to stderr
${CLIENT_HELP}`);

/** `eddy workflow`. */
export const workflowCommand: Command = {
  name: "workflow",
  summary: "deploy, list, remove and invoke workflows",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags("workflow", argv, {
      ...CLIENT_FLAGS,
      data: { type: "string" },
      file: { type: "string" },
      trace: { type: "boolean" },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const [action, ...names] = positionals;
    const client = new Client(values as { url?: string; token?: string });
    switch (action) {
      case "deploy": {
        if (names.length !== 1) {
          throw new UsageError("workflow", "deploy wants one SPEC.yaml");
        }
        const deployed = await client.json<{ name: string }>(
          "POST",
          "/v1/workflows",
          await readInput("workflow", names[0]),
          // JSON is YAML, so one type fits every spec file.
          { "content-type": "application/yaml" },
        );
        console.log(`deployed workflow ${deployed.name}`);
        return 0;
      }
      case "invoke": {
        if (names.length !== 1) {
          throw new UsageError("workflow", "invoke wants one NAME");
        }
        const input = values.data !== undefined
          ? new TextEncoder().encode(values.data as string)
          : values.file !== undefined
          ? await readInput("workflow", values.file as string)
          : Deno.stdin.isTerminal()
          ? new Uint8Array()
          : new Uint8Array(
            await new Response(Deno.stdin.readable).arrayBuffer(),
          );
        const response = await client.request(
          "POST",
          `/workflows/${encodeURIComponent(names[0])}`,
          input,
        );
        await Deno.stdout.write(new Uint8Array(await response.arrayBuffer()));
        if (values.trace) {
          const trace = JSON.parse(
            response.headers.get("x-eddy-trace") ?? "[]",
          );
          console.error(JSON.stringify(trace, null, 2));
        }
        return 0;
      }
      case "ls": {
        const { workflows } = await client.json<
          {
            workflows: {
              name: string;
              spec: { steps: unknown[] };
              deployedAt: string;
            }[];
          }
        >("GET", "/v1/workflows");
        for (const w of workflows) {
          console.log(
            `${w.name}\t${w.spec.steps.length} steps\t${w.deployedAt}`,
          );
        }
        return 0;
      }
      case "rm": {
        if (!names.length) throw new UsageError("workflow", "rm wants a NAME");
        for (const name of names) {
          await client.json(
            "DELETE",
            `/v1/workflows/${encodeURIComponent(name)}`,
          );
          console.log(`removed workflow ${name}`);
        }
        return 0;
      }
    }
    throw new UsageError(
      "workflow",
      `wants deploy, invoke, ls or rm, got '${action ?? ""}'`,
    );
  },
};
