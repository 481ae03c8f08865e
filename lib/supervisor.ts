/**
 * The supervisor: one thread per team that starts the team's workers and watches them. A
 * worker's `exit` and `error` events reach its parent's event loop, and the calling thread's
 * loop is blocked while it waits in a synchronous call; the supervisor's is not. When a worker
 * dies it marks it dead in the control block and wakes the caller's join, which then decides
 * whether the region lost a slot (design.md#faults). Starting workers here also keeps the
 * cost of `new Worker()` (milliseconds) off the calling thread.
 */
import { Worker, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { CTRL_DEATHS, CTRL_DONE, deadWord } from './control.js';
import type { ToSupervisor, SupervisorInit, WorkerInit } from './protocol.js';

const init = workerData as SupervisorInit;
const i32 = new Int32Array(init.control);
const notices: MessagePort = init.notices;

parentPort!.on('message', (msg: ToSupervisor) => {
  const { id, port } = msg;
  const data: WorkerInit = { control: init.control, id, port };
  const worker = new Worker(new URL(init.workerUrl), {
    workerData: data,
    transferList: [port as never],
    execArgv: init.execArgv,
    resourceLimits: init.resourceLimits,
  });
  let reported = false;
  const died = (how: string): void => {
    if (reported) return;
    reported = true;
    // The note first, then the mark, then the count: a caller that sees the count finds both.
    notices.postMessage({ id, how });
    Atomics.store(i32, deadWord(id), 1);
    Atomics.add(i32, CTRL_DEATHS, 1);
    Atomics.notify(i32, CTRL_DONE);
  };
  worker.on('error', (err) => died(err.message));
  worker.on('exit', (code) => died(`it exited with code ${code}`));
});
