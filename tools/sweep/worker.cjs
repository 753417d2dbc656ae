// Entry of a sweep worker thread: TypeScript through tsx's require hook, then the worker loop.
"use strict";
require("../../scripts/tsx-cjs.cjs"); // tsx for the sources, packages on Node's own loader
require("./worker-main.ts");
