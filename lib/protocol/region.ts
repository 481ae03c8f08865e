/**
 * A region's descriptor: what the caller writes into the control block when it publishes a
 * region, and what every thread reads back after its claim (design.md#publish, #claim).
 */
import {
  CTRL_BODY,
  CTRL_CHUNK,
  CTRL_DONE_TARGET,
  CTRL_IDENTITY,
  CTRL_KIND,
  CTRL_MAX_WORKER,
  CTRL_NSLOTS,
  CTRL_PIECE,
  CTRL_REDUCER,
  CTRL_REGION,
  CTRL_SCHEDULE,
  CTRL_SHARED,
  CTRL_SPIN_US,
  CTRL_UNIT,
  F64_END,
  F64_START,
  SCHED_STATIC,
  type Control,
} from './control.js';

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
