/**
 * The command line for runtimes that run TypeScript sources directly, e.g. Deno:
 * `deno task iommu-lab eras` (deno.json). Node users run bin/iommu-lab.cjs.
 */
import process from "node:process";
import { cli } from "./main.ts";

process.exitCode = cli(process.argv.slice(2));
