/**
 * The worker thread the checker runs student code in (tools/exercises/isolate.ts starts it). It
 * loads the library once, then runs one exercise per request and says which phase it is in, so
 * that the main thread can time each check and stop this thread when one never ends.
 */
import { parentPort, workerData } from "worker_threads";
import { loadSpec, runChecks } from "./runner.ts";
import type { WorkerReply, WorkerRequest } from "./isolate.ts";

const port = parentPort;
if (!port) throw new Error("internal: tools/exercises/worker.ts runs as a worker thread only");
const send = (m: WorkerReply) => port.postMessage(m);

port.on("message", (req: WorkerRequest) => {
  runChecks(req.id, req.dir, { ...(req.file ? { file: req.file } : {}), onPhase: (phase) => send({ type: "phase", phase }), onOutcome: (outcome) => send({ type: "outcome", outcome }) }).then(
    (result) => send({ type: "result", result }),
    (e: unknown) => send({ type: "internal", message: e instanceof Error ? e.message : String(e) }),
  );
});
// The checks of the exercise the student is on, loaded (and prepared) before they save: a re-check
// then only loads their file. Then the worker says it is ready.
async function preload(ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    try {
      await loadSpec(id).prepare?.();
    } catch {
      // reported by the run itself
    }
  }
}
void preload((workerData as { preload?: string[] } | null)?.preload ?? []).then(() => send({ type: "ready" }));
