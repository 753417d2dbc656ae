#!/usr/bin/env node
// Entry point of the `iommu-lab` command: the TypeScript sources run through tsx, no build step.
"use strict";
require("tsx/cjs");
const { cli } = require("../lib/cli/main.ts");
process.exitCode = cli(process.argv.slice(2));
