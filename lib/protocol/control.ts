/**
 * The control block: the one SharedArrayBuffer through which the calling thread and the
 * workers of a team coordinate. Every slot has a name here and nothing else indexes the
 * buffer with a bare number. The protocol that gives these slots their meaning (who writes
 * which slot, in which order, and why each race is ruled out) is written down once, in
 * docs/design.md; the comments here only say what each slot holds.
 *
 * Words that different threads write during a region sit on their own 128-byte line (32
 * Int32 slots), so that a worker bumping one counter does not invalidate the line another
 * thread is polling (adjacent-line prefetch makes 64 bytes too little on x86).
 */

/** Int32 slots per padded line (128 bytes). */
export const LINE = 32;

// ---- words written by several threads, one per line -------------------------------------

/** Region generation. Written by the caller only (+1 to publish a region); workers spin on it, then sleep on their wake word. design.md#publish */
export const CTRL_EPOCH = 0 * LINE;
/** Slots not yet claimed. Caller stores P; every thread claims with Atomics.sub; > 0 means a slot was won. design.md#claim */
export const CTRL_SLOTS = 1 * LINE;
/** Sequence number of the region (1, 2, ...), tags its messages. Caller only; on the claim line, so publishing touches one line. */
export const CTRL_REGION = CTRL_SLOTS + 1;
/** The value CTRL_DONE reaches when this region's last slot finishes. Caller only, beside CTRL_SLOTS. */
export const CTRL_DONE_TARGET = CTRL_SLOTS + 2;
/**
 * Slots finished, ever: never reset, so publishing does not write it. Every thread that ran
 * a slot adds 1; the one that makes it CTRL_DONE_TARGET notifies. The caller waits on it. design.md#join
 */
export const CTRL_DONE = 2 * LINE;
/** Dynamic/guided work counter (in units of CTRL_UNIT iterations). Claimed with Atomics.add / compareExchange. */
export const CTRL_NEXT = 3 * LINE;
/** Workers currently inside (or about to enter) Atomics.wait on their wake word (wakeWord). */
export const CTRL_SLEEPERS = 4 * LINE;
/** 0, 1 + the slot that failed first (compareExchange from 0), or CANCELLED. Non-zero tells every thread to stop early. */
export const CTRL_ERROR = 5 * LINE;
/** Team lifecycle: TEAM_OPEN or TEAM_CLOSING. Written by the caller only. */
export const CTRL_STATE = 6 * LINE;
/**
 * Bumped (and notified) whenever a worker's serving word changes: a worker starts serving,
 * or dies. Team.start() and parallel regions wait on it, then read the serving words.
 */
export const CTRL_ONLINE = 7 * LINE;

// ---- words of parallel regions (design.md#regions) -----------------------------------------

/** Arrivals at the region barrier. Every thread adds 1; the last stores 0. */
export const CTRL_BAR_COUNT = 8 * LINE;
/** Barrier generation. The last arriver adds 1 and notifies; a failing thread adds 1 too, to release waiters. */
export const CTRL_BAR_GEN = 9 * LINE;
/** Number of `single` constructs claimed in the region (compareExchange k -> k + 1). */
export const CTRL_SINGLE = 10 * LINE;
/** Work counter of dynamic/guided worksharing loops; reset by the barrier's last arriver. */
export const CTRL_WS_NEXT = 11 * LINE;
/** Lock words of critical sections, one per line: names hash onto N_LOCKS locks. */
export const CTRL_LOCKS = 12 * LINE;
export const N_LOCKS = 16;

// ---- the region descriptor: written by the caller only, before CTRL_SLOTS is stored ------

