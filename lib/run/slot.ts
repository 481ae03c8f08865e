/**
 * What every thread does inside a region, the caller and the workers alike: claim a slot
 * (a virtual thread: ctx.threadId), run that slot's share of the loop under the region's
 * schedule, finish it. See docs/design.md#claim for why slots are claimed rather than
 * assigned: a region never waits for a particular thread, so a cold or slow worker only
 * costs parallelism, never a hang.
 */
import {
  CTRL_NEXT,
  KIND_FOR,
  KIND_REDUCE,
  KIND_REGION,
  SCHED_DYNAMIC,
  SCHED_STATIC,
} from '../protocol/control.js';
import type { Region } from '../protocol/region.js';
import { staticStart } from './schedule.js';
import { Chunks, PIECE_MAX } from './chunks.js';
import { failSlot } from '../protocol/transitions.js';
import { recordError, type ErrorRecord } from '../errors.js';
import type { Fault, Runner } from './body.js';
import { LoopContext, RegionContext } from './context.js';
import { exitRecorded, throwIfExitCalled } from './state.js';

/**
 * What the calling thread runs before and between its chunks (the cold start's and the
 * timeout's checks); `whole` is true before a slot that runs as one chunk.
 */
export type Between = (whole?: boolean) => void;


/**
 * Calls the runner on one chunk. Chunk bounds come out of Math.floor and the Float64Array as
 * doubles; a body that loops from such a `lo` gets a float induction variable from V8
 * (several times slower, perf/repro/double-bounds.mjs). `| 0` on the int32 path gives V8 integers, also when
 * it inlines the body here.
 */
function runChunk(
  runner: Runner,
  acc: unknown,
  lo: number,
  hi: number,
  shared: unknown,
  ctx: unknown,
  scratch: SlotScratch,
  int32: boolean,
): unknown {
  scratch.lo = lo;
  scratch.hi = hi;
  scratch.iterations += hi - lo;
  return int32 ? runner(acc, lo | 0, hi | 0, shared, ctx, scratch) : runner(acc, lo, hi, shared, ctx, scratch);
}

/** Whether a region's body is per index (split into pieces) rather than per chunk. */
export function perIndex(kind: number): boolean {
  return kind === KIND_FOR || kind === KIND_REDUCE;
}

/**
 * Scratch a thread keeps across slots, so that running a slot allocates nothing: the failing
 * index, iterations run (for cost estimates), the chunk in flight, the outcome's error, and
 * the loop contexts of the last (control block, thread count) it ran with.
 */
export interface SlotScratch extends Fault {
  iterations: number;
  /** The slot in flight of runSerialBlocks, for error reports; -1 while it combines partials. */
  slot: number;
  /** The chunk in flight, for error reports. */
  lo: number;
  hi: number;
  /** The error the last runSlot() caught, undefined when its slot succeeded. */
  error: ErrorRecord | undefined;
  /** Loop contexts of `ctxSync`, by thread count and slot: frozen, so they are reused. */
  ctxSync: Int32Array | undefined;
  ctxs: LoopContext[][];
  /** The cursor over the chunks of the slot in flight. */
  readonly chunks: Chunks;
}

export function newScratch(): SlotScratch {
  return { index: 0, iterations: 0, slot: 0, lo: 0, hi: 0, error: undefined, ctxSync: undefined, ctxs: [], chunks: new Chunks() };
}

function loopContext(scratch: SlotScratch, slot: number, p: number, sync: Int32Array): LoopContext {
  if (scratch.ctxSync !== sync) {
    scratch.ctxSync = sync;
    scratch.ctxs = [];
  }
  const byP = (scratch.ctxs[p] ??= []);
  // Frozen: a body cannot leave state on a ctx that a later call (or another body) gets.
  return (byP[slot] ??= Object.freeze(new LoopContext(slot, p, sync)) as LoopContext);
}

/**
 * Runs slot `slot` of region `r` and returns its accumulator. `sync` is the control block's
 * Int32 view (the work counter and the early-stop flag live there). `between`, when given,
 * is called before and between chunks (the caller's cold-start hook that starts workers
 * while it works). A body error is not thrown: it goes to `scratch.error` (undefined on success) and
 * sets CTRL_ERROR.
 */
export function runSlot(
  r: Region,
  slot: number,
  runner: Runner,
  shared: unknown,
  acc: unknown,
  sync: Int32Array,
  scratch: SlotScratch,
  between?: Between,
): unknown {
  scratch.lo = r.start;
  scratch.hi = r.start;
  scratch.error = undefined;
  try {
    const result = runChunks(r, slot, runner, shared, acc, sync, scratch, between);
    // A body that caught process.exit()'s throw on the calling thread fails its slot all the same (run/state.ts).
    throwIfExitCalled();
    return result;
  } catch (thrown) {
    exitRecorded(thrown);
    scratch.error = recordError(thrown, { index: scratch.index, chunk: [scratch.lo, scratch.hi], threadId: slot });
    failSlot(sync, slot);
    return undefined;
  }
}

