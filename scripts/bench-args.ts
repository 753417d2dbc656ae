/**
 * `npm run bench`'s command line, parsed by the first module scripts/bench.ts imports: `--help`
 * and a bad flag answer (and exit) before the library, the sweep engines and the chart renderer
 * are loaded. `--child N W` is how bench.ts starts the processes it times (not the user's).
 */
import { parseScriptArgs } from "../tools/cli/args.ts";

const argv = process.argv.slice(2);

/** `--child FILE W`: this process is one bench.ts started to time a sweep. */
export const childArgs: { file: string; workers: number } | null = argv[0] === "--child" ? { file: argv[1]!, workers: Number(argv[2]) } : null;

/** The parts `--only` asked for (all when empty). */
export const only: readonly string[] = childArgs
  ? []
  : (() => {
      const { values } = parseScriptArgs(
        {
          name: "npm run bench --",
          summary:
            "What users wait on (ratio lines: CLI over node, notebook import cell over an empty cell, one attach over a minimal function) and how fast the sweep engine is: attempts per second against the practical limit, sweep wall time for 10^4..10^6 devices and peak memory per device, printed as a table and as JSON (several minutes).",
          flags: { only: { type: "string", arg: "PARTS", help: "comma-separated parts to run: cli, notebook, attach, loader, engine, sweep (default all)" } },
          notes: "Writes the growth chart to build/bench/sweep-growth.svg. Not a test: nothing passes or fails.",
          examples: ["npm run bench", "npm run bench -- --only cli,notebook", "npm run bench > bench.txt"],
        },
        argv,
      );
      return values.only === undefined ? [] : String(values.only).split(",");
    })();
