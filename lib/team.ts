/**
 * A team: the calling thread plus a persistent set of worker threads, the control block
 * they share, and the loops that run on them. The protocol is in docs/design.md; this file
 * is the caller's side of it (publish a region, take part, join, collect).
 */
import { performance } from 'node:perf_hooks';
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import {
  CONTROL_BYTES,
  CTRL_DONE,
  CTRL_EPOCH,
  CTRL_ERROR,
  CTRL_NEXT,
  CTRL_ONLINE,
  CTRL_SLOTS,
  CTRL_STATE,
  F64_PARTIALS,
  KIND_FOR,
  KIND_FOR_RANGE,
  KIND_REDUCE,
  KIND_REDUCE_RANGE,
  KIND_REGION,
  CANCELLED,
  CTRL_BAR_COUNT,
  CTRL_SINGLE,
  CTRL_WS_NEXT,
  CTRL_LOCKS,
  N_LOCKS,
  LINE,
  CTRL_DONE_TARGET,
  CTRL_DEATHS,
  CTRL_KIND,
  CTRL_STOPPED,
  WORKER_LOST,
  servingWord,
  HOLD_CLAIMING,
  MAX_THREADS,
  deadWord,
  holdWord,
  SCHED_DYNAMIC,
  SCHED_GUIDED,
  SCHED_STATIC,
  TEAM_CLOSING,
  controlViews,
  type Control,
} from './control.js';
import { bodySource, compileSource, isModuleBody, makeRunner, type ModuleBody, type Runner } from './body.js';
import { abortedNotStopped, notFunction, rebuildError, recordError, startTimeout, teamClosed, timeoutError, workerDied, type ErrorRecord } from './errors.js';
import { CostModel } from './cost.js';
import { checkBounds, defaultLoopSettings, loopSettings, teamSettings, TIMEOUT_GRACE_MS, type LoopSettings, type TeamOptions, type TeamSettings } from './options.js';
import { CONCAT, MAP_ITEM_US, mapCall, placePairs, probeMapHere, runMapHere, sectionsCall, type MapCall, type MapFn, type SectionFn, type SectionResults } from './constructs.js';
import { REDUCER_CUSTOM, resolveReducer, type ResolvedReducer } from './reducers.js';
import { claimSlot, failSlot, finishSlot, haltRegion, newScratch, perIndex, PIECE_MAX, PIECE_TARGET_MS, runSerialBlocks, runSlot, writeRegion, type Region } from './runtime.js';
import { autoChunk, counterUnit } from './schedule.js';
import { frozenView, matchesSnapshot, sameSnapshot, snapshotShared, type Snapshot } from './shared.js';
import { enterRegion, insideRegion, leaveRegion } from './state.js';
import { waitUntilEquals, wakeAll, wakeForRegion } from './wait.js';
import { SHARED_CACHE, type DeathNotice, type FromWorker, type SupervisorInit, type ToSupervisor, type ToWorker } from './protocol.js';
import type { LoopBody, RangeBody, Fold, RangeFold, LoopOptionsOf, RegionBody, RegionOptionsOf } from './types.js';
import type { CustomReducer, Reducer, ReducerName } from './reducers.js';

const WORKER_URL = new URL('./worker.js', import.meta.url);
const SUPERVISOR_URL = new URL('./supervisor.js', import.meta.url);

type AnyFn = (...args: never[]) => unknown;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface Member {
  /** The caller's end of the worker's MessagePort. */
  readonly port: MessagePort;
  exited: boolean;
}

/** Starting a worker costs the calling thread this much (ms) until measured. */
const SPAWN_ESTIMATE_MS = 5;
/**
 * Cold start: the caller starts a worker only once it has done this many times the
 * worker's start-up cost in loop work itself, so that a first call stays within 1.2x of
 * the serial loop (docs/design.md#cold-start).
 */
const SPAWN_WORK_FACTOR = 8;
/** How long a region waits for its workers to start. */
const START_LIMIT_MS = 60_000;
/** How long recovery waits for the supervisor to have stopped every worker. */
const STOP_LIMIT_MS = 10_000;

function isReduce(kind: number): boolean {
  return kind === KIND_REDUCE || kind === KIND_REDUCE_RANGE;
}

/** A call, validated, before it runs. */
interface Call {
  readonly kind: number;
  readonly start: number;
  readonly end: number;
  readonly fn: unknown;
  /** Body id in the team's registry. */
  readonly body: number;
  /** Registry id of a custom reducer's identity function, 0 when none. */
  readonly identity: number;
  readonly settings: LoopSettings;
  /** The `shared` option as given; once its version is known, the frozen view bodies get (frozenView). */
  shared: unknown;
  readonly reducer: ResolvedReducer | undefined;
}

/**
 * A team of threads that runs parallel loops: the calling thread is member 0 of
 * synchronous calls, and T - 1 workers (T for asynchronous calls) do the rest. Workers
 * start on first use, are reused by every call, sleep when idle, and never keep the
 * process alive. `close()` ends them.
 */
export class Team {
  readonly #settings: TeamSettings;
  readonly #cpus = availableParallelism();
  #control: Control;
  /** Workers by id (1-based; index 0 unused). */
  #members: (Member | undefined)[] = [];
  #closed = false;
  /** close() has ended the workers: nothing may start one again. */
  #shutDown = false;
  #regionId = 0;
  /** CTRL_DONE after the last region published on this control block (int32 arithmetic). */
  #doneTotal = 0;
  #tail: Promise<unknown> = Promise.resolve();
  #asyncInFlight = false;
  /** An error that broke the current region (a worker died); the region's join gives up on it. */
  #failure: Error | undefined;
  #spawning = false;
  #supervisor: Worker | undefined;
  /** The supervisor's death notices (read with receiveMessageOnPort). */
  #notices: MessagePort | undefined;
  /** CTRL_DEATHS as last reaped. */
  #deathsSeen = 0;
  /** Ports of replaced workers, read once more by the next join, then closed. */
  #retired: MessagePort[] = [];
  /** A region is published and not yet joined (sync or async). */
  #inFlight = false;
  /** The region published and not yet joined, if any. */
  #flight: Region | undefined;
  /** Why a region marked WORKER_LOST was lost. */
  #lostError: Error | undefined;
  /** Why the region in flight was cancelled (its CTRL_ERROR is CANCELLED). */
  #cancelReason: unknown;

  readonly #bodyIds = new Map<string, number>();
  #lastFn: unknown;
  #lastId = 0;
  readonly #definitions: ToWorker[] = [];
  readonly #bodies = new Map<number, AnyFn>();
  readonly #runners = new Map<number, Runner>();
  /** The runner last used, by key: a loop called again needs no Map lookup. */
  #lastRunnerKey = -1;
  #lastRunner: Runner | undefined;

  readonly #sharedByObject = new WeakMap<object, { version: number; snapshot: Snapshot }>();
  #sharedPrimitive: { version: number; value: unknown } | undefined;
  #lastPayload: { version: number; snapshot: Snapshot } | undefined;
  /** The object `shared` last matched, and its entry in #sharedByObject. */
  #lastSharedObject: object | undefined;
  #lastSharedEntry: { version: number; snapshot: Snapshot } | undefined;
  /** The identity message of the region in flight, for workers that start during it. */
  #identityMsg: ToWorker | undefined;
  readonly #payloads = new Map<number, unknown>();
  /** Frozen views of recent payloads by version (frozenView), and the last one used. */
  readonly #views = new Map<number, unknown>();
  #viewVersion = 0;
  #view: unknown;
  #sharedVersion = 0;

  /** Measured cost of each body, for the serial fallback (cost.ts). */
  readonly #costs = new CostModel();
  #coldWorkMs = 0;
  #spawnMs = 0;
  #spawnEstimateMs = SPAWN_ESTIMATE_MS;
  /** The calling thread's slot scratch for parallel runs, and another for serial ones (runtime.ts). */
  readonly #scratch = newScratch();
  readonly #serialScratch = newScratch();
  /** Loop settings of a call with no option but `shared`. */
  readonly #loopDefaults: LoopSettings;
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

