/**
 * The classroom checker: `npm run check` (see tools/exercises/cli.ts for the options, or
 * `npm run check -- --help`).
 */
import { main } from "../tools/exercises/cli.ts";

// `npm run check | head`: a closed pipe ends the run quietly instead of with a stack trace.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`check: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
