/**
 * The supervisor: one thread per team that starts the team's workers and watches them. A
 * worker's `exit` and `error` events reach its parent's event loop, and the calling thread's
 * loop is blocked while it waits in a synchronous call; the supervisor's is not. When a worker
 * dies it marks it dead in the control block and wakes every wait that may depend on it (the
 * caller's join, team starts, barriers and critical sections of parallel regions), which then
 * decide whether a region lost a slot (design.md#faults). It also stops every worker on
 * request, so that the caller can recover a region that will never finish knowing that no
 * thread of it still runs (design.md#recovery). Starting workers here keeps the cost of
 * `new Worker()` (milliseconds) off the calling thread.
 */
import { parentPort, startThread, type Port, type Thread } from '../platform/index.js';
import { markDead, markStopped } from '../protocol/transitions.js';
import type { ToSupervisor, SupervisorInit, WorkerInit } from '../protocol/messages.js';

// Its team, from the first message (a supervisor may start before its team: lib/threads/prestart.ts).
let init!: SupervisorInit;
let i32!: Int32Array;
let notices!: Port;
/** Live workers by id, with a promise that settles when each has exited. */
const live = new Map<number, { worker: Thread; exited: Promise<void> }>();

parentPort!.on('message', (msg: ToSupervisor) => {
  if (msg.t === 'init') {
    init = msg.init;
    i32 = new Int32Array(init.control);
    notices = init.notices;
  } else if (msg.t === 'stop') void stopAll();
  else start(msg.id, msg.port);
});

function start(id: number, port: Port): void {
  const data: WorkerInit = { control: init.control, id, port };
  const worker = startThread(new URL(init.workerUrl), {
    threadData: data,
    transferList: [port],
    execArgv: init.execArgv,
    resourceLimits: init.resourceLimits,
  });
  let reported = false;
  let exited!: () => void;
  const entry = { worker, exited: new Promise<void>((resolve) => (exited = resolve)) };
  live.set(id, entry);
  const died = (how: string): void => {
    if (reported) return;
    reported = true;
    // The note first, then the marks and the count: a caller that sees the count finds all.
    notices.postMessage({ id, how });
    markDead(i32, id);
  };
  worker.on('error', (err) => died(err.message));
  worker.on('exit', (code) => {
    died(`it exited with code ${code}`);
    if (live.get(id) === entry) live.delete(id);
    exited();
  });
}

/** Terminates every worker, waits until each has exited, then counts the request done. */
async function stopAll(): Promise<void> {
  const entries = [...live.values()];
  for (const e of entries) void e.worker.terminate();
  await Promise.all(entries.map((e) => e.exited));
  markStopped(i32);
}
