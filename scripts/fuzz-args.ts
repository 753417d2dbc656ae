/**
 * `npm run fuzz`'s command line, parsed by the first module scripts/fuzz.ts imports: `--help` and
 * a bad flag answer (and exit) before the library and fast-check are loaded.
 */
import { parseScriptArgs } from "../tools/cli/args.ts";
import { ERA_IDS, type EraId, isEraId } from "../lib/eras.ts";

const { values } = parseScriptArgs(
  {
    name: "npm run fuzz --",
    summary: "The long property campaign: random machines and operation sequences per era, every promise checked after every step.",
    flags: {
      runs: { type: "string", arg: "N", help: "sequences per era (default 100000)" },
      seed: { type: "string", arg: "S", help: "master seed; each era plays from its own seed derived from it (default 1)" },
      era: { type: "string", arg: "ID", help: `one era only (${ERA_IDS.join(", ")})` },
    },
    notes: "Exit code 1 on the first violation, with fast-check's shrunk counterexample.",
    examples: ["npm run fuzz", "npm run fuzz -- --runs 2000 --era mainline-2025 --seed 7"],
  },
  process.argv.slice(2),
);
export const runs = Number(values.runs ?? 100_000);
export const seed = Number(values.seed ?? 1);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  console.error("fuzz: --runs and --seed take integers");
  process.exit(2);
}
if (values.era !== undefined && !isEraId(values.era)) {
  console.error(`fuzz: unknown era ${JSON.stringify(values.era)} (expected one of: ${ERA_IDS.join(", ")})`);
  process.exit(2);
}
export const eras: readonly EraId[] = values.era ? [values.era as EraId] : ERA_IDS;
