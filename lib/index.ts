/**
 * parafor: OpenMP-style parallel loops for Node.js.
 *
 * The public names, one by one. The module-level functions use a default team, created on
 * first use with the default size (PARAFOR_NUM_THREADS, else OMP_NUM_THREADS, else
 * os.availableParallelism()); `new Team(options)` makes another.
 */
import { cpuCount as hostCpuCount } from './platform/index.js';
import type { LoopOptionsOf, LoopBody, RangeBody, Fold, RangeFold, RegionBody, RegionOptionsOf } from './types.js';
import type { SectionFn, SectionResults, MapFn } from './call/constructs.js';
import type { CustomReducer, Reducer, ReducerName } from './run/reducers.js';

export { Team } from './team.js';
export { moduleBody } from './run/body.js';
export type { ModuleBody } from './run/body.js';
export { sharedArray } from './shared-array.js';
export type { TypedArrayConstructor } from './shared-array.js';
export type { LoopBody, RangeBody, Fold, RangeFold, LoopOptionsOf, SharedView } from './types.js';
export type { LoopOptions, StartOptions, TeamOptions, WaitPolicy } from './options.js';
export type { LoopContext, RegionContext, WorkshareOptions } from './run/context.js';
export type { SectionFn, SectionResults, MapFn } from './call/constructs.js';
export { Mutex, Barrier, atomicAddFloat64, wtime } from './sync.js';
export type { RegionBody, RegionOptionsOf } from './types.js';
export type { Schedule } from './run/schedule.js';
export type { Reducer, ReducerName, CustomReducer } from './run/reducers.js';
export type { BodyErrorInfo, ErrorCode } from './errors.js';
export {
  CODES as ERROR_CODES,
  ParaforTypeError,
  ParaforRangeError,
  TeamClosedError,
  TimeoutError,
  WorkerDiedError,
  StartTimeoutError,
  TeamBusyError,
  InternalError,
  TextFileError,
} from './errors.js';
export { insideRegion as inParallel } from './run/state.js';

export { getDefaultTeam, numThreads } from './default-team.js';
import { getDefaultTeam } from './default-team.js';


/** The number of CPUs Node may use (os.availableParallelism()), like Python's cpu_count(). */
export function cpuCount(): number {
  return hostCpuCount();
}

/**
 * Runs `body(i, shared, ctx)` for every i in [start, end) on the default team. Never blocks
 * the event loop: the calling thread's share runs on one more worker.
 * @param start - first index (a safe integer)
 * @param end - one past the last index; `end <= start` runs nothing
 * @param body - a synchronous function (no captured variables: data comes in `options.shared`), or a moduleBody
 * @param options - `shared`, `schedule`, `chunk`, `numThreads`, `if`, `serialBelowUs`, `signal`, `timeout`
 * @returns a promise that resolves when every index is done, or rejects with the first body error (with its `index`)
 */
export function parallelFor<S>(start: number, end: number, body: LoopBody<S>, options?: LoopOptionsOf<S>): Promise<void> {
  return getDefaultTeam().parallelFor(start, end, body, options);
}

/**
 * Runs `body(i, shared, ctx)` for every i in [start, end) on the default team; the calling
 * thread takes part and blocks until all are done.
 * @param body - a synchronous function (no captured variables: data comes in `options.shared`), or a moduleBody
 * @throws the first body error (with its `index`), or a TypeError / RangeError naming a bad argument
 */
export function parallelForSync<S>(start: number, end: number, body: LoopBody<S>, options?: LoopOptionsOf<S>): void {
  getDefaultTeam().parallelForSync(start, end, body, options);
}

/**
 * The range form on the default team: `body(lo, hi, shared, ctx)` over chunks [lo, hi) that
 * together cover [start, end), each once; the body loops itself (the fastest form for hot loops).
 * @returns a promise that resolves when every chunk is done
 */
export function parallelForRange<S>(start: number, end: number, body: RangeBody<S>, options?: LoopOptionsOf<S>): Promise<void> {
  return getDefaultTeam().parallelForRange(start, end, body, options);
}

/**
 * Synchronous range form on the default team: `body(lo, hi, shared, ctx)` over chunks of
 * [start, end); the calling thread takes part and blocks until all are done.
 */