  constructor(options?: TeamOptions) {
    this.#settings = teamSettings(options);
    this.#loopDefaults = defaultLoopSettings(this.#settings);
    this.#control = controlViews(new SharedArrayBuffer(CONTROL_BYTES));
  }

  /** Threads of the team's loops (the calling thread included), unless a call asks for another number. */
  get numThreads(): number {
    return this.#settings.numThreads;
  }

  /** Whether close() has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Workers started so far (started, not necessarily ready). */
  get workersStarted(): number {
    return this.#members.filter((m) => m !== undefined && !m.exited).length;
  }

  // ---- public loops ------------------------------------------------------------------

  /** Runs body(i, shared, ctx) for every i in [start, end) on the team; resolves when all are done. Never blocks the event loop. */
  parallelFor<S>(start: number, end: number, body: LoopBody<S>, options?: LoopOptionsOf<S>): Promise<void> {
    return this.#async(() => this.#call('body', KIND_FOR, start, end, body, options, undefined)) as Promise<void>;
  }

  /** Runs body(i, shared, ctx) for every i in [start, end), the calling thread taking part; returns when all are done. */
  parallelForSync<S>(start: number, end: number, body: LoopBody<S>, options?: LoopOptionsOf<S>): void {
    this.#sync(this.#call('body', KIND_FOR, start, end, body, options, undefined));
  }

  /** The range form: body(lo, hi, shared, ctx) for chunks [lo, hi) that cover [start, end); the body loops itself. */
  parallelForRange<S>(start: number, end: number, body: RangeBody<S>, options?: LoopOptionsOf<S>): Promise<void> {
    return this.#async(() => this.#call('body', KIND_FOR_RANGE, start, end, body, options, undefined)) as Promise<void>;
  }

  /** Synchronous range form. */
  parallelForRangeSync<S>(start: number, end: number, body: RangeBody<S>, options?: LoopOptionsOf<S>): void {
    this.#sync(this.#call('body', KIND_FOR_RANGE, start, end, body, options, undefined));
  }

  /**
   * Reduction with a built-in reducer ('sum', 'prod', 'min', 'max', 'bitand', 'bitor', 'bitxor'):
   * folds acc = fold(acc, i, shared, ctx) over [start, end) per thread from the reducer's
   * identity and combines the partials in thread order.
   * @returns a promise of the combined number
   */
  parallelReduce<S>(start: number, end: number, fold: Fold<number, S>, reducer: ReducerName, options?: LoopOptionsOf<S>): Promise<number>;
  /**
   * Reduction with a custom reducer: each thread folds from `reducer.identity` (a value, cloned
   * per thread, or a function returning a fresh one); the partials are combined with
   * `reducer.combine` in thread order.
   * @returns a promise of the combined accumulator
   */
  parallelReduce<A, S>(start: number, end: number, fold: Fold<A, S>, reducer: CustomReducer<A>, options?: LoopOptionsOf<S>): Promise<A>;
  parallelReduce<A, S>(start: number, end: number, fold: Fold<A, S>, reducer: Reducer<A>, options?: LoopOptionsOf<S>): Promise<A> {
    return this.#async(() => this.#call('fold', KIND_REDUCE, start, end, fold, options, reducer)) as Promise<A>;
  }

  /**
   * Synchronous reduction with a built-in reducer; the calling thread takes part.
   * @returns the combined number
   */
  parallelReduceSync<S>(start: number, end: number, fold: Fold<number, S>, reducer: ReducerName, options?: LoopOptionsOf<S>): number;
  /**
   * Synchronous reduction with a custom reducer: each thread folds from `reducer.identity` (a value, cloned
   * per thread, or a function returning a fresh one); the partials are combined with
   * `reducer.combine` in thread order.
   * @returns the combined accumulator
   */
  parallelReduceSync<A, S>(start: number, end: number, fold: Fold<A, S>, reducer: CustomReducer<A>, options?: LoopOptionsOf<S>): A;
  parallelReduceSync<A, S>(start: number, end: number, fold: Fold<A, S>, reducer: Reducer<A>, options?: LoopOptionsOf<S>): A {
    return this.#sync(this.#call('fold', KIND_REDUCE, start, end, fold, options, reducer)) as A;
  }

  /**
   * Range-form reduction with a built-in reducer: acc = fold(acc, lo, hi, shared, ctx) per chunk.
   * @returns a promise of the combined number
   */
  parallelReduceRange<S>(start: number, end: number, fold: RangeFold<number, S>, reducer: ReducerName, options?: LoopOptionsOf<S>): Promise<number>;
  /**
   * Range-form reduction with a custom reducer: each thread folds from `reducer.identity` (a value, cloned
   * per thread, or a function returning a fresh one); the partials are combined with
   * `reducer.combine` in thread order.
   * @returns a promise of the combined accumulator
   */
  parallelReduceRange<A, S>(start: number, end: number, fold: RangeFold<A, S>, reducer: CustomReducer<A>, options?: LoopOptionsOf<S>): Promise<A>;
  parallelReduceRange<A, S>(start: number, end: number, fold: RangeFold<A, S>, reducer: Reducer<A>, options?: LoopOptionsOf<S>): Promise<A> {
    return this.#async(() => this.#call('fold', KIND_REDUCE_RANGE, start, end, fold, options, reducer)) as Promise<A>;
  }

  /**
   * Synchronous range-form reduction with a built-in reducer.
   * @returns the combined number
   */
  parallelReduceRangeSync<S>(start: number, end: number, fold: RangeFold<number, S>, reducer: ReducerName, options?: LoopOptionsOf<S>): number;
  /**
   * Synchronous range-form reduction with a custom reducer: each thread folds from `reducer.identity` (a value, cloned
   * per thread, or a function returning a fresh one); the partials are combined with
   * `reducer.combine` in thread order.
   * @returns the combined accumulator
   */
  parallelReduceRangeSync<A, S>(start: number, end: number, fold: RangeFold<A, S>, reducer: CustomReducer<A>, options?: LoopOptionsOf<S>): A;
  parallelReduceRangeSync<A, S>(start: number, end: number, fold: RangeFold<A, S>, reducer: Reducer<A>, options?: LoopOptionsOf<S>): A {
    return this.#sync(this.#call('fold', KIND_REDUCE_RANGE, start, end, fold, options, reducer)) as A;
  }

  /**
   * A parallel region (`#pragma omp parallel`): body(shared, ctx) runs once on every thread
   * of the team at the same time, with ctx.threadId 0..numThreads-1. Inside, ctx offers
   * barrier(), single(fn), master(fn), critical(fn, name?) and for(start, end, body, options).
   * Waits for every worker to be running before it starts.
   */
  parallel<S>(body: RegionBody<S>, options?: RegionOptionsOf<S>): Promise<void> {
    return this.#async(() => this.#regionCall(body, options)) as Promise<void>;
  }

  /** Synchronous parallel region; the calling thread is one of the team. */
  parallelSync<S>(body: RegionBody<S>, options?: RegionOptionsOf<S>): void {
    this.#sync(this.#regionCall(body, options));
  }

