/**
 * The shapes of bodies and folds. Bodies run on other threads: they receive their data in
 * `shared` and cannot capture variables (see docs/guide.md#bodies).
 */
import type { ModuleBody } from './body.js';
import type { LoopOptions } from './options.js';
import type { LoopContext, RegionContext } from './context.js';

/** The per-index body: called once for every index i of the loop. */
export type LoopBody<S = unknown> = ((i: number, shared: S, ctx: LoopContext) => void) | ModuleBody;

/** The range body: called with chunks [lo, hi) that together cover the loop, once each. */
export type RangeBody<S = unknown> = ((lo: number, hi: number, shared: S, ctx: LoopContext) => void) | ModuleBody;

/** The per-index fold of a reduction: returns the new accumulator. */
export type Fold<A, S = unknown> = ((acc: A, i: number, shared: S, ctx: LoopContext) => A) | ModuleBody;

/** The range fold of a reduction: folds the chunk [lo, hi) into acc and returns it. */
export type RangeFold<A, S = unknown> = ((acc: A, lo: number, hi: number, shared: S, ctx: LoopContext) => A) | ModuleBody;

/** Loop options whose `shared` has the type the body expects. */
export type LoopOptionsOf<S> = LoopOptions<S>;

/** The body of a parallel region: runs once on every thread, with the region's constructs on ctx. */
export type RegionBody<S = unknown> = ((shared: S, ctx: RegionContext) => void) | ModuleBody;

/** Options of a parallel region: a loop's options less the schedule (use ctx.for's). */
export type RegionOptionsOf<S> = Omit<LoopOptions<S>, 'schedule' | 'chunk' | 'serialBelowUs'>;