/** What runSerialBlocks needs of a built-in reducer (its identity is a number). */
export interface SerialReducer {
  readonly identity: unknown;
  readonly combine: (a: unknown, b: unknown) => unknown;
}

/**
 * The serial fallback's short form (call/serial.ts, SerialRuns#short): the P static blocks of
 * [start, end) in slot order on this thread, one runner call each, the partials combined
 * left to right as they come: the same iterations and the same order of operations as the
 * parallel static run, so the same bits. P is 1 for a loop (`red` undefined). No pieces and
 * no chunk loop: without a timeout nothing stops a serial run between chunks, and a call
 * short enough to run serially has at most a few. No try either (see runChunks): the caller
 * catches, and finds the block in flight in `scratch` (lo, hi; its slot is `scratch.slot`,
 * -1 when the error came from combining partials).
 */
export function runSerialBlocks(
  runner: Runner,
  red: SerialReducer | undefined,
  p: number,
  start: number,
  end: number,
  shared: unknown,
  sync: Int32Array,
  scratch: SlotScratch,
): unknown {
  const int32 = start >= -0x80000000 && end <= 0x7fffffff;
  scratch.slot = 0;
  if (red === undefined) {
    runChunk(runner, undefined, start, end, shared, loopContext(scratch, 0, 1, sync), scratch, int32);
    throwIfExitCalled();
    return undefined;
  }
  const n = end - start;
  // `+`: V8 then knows the accumulator is a number from the start. Inlined into a caller
  // where it might also be `undefined` (a loop's) or any value (a field of the reducer),
  // the body's accumulator became a tagged value, converted or boxed on every iteration,
  // several times slower (docs/guide.md, V8 pitfalls).
  let result = 0;
  let lo = start;
  for (let slot = 0; slot < p; slot++) {
    const hi = start + staticStart(n, p, slot + 1);
    scratch.slot = slot;
    let acc = +(red.identity as number);
    if (lo < hi) acc = runChunk(runner, acc, lo, hi, shared, loopContext(scratch, slot, p, sync), scratch, int32) as number;
    // A combine that throws (a body returning a BigInt to 'sum') is not a body's error.
    scratch.slot = -1;
    result = slot === 0 ? acc : (red.combine(result, acc) as number);
    lo = hi;
  }
  scratch.slot = p - 1;
  throwIfExitCalled();
  return result;
}

/**
 * The chunk loop of a slot: its chunks (run/chunks.ts) under the region's schedule, each run by
 * the runner. No try/catch here or in the runners: V8 compiles a loop that it inlines inside
 * a try block slower, so errors are caught one call up, in runSlot, and the chunk in flight
 * is kept in `scratch` for the error report.
 */
function runChunks(
  r: Region,
  slot: number,
  runner: Runner,
  shared: unknown,
  acc: unknown,
  sync: Int32Array,
  scratch: SlotScratch,
  between: Between | undefined,
): unknown {
  const ctx = r.kind === KIND_REGION ? new RegionContext(slot, r.p, sync, r.spinUs * 200) : loopContext(scratch, slot, r.p, sync);
  const start = r.start;
  // Loops within int32 pass their chunk bounds as int32 (runChunk).
  const int32 = start >= -0x80000000 && r.end <= 0x7fffffff;
  const chunks = slotChunks(scratch.chunks, r, slot, sync);
  // Before the first chunk too, saying whether the slot runs as one chunk (then no later
  // call comes before it ends).
  if (between !== undefined) between(chunks.whole);
  while (chunks.next()) {
    acc = runChunk(runner, acc, start + chunks.lo, start + chunks.hi, shared, ctx, scratch, int32);
    if (between !== undefined) between();
  }
  return acc;
}

/** The chunks of slot `slot` of region `r`. */
function slotChunks(chunks: Chunks, r: Region, slot: number, sync: Int32Array): Chunks {
  const n = r.end - r.start;
  if (r.schedule === SCHED_STATIC) {
    if (r.chunk !== 0) return chunks.roundRobin(sync, n, r.p, slot, r.chunk);
    // A body called once per chunk (a range body, a region's) gets its block in one call.
    const piece = !perIndex(r.kind) ? Infinity : r.piece > 0 ? Math.min(r.piece, PIECE_MAX) : 1;
    return chunks.block(sync, n, r.p, slot, piece);
  }
  // Claimed schedules need no look at CTRL_ERROR per claim: a failure or cancellation halts
  // the counter (haltRegion).
  if (r.schedule === SCHED_DYNAMIC) return chunks.dynamic(sync, CTRL_NEXT, n, r.unit, false);
  return chunks.guided(sync, CTRL_NEXT, n, r.p, r.unit, Math.max(1, Math.ceil(r.chunk / r.unit)), false);
}
