// Entry of a sweep worker thread: TypeScript through tsx's require hook, then the worker loop.
"use strict";
require("tsx/cjs");
require("./worker-main.ts");
