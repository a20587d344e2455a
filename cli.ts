/**
 * The `eddy` command line: `deno run -A cli.ts COMMAND`.
 *
 * @module
 */
import { main } from "./cli/main.ts";

if (import.meta.main) Deno.exit(await main(Deno.args));
