/**
 * Idle-time warm-up. V8 compiles each function on its first call, so a process's first
 * parafor call pays for compiling parafor's own call path, many times the cost of the second
 * call (perf/repro/first-call.mjs). After the first team is made (not at import: importing
 * parafor runs nothing), when the event loop is next idle, a few tiny
 * loops run on a private two-thread team, the way a cold team's first call runs, so that the
 * program's first call finds that code compiled. No worker starts (the loops are far too small
 * to pay for one), nothing is kept alive (the callback is unref'd: a program with nothing else
 * to do exits without it), and errors are ignored (the program's own calls report them).
 * PARAFOR_WARMUP=0 turns it off.
 */
import { isMainThread, readEnv } from '../platform/index.js';
import { withoutPrestarted } from '../threads/prestart.js';

/** Tiny bodies of each loop form; they cannot capture anything, like every body. */
function range(lo: number, hi: number, s: { a: Float64Array }): void {
  for (let i = lo; i < hi; i++) s.a[i] = i;
}
function fold(acc: number, lo: number, hi: number, s: { a: Float64Array }): number {
  for (let i = lo; i < hi; i++) acc += s.a[i]!;
  return acc;
}
function each(i: number, s: { a: Float64Array }): void {
  s.a[i] = -i;
}

/** What the warm-up needs of a team (a Team; passed in, so that this file does not import team.ts, which calls it). */
export interface WarmTeam {
  parallelForRangeSync(start: number, end: number, body: typeof range, options: { shared: { a: Float64Array } }): void;
  parallelReduceRangeSync(start: number, end: number, body: typeof fold, reducer: 'sum', options: { shared: { a: Float64Array } }): number;
  parallelForSync(start: number, end: number, body: typeof each, options: { shared: { a: Float64Array } }): void;
  close(): Promise<void>;
}

/** Runs the warm-up loops now on a team of two that `makeTeam` makes (exported for the spec that checks it starts no worker). */
export function warmUp<T extends WarmTeam>(makeTeam: () => T): T {
  // The prestarted supervisor is out of reach: with it, a cold call starts its workers at once.
  return withoutPrestarted(() => {
    const team = makeTeam();
    const shared = { a: new Float64Array(new SharedArrayBuffer(8 * 8)) };
    // The first call of each form goes the cold way (cost unknown: the parallel path with the
    // calling thread taking every slot); the next ones take the serial path.
    for (let k = 0; k < 2; k++) {
      team.parallelForRangeSync(0, 8, range, { shared });
      team.parallelReduceRangeSync(0, 8, fold, 'sum', { shared });
      team.parallelForSync(0, 8, each, { shared });
    }
    return team;
  });
}

/** Whether scheduleWarmUp() has run (once per process; the warm-up's own team makes it run again). */
let scheduled = false;

/** Schedules the warm-up for when the event loop is next idle, once per process, on a team that `makeTeam` makes. */
export function scheduleWarmUp(makeTeam: () => WarmTeam): void {
  // Only the main thread: a worker that imports parafor runs its calls nested anyway.
  if (scheduled || !isMainThread) return;
  scheduled = true;
  if (readEnv('PARAFOR_WARMUP') === '0') return;
  setImmediate(() => {
    try {
      void warmUp(makeTeam).close();
    } catch {
      // The program's own calls will report whatever went wrong here.
    }
  }).unref();
}
