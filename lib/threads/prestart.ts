/**
 * Starting supervisor threads (lib/threads/supervisor.ts). A team's first workers wait for two
 * thread start-ups in a row, their supervisor's and their own (tens of milliseconds each),
 * and starting the supervisor costs the calling thread a few milliseconds. So the first
 * team made on the main thread starts one supervisor at once (importing parafor starts
 * nothing), which the first team that needs a supervisor adopts: that team's first workers
 * then wait for their own start-up only (design.md#cold-start). The prestarted supervisor
 * holds no team until it is adopted (its team arrives in its first message) and keeps
 * nothing alive. Once per process: a later team that needs one starts its own.
 * PARAFOR_WARMUP=0 turns it off, with the idle-time warm-up.
 */
import { isMainThread, readEnv, startThread, type Thread } from '../platform/index.js';
import { acceptExecArgv, withoutRefused, workerExecArgv } from '../platform/exec-argv.js';

const SUPERVISOR_URL = new URL('./supervisor.js', import.meta.url);

let prestarted: Thread | undefined;
/** Whether prestartSupervisor() has run (it starts one supervisor per process at most). */
let tried = false;
/** While set, the prestarted supervisor is not offered (the warm-up's team must not adopt it: lib/call/warm.ts). */
let hidden = false;

/**
 * Starts a supervisor thread, unref'd. V8 and process-wide flags (`node --expose-gc`,
 * `--stack-size=...`) are refused for worker threads, and apply to the whole process
 * anyway: the ones Node names are dropped, for this thread and every later one.
 */
export function spawnSupervisor(): Thread {
  let execArgv = workerExecArgv();
  for (;;) {
    try {
      const supervisor = startThread(SUPERVISOR_URL, { execArgv });
      supervisor.unref();
      return supervisor;
    } catch (err) {
      const rest = withoutRefused(execArgv, err);
      if (rest === undefined) throw err;
      execArgv = rest;
      acceptExecArgv(rest);
    }
  }
}

/** Starts a supervisor ahead, on the main thread, once per process, unless PARAFOR_WARMUP=0. Failures are left to the first team's own start. */
export function prestartSupervisor(): void {
  if (tried || !isMainThread) return;
  tried = true;
  if (readEnv('PARAFOR_WARMUP') === '0') return;
  try {
    const started = spawnSupervisor();
    const drop = (): void => {
      if (prestarted === started) prestarted = undefined;
    };
    // A listener for 'error' is needed anyway: without one, the error would be thrown here.
    started.on('error', drop);
    started.once('exit', drop);
    prestarted = started;
  } catch {
    // The first team starts its own supervisor and reports what went wrong.
  }
}

/** Whether a prestarted supervisor is there to adopt. */
export function hasPrestarted(): boolean {
  return prestarted !== undefined && !hidden;
}

/** Runs `fn` with the prestarted supervisor out of reach. */
export function withoutPrestarted<T>(fn: () => T): T {
  hidden = true;
  try {
    return fn();
  } finally {
    hidden = false;
  }
}

/** The prestarted supervisor, once: the caller adopts it (its first message names the team), or undefined. */
export function takePrestarted(): Thread | undefined {
  if (hidden) return undefined;
  const taken = prestarted;
  prestarted = undefined;
  return taken;
}
