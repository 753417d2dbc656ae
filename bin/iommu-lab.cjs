#!/usr/bin/env node
// Entry point of the `iommu-lab` command. It runs the bundle dist/iommu-lab.cjs (scripts/build.cjs)
// when that is newer than every source, else the TypeScript sources through tsx: the same code,
// only slower to start. IOMMU_LAB_SOURCES=1 forces the sources.
"use strict";
const { isCurrent } = require("../scripts/build.cjs");
let cli;
if (process.env.IOMMU_LAB_SOURCES !== "1" && isCurrent()) {
  cli = require("../dist/iommu-lab.cjs").cli;
} else {
  require("../scripts/tsx-cjs.cjs");
  cli = require("../tools/cli/main.ts").cli;
}
process.exitCode = cli(process.argv.slice(2));
