/**
 * The worker thread the checker runs student code in (lib/exercises/isolate.ts starts it). It
 * loads the library once, then runs one exercise per request and says which phase it is in, so
 * that the main thread can time each check and stop this thread when one never ends.
 */
import { parentPort } from "worker_threads";
import { runChecks } from "./runner";
import type { WorkerReply, WorkerRequest } from "./isolate";

const port = parentPort;
if (!port) throw new Error("internal: lib/exercises/worker.ts runs as a worker thread only");
const send = (m: WorkerReply) => port.postMessage(m);

port.on("message", (req: WorkerRequest) => {
  runChecks(req.id, req.dir, { ...(req.file ? { file: req.file } : {}), onPhase: (phase) => send({ type: "phase", phase }), onOutcome: (outcome) => send({ type: "outcome", outcome }) }).then(
    (result) => send({ type: "result", result }),
    (e: unknown) => send({ type: "internal", message: e instanceof Error ? e.message : String(e) }),
  );
});
send({ type: "ready" });