  /** Runs a few different functions in parallel (`#pragma omp sections`); resolves to their results, in order. */
  sections<S, const F extends readonly SectionFn<S>[]>(functions: readonly [...F], options?: LoopOptionsOf<S>): Promise<SectionResults<F>> {
    let call: { start: number; end: number; body: RangeFold<unknown[], unknown>; options: LoopOptionsOf<unknown> };
    try {
      call = sectionsCall(functions, options as LoopOptionsOf<unknown> | undefined);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.parallelReduceRange(call.start, call.end, call.body, CONCAT, call.options).then((pairs) => placePairs(pairs, functions.length) as SectionResults<F>);
  }

  /** Synchronous sections. */
  sectionsSync<S, const F extends readonly SectionFn<S>[]>(functions: readonly [...F], options?: LoopOptionsOf<S>): SectionResults<F> {
    const call = sectionsCall(functions, options as LoopOptionsOf<unknown> | undefined);
    return placePairs(this.parallelReduceRangeSync(call.start, call.end, call.body, CONCAT, call.options), functions.length) as SectionResults<F>;
  }

  /**
   * fn(item, index, shared) for every item, on the team; resolves to the results in order
   * (Python's Pool.map). Items and results travel by structured clone; items are split into
   * one contiguous block per thread, and small maps run serially (serialBelowUs).
   */
  parallelMap<T, R, S = undefined>(items: readonly T[], fn: MapFn<T, R, S>, options?: LoopOptionsOf<S>): Promise<R[]> {
    let map: MapCall;
    try {
      map = mapCall(items, fn, options as LoopOptionsOf<unknown> | undefined);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#async(
      () => this.#call('fold', KIND_REDUCE_RANGE, 0, items.length, map.body, map.options, CONCAT),
      (call) => this.#mapHere(call, map, true),
    ) as Promise<R[]>;
  }

  /** Synchronous parallelMap. */
  parallelMapSync<T, R, S = undefined>(items: readonly T[], fn: MapFn<T, R, S>, options?: LoopOptionsOf<S>): R[] {
    const map = mapCall(items, fn, options as LoopOptionsOf<unknown> | undefined);
    const call = this.#call('fold', KIND_REDUCE_RANGE, 0, items.length, map.body, map.options, CONCAT);
    return (this.#mapHere(call, map, false) ?? this.#sync(call)) as R[];
  }

  /**
   * Starts every worker now (numThreads - 1, plus one more when `forAsync`) and resolves
   * when all of them are serving. Optional: loops start workers on their own.
   */
  async start(forAsync = false, threads = this.#settings.numThreads): Promise<void> {
    if (this.#closed) throw teamClosed();
    return this.#start(forAsync, threads);
  }

  /** start() for calls already queued, which run even once close() was called. */
  async #start(forAsync: boolean, threads: number): Promise<void> {
    const want = threads - 1 + (forAsync ? 1 : 0);
    const give = performance.now() + START_LIMIT_MS;
    const keep = keepAlive();
    try {
      for (;;) {
        const online = this.#serving(want, give);
        if (online < 0) return;
        const w = Atomics.waitAsync(this.#control.i32, CTRL_ONLINE, online, 50);
        if (w.async) await w.value;
      }
    } finally {
      clearInterval(keep);
    }
  }

  /**
   * One look at workers 1..want for a start (design.md#startup): reaps deaths, starts
   * replacements for dead workers, and returns -1 once all of them serve, else the
   * CTRL_ONLINE value to wait on (it moves whenever a worker starts serving or dies).
   */
  #serving(want: number, give: number): number {
    // close() may end the workers while a start() made before it waits.
    if (this.#shutDown) throw teamClosed();
    this.#reap();
    if (this.#failure !== undefined) {
      const failure = this.#failure;
      this.#recover();
      throw failure;
    }
    const i32 = this.#control.i32;
    const online = Atomics.load(i32, CTRL_ONLINE);
    let missing = 0;
    for (let id = 1; id <= want; id++) {
      this.#ensureMember(id);
      if (Atomics.load(i32, servingWord(id)) !== 1) missing++;
    }
    if (missing === 0) return -1;
    if (performance.now() > give) throw startTimeout(missing, want, START_LIMIT_MS);
    return online;
  }

  /** Ends the workers once queued asynchronous loops have finished. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return this.#tail.then(() => undefined);
    this.#closed = true;
    const done = this.#tail.then(
      () => this.#shutdown(),
      () => this.#shutdown(),
    );
    this.#tail = done;
    await done;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- calls -------------------------------------------------------------------------

  /** Validates a call (once per call, never per index). */
  #call(bodyName: string, kind: number, start: number, end: number, fn: unknown, options: unknown, reducer: unknown): Call {
    checkBounds(start, end);
    const body = this.#bodyId(bodyName, fn);
    const red = isReduce(kind) ? resolveReducer(reducer) : undefined;
    const settings = loopSettings(options, this.#settings, this.#loopDefaults);
    const identity = red?.identityFn !== undefined ? this.#bodyId('reducer.identity', red.identityFn) : 0;
    return { kind, start, end, fn, body, identity, settings, shared: sharedOption(options), reducer: red };
  }

  #regionCall(body: unknown, options: unknown): Call {
    const id = this.#bodyId('body', body);
    const settings = loopSettings(options, this.#settings, this.#loopDefaults);
    if (settings.schedule !== this.#settings.schedule || settings.chunk !== this.#settings.chunk) {
      throw new TypeError('`schedule` and `chunk` are options of loops, not of parallel regions (use them on ctx.for)');
    }
    const p = settings.parallel ? settings.numThreads : 1;
    const regionSettings: LoopSettings = { ...settings, numThreads: p, schedule: 'static', chunk: undefined, serialBelowUs: 0 };
    return { kind: KIND_REGION, start: 0, end: p, fn: body, body: id, identity: 0, settings: regionSettings, shared: sharedOption(options), reducer: undefined };
  }

  #sync(call: Call): unknown {
    // A closed team and an aborted signal fail every call, an empty one too.
    if (this.#closed) throw teamClosed();
    if (call.settings.signal?.aborted) throw call.settings.signal.reason;
    if (call.end <= call.start) return this.#empty(call);
    if (insideRegion()) return this.#nested(call);
    const bodyId = call.body;
    // Validates `shared` whether or not the call runs serially: a call that works on one
    // thread works on many.
    const sharedVersion = this.#sharedVersionOf(call.shared);
    call.shared = this.#viewOf(sharedVersion, call.shared);
    let run = this.#mainRunner(bodyId, call.kind);
    // A call with a timeout runs no body on the calling thread (unless an asynchronous loop
    // holds the team): a thread that runs a body cannot stop it, and the caller must stay
    // free to end the call at its deadline (design.md#faults).
    const callerWaits = call.settings.timeout !== undefined && !this.#asyncInFlight;
    if (run !== undefined && !callerWaits && this.#serial(call)) return this.#runSerial(call, run);
    if (callerWaits) run = undefined;
    const region = this.#plan(call, bodyId, sharedVersion, call.identity, callerWaits);
    // No runner here (a module body still loading on this thread): `if: false` and one-thread
    // calls run on worker 1 (a one-slot region would otherwise have no worker to claim it).
    if (!call.settings.parallel || region.p === 1) oneWorker(call, region);
    if (this.#asyncInFlight) {
      throw new Error(
        'a synchronous call with a module body that is still loading on this thread cannot run while an ' +
          'asynchronous loop holds the team: await the asynchronous loop first',
      );
    }
    this.#reap();
    if (this.#failure !== undefined) this.#recover();
    return this.#runSync(call, region, run);
  }

  /** `here`, when given, may run the call on this thread instead (parallelMap); undefined when it does not. */
  #async(make: () => Call, here?: (call: Call) => unknown): Promise<unknown> {
    let call: Call;
    try {
      call = make();
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.#closed) return Promise.reject(teamClosed());
    if (call.settings.signal?.aborted) return Promise.reject(call.settings.signal.reason);
    if (call.end <= call.start) return Promise.resolve(this.#empty(call));
    if (insideRegion()) {
      try {
        return Promise.resolve(this.#nested(call));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    // Calls run one after another. The queue's tail must not handle the caller's promise
    // (`result.catch()` would): a rejected call that nobody awaits is reported by the
    // runtime like any other promise's.
    const job = (): unknown => here?.(call) ?? this.#runAsync(call);
    let settle!: { resolve: (v: unknown) => void; reject: (e: unknown) => void };
    const result = new Promise<unknown>((resolve, reject) => (settle = { resolve, reject }));
    this.#tail = this.#tail.then(job, job).then(settle.resolve, settle.reject);
    return result;
  }

  async #runAsync(call: Call): Promise<unknown> {
    const bodyId = call.body;
    const sharedVersion = this.#sharedVersionOf(call.shared);
    call.shared = this.#viewOf(sharedVersion, call.shared);
    const run = this.#mainRunner(bodyId, call.kind);
    // Only a loop too small to notice runs on the calling thread: `if: false` and one-thread
    // calls run on one worker (whose claims go in slot order, as the serial fallback's do).
    if (run !== undefined && call.settings.timeout === undefined && this.#tiny(call)) return this.#runSerial(call, run);
    const region = this.#plan(call, bodyId, sharedVersion, call.identity, true);
    if (!call.settings.parallel || region.p === 1) oneWorker(call, region);
    this.#reap();
    if (this.#failure) this.#recover();
    if (call.kind === KIND_REGION) await this.#start(true, region.p);
    else this.#ensureAsyncMembers(region.p);
    if (call.settings.signal?.aborted) throw call.settings.signal.reason;
    this.#postIdentity(call, region);
    this.#asyncInFlight = true;
    this.#inFlight = true;
    this.#cancelReason = undefined;
    const t0 = performance.now();
    const { signal, timeout } = call.settings;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Cancelled (a signal, a timeout), threads stop at their next chunk; a body that does
    // not return within the grace period has its threads terminated (design.md#faults).
    const cancelThenEnd = (reason: unknown, ended: () => unknown): void => {
      this.#cancel(reason);
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => this.#endUnstopped(region.id, ended), TIMEOUT_GRACE_MS);
    };
    const onAbort = (): void => cancelThenEnd(signal!.reason, () => abortedNotStopped(signal!.reason));
    try {
      this.#publish(region);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeout !== undefined) {
        timer = setTimeout(() => cancelThenEnd(timeoutError(timeout, false), () => timeoutError(timeout, true)), timeout);
      }
      await this.#joinAsync(region.doneTarget);
    } finally {
      this.#asyncInFlight = false;
      this.#inFlight = false;
      this.#flight = undefined;
      signal?.removeEventListener('abort', onAbort);
      if (timer !== undefined) clearTimeout(timer);
    }
    // Whole-region wall time times the threads bounds the per-iteration cost from above.
    this.#costs.learn(CostModel.key(bodyId, call.kind), ((performance.now() - t0) * 1e6 * region.p) / (call.end - call.start), true);
    return this.#collect(call, region, undefined, customPartials(call));
  }

  #runSync(call: Call, region: Region, run: Runner | undefined): unknown {
    const c = this.#control;
    const i32 = c.i32;
    // Without a runner (a module body still loading here) the caller cannot work: start every
    // worker now. A region needs all of its threads at once: wait until they serve.
    let hook: (() => void) | undefined;
    if (call.kind === KIND_REGION) this.#startAllSync(region.p - 1);
    else hook = run === undefined ? this.#startAll(region.maxWorker) : this.#ensureSyncMembers(region.p - 1);
    const timeout = call.settings.timeout;
    const deadline = timeout === undefined ? Infinity : performance.now() + timeout;
    if (timeout !== undefined) {
      // Between chunks, the calling thread checks the clock and cancels the call when it is late.
      const cold = hook;
      hook = () => {
        if (cold !== undefined) cold();
        if (performance.now() > deadline) this.#cancel(timeoutError(timeout, false));
      };
    }
    this.#cancelReason = undefined;
    this.#postIdentity(call, region);
    this.#publish(region);
    this.#inFlight = true;
    let errors: Map<number, ErrorRecord> | undefined;
    const partials = customPartials(call);
    const scratch = this.#scratch;
    scratch.iterations = 0;
    // Timed when the cost model asks for a sample (cost.ts: the clock is not free).
    const key = CostModel.key(region.body, call.kind);
    const measure = hook !== undefined || this.#costs.shouldMeasure(key, call.end - call.start, call.settings.serialBelowUs);
    const t0 = measure ? performance.now() : 0;
    if (run !== undefined) {
      enterRegion();
      try {
        for (let slot = claimSlot(i32); slot >= 0; slot = claimSlot(i32)) {
          const error = this.#runMainSlot(call, region, run, slot, i32, hook, partials);
          if (error !== undefined) (errors ??= new Map()).set(slot, error);
          finishSlot(i32, region.doneTarget);
        }
      } finally {
        leaveRegion();
      }
    }
    if (measure) {
      const busyMs = performance.now() - t0;
      if (hook !== undefined) this.#coldWorkMs += busyMs;
      if (scratch.iterations > 0) this.#costs.learn(key, (busyMs * 1e6) / scratch.iterations, false);
    }
    if (this.#failure === undefined) {
      if (timeout === undefined) {
        while (!waitUntilEquals(i32, CTRL_DONE, region.doneTarget, region.spinUs, CTRL_DEATHS, this.#deathsSeen)) {
          this.#reap();
          if (this.#failure !== undefined) break;
        }
      } else this.#joinSyncBefore(region, deadline, timeout);
    }
    this.#inFlight = false;
    this.#flight = undefined;
    if (this.#failure !== undefined) {
      const failure = this.#failure;
      this.#recover();
      throw failure;
    }
    return this.#collect(call, region, errors, partials);
  }

  /** One slot of a parallel run on the calling thread; its partial goes where the workers' go. Returns its error, if any. */
  #runMainSlot(call: Call, region: Region, run: Runner, slot: number, sync: Int32Array, hook: (() => void) | undefined, partials: unknown[] | undefined): ErrorRecord | undefined {
    const scratch = this.#scratch;
    let acc: unknown;
    let error: ErrorRecord | undefined;
    try {
      acc = call.reducer ? this.#identityValue(call.reducer, region) : undefined;
      acc = runSlot(region, slot, run, call.shared, acc, sync, scratch, hook);
      error = scratch.error;
    } catch (thrown) {
      error = recordError(thrown, { index: region.start, chunk: [region.start, region.end], threadId: slot });
      failSlot(sync, slot);
    }
    if (error === undefined && call.reducer !== undefined) {
      if (call.reducer.id !== REDUCER_CUSTOM) this.#control.f64[F64_PARTIALS + slot] = acc as number;
      else partials![slot] = acc;
    }
    return error;
  }

  /**
   * Runs a whole call on the calling thread: OpenMP's `if(false)`, loops too small to pay,
   * and calls made while an asynchronous loop holds the team. Loops run as one thread;
   * reductions run the P static blocks in thread order, so their result is the same, bit for
   * bit, as the parallel static run.
   */
  #runSerial(call: Call, run: Runner): unknown {
    const red = call.reducer;
    const s = call.settings;
    // The common case, in short (runSerialBlocks): a loop (a region's body needs a region
    // context), no timeout to check between chunks, no custom reducer's partials to keep,
    // and no static chunk to deal round-robin.
    if (call.kind !== KIND_REGION && s.timeout === undefined && (red === undefined || (red.id !== REDUCER_CUSTOM && (s.chunk === undefined || s.schedule !== 'static')))) {
      return this.#runSerialShort(call, run, red);
    }
    return this.#runSerialSlots(call, run);
  }

  /** #runSerial's short form: the blocks in one call, no region descriptor, no pieces. */
  #runSerialShort(call: Call, run: Runner, red: ResolvedReducer | undefined): unknown {
    const n = call.end - call.start;
    const key = CostModel.key(call.body, call.kind);
    const measure = this.#costs.shouldMeasure(key, n, call.settings.serialBelowUs);
    const t0 = measure ? performance.now() : 0;
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
    if (measure && scratch.iterations > 0) this.#costs.learn(key, ((performance.now() - t0) * 1e6) / scratch.iterations, false);
    if (failed) {
      // An error from combining partials is thrown as is, as in a parallel run.
      if (scratch.slot < 0) throw thrown;
      // As a failing slot does: a ctx kept past the run reads cancelled.
      failSlot(sync, scratch.slot);
      throw rebuildError(recordError(thrown, { index: scratch.index, chunk: [scratch.lo, scratch.hi], threadId: scratch.slot }));
    }
    return result;
  }

  /** #runSerial in full: the slots of a static region, one after the other, as runSlot runs them. */
  #runSerialSlots(call: Call, run: Runner): unknown {
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
    region.piece = perIndex(call.kind) ? this.#costs.piece(CostModel.key(call.body, call.kind), PIECE_TARGET_MS, PIECE_MAX) : 0;
    const sync = this.#serialSync;
    sync[CTRL_ERROR] = 0;
    // A region's words start at 0, as publish leaves them on the shared block.
    if (call.kind === KIND_REGION) clearRegionWords(sync);
    const scratch = this.#serialScratch;
    scratch.iterations = 0;
    const key = CostModel.key(region.body, call.kind);
    const measure = this.#costs.shouldMeasure(key, call.end - call.start, call.settings.serialBelowUs);
    const t0 = measure ? performance.now() : 0;
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
        if (performance.now() > deadline && Atomics.compareExchange(sync, CTRL_ERROR, 0, CANCELLED) === 0) haltRegion(sync);
      };
    }
    enterRegion();
    try {
      for (let slot = 0; slot < region.p && sync[CTRL_ERROR] === 0; slot++) {
        let acc: unknown;
        if (red !== undefined) {
          try {
            acc = this.#identityValue(red, region);
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
    if (measure && scratch.iterations > 0) {
      this.#costs.learn(key, ((performance.now() - t0) * 1e6) / scratch.iterations, false);
    }
    if (error !== undefined) throw rebuildError(error);
    if (sync[CTRL_ERROR] === CANCELLED) throw timeoutError(timeout!, false);
    return partials !== undefined ? combine(red!, partials, region.p) : result;
  }

  /** A call from inside a body: runs serially here, with the body as written (no shipping). */
  #nested(call: Call): unknown {
    const fn = call.fn as (...args: unknown[]) => unknown;
    if (typeof fn !== 'function') throw new TypeError('a module body cannot be called from inside another body; import and call it');
    const ctx = { threadId: 0, numThreads: 1 };
    const { start, end } = call;
    // The same frozen view as a top-level call's bodies get.
    const shared = frozenView(call.shared);
    switch (call.kind) {
      case KIND_FOR:
        for (let i = start; i < end; i++) fn(i, shared, ctx);
        return undefined;
      case KIND_FOR_RANGE:
        fn(start, end, shared, ctx);
        return undefined;
      case KIND_REDUCE: {
        let acc = this.#identityValue(call.reducer!, undefined);
        for (let i = start; i < end; i++) acc = fn(acc, i, shared, ctx);
        return acc;
      }
      default:
        return fn(this.#identityValue(call.reducer!, undefined), start, end, shared, ctx);
    }
  }

  /** The result of a loop with no iterations: nothing, or the reducer's identity. */
  #empty(call: Call): unknown {
    return call.reducer ? this.#identityValue(call.reducer, undefined) : undefined;
  }

  #identityValue(red: ResolvedReducer, region: Region | undefined): unknown {
    if (red.identityFn !== undefined) {
      if (region === undefined || region.identity === 0) return (red.identityFn as () => unknown)();
      return (this.#bodies.get(region.identity) as () => unknown)();
    }
    return red.id === REDUCER_CUSTOM ? structuredClone(red.identity) : red.identity;
  }

  /**
   * A map that would run serially (see #serial; an asynchronous one only when it is tiny, as
   * in #runAsync), or whose items cost under MAP_ITEM_US each (less than moving them to a
   * worker and back), run here at once into one array (constructs.ts, runMapHere), timed for
   * the cost model as #runSerial is. A map whose cost is still unknown starts here
   * (probeMapHere) and sends only what is left after the fallback threshold's time to the
   * team: the calling thread of a parallel run may find every slot taken and measure nothing,
   * so a small map would otherwise wake threads for ever. Undefined when the call goes the
   * general way: in parallel, nested, with a timeout to check, or failing before it starts.
   */
  #mapHere(call: Call, map: MapCall, forAsync: boolean): unknown[] | Promise<unknown> | undefined {
    const s = call.settings;
    if (this.#closed || s.signal?.aborted || s.timeout !== undefined || call.end <= call.start || insideRegion()) return undefined;
    const n = call.end - call.start;
    const key = CostModel.key(call.body, call.kind);
    if (s.serialBelowUs > 0 && !this.#costs.known(key) && !(!forAsync && this.#serial(call))) {
      const { head, nsPerItem } = probeMapHere(map, s.serialBelowUs / 1000);
      this.#costs.learn(key, nsPerItem, false);
      if (head.length === n) return head;
      const rest: Call = { ...call, start: head.length };
      const append = (tail: unknown): unknown[] => {
        for (const x of tail as unknown[]) head.push(x);
        return head;
      };
      return forAsync ? this.#runAsync(rest).then(append) : append(this.#sync(rest));
    }
    const forced = !forAsync && (!s.parallel || s.numThreads === 1 || this.#asyncInFlight);
    if (!forced && !(s.serialBelowUs > 0 && (this.#costs.below(key, n, s.serialBelowUs) || this.#costs.below(key, 1, MAP_ITEM_US)))) return undefined;
    const t0 = this.#costs.shouldMeasure(key, n, s.serialBelowUs) ? performance.now() : -1;
    const out = runMapHere(map);
    if (t0 >= 0) this.#costs.learn(key, ((performance.now() - t0) * 1e6) / n, false);
    return out;
  }

  /** Whether to run serially: `if: false`, one thread, or predicted time under the threshold. */
  #serial(call: Call): boolean {
    const s = call.settings;
    if (!s.parallel || s.numThreads === 1 || this.#asyncInFlight) return true;
    return this.#tiny(call);
  }

  /** Whether the loop's predicted serial time is under `serialBelowUs`. */
  #tiny(call: Call): boolean {
    const s = call.settings;
    if (s.serialBelowUs === 0 || call.kind === KIND_REGION) return false;
    return this.#costs.below(CostModel.key(call.body, call.kind), call.end - call.start, s.serialBelowUs);
  }

  // ---- regions -----------------------------------------------------------------------

  #plan(call: Call, body: number, shared: number, identity: number, forAsync: boolean): Region {
    const s = call.settings;
    const n = call.end - call.start;
    const p = s.numThreads;
    let schedule = SCHED_STATIC;
    let chunk = s.chunk ?? 0;
    let unit = 1;
    if (s.schedule === 'dynamic') {
      schedule = SCHED_DYNAMIC;
      chunk = s.chunk ?? 1;
      unit = counterUnit(n, chunk);
    } else if (s.schedule === 'guided' || s.schedule === 'auto') {
      schedule = SCHED_GUIDED;
      chunk = s.schedule === 'auto' ? autoChunk(n, p) : (s.chunk ?? 1);
      unit = counterUnit(n, 1);
    }
    // More threads than cores: nobody spins (a spinning thread would steal the core of one
    // that works). An asynchronous region also needs a core for the caller's event loop,
    // which learns of the end through Atomics.waitAsync.
    const spinUs = p + (forAsync ? 1 : 0) > this.#cpus ? 0 : this.#settings.spinUs;
    this.#regionId = (this.#regionId + 1) | 0 || 1;
    return {
      id: this.#regionId,
      doneTarget: 0, // set when published
      kind: call.kind,
      body,
      shared,
      schedule,
      p,
      maxWorker: forAsync ? p : p - 1,
      chunk,
      unit,
      spinUs,
      reducer: call.reducer?.id ?? 0,
      identity,
      piece: perIndex(call.kind) ? this.#costs.piece(CostModel.key(body, call.kind), PIECE_TARGET_MS, PIECE_MAX) : 0,
      start: call.start,
      end: call.end,
    };
  }

  /** Publishes a region (design.md#publish): descriptor, counters, then slots, then the epoch. */
  #publish(r: Region): void {
    const c = this.#control;
    const i32 = c.i32;
    this.#doneTotal = (this.#doneTotal + r.p) | 0;
    r.doneTarget = this.#doneTotal;
    writeRegion(c, r);
    // Only what the region uses and what is not already reset: every write here invalidates
    // a line that other cores hold (design.md#publish).
    if (r.schedule !== SCHED_STATIC && Atomics.load(i32, CTRL_NEXT) !== 0) Atomics.store(i32, CTRL_NEXT, 0);
    if (Atomics.load(i32, CTRL_ERROR) !== 0) Atomics.store(i32, CTRL_ERROR, 0);
    if (r.kind === KIND_REGION) clearRegionWords(i32);
    this.#flight = r;
    this.#lostError = undefined;
    Atomics.store(i32, CTRL_SLOTS, r.p);
    Atomics.add(i32, CTRL_EPOCH, 1);
    // Only the workers this region uses; the others sleep through it (design.md#sleepers).
    wakeForRegion(i32, r.maxWorker);
  }

  /** Cancels the region in flight: every thread stops at its next chunk, barriers release. */
  #cancel(reason: unknown): void {
    const i32 = this.#control.i32;
    if (Atomics.compareExchange(i32, CTRL_ERROR, 0, CANCELLED) === 0) this.#cancelReason = reason;
    haltRegion(i32);
    this.#skipUnclaimed();
  }

  /**
   * Claims and finishes, without running, the slots of the failed or cancelled region in
   * flight that nobody has claimed yet (a worker still starting, or dead, would have). The
   * caller published that region and has not joined it, so these claims cannot reach a
   * later region (design.md#faults).
   */
  #skipUnclaimed(): void {
    const r = this.#flight;
    if (r === undefined) return;
    const i32 = this.#control.i32;
    for (let slot = claimSlot(i32); slot >= 0; slot = claimSlot(i32)) finishSlot(i32, r.doneTarget);
  }

  /** A cancelled region whose threads did not stop: fail its join with `ended()`, which then recovers (ends the workers). */
  #endUnstopped(regionId: number, ended: () => unknown): void {
    const i32 = this.#control.i32;
    if (!this.#inFlight || this.#regionId !== regionId || Atomics.load(i32, CTRL_DONE) === Atomics.load(i32, CTRL_DONE_TARGET)) return;
    this.#failure ??= ended() as Error;
    Atomics.notify(i32, CTRL_DONE);
  }

  /** The synchronous join of a call with a timeout: cancel at the deadline, terminate after the grace period. */
  #joinSyncBefore(region: Region, deadline: number, timeout: number): void {
    const i32 = this.#control.i32;
    let cancelled = false;
    for (;;) {
      const v = Atomics.load(i32, CTRL_DONE);
      if (v === region.doneTarget) return;
      const now = performance.now();
      if (!cancelled && now >= deadline) {
        this.#cancel(timeoutError(timeout, false));
        cancelled = true;
      }
      if (cancelled && now >= deadline + TIMEOUT_GRACE_MS) {
        this.#failure = timeoutError(timeout, true);
        return;
      }
      this.#reap();
      if (this.#failure !== undefined) return;
      Atomics.wait(i32, CTRL_DONE, v, Math.max(1, (cancelled ? deadline + TIMEOUT_GRACE_MS : deadline) - now));
    }
  }

  async #joinAsync(target: number): Promise<void> {
    const i32 = this.#control.i32;
    if (Atomics.load(i32, CTRL_DONE) === target) return;
    // A pending Atomics.waitAsync does not keep Node's event loop alive; this timer does.
    const keep = keepAlive();
    try {
      for (;;) {
        const v = Atomics.load(i32, CTRL_DONE);
        if (v === target) {
          // Every slot finished (a dying worker gave its slot up): the control block is sound.
          this.#failure = undefined;
          return;
        }
        this.#reap();
        if (this.#failure !== undefined) {
          const failure = this.#failure;
          this.#recover();
          throw failure;
        }
        const w = Atomics.waitAsync(i32, CTRL_DONE, v);
        if (w.async) await w.value;
      }
    } finally {
      clearInterval(keep);
    }
  }

  /** Reads a finished region's outcome: the first error, or the combined reduction. */
  #collect(call: Call, r: Region, caught: Map<number, ErrorRecord> | undefined, partials: unknown[] | undefined): unknown {
    const c = this.#control;
    const failed = Atomics.load(c.i32, CTRL_ERROR);
    // Nothing is allocated for a region that succeeded without a custom reducer.
    let errors = caught;
    if (failed !== 0 || partials !== undefined) {
      errors ??= new Map<number, ErrorRecord>();
      const ports = this.#members.filter((m): m is Member => m !== undefined).map((m) => m.port);
      for (const port of [...ports, ...this.#retired]) {
        for (let got = receiveMessageOnPort(port); got !== undefined; got = receiveMessageOnPort(port)) {
          const msg = got.message as FromWorker;
          if (msg.region !== r.id) continue;
          if (msg.t === 'error') errors.set(msg.error.threadId, msg.error);
          else if (partials !== undefined) partials[msg.slot] = msg.value;
        }
      }
    }
    if (this.#retired.length > 0) {
      for (const port of this.#retired) port.close();
      this.#retired = [];
    }
    if (failed === CANCELLED) throw this.#cancelReason;
    if (failed === WORKER_LOST) throw this.#lostError ?? workerDied(0, 'a thread of the parallel region died', undefined);
    if (failed !== 0) {
      const first = errors?.get(failed - 1) ?? errors?.values().next().value;
      if (first === undefined) throw new Error(`parafor internal error: region ${r.id} failed in slot ${failed - 1} but no error arrived`);
      throw rebuildError(first);
    }
    const red = call.reducer;
    if (red === undefined) return undefined;
    if (partials !== undefined) return combine(red, partials, r.p);
    // Built-in partials, from the control block, left to right (combine()'s order).
    const f64 = c.f64;
    let acc: unknown = f64[F64_PARTIALS];
    for (let s = 1; s < r.p; s++) acc = red.combine(acc, f64[F64_PARTIALS + s]);
    return acc;
  }

  // ---- bodies and payloads -----------------------------------------------------------

  /**
   * The id of a body, registering it (and sending it to the workers) the first time its
   * source is seen. Looked up by source text, so a fresh closure with the same source (an
   * arrow written inside a function that is called again) is the same body; the last
   * function passed is remembered, so calling a loop again with it costs one comparison.
   */
  #bodyId(name: string, fn: unknown): number {
    if (fn === this.#lastFn && fn !== undefined) return this.#lastId;
    let key: string;
    if (typeof fn === 'function') key = `s${Function.prototype.toString.call(fn)}`;
    else if (isModuleBody(fn)) key = `m${fn.url}#${fn.name}`;
    else throw notFunction(name, fn);
    let id = this.#bodyIds.get(key);
    if (id === undefined) {
      const source = bodySource(name, fn);
      id = this.#bodyIds.size + 1;
      let def: ToWorker;
      if (typeof source === 'string') {
        // Compile here first: a body that cannot be compiled fails on the calling thread.
        this.#bodies.set(id, compileSource(name, source));
        def = { t: 'source', id, source };
      } else {
        def = { t: 'module', id, url: source.url, name: source.name };
        this.#loadModule(id, source);
      }
      this.#bodyIds.set(key, id);
      this.#definitions.push(def);
      for (const m of this.#members) m?.port.postMessage(def);
    }
    this.#lastFn = fn;
    this.#lastId = id;
    return id;
  }

  #loadModule(id: number, source: ModuleBody): void {
    void import(source.url).then(
      (mod: Record<string, unknown>) => {
        const fn = mod[source.name];
        if (typeof fn === 'function') this.#bodies.set(id, fn as AnyFn);
      },
      () => undefined, // the workers report the failure, with the module's own error
    );
  }

  /** The calling thread's runner, or undefined while a module body is still loading here. */
  #mainRunner(bodyId: number, kind: number): Runner | undefined {
    const key = bodyId * 8 + kind;
    if (key === this.#lastRunnerKey) return this.#lastRunner;
    let r = this.#runners.get(key);
    if (r === undefined) {
      const fn = this.#bodies.get(bodyId);
      if (fn === undefined) return undefined;
      r = makeRunner(kind, fn);
      this.#runners.set(key, r);
    }
    this.#lastRunnerKey = key;
    this.#lastRunner = r;
    return r;
  }

  /** Sends a custom reducer's identity value to the workers of a region. */
  #postIdentity(call: Call, r: Region): void {
    const red = call.reducer;
    this.#identityMsg = undefined;
    if (red === undefined || red.id !== REDUCER_CUSTOM || r.identity !== 0) return;
    const msg: ToWorker = { t: 'identity', region: r.id, value: red.identity };
    // Kept for workers that start while the region runs (#ensureMember sends it to them).
    this.#identityMsg = msg;
    for (let id = 1; id <= r.maxWorker; id++) this.#members[id]?.port.postMessage(msg);
  }

  /**
   * The version of a `shared` payload, sending it to the workers when it is new or changed
   * (design.md#bodies-and-shared). Unchanged payloads cost a walk of their leaves and nothing more.
   */
  #sharedVersionOf(value: unknown): number {
    if (value === undefined) return 0;
    const isObject = typeof value === 'object' && value !== null;
    // Versions older than this have left the workers' caches.
    const oldest = this.#sharedVersion - SHARED_CACHE;
    if (isObject) {
      // The same object as last time (a loop called again) needs no WeakMap lookup.
      const prev = value === this.#lastSharedObject ? this.#lastSharedEntry : this.#sharedByObject.get(value);
      if (prev !== undefined && prev.version > oldest && matchesSnapshot(value, prev.snapshot)) {
        this.#lastSharedObject = value;
        this.#lastSharedEntry = prev;
        return prev.version;
      }
    }
    // A new object with the same leaves as the last payload (`{ shared: { a, b } }` written
    // in the call, parallelMap's wrapper around the same items) is the same payload: nothing
    // to send, and compared in place, without taking a snapshot.
    const last = this.#lastPayload;
    if (isObject && last !== undefined && last.version > oldest && matchesSnapshot(value, last.snapshot)) {
      // Not put in the WeakMap: an object made for one call would cost an entry each call.
      this.#lastSharedObject = value;
      this.#lastSharedEntry = last;
      return last.version;
    }
    const snapshot = snapshotShared(value);
    if (last !== undefined && last.version > oldest && sameSnapshot(last.snapshot, snapshot)) {
      return isObject ? this.#remember(value, last) : last.version;
    }
    if (isObject) {
      const prev = this.#sharedByObject.get(value);
      if (prev !== undefined && prev.version > oldest && sameSnapshot(prev.snapshot, snapshot)) return this.#remember(value, prev);
    } else if (this.#sharedPrimitive !== undefined && this.#sharedPrimitive.version > oldest && Object.is(this.#sharedPrimitive.value, value)) {
      return this.#sharedPrimitive.version;
    }
    const version = ++this.#sharedVersion;
    this.#lastPayload = { version, snapshot };
    if (isObject) this.#remember(value, this.#lastPayload);
    else this.#sharedPrimitive = { version, value };
    this.#payloads.set(version, value);
    this.#payloads.delete(version - SHARED_CACHE);
    const msg: ToWorker = { t: 'shared', version, value };
    for (const m of this.#members) m?.port.postMessage(msg);
    return version;
  }

  /** What bodies on the calling thread get for payload `version` of `value`: the frozen view every thread sees. */
  #viewOf(version: number, value: unknown): unknown {
    if (version === 0) return undefined;
    if (version === this.#viewVersion) return this.#view;
    let view = this.#views.get(version);
    if (view === undefined && !this.#views.has(version)) {
      view = frozenView(value);
      this.#views.set(version, view);
      this.#views.delete(version - SHARED_CACHE);
    }
    this.#viewVersion = version;
    this.#view = view;
    return view;
  }

  /** Records the payload entry of a `shared` object, as the one to try first next time; returns its version. */
  #remember(value: object, entry: { version: number; snapshot: Snapshot }): number {
    this.#sharedByObject.set(value, entry);
    this.#lastSharedObject = value;
    this.#lastSharedEntry = entry;
    return entry.version;
  }

  // ---- workers -----------------------------------------------------------------------

  #ensureMember(id: number): boolean {
    if (this.#shutDown) throw teamClosed();
    const m = this.#members[id];
    if (m !== undefined && !m.exited) return false;
    // A dead worker's port may still hold messages of the region in flight: read at the join.
    if (m !== undefined) this.#retired.push(m.port);
    const t0 = performance.now();
    const supervisor = this.#supervisorNow();
    const i32 = this.#control.i32;
    Atomics.store(i32, deadWord(id), 0);
    Atomics.store(i32, holdWord(id), 0);
    const { port1, port2 } = new MessageChannel();
    port1.unref();
    this.#members[id] = { port: port1, exited: false };
    for (const def of this.#definitions) port1.postMessage(def);
    for (const [version, value] of this.#payloads) port1.postMessage({ t: 'shared', version, value } satisfies ToWorker);
    if (this.#identityMsg !== undefined) port1.postMessage(this.#identityMsg);
    supervisor.postMessage({ t: 'start', id, port: port2 } satisfies ToSupervisor, [port2 as never]);
    const spent = performance.now() - t0;
    this.#spawnMs += spent;
    this.#spawnEstimateMs = spent;
    return true;
  }

  /** The supervisor thread that starts and watches the workers (lib/supervisor.ts), started on first need. */
  #supervisorNow(): Worker {
    if (this.#supervisor !== undefined) return this.#supervisor;
    const { port1, port2 } = new MessageChannel();
    port1.unref();
    let execArgv = workerExecArgv();
    let supervisor: Worker;
    for (;;) {
      const init: SupervisorInit = {
        control: this.#control.i32.buffer as SharedArrayBuffer,
        workerUrl: WORKER_URL.href,
        execArgv,
        resourceLimits: this.#settings.resourceLimits ?? {},
        notices: port2,
      };
      try {
        supervisor = new Worker(SUPERVISOR_URL, { workerData: init, transferList: [port2 as never], execArgv });
        break;
      } catch (err) {
        // V8 and process-wide flags (`node --expose-gc`, `--stack-size=...`) are refused for
        // worker threads; they apply to the whole process anyway. Drop the ones Node names.
        const rest = withoutRefused(execArgv, err);
        if (rest === undefined) throw err;
        execArgv = acceptedExecArgv = rest;
      }
    }
    supervisor.unref();
    supervisor.on('error', (err) => {
      // Never expected: without its supervisor the team cannot start or watch workers.
      this.#failure ??= workerDied(0, `the supervisor failed: ${err.message}`, err);
      Atomics.notify(this.#control.i32, CTRL_DONE);
    });
    this.#supervisor = supervisor;
    this.#notices = port1;
    return supervisor;
  }

  /**
   * Takes note of workers that died (the supervisor marked them and counted them in
   * CTRL_DEATHS), and settles what each death means for the region in flight
   * (design.md#faults):
   * - it held a slot of the region, or died claiming: that slot will never finish, so the
   *   join gives up (#failure) and the team recovers;
   * - it held none, but the region counted on it to claim (a worker the region uses, and
   *   slots are still unclaimed): a parallel region, which needs all its threads at once,
   *   is lost; a failed or cancelled region's slots are claimed and skipped here (the
   *   caller published the region and has not joined it, so these claims cannot reach a
   *   later one); a loop still running gets a replacement worker, which claims them.
   * A body's process.exit() gives its slot up first (worker.ts), so that region completes
   * with the body's error instead.
   */
  #reap(): void {
    const i32 = this.#control.i32;
    const deaths = Atomics.load(i32, CTRL_DEATHS);
    if (deaths === this.#deathsSeen) return;
    this.#deathsSeen = deaths;
    const notes = new Map<number, string>();
    if (this.#notices !== undefined) {
      for (let got = receiveMessageOnPort(this.#notices); got !== undefined; got = receiveMessageOnPort(this.#notices)) {
        const notice = got.message as DeathNotice;
        notes.set(notice.id, notice.how);
      }
    }
    const r = this.#flight;
    for (let id = 1; id < this.#members.length; id++) {
      const member = this.#members[id];
      if (member === undefined || member.exited || Atomics.load(i32, deadWord(id)) === 0) continue;
      // Its port stays open: its last messages (a process.exit() error) are read at the join.
      member.exited = true;
      if (r === undefined) continue;
      const hold = Atomics.load(i32, holdWord(id));
      const how = notes.get(id) ?? 'it exited';
      if (hold === r.id || hold === HOLD_CLAIMING) {
        this.#failure ??= workerDied(id, how, undefined);
      } else if (id <= r.maxWorker && Atomics.load(i32, CTRL_SLOTS) > 0) {
        if (r.kind === KIND_REGION && Atomics.compareExchange(i32, CTRL_ERROR, 0, WORKER_LOST) === 0) {
          this.#lostError = workerDied(id, how, undefined);
          haltRegion(i32);
        }
        if (Atomics.load(i32, CTRL_ERROR) !== 0) this.#skipUnclaimed();
        else this.#ensureMember(id);
      }
    }
  }

  /**
   * Workers for a synchronous call (ids 1..want). A warm team has them all: no hook. A cold
   * one gets a hook that the calling thread runs between chunks: it starts the next worker
   * once the caller's own loop work has paid for it SPAWN_WORK_FACTOR times over, so the
   * first calls never wait for thread start-up (design.md#cold-start).
   */
  #ensureSyncMembers(want: number): (() => void) | undefined {
    let missing = 0;
    for (let id = 1; id <= want; id++) if (this.#members[id] === undefined || this.#members[id]!.exited) missing++;
    if (missing === 0) return undefined;
    const t0 = performance.now();
    const budget = this.#coldWorkMs;
    return () => {
      if (this.#spawning) return;
      const work = budget + (performance.now() - t0);
      if (work < SPAWN_WORK_FACTOR * (this.#spawnMs + this.#spawnEstimateMs)) return;
      this.#spawning = true;
      try {
        for (let id = 1; id <= want; id++) if (this.#ensureMember(id)) break;
      } finally {
        this.#spawning = false;
      }
    };
  }

  #startAll(want: number): undefined {
    for (let id = 1; id <= want; id++) this.#ensureMember(id);
    return undefined;
  }

  /** Starts workers 1..want and blocks until they serve (workers start without the event loop). */
  #startAllSync(want: number): void {
    const give = performance.now() + START_LIMIT_MS;
    for (;;) {
      const online = this.#serving(want, give);
      if (online < 0) return;
      Atomics.wait(this.#control.i32, CTRL_ONLINE, online, 50);
    }
  }

  /** Workers for an asynchronous call (ids 1..p), all now: the supervisor starts them, off this thread. */
  #ensureAsyncMembers(p: number): void {
    for (let id = 1; id <= p; id++) this.#ensureMember(id);
  }

  /**
   * After a region that will never finish (a worker died holding a slot, or a cancelled
   * body did not stop): the supervisor terminates every worker and says when all have exited
   * (design.md#recovery), so that no thread of the failed call still runs a body when the
   * next call starts; then the control block is cleared and the team starts afresh. The
   * bodies and payloads are sent again to the workers that start next.
   */
  #recover(): void {
    this.#failure = undefined;
    this.#flight = undefined;
    const i32 = this.#control.i32;
    // Threads still running stop at their next chunk, sleepers leave.
    if (Atomics.compareExchange(i32, CTRL_ERROR, 0, CANCELLED) === 0) haltRegion(i32);
    Atomics.store(i32, CTRL_STATE, TEAM_CLOSING);
    Atomics.add(i32, CTRL_EPOCH, 1);
    wakeAll(i32, MAX_THREADS);
    const supervisor = this.#supervisor;
    let stopped = supervisor === undefined;
    if (supervisor !== undefined) {
      const before = Atomics.load(i32, CTRL_STOPPED);
      supervisor.postMessage({ t: 'stop' } satisfies ToSupervisor);
      const give = performance.now() + STOP_LIMIT_MS;
      for (let left = STOP_LIMIT_MS; left > 0; left = give - performance.now()) {
        if (Atomics.load(i32, CTRL_STOPPED) !== before) {
          stopped = true;
          break;
        }
        Atomics.wait(i32, CTRL_STOPPED, before, left);
      }
    }
    for (const m of this.#members) {
      if (m === undefined) continue;
      m.exited = true;
      m.port.close();
    }
    this.#members = [];
    for (const port of this.#retired) port.close();
    this.#retired = [];
    if (this.#notices !== undefined) while (receiveMessageOnPort(this.#notices) !== undefined);
    if (stopped) {
      // Nobody else touches the block now: clear it in place (the supervisor keeps it).
      i32.fill(0);
    } else {
      // The supervisor did not answer: end it (which ends its workers) and start over.
      void supervisor?.terminate();
      this.#supervisor = undefined;
      this.#notices?.close();
      this.#notices = undefined;
      this.#control = controlViews(new SharedArrayBuffer(CONTROL_BYTES));
    }
    this.#doneTotal = 0;
    this.#deathsSeen = 0;
  }

  async #shutdown(): Promise<void> {
    this.#shutDown = true;
    const i32 = this.#control.i32;
    Atomics.store(i32, CTRL_STATE, TEAM_CLOSING);
    Atomics.add(i32, CTRL_EPOCH, 1);
    wakeAll(i32, MAX_THREADS);
    const members = this.#members.filter((m): m is Member => m !== undefined);
    this.#members = [];
    const supervisor = this.#supervisor;
    this.#supervisor = undefined;
    if (supervisor !== undefined) await supervisor.terminate();
    this.#notices?.close();
    for (const m of members) {
      m.exited = true;
      m.port.close();
    }
  }
}

/** The worker options that a thread start accepted after refused ones were dropped (withoutRefused). */
let acceptedExecArgv: string[] | undefined;

/**
 * The calling process's Node options, less those about the main script (`-e code`,
 * `--input-type`, ...), which would make a worker fail to load its own entry file, and less
 * those a worker start refused before.
 */
function workerExecArgv(): string[] {
  if (acceptedExecArgv !== undefined) return acceptedExecArgv;
  const out: string[] = [];
  const args = process.execArgv;
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!;
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print' || a === '-r' || a === '--require' || a === '--import') {
      if (a === '-r' || a === '--require' || a === '--import') out.push(a, args[k + 1]!);
      k++;
      continue;
    }
    if (/^(--input-type|--eval|--print|-pe|-i$|--interactive|--test|--watch|--check|-c$)/.test(a)) continue;
    out.push(a);
  }
  return out;
}

/**
 * `execArgv` without the flags that `err` (ERR_WORKER_INVALID_EXEC_ARGV: "Initiated Worker
 * with invalid execArgv flags: --expose-gc, --stack-size") names, and without a separate
 * value after a named flag; undefined when `err` is another error or names none of them.
 */
function withoutRefused(execArgv: readonly string[], err: unknown): string[] | undefined {
  if ((err as { code?: unknown } | null)?.code !== 'ERR_WORKER_INVALID_EXEC_ARGV') return undefined;
  const list = /flags: (.*)$/.exec(String((err as Error).message))?.[1];
  if (list === undefined) return undefined;
  const refused = new Set(list.split(', '));
  const out: string[] = [];
  for (let k = 0; k < execArgv.length; k++) {
    const a = execArgv[k]!;
    if (!refused.has(a)) out.push(a);
    else if (!a.includes('=') && k + 1 < execArgv.length && !execArgv[k + 1]!.startsWith('-')) k++;
  }
  return out.length < execArgv.length ? out : undefined;
}

/** A timer that keeps the event loop alive while an asynchronous wait is pending. */
function keepAlive(): ReturnType<typeof setInterval> {
  return setInterval(() => undefined, 2 ** 30);
}

/** A custom reducer's partials (they travel by message), undefined for built-in reducers and loops. */
function customPartials(call: Call): unknown[] | undefined {
  return call.reducer !== undefined && call.reducer.id === REDUCER_CUSTOM ? [] : undefined;
}

/** Combines partials left to right, in slot order. */
/**
 * Makes a region run as one thread on worker 1 (`if: false` and one-thread calls that the
 * calling thread does not run itself). A reduction keeps its P static slots, and a static
 * schedule its chunk: the slots fold the same iterations as in a parallel run (round-robin
 * when chunked), so the bits do not change.
 */
function oneWorker(call: Call, region: Region): void {
  if (call.reducer === undefined) region.p = 1;
  region.maxWorker = 1;
  if (region.schedule !== SCHED_STATIC) {
    region.schedule = SCHED_STATIC;
    region.chunk = 0;
  }
}

/** Resets the words of a parallel region (barrier count, single claims, worksharing counter, locks). */
function clearRegionWords(i32: Int32Array): void {
  i32[CTRL_BAR_COUNT] = 0;
  i32[CTRL_SINGLE] = 0;
  i32[CTRL_WS_NEXT] = 0;
  for (let k = 0; k < N_LOCKS; k++) i32[CTRL_LOCKS + k * LINE] = 0;
}

/** The `shared` option of validated loop options. */
function sharedOption(options: unknown): unknown {
  return options === undefined ? undefined : (options as { shared?: unknown }).shared;
}

function combine(red: ResolvedReducer, partials: unknown[], p: number): unknown {
  let acc = partials[0];
  for (let s = 1; s < p; s++) acc = red.combine(acc, partials[s]);
  return acc;
}
