/**
 * parafor: OpenMP-style parallel loops for Node.js.
 *
 * The public names, one by one. The module-level functions use a default team, created on
 * first use with the default size (PARAFOR_NUM_THREADS, else OMP_NUM_THREADS, else
 * os.availableParallelism()); `new Team(options)` makes another.
 */
import { availableParallelism } from 'node:os';
import { scheduleWarmUp } from './warm.js';
import type { LoopOptionsOf, LoopBody, RangeBody, Fold, RangeFold, RegionBody, RegionOptionsOf } from './types.js';
import type { SectionFn, SectionResults, MapFn } from './constructs.js';
import type { CustomReducer, Reducer, ReducerName } from './reducers.js';

export { Team } from './team.js';
export { moduleBody } from './body.js';
export type { ModuleBody } from './body.js';
export { sharedArray } from './shared-array.js';
export type { TypedArrayConstructor } from './shared-array.js';
export type { LoopBody, RangeBody, Fold, RangeFold, LoopOptionsOf } from './types.js';
export type { LoopOptions, TeamOptions, WaitPolicy } from './options.js';
export type { LoopContext, RegionContext, WorkshareOptions } from './context.js';
export type { SectionFn, SectionResults, MapFn } from './constructs.js';
export { Mutex, Barrier, atomicAddFloat64, wtime } from './sync.js';
export type { RegionBody, RegionOptionsOf } from './types.js';
export type { Schedule } from './schedule.js';
export type { Reducer, ReducerName, CustomReducer } from './reducers.js';
export type { BodyErrorInfo } from './errors.js';
export { insideRegion as inParallel } from './state.js';

export { getDefaultTeam, numThreads } from './default-team.js';
import { getDefaultTeam } from './default-team.js';

scheduleWarmUp();

/** The number of CPUs Node may use (os.availableParallelism()), like Python's cpu_count(). */
export function cpuCount(): number {
  return availableParallelism();
}

/** Runs body(i, shared, ctx) for every i in [start, end) on the default team. Never blocks the event loop. */
export function parallelFor<S>(start: number, end: number, body: LoopBody<S>, options?: LoopOptionsOf<S>): Promise<void> {
  return getDefaultTeam().parallelFor(start, end, body, options);
}

/** Runs body(i, shared, ctx) for every i in [start, end); the calling thread takes part and blocks until all are done. */
export function parallelForSync<S>(start: number, end: number, body: LoopBody<S>, options?: LoopOptionsOf<S>): void {
  getDefaultTeam().parallelForSync(start, end, body, options);
}

/** The range form: body(lo, hi, shared, ctx) over chunks [lo, hi) of [start, end). */
export function parallelForRange<S>(start: number, end: number, body: RangeBody<S>, options?: LoopOptionsOf<S>): Promise<void> {
  return getDefaultTeam().parallelForRange(start, end, body, options);
}

/** Synchronous range form. */
export function parallelForRangeSync<S>(start: number, end: number, body: RangeBody<S>, options?: LoopOptionsOf<S>): void {
  getDefaultTeam().parallelForRangeSync(start, end, body, options);
}

/** Reduction: acc = fold(acc, i, shared, ctx) per thread, partials combined in thread order. */
export function parallelReduce<S>(start: number, end: number, fold: Fold<number, S>, reducer: ReducerName, options?: LoopOptionsOf<S>): Promise<number>;
export function parallelReduce<A, S>(start: number, end: number, fold: Fold<A, S>, reducer: CustomReducer<A>, options?: LoopOptionsOf<S>): Promise<A>;
export function parallelReduce<A, S>(start: number, end: number, fold: Fold<A, S>, reducer: Reducer<A>, options?: LoopOptionsOf<S>): Promise<A> {
  return getDefaultTeam().parallelReduce(start, end, fold, reducer as CustomReducer<A>, options);
}