const DESC = (12 + N_LOCKS) * LINE;
/** One of the KIND_* constants below. */
export const CTRL_KIND = DESC + 0;
/** Id of the body in the team's body registry. */
export const CTRL_BODY = DESC + 1;
/** Version of the `shared` payload the body receives (0: undefined). */
export const CTRL_SHARED = DESC + 2;
/** One of the SCHED_* constants. */
export const CTRL_SCHEDULE = DESC + 3;
/** P: the number of slots (virtual threads, ctx.numThreads) of the region. */
export const CTRL_NSLOTS = DESC + 4;
/** Workers with id <= this take part; the rest go back to sleep. */
export const CTRL_MAX_WORKER = DESC + 5;
/** Chunk size (iterations) for static-chunked and dynamic schedules; minimum chunk for guided. */
export const CTRL_CHUNK = DESC + 6;
/** Iterations per unit of CTRL_NEXT (1 unless a loop has more than 2^30 chunks). */
export const CTRL_UNIT = DESC + 7;
/** Spin budget in microseconds for workers after this region (0: sleep at once). */
export const CTRL_SPIN_US = DESC + 8;
/** Reducer id for built-in reducers (REDUCER_* in run/reducers.ts), or REDUCER_CUSTOM. */
export const CTRL_REDUCER = DESC + 9;
/** Id of the identity function of a custom reducer in the body registry, 0 when the identity is a value. */
export const CTRL_IDENTITY = DESC + 10;
/**
 * Iterations per piece of a per-index body's static block (run/slot.ts, runChunks): set from
 * the body's measured cost so that a piece takes about PIECE_TARGET_MS; 0 while the cost is
 * unknown, and each thread then grows its pieces from 1 by timing them.
 */
export const CTRL_PIECE = DESC + 11;
/** Number of Int32 slots before the Float64 area. */
const INT_FIELDS = DESC + LINE;

// ---- Float64 area (indices into a Float64Array over the same buffer) ----------------------

const F64_BASE = INT_FIELDS / 2;
/** First index of the loop (a safe integer). */
export const F64_START = F64_BASE + 0;
/** One past the last index. */
export const F64_END = F64_BASE + 1;
/** Partials of built-in reductions, one per slot, written once by the thread that ran that slot. */
export const F64_PARTIALS = F64_BASE + LINE / 2;

/** The largest team and the largest numThreads of a call. */
export const MAX_THREADS = 512;

/**
 * Per-worker line (worker id w at CTRL_HOLD + w * LINE): HOLD_CLAIMING while the worker claims,
 * then the id of the region whose slot it runs, 0 when it holds none. Written by that worker
 * only; read by the caller when the worker dies, to tell whether a slot died with it.
 *   0 -> HOLD_CLAIMING -> (region id | 0) -> 0: the worker, around each claim and slot.
 */
export const CTRL_HOLD = (F64_PARTIALS + MAX_THREADS) * 2;
export const HOLD_CLAIMING = -1;

/** Worker `id`'s hold word. */
export function holdWord(id: number): number {
  return CTRL_HOLD + id * LINE;
}

/** Worker `id`'s dead word: ALIVE or DEAD. */
export function deadWord(id: number): number {
  return CTRL_HOLD + id * LINE + 1;
}

/** Dead word: the worker has not died (or the id is to be started again). */
export const ALIVE = 0;
/**
 * Dead word: the worker has died. ALIVE -> DEAD: the supervisor only (markDead), on the
 * worker's exit or error event. DEAD -> ALIVE: the caller only, before it starts a replacement
 * with the same id (resetWorker).
 */
export const DEAD = 1;

/** Worker `id`'s serving word: NOT_SERVING or SERVING. */
export function servingWord(id: number): number {
  return CTRL_HOLD + id * LINE + 2;
}

/** Serving word: the worker is starting, or gone. */
export const NOT_SERVING = 0;
/**
 * Serving word: the worker serves regions. NOT_SERVING -> SERVING: the worker, when it enters
 * its loop (beginServing). SERVING -> NOT_SERVING: the worker's exit hook (endServing) or the
 * supervisor (markDead), each then bumping CTRL_ONLINE; the caller, before a start (resetWorker).
 */
