/**
 * The `iommu-lab` subcommands as declarations: what each takes, its help and examples. Kept
 * free of the library so that `iommu-lab --help` loads nothing else (tools/cli/main.ts loads a
 * command's module only when it runs).
 */
import { ERA_IDS } from "../../lib/eras.ts";
import type { CommandSpec } from "./args.ts";

const json = { type: "boolean", help: "print JSON instead of text" } as const;
const out = { type: "string", arg: "FILE", help: "write the output to FILE instead of the terminal" } as const;
const ex = "hardware/platforms/arm-server-2x-smmuv3.json";

export const RUN = {
  name: "iommu-lab run",
  summary: "Run a scenario file (a platform and a list of steps) through the core, its drivers and consumers in one era.",
  args: ["<scenario.json>"],
  flags: {
    era: { type: "string", arg: "ID", help: `the era to run in, instead of the scenario's own (${ERA_IDS.join(", ")})` },
    variant: { type: "string", multiple: true, arg: "DRIVER:NAME", help: "turn on a driver's \"what if\" variant (iommu-lab drivers lists them), instead of the scenario's" },
    json,
    trace: { type: "boolean", help: "add every core and driver call to the JSON" },
    out,
  },
  notes: "A variant that changes nothing in the chosen era is run, with a warning on stderr.",
  examples: [`iommu-lab run ${ex} --era pre-2022`, `iommu-lab run ${ex} --era mainline-2025 --variant arm-smmu-v3:regression-48e7b8e284e5`, `iommu-lab run ${ex} --json --trace --out run.json`],
} as const satisfies CommandSpec;

export const ERAS = {
  name: "iommu-lab eras",
  summary: "List the six eras of the attach error contract, with their dates and sources.",
  flags: { json, out },
  examples: ["iommu-lab eras", "iommu-lab eras --json"],
} as const satisfies CommandSpec;

export const DRIVERS = {
  name: "iommu-lab drivers",
  summary: "List every hardware driver's checks with errno and printk level per era, and its \"what if\" variants with what they change.",
  flags: { json, out },
  examples: ["iommu-lab drivers", "iommu-lab drivers --json"],
} as const satisfies CommandSpec;

export const MATRIX = {
  name: "iommu-lab matrix",
  summary: "Play every driver check's recipe through the core in every era and print what the model produces next to what the driver data declares.",
  flags: { json, csv: { type: "boolean", help: "print CSV instead of text" }, out },
  conflicts: [["csv", "json"]],
  examples: ["iommu-lab matrix", "iommu-lab matrix --csv > matrix.csv"],
} as const satisfies CommandSpec;

export const SWEEP = {
  name: "iommu-lab sweep",
  summary: "Run a fleet-scale what-if experiment: every consumer x era x variant set x seed over a generated fleet.",
  args: ["<experiment.json>"],
  flags: {
    out: { type: "string", arg: "DIR", help: "write sweep.csv, sweep.json, the charts and index.html to DIR" },
    json,
    csv: { type: "boolean", help: "print the tidy table as CSV instead of text" },
    workers: { type: "string", arg: "N", help: "worker threads, 1 to 64 (default: one per core)" },
  },
  conflicts: [["csv", "json"]],
  notes: "Eras and variants come from the experiment file (its \"eras\" and \"variants\"), not from flags.",
  examples: ["iommu-lab sweep experiments/log-spam-10k-vfs.json", "iommu-lab sweep experiments/what-if-smmuv3-regression.json --out build/what-if", "iommu-lab sweep experiments/mixed-fleet-all-eras.json --csv --workers 1"],
} as const satisfies CommandSpec;

export const HELP_CMD = {
  name: "iommu-lab help",
  summary: "Print the help of a command (or the list of commands).",
  optionalArgs: ["[command]"],
  flags: {},
  examples: ["iommu-lab help run"],
} as const satisfies CommandSpec;

export const COMMANDS = { run: RUN, eras: ERAS, drivers: DRIVERS, matrix: MATRIX, sweep: SWEEP, help: HELP_CMD } as const;
export type CommandName = keyof typeof COMMANDS;

/** The commands other than `cmd` that take `--flag`, as "sweep" or "run, sweep". */
export function commandsWithFlag(cmd: CommandName, flag: string): string | undefined {
  const names = (Object.keys(COMMANDS) as CommandName[]).filter((c) => c !== cmd && flag in COMMANDS[c].flags);
  return names.length ? names.join(", ") : undefined;
}

export function globalHelp(version: string): string {
  const w = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    `iommu-lab ${version}: the Linux IOMMU attach core, its drivers and consumers, per era of the errno contract`,
    "",
    "usage: iommu-lab <command> [arguments] [options]",
    "",
    "commands:",
    ...(Object.entries(COMMANDS) as Array<[string, CommandSpec]>).map(([n, s]) => `  ${n.padEnd(w)}  ${s.summary}`),
    "",
    "iommu-lab <command> --help (or iommu-lab help <command>) shows a command's options and examples;",
    "iommu-lab --version prints the version.",
    `eras: ${ERA_IDS.join(", ")}`,
    "exit codes: 0 done, 2 bad input or usage (one line on stderr), 1 internal error",
  ].join("\n");
}