export function parallelForRangeSync<S>(start: number, end: number, body: RangeBody<S>, options?: LoopOptionsOf<S>): void {
  getDefaultTeam().parallelForRangeSync(start, end, body, options);
}

/**
 * Reduction with a built-in reducer on the default team: `acc = fold(acc, i, shared, ctx)`
 * per thread from the reducer's identity, partials combined in thread order.
 * @param reducer - 'sum', 'prod', 'min', 'max', 'bitand', 'bitor' or 'bitxor'
 * @returns a promise of the combined number
 */
export function parallelReduce<S>(start: number, end: number, fold: Fold<number, S>, reducer: ReducerName, options?: LoopOptionsOf<S>): Promise<number>;
/**
 * Reduction with a custom reducer on the default team: each thread folds from
 * `reducer.identity`, and the partials are combined with `reducer.combine` in thread order.
 * @param reducer - `{ identity, combine }`; `identity` is a value (cloned per thread) or a function returning a fresh one
 * @returns a promise of the combined accumulator
 */
export function parallelReduce<A, S>(start: number, end: number, fold: Fold<A, S>, reducer: CustomReducer<A>, options?: LoopOptionsOf<S>): Promise<A>;
export function parallelReduce<A, S>(start: number, end: number, fold: Fold<A, S>, reducer: Reducer<A>, options?: LoopOptionsOf<S>): Promise<A> {
  return getDefaultTeam().parallelReduce(start, end, fold, reducer as CustomReducer<A>, options);
}

/**
 * Synchronous reduction with a built-in reducer on the default team: `acc = fold(acc, i, shared, ctx)`
 * per thread from the reducer's identity, partials combined in thread order.
 * @param reducer - 'sum', 'prod', 'min', 'max', 'bitand', 'bitor' or 'bitxor'
 * @returns the combined number
 */
export function parallelReduceSync<S>(start: number, end: number, fold: Fold<number, S>, reducer: ReducerName, options?: LoopOptionsOf<S>): number;
/**
 * Synchronous reduction with a custom reducer on the default team: each thread folds from
 * `reducer.identity`, and the partials are combined with `reducer.combine` in thread order.
 * @param reducer - `{ identity, combine }`; `identity` is a value (cloned per thread) or a function returning a fresh one
 * @returns the combined accumulator
 */
export function parallelReduceSync<A, S>(start: number, end: number, fold: Fold<A, S>, reducer: CustomReducer<A>, options?: LoopOptionsOf<S>): A;
export function parallelReduceSync<A, S>(start: number, end: number, fold: Fold<A, S>, reducer: Reducer<A>, options?: LoopOptionsOf<S>): A {
  return getDefaultTeam().parallelReduceSync(start, end, fold, reducer as CustomReducer<A>, options);
}

/**
 * Range-form reduction with a built-in reducer on the default team: `acc = fold(acc, lo, hi, shared, ctx)`
 * per chunk from the reducer's identity per thread, partials combined in thread order.
 * @param reducer - 'sum', 'prod', 'min', 'max', 'bitand', 'bitor' or 'bitxor'
 * @returns a promise of the combined number
 */
export function parallelReduceRange<S>(start: number, end: number, fold: RangeFold<number, S>, reducer: ReducerName, options?: LoopOptionsOf<S>): Promise<number>;
/**
 * Range-form reduction with a custom reducer on the default team: each thread folds from
 * `reducer.identity`, and the partials are combined with `reducer.combine` in thread order.
 * @param reducer - `{ identity, combine }`; `identity` is a value (cloned per thread) or a function returning a fresh one
 * @returns a promise of the combined accumulator
 */
export function parallelReduceRange<A, S>(start: number, end: number, fold: RangeFold<A, S>, reducer: CustomReducer<A>, options?: LoopOptionsOf<S>): Promise<A>;
export function parallelReduceRange<A, S>(start: number, end: number, fold: RangeFold<A, S>, reducer: Reducer<A>, options?: LoopOptionsOf<S>): Promise<A> {
  return getDefaultTeam().parallelReduceRange(start, end, fold, reducer as CustomReducer<A>, options);
}

