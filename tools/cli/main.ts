/**
 * The `iommu-lab` command line: `iommu-lab <command> [arguments] [options]`, commands declared in
 * ./commands (run, eras, drivers, matrix, sweep, help), parsed by ./args. A command's module is
 * loaded only when it runs, so `--help`, `--version` and usage errors answer without loading
 * the library.
 * Exit codes: 0 done, 2 bad input or usage (one line naming the file and JSON path, or the
 * argument), 1 internal error.
 */
import { createRequire } from "node:module";
import { ERA_IDS, isEraId, type EraId } from "../../lib/eras.ts";
import { closest, helpText, parseCommand, projectVersion, quote, UsageError } from "./args.ts";
import { COMMANDS, commandsWithFlag, globalHelp, type CommandName } from "./commands.ts";

/**
 * A command's module is loaded when it runs: by CommonJS `require` under Node (tsx, and bundlers,
 * which follow these literal require calls), and under Deno, whose ES modules have no `require`,
 * by one made with createRequire (only then is import.meta read; tslab never loads this file).
 * Both name the same source file, `.ts` included; scripts/build.cjs makes the compiled
 * module's require `.js` and the bundle inlines the module.
 */
const deno = (file: string): unknown => createRequire(import.meta.url)(file);
const cjs = typeof require === "function";
const load = {
  describe: () => (cjs ? require("./describe.ts") : deno("./describe.ts")) as typeof import("./describe.ts"),
  run: () => (cjs ? require("./run.ts") : deno("./run.ts")) as typeof import("./run.ts"),
  sweep: () => (cjs ? require("../sweep/cli.ts") : deno("../sweep/cli.ts")) as typeof import("../sweep/cli.ts"),
  output: () => (cjs ? require("../../lib/output.ts") : deno("../../lib/output.ts")) as typeof import("../../lib/output.ts"),
  inputError: () => ((cjs ? require("../../lib/scenario/load.ts") : deno("../../lib/scenario/load.ts")) as typeof import("../../lib/scenario/load.ts")).InputError,
};

function isCommand(c: string): c is CommandName {
  return Object.prototype.hasOwnProperty.call(COMMANDS, c);
}

/** Prints a help or version text: exit code 0. */
function say(text: string): number {
  console.log(text);
  return 0;
}

function main(argv: string[]): number {
  const [first, ...rest] = argv;
  if (first === undefined) {
    console.log(globalHelp(projectVersion()));
    return 2;
  }
  if (first === "--help" || first === "-h") return say(globalHelp(projectVersion()));
  if (first === "--version" || first === "-v") return say(projectVersion());
  if (first.startsWith("-")) {
    const flag = first.split("=")[0]!;
    const cmd = rest.find(isCommand) ?? (Object.keys(COMMANDS) as CommandName[]).find((c) => flag.slice(2) in COMMANDS[c].flags);
    throw new UsageError(flag.startsWith("--") && cmd && flag.slice(2) in COMMANDS[cmd].flags ? `${flag} goes after the command (iommu-lab ${cmd} ... ${flag})` : `unknown option ${quote(first)}; expected a command first`);
  }
  if (!isCommand(first)) {
    const near = closest(first, Object.keys(COMMANDS));
    throw new UsageError(`unknown command ${quote(first)}${near ? `; did you mean ${near}?` : ""} (commands: ${Object.keys(COMMANDS).join(", ")})`);
  }
  const cmd = first;
  const elsewhere = (flag: string) => commandsWithFlag(cmd, flag);
  if (cmd === "help") {
    const { values, positionals } = parseCommand(COMMANDS.help, rest, elsewhere);
    const topic = values.help ? "help" : positionals[0];
    if (topic === undefined) return say(globalHelp(projectVersion()));
    if (!isCommand(topic)) throw new UsageError(`unknown command ${quote(topic)} (commands: ${Object.keys(COMMANDS).join(", ")})`);
    return say(helpText(COMMANDS[topic]));
  }
  // With --out the output goes to a file (never one of the inputs), through a temporary file in
  // the same folder, so a failure never leaves a half-written file behind: lib/output.
  const emit = (out: string | undefined, s: string, inputs: readonly string[] = []) => {
    if (out === undefined) return console.log(s);
    load.output().writeOutFile(out, s + "\n", inputs);
  };
  switch (cmd) {
    case "eras": {
      const { values } = parseCommand(COMMANDS.eras, rest, elsewhere);
      if (values.help) return say(helpText(COMMANDS.eras));
      const d = load.describe();
      emit(values.out, values.json ? JSON.stringify(d.erasData(), null, 2) : d.erasText());
      return 0;
    }
    case "drivers": {
      const { values } = parseCommand(COMMANDS.drivers, rest, elsewhere);
      if (values.help) return say(helpText(COMMANDS.drivers));
      const d = load.describe();
      emit(values.out, values.json ? JSON.stringify(d.driversData(), null, 2) : d.driversText());
      return 0;
    }
    case "matrix": {
      const { values } = parseCommand(COMMANDS.matrix, rest, elsewhere);
      if (values.help) return say(helpText(COMMANDS.matrix));
      const d = load.describe();
      const rows = d.matrixData();
      emit(values.out, values.json ? JSON.stringify(rows, null, 2) : values.csv ? d.matrixCsv(rows) : d.matrixText(rows));
      return 0;
    }
    case "sweep": {
      const { values, positionals } = parseCommand(COMMANDS.sweep, rest, elsewhere);
      if (values.help) return say(helpText(COMMANDS.sweep));
      const workers = values.workers === undefined ? undefined : Number(values.workers);
      if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1 && workers <= 64)) throw new UsageError(`--workers: expected an integer from 1 to 64, got ${quote(values.workers!)}`, COMMANDS.sweep.name);
      return load.sweep().sweepCli(positionals[0]!, { out: values.out, json: values.json, csv: values.csv, workers });
    }
    case "run": {
      const { values, positionals } = parseCommand(COMMANDS.run, rest, elsewhere);
      if (values.help) return say(helpText(COMMANDS.run));
      if (values.era !== undefined && !isEraId(values.era)) {
        const near = closest(values.era, ERA_IDS);
        throw new UsageError(`--era: unknown era ${quote(values.era)}${near ? `; did you mean ${near}?` : ""} (expected one of: ${ERA_IDS.join(", ")})`, COMMANDS.run.name);
      }
      const r = load.run().runCommand(positionals[0]!, { era: values.era as EraId | undefined, variants: values.variant, trace: values.trace === true });
      emit(values.out, values.json ? JSON.stringify(r, null, 2) : load.run().runText(r), [positionals[0]!]);
      return 0;
    }
  }
}

export function cli(argv: string[]): number {
  try {
    return main(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`iommu-lab: ${e.message} (${e.command ?? "iommu-lab"} --help for usage)`);
      return 2;
    }
    // Deno refusing a permission (NotCapable; PermissionDenied before Deno 2): its own message names the flag to add.
    if (e instanceof Error && (e.name === "NotCapable" || e.name === "PermissionDenied")) {
      console.error(`iommu-lab: ${e.message.split("\n")[0]}`);
      return 2;
    }
    // Only a command that has loaded the scenario loader throws InputError: requiring it then costs nothing.
    if (e instanceof load.inputError()) {
      console.error(`iommu-lab: ${e.message}`);
      return 2;
    }
    console.error(`iommu-lab: internal error: ${(e as Error).message}`);
    if (process.env["IOMMU_LAB_DEBUG"]) console.error((e as Error).stack);
    else console.error("(set IOMMU_LAB_DEBUG=1 for the stack trace; please report it)");
    return 1;
  }
}
