/**
 * What every thread does inside a region, the caller and the workers alike: claim a slot
 * (a virtual thread: ctx.threadId), run that slot's share of the loop under the region's
 * schedule, finish it. See docs/design.md#claim for why slots are claimed rather than
 * assigned: a region never waits for a particular thread, so a cold or slow worker only
 * costs parallelism, never a hang.
 */
import {
  CTRL_BODY,
  CTRL_CHUNK,
  CTRL_IDENTITY,
  CTRL_KIND,
  CTRL_MAX_WORKER,
  CTRL_NEXT,
  CTRL_NSLOTS,
  CTRL_PIECE,
  CTRL_REDUCER,
  CTRL_REGION,
  CTRL_DONE_TARGET,
  CTRL_SCHEDULE,
  CTRL_SHARED,
  CTRL_SPIN_US,
  CTRL_UNIT,
  F64_END,
  F64_START,
  KIND_FOR,
  KIND_REDUCE,
  KIND_REGION,
  SCHED_DYNAMIC,
  SCHED_STATIC,
  type Control,
} from '../protocol/control.js';
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

/** A region's descriptor, as the caller writes it and every thread reads it. */
export interface Region {
  /** Sequence number, tags messages. */
  readonly id: number;
  /** CTRL_DONE when the region is complete (int32 arithmetic); set by the caller when it publishes. */
  doneTarget: number;
  readonly kind: number;
  readonly body: number;
  readonly shared: number;
  schedule: number;
  /** Number of slots (ctx.numThreads). */
  p: number;
  maxWorker: number;
  chunk: number;
  readonly unit: number;
  readonly spinUs: number;
  readonly reducer: number;
  readonly identity: number;
  /** Iterations per piece of a per-index static block, 0 when the body's cost is unknown (CTRL_PIECE). */
  piece: number;
  readonly start: number;
  readonly end: number;
}

/**
 * Writes the descriptor. Caller only, while no slot is open. Plain stores: the
 * sequentially consistent store that opens the slots (CTRL_SLOTS) comes after them, and a
 * thread reads the descriptor only after its Atomics.sub on CTRL_SLOTS has seen that store,
 * so the JS memory model makes these writes visible to it (design.md#publish).
 */
export function writeRegion(c: Control, r: Region): void {
  const i = c.i32;
  i[CTRL_REGION] = r.id;
  i[CTRL_DONE_TARGET] = r.doneTarget;
  // The rest only where it changed: a loop called again with the same shape leaves the
  // descriptor's lines untouched, and the workers' cached copies of them stay valid.
  set(i, CTRL_KIND, r.kind);
  set(i, CTRL_BODY, r.body);
  set(i, CTRL_SHARED, r.shared);
  set(i, CTRL_SCHEDULE, r.schedule);
  set(i, CTRL_NSLOTS, r.p);
  set(i, CTRL_MAX_WORKER, r.maxWorker);
  set(i, CTRL_CHUNK, r.chunk);
  set(i, CTRL_UNIT, r.unit);
  set(i, CTRL_SPIN_US, r.spinUs);
  set(i, CTRL_REDUCER, r.reducer);
  set(i, CTRL_IDENTITY, r.identity);
  set(i, CTRL_PIECE, r.piece);
  if (c.f64[F64_START] !== r.start) c.f64[F64_START] = r.start;
  if (c.f64[F64_END] !== r.end) c.f64[F64_END] = r.end;
}

function set(i32: Int32Array, index: number, value: number): void {
  if (i32[index] !== value) i32[index] = value;
}

/** A region descriptor whose every field may be rewritten: one kept per thread and filled per region. */
export type RegionSlot = { -readonly [K in keyof Region]: Region[K] };

/** A zeroed descriptor, to be filled (readRegion, ForkJoin#plan). */
export function newRegion(): RegionSlot {
  return { id: 0, doneTarget: 0, kind: 0, body: 0, shared: 0, schedule: SCHED_STATIC, p: 1, maxWorker: 0, chunk: 0, unit: 1, spinUs: 0, reducer: 0, identity: 0, piece: 0, start: 0, end: 0 };
}

/**
 * Reads the descriptor into `into` (a worker passes the one it keeps, so that a region
 * allocates nothing there). Valid after a successful claim (design.md#claim); plain loads
 * for the same reason.
 */
export function readRegion(c: Control, into: RegionSlot = newRegion()): Region {
  const i = c.i32;
  into.id = i[CTRL_REGION] as number;
  into.doneTarget = i[CTRL_DONE_TARGET] as number;
  into.kind = i[CTRL_KIND] as number;
  into.body = i[CTRL_BODY] as number;
  into.shared = i[CTRL_SHARED] as number;
  into.schedule = i[CTRL_SCHEDULE] as number;
  into.p = i[CTRL_NSLOTS] as number;
  into.maxWorker = i[CTRL_MAX_WORKER] as number;
  into.chunk = i[CTRL_CHUNK] as number;
  into.unit = i[CTRL_UNIT] as number;
  into.spinUs = i[CTRL_SPIN_US] as number;
  into.reducer = i[CTRL_REDUCER] as number;
  into.identity = i[CTRL_IDENTITY] as number;
  into.piece = i[CTRL_PIECE] as number;
  into.start = smallInt(c.f64[F64_START] as number);
  into.end = smallInt(c.f64[F64_END] as number);
  return into;
}

/** A bound read from the Float64Array as a small integer when it is one (see runChunk). */
function smallInt(x: number): number {
  return (x | 0) === x ? x | 0 : x;
}

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
