/**
 * Calls that run on the calling thread alone: the serial fallback (loops too small to pay
 * for a thread), `if: false`, one-thread teams, calls made while an asynchronous loop holds
 * the team, and calls made from inside a body (nested). A serial run never touches the
 * shared control block (design.md#the-serial-fallback).
 */
import { CANCELLED, CTRL_ERROR, CTRL_KIND, KIND_REGION, SCHED_STATIC } from '../protocol/control.js';
import { combine, customPartials, type Call } from './call.js';
import { CostModel, firstPiece } from './cost.js';
import { rebuildError, recordError, timeoutError, type ErrorRecord, moduleBodyNested } from '../errors.js';
import { clearRegionWords, failRegion, failSlot, regionFailure } from '../protocol/transitions.js';
import { REDUCER_CUSTOM, type ResolvedReducer } from '../run/reducers.js';
import type { Registry } from './registry.js';
import { passingRunner, type Runner } from '../run/body.js';
import { LoopContext, RegionContext } from '../run/context.js';
import { newScratch, runSerialBlocks, runSlot } from '../run/slot.js';
import type { Region } from '../protocol/region.js';
import { frozenView } from '../run/shared.js';
import { enterRegion, leaveRegion } from '../run/state.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class SerialRuns {
  readonly #costs: CostModel;
  readonly #registry: Registry;
  readonly #serialScratch = newScratch();
  /**
   * Counters for serial runs, so that they never touch the shared control block: the words
   * before the descriptor (CTRL_ERROR, which bodies poll through ctx.cancelled, and the
   * region words a failing slot releases), not the whole block.
   */
  readonly #serialSync = new Int32Array(CTRL_KIND);
  /**
   * The region descriptor of serial runs, reused: they never overlap (a call made from a
   * body runs nested, without it). Static schedule, fields set per run.
   */
  readonly #serialRegion: Mutable<Region> = {
    id: 0,
    doneTarget: 0,
    kind: 0,
    body: 0,
    shared: 0,
    schedule: SCHED_STATIC,
    p: 1,
    maxWorker: 0,
    chunk: 0,
    unit: 1,
    spinUs: 0,
    reducer: 0,
    identity: 0,
    piece: 0,
    start: 0,
    end: 0,
  };

  /** The ctx of nested loops (it only reads `cancelled`, false). */
  readonly #nestedLoopCtx = Object.freeze(new LoopContext(0, 1, new Int32Array(CTRL_ERROR + 1)));
  /** Where a nested runner notes its index; nested errors are thrown as they are, so it is never read. */
  readonly #nestedFault = { index: 0 };

  constructor(costs: CostModel, registry: Registry) {
    this.#costs = costs;
    this.#registry = registry;
  }

  /**
   * Runs a whole call on the calling thread: OpenMP's `if(false)`, loops too small to pay,
   * and calls made while an asynchronous loop holds the team. Loops run as one thread;
   * reductions run the P static blocks in thread order, so their result is the same, bit for
   * bit, as the parallel static run.
   */
  run(call: Call, run: Runner): unknown {
    const red = call.reducer;
    const s = call.settings;
    // The common case, in short (runSerialBlocks): a loop (a region's body needs a region
    // context), no timeout to check between chunks, no custom reducer's partials to keep,
    // and no static chunk to deal round-robin.
    if (call.kind !== KIND_REGION && s.timeout === undefined && (red === undefined || (red.id !== REDUCER_CUSTOM && (s.chunk === undefined || s.schedule !== 'static')))) {
      return this.#short(call, run, red);
    }
    return this.#slots(call, run);
  }

  /** run()'s short form: the blocks in one call, no region descriptor, no pieces. */
  #short(call: Call, run: Runner, red: ResolvedReducer | undefined): unknown {
    const n = call.end - call.start;
    const key = CostModel.key(call.body, call.kind);
    const t0 = this.#costs.startSample(key, n, call.settings.serialBelowUs);
    const sync = this.#serialSync;
    // ctx.cancelled reads it: a timed-out or failed serial run before this one left it set.
    sync[CTRL_ERROR] = 0;
    const scratch = this.#serialScratch;
    scratch.iterations = 0;
    let result: unknown;
    let thrown: unknown;
    let failed = false;
    // The body may be inlined into this try (a fast loop since its accumulator starts as a
    // number: docs/guide.md, V8 pitfalls); the error is rethrown below, once the
    // region is left and the cost model has its sample.
    enterRegion();
    try {
      result = runSerialBlocks(run, red, red === undefined ? 1 : call.settings.numThreads, call.start, call.end, call.shared, sync, scratch);
    } catch (err) {
      thrown = err;
      failed = true;
    }
    leaveRegion();
    // Iterations run, the failed block's too, as the full form counts them.
    this.#costs.endSample(key, t0, scratch.iterations);
    if (failed) {
      // An error from combining partials is thrown as is, as in a parallel run.
      if (scratch.slot < 0) throw thrown;
      // As a failing slot does: a ctx kept past the run reads cancelled.
      failSlot(sync, scratch.slot);
      throw rebuildError(recordError(thrown, { index: scratch.index, chunk: [scratch.lo, scratch.hi], threadId: scratch.slot }));
    }
    return result;
  }

  /** run() in full: the slots of a static region, one after the other, as runSlot runs them. */
  #slots(call: Call, run: Runner): unknown {
    // Static blocks: one for a loop, the P slots in order for a reduction, each folding the
    // iterations it folds in a parallel static run (its block, or its round-robin chunks
    // when the schedule has a chunk): the same bits.
    const region = this.#serialRegion;
    region.kind = call.kind;
    region.body = call.body;
    region.p = call.reducer !== undefined ? call.settings.numThreads : 1;
    region.chunk = call.reducer !== undefined && call.settings.schedule === 'static' ? (call.settings.chunk ?? 0) : 0;
    region.reducer = call.reducer?.id ?? 0;
    region.identity = call.identity;
    region.start = call.start;
    region.end = call.end;
    region.piece = firstPiece(this.#costs, call.body, call.kind);
    const sync = this.#serialSync;
    sync[CTRL_ERROR] = 0;
    // A region's words start at 0, as publish leaves them on the shared block.
    if (call.kind === KIND_REGION) clearRegionWords(sync);
    const scratch = this.#serialScratch;
    scratch.iterations = 0;
    const key = CostModel.key(region.body, call.kind);
    const t0 = this.#costs.startSample(key, call.end - call.start, call.settings.serialBelowUs);
    const red = call.reducer;
    // Built-in partials are combined as they come, left to right (combine()'s order); a
    // custom reducer's are combined after the region, as in a parallel run (its combine
    // may call parafor, which must not run nested).
    const partials = customPartials(call);
    let result: unknown;
    let error: ErrorRecord | undefined;
    // A timeout is checked between chunks, as on the parallel path: past the deadline the
    // run is cancelled (the chunk loop stops before its next chunk) and the call fails.
    const timeout = call.settings.timeout;
    let hook: (() => void) | undefined;
    if (timeout !== undefined) {
      const deadline = performance.now() + timeout;
      hook = () => {
        if (performance.now() > deadline && regionFailure(sync) === 0) failRegion(sync, CANCELLED);
      };
    }
    enterRegion();
    try {
      for (let slot = 0; slot < region.p && sync[CTRL_ERROR] === 0; slot++) {
        let acc: unknown;
        if (red !== undefined) {
          try {
            acc = this.identityValue(red, region);
          } catch (thrown) {
            error = recordError(thrown, { index: region.start, chunk: [region.start, region.end], threadId: slot });
            break;
          }
        }
        acc = runSlot(region, slot, run, call.shared, acc, sync, scratch, hook);
        error = scratch.error;
        if (error !== undefined) break;
        if (partials !== undefined) partials[slot] = acc;
        else result = slot === 0 ? acc : red!.combine(result, acc);
      }
    } finally {
      leaveRegion();
    }
    this.#costs.endSample(key, t0, scratch.iterations);
    if (error !== undefined) throw rebuildError(error);
    if (sync[CTRL_ERROR] === CANCELLED) throw timeoutError(timeout!, false);
    return partials !== undefined ? combine(red!, partials, region.p) : result;
  }

  /**
   * A call from inside a body: runs serially here, with the body as written (no shipping),
   * as one thread: a loop as one chunk, a reduction from the reducer's identity, a region
   * as a team of one (OpenMP's nested regions).
   */
  nested(call: Call): unknown {
    const fn = call.fn as (...args: never[]) => unknown;
    if (typeof fn !== 'function') throw moduleBodyNested();
    // The same frozen view as a top-level call's bodies get; a body's own `shared`, already
    // a frozen view, is passed on as it is (no copy per nested call).
    const shared = Object.isFrozen(call.shared) ? call.shared : frozenView(call.shared);
    const acc = call.reducer !== undefined ? this.identityValue(call.reducer, undefined) : undefined;
    // A nested region's constructs work on words of its own, zeroed (a region nested in it
    // must not clear them); a loop's ctx only reads `cancelled`, false: one for every loop.
    const ctx = call.kind === KIND_REGION ? new RegionContext(0, 1, new Int32Array(CTRL_KIND), 0) : this.#nestedLoopCtx;
    return passingRunner(call.kind)(fn, acc, call.start, call.end, shared, ctx, this.#nestedFault);
  }


  /** The result of a loop with no iterations: nothing, or the reducer's identity. */
  empty(call: Call): unknown {
    return call.reducer ? this.identityValue(call.reducer, undefined) : undefined;
  }

  identityValue(red: ResolvedReducer, region: Region | undefined): unknown {
    if (red.identityFn !== undefined) {
      if (region === undefined || region.identity === 0) return (red.identityFn as () => unknown)();
      return (this.#registry.body(region.identity) as () => unknown)();
    }
    return red.id === REDUCER_CUSTOM ? structuredClone(red.identity) : red.identity;
  }
}