/**
 * Synchronous range-form reduction with a built-in reducer on the default team: `acc = fold(acc, lo, hi, shared, ctx)`
 * per chunk from the reducer's identity per thread, partials combined in thread order.
 * @param reducer - 'sum', 'prod', 'min', 'max', 'bitand', 'bitor' or 'bitxor'
 * @returns the combined number
 */
export function parallelReduceRangeSync<S>(start: number, end: number, fold: RangeFold<number, S>, reducer: ReducerName, options?: LoopOptionsOf<S>): number;
/**
 * Synchronous range-form reduction with a custom reducer on the default team: each thread folds from
 * `reducer.identity`, and the partials are combined with `reducer.combine` in thread order.
 * @param reducer - `{ identity, combine }`; `identity` is a value (cloned per thread) or a function returning a fresh one
 * @returns the combined accumulator
 */
export function parallelReduceRangeSync<A, S>(start: number, end: number, fold: RangeFold<A, S>, reducer: CustomReducer<A>, options?: LoopOptionsOf<S>): A;
export function parallelReduceRangeSync<A, S>(start: number, end: number, fold: RangeFold<A, S>, reducer: Reducer<A>, options?: LoopOptionsOf<S>): A {
  return getDefaultTeam().parallelReduceRangeSync(start, end, fold, reducer as CustomReducer<A>, options);
}

/**
 * A parallel region on the default team (`#pragma omp parallel`): `body(shared, ctx)` runs
 * once on every thread at the same time, with ctx.barrier, single, master, critical and for.
 * @param options - `shared`, `numThreads`, `if`, `signal`, `timeout` (no schedule: ctx.for takes one)
 * @returns a promise that resolves when every thread has returned
 */
export function parallel<S>(body: RegionBody<S>, options?: RegionOptionsOf<S>): Promise<void> {
  return getDefaultTeam().parallel(body, options);
}

/**
 * Synchronous parallel region on the default team; the calling thread is thread 0 of it.
 * @throws the first body error, with the `threadId` that threw
 */
export function parallelSync<S>(body: RegionBody<S>, options?: RegionOptionsOf<S>): void {
  getDefaultTeam().parallelSync(body, options);
}

/**
 * Runs a few different functions in parallel on the default team (`#pragma omp sections`),
 * each once as `fn(shared, ctx)`.
 * @returns a promise of their results, in order, typed as a tuple
 */
export function sections<S, const F extends readonly SectionFn<S>[]>(functions: readonly [...F], options?: LoopOptionsOf<S>): Promise<SectionResults<F>> {
  return getDefaultTeam().sections<S, F>(functions, options);
}

/**
 * Synchronous sections on the default team.
 * @returns the functions' results, in order, typed as a tuple
 */
export function sectionsSync<S, const F extends readonly SectionFn<S>[]>(functions: readonly [...F], options?: LoopOptionsOf<S>): SectionResults<F> {
  return getDefaultTeam().sectionsSync<S, F>(functions, options);
}

/**
 * `fn(item, index, shared)` for every item on the default team (Python's Pool.map). Items
 * travel as `shared` does (numbers, strings, plain objects and arrays, shared memory: no Map,
 * Date or class instance) and reach `fn` frozen; results come back by structured clone (no
 * functions or symbols). A small or cheap map runs on the calling thread.
 * @returns a promise of the results, in order
 */
export function parallelMap<T, R, S = undefined>(items: readonly T[], fn: MapFn<T, R, S>, options?: LoopOptionsOf<S>): Promise<R[]> {
  return getDefaultTeam().parallelMap(items, fn, options);
}

/**
 * Synchronous parallelMap on the default team.
 * @returns the results, in order
 */
export function parallelMapSync<T, R, S = undefined>(items: readonly T[], fn: MapFn<T, R, S>, options?: LoopOptionsOf<S>): R[] {
  return getDefaultTeam().parallelMapSync(items, fn, options);
}

// ---- text loader (docs/text.md) ----------------------------------------------------------
export { loadText, reduceLines } from './text/loader.js';
export type { LineFold } from './text/loader.js';
export { partitionLines } from './text/file.js';
export type { TextFile } from './text/text-file.js';
export type { LoadTextOptions, ReduceLinesOptions, LineEncoding } from './text/options.js';