export const SERVING = 1;

/** Workers that have died, ever. The supervisor adds 1 (after marking the dead word) and notifies CTRL_DONE. */
export const CTRL_DEATHS = CTRL_HOLD + (MAX_THREADS + 1) * LINE;
/**
 * Stop requests the supervisor has completed: it terminates every worker it started, waits for
 * each to exit, then adds 1 and notifies (design.md#recovery). Supervisor only.
 */
export const CTRL_STOPPED = CTRL_DEATHS + 1;

/**
 * Per-worker wake line (worker id w at CTRL_WAKE + w * LINE): 1 while worker w sleeps (or is
 * about to) in Atomics.wait on it, else 0. The worker stores 1 before it sleeps and 0 after;
 * the caller swaps it to 0 and notifies when a region needs that worker (design.md#sleepers).
 * Apart from the HOLD line, which the worker writes on every claim.
 */
export const CTRL_WAKE = CTRL_DEATHS + LINE;

/** Worker `id`'s wake word: AWAKE or ASLEEP. */
export function wakeWord(id: number): number {
  return CTRL_WAKE + id * LINE;
}

/** Wake word: the worker is not in Atomics.wait on it, nor about to be. */
export const AWAKE = 0;
/**
 * Wake word: the worker sleeps, or is about to, in Atomics.wait on it. AWAKE -> ASLEEP: the
 * worker only, before its last look at the epoch (waitForEpoch). ASLEEP -> AWAKE: the caller's
 * swap when a region needs the worker (wakeForRegion, wakeAll: whoever swaps notifies), or the
 * worker when it is up again.
 */
export const ASLEEP = 1;

/** Bytes of the control buffer. */
export const CONTROL_BYTES = (CTRL_WAKE + (MAX_THREADS + 1) * LINE) * 4;

// ---- region kinds ------------------------------------------------------------------------

/** body(i, shared, ctx) for each i. */
export const KIND_FOR = 1;
/** body(lo, hi, shared, ctx) for each chunk. */
export const KIND_FOR_RANGE = 2;
/** acc = fold(acc, i, shared, ctx) for each i. */
export const KIND_REDUCE = 3;
/** acc = fold(acc, lo, hi, shared, ctx) for each chunk. */
export const KIND_REDUCE_RANGE = 4;
/** body(shared, ctx) once per slot, all slots at once: a parallel region. */
export const KIND_REGION = 5;

/** CTRL_ERROR value of a cancelled call (signal or timeout): every thread stops at its next chunk. */
export const CANCELLED = -1;
/**
 * CTRL_ERROR value of a region that lost a thread it needed: a parallel region whose member
 * died, or a region whose unclaimed slots nobody is left to claim. Set by a thread that holds
 * a slot of the region, or by the caller that published it (design.md#faults).
 */
export const WORKER_LOST = -2;

// ---- schedules ---------------------------------------------------------------------------

export const SCHED_STATIC = 0;
export const SCHED_DYNAMIC = 1;
export const SCHED_GUIDED = 2;

// ---- team states (CTRL_STATE) ------------------------------------------------------------

/** Workers serve regions. */
export const TEAM_OPEN = 0;
/** Workers leave their loop at the next wake-up. TEAM_OPEN -> TEAM_CLOSING: caller only, once, in close(). */
export const TEAM_CLOSING = 1;

/** The views every thread builds over the control buffer. */
export interface Control {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
}

export function controlViews(buffer: SharedArrayBuffer): Control {
  return { i32: new Int32Array(buffer), f64: new Float64Array(buffer) };
}

/**
 * Units of work the shared work counter (CTRL_NEXT) hands out at most. The counter is an
 * Int32 word; a loop with more than 2^30 units grows its unit (schedule.ts, counterUnit), so
 * that the counter cannot overflow, even after every thread has overshot the end once.
 */
export const MAX_UNITS = 2 ** 30;