/** Synchronous reduction. */
export function parallelReduceSync<S>(start: number, end: number, fold: Fold<number, S>, reducer: ReducerName, options?: LoopOptionsOf<S>): number;
export function parallelReduceSync<A, S>(start: number, end: number, fold: Fold<A, S>, reducer: CustomReducer<A>, options?: LoopOptionsOf<S>): A;
export function parallelReduceSync<A, S>(start: number, end: number, fold: Fold<A, S>, reducer: Reducer<A>, options?: LoopOptionsOf<S>): A {
  return getDefaultTeam().parallelReduceSync(start, end, fold, reducer as CustomReducer<A>, options);
}

/** Range-form reduction: acc = fold(acc, lo, hi, shared, ctx) per chunk. */
export function parallelReduceRange<S>(start: number, end: number, fold: RangeFold<number, S>, reducer: ReducerName, options?: LoopOptionsOf<S>): Promise<number>;
export function parallelReduceRange<A, S>(start: number, end: number, fold: RangeFold<A, S>, reducer: CustomReducer<A>, options?: LoopOptionsOf<S>): Promise<A>;
export function parallelReduceRange<A, S>(start: number, end: number, fold: RangeFold<A, S>, reducer: Reducer<A>, options?: LoopOptionsOf<S>): Promise<A> {
  return getDefaultTeam().parallelReduceRange(start, end, fold, reducer as CustomReducer<A>, options);
}

/** Synchronous range-form reduction. */
export function parallelReduceRangeSync<S>(start: number, end: number, fold: RangeFold<number, S>, reducer: ReducerName, options?: LoopOptionsOf<S>): number;
export function parallelReduceRangeSync<A, S>(start: number, end: number, fold: RangeFold<A, S>, reducer: CustomReducer<A>, options?: LoopOptionsOf<S>): A;
export function parallelReduceRangeSync<A, S>(start: number, end: number, fold: RangeFold<A, S>, reducer: Reducer<A>, options?: LoopOptionsOf<S>): A {
  return getDefaultTeam().parallelReduceRangeSync(start, end, fold, reducer as CustomReducer<A>, options);
}

/** A parallel region on the default team: body(shared, ctx) runs once on every thread at once. */
export function parallel<S>(body: RegionBody<S>, options?: RegionOptionsOf<S>): Promise<void> {
  return getDefaultTeam().parallel(body, options);
}

/** Synchronous parallel region on the default team. */
export function parallelSync<S>(body: RegionBody<S>, options?: RegionOptionsOf<S>): void {
  getDefaultTeam().parallelSync(body, options);
}

/** Runs a few functions in parallel on the default team; resolves to their results in order. */
export function sections<S, const F extends readonly SectionFn<S>[]>(functions: readonly [...F], options?: LoopOptionsOf<S>): Promise<SectionResults<F>> {
  return getDefaultTeam().sections<S, F>(functions, options);
}

/** Synchronous sections on the default team. */
export function sectionsSync<S, const F extends readonly SectionFn<S>[]>(functions: readonly [...F], options?: LoopOptionsOf<S>): SectionResults<F> {
  return getDefaultTeam().sectionsSync<S, F>(functions, options);
}

/** fn(item, index, shared) for every item on the default team; results in order (Pool.map). */
export function parallelMap<T, R, S = undefined>(items: readonly T[], fn: MapFn<T, R, S>, options?: LoopOptionsOf<S>): Promise<R[]> {
  return getDefaultTeam().parallelMap(items, fn, options);
}

/** Synchronous parallelMap on the default team. */
export function parallelMapSync<T, R, S = undefined>(items: readonly T[], fn: MapFn<T, R, S>, options?: LoopOptionsOf<S>): R[] {
  return getDefaultTeam().parallelMapSync(items, fn, options);
}

// ---- text loader (docs/text.md) ----------------------------------------------------------
export { loadText, reduceLines } from './text/loader.js';
export type { LineFold } from './text/loader.js';
export { partitionLines } from './text/file.js';
export type { TextFile } from './text/text-file.js';
export type { LoadTextOptions, ReduceLinesOptions, LineEncoding } from './text/options.js';
export type { TextFileError } from './text/errors.js';
