#!/usr/bin/env node
// Entry point of `npm run check` (the classroom checker). It runs the bundle dist/check.cjs
// (scripts/build.cjs) when that is newer than every source, else scripts/check.ts through tsx:
// the same checker, only about 0.5 s slower to start. Either way the student's code and the
// exercises' checks run through tsx in the checker's worker thread (tools/exercises/isolate.ts),
// on the library's compiled modules in dist/ when current, else its sources. IOMMU_LAB_SOURCES=1
// forces the sources.
"use strict";
const { isCurrent } = require("./build.cjs");
if (process.env.IOMMU_LAB_SOURCES !== "1" && isCurrent()) {
  require("../dist/check.cjs");
} else {
  require("./tsx-cjs.cjs");
  require("./check.ts");
}
