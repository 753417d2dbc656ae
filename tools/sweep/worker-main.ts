/** The loop of a sweep worker thread: run the cells it is sent, report sizes, progress and results. */
import { parentPort, workerData } from "node:worker_threads";
import { FleetCache, type FromWorker, type ToWorker, workerCell, type WorkerInit } from "./cells.ts";

const init = workerData as WorkerInit;
const cache = new FleetCache(init.exp);
const port = parentPort!;

port.on("message", (m: ToWorker) => {
  if ("stop" in m) port.close();
  else workerCell(init, cache, m.cell, (msg) => port.postMessage(msg));
});
port.postMessage({ ready: true } satisfies FromWorker);
