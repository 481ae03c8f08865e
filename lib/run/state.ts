/**
 * Per-thread state: whether this thread is running a loop body right now. A parafor call
 * made while it is (a nested call) runs serially on the calling thread instead of asking
 * the team, which is busy with the outer loop: nesting never deadlocks.
 *
 * While the calling thread runs bodies, process.exit() throws instead of ending the program
 * (exitOnCallingThread): a body that calls it fails its call with a WorkerDiedError, as it
 * does on a worker (whose exit ends only that worker: threads/worker.ts), whichever thread ran
 * the index. The stand-in is put in place once, at the first body this thread runs, and
 * calls the process.exit it replaced whenever no body runs here, so that entering and
 * leaving a run of bodies costs a counter, not two writes to `process` (which cost more than
 * a tiny serial call's whole loop). Bodies are synchronous: a run never spans an await, and a
 * nested call runs inside its outer body's run.
 */
import { exitOnCallingThread } from '../errors.js';

let depth = 0;
/** True on a team's worker thread: its process.exit() is its own (the worker's exit hook). */
let onWorker = false;
/** The process.exit that the stand-in replaced, once it is in place. */
let realExit: typeof process.exit | undefined;
/** The error of a process.exit() called in this run of bodies, until thrown or recorded. */
let exitCalled: Error | undefined;

/** process.exit on a thread that has run bodies: throws while one runs, else exits as before. */
function exitStandIn(code?: number | string | null): never {
  if (depth > 0) throw (exitCalled = exitOnCallingThread(code ?? process.exitCode));
  return realExit!.call(process, code);
}

/** True while this thread runs a parafor body (or on a parafor worker, always). */
export function insideRegion(): boolean {
  return depth > 0;
}

export function enterRegion(): void {
  if (depth++ === 0) {
    exitCalled = undefined;
    if (realExit === undefined && !onWorker) {
      realExit = process.exit;
      process.exit = exitStandIn;
    }
  }
}

export function leaveRegion(): void {
  depth--;
}

/** A worker's entry: every body it runs is inside a region, and its process.exit() ends only the worker. */
export function enterWorker(): void {
  onWorker = true;
  depth++;
}

/**
 * Throws, once, the error of a process.exit() that a body called on this thread since its run
 * of bodies began: a body that caught the stand-in's throw still fails. Clears it either way.
 */
export function throwIfExitCalled(): void {
  const error = exitCalled;
  if (error === undefined) return;
  exitCalled = undefined;
  throw error;
}

/** A body's error is being recorded: when it is the stand-in's throw, it is not thrown again. */
export function exitRecorded(thrown: unknown): void {
  if (thrown === exitCalled) exitCalled = undefined;
}
