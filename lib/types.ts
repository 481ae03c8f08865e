/**
 * The shapes of bodies and folds. Bodies run on other threads: they receive their data in
 * `shared` and cannot capture variables (see docs/guide.md#bodies).
 *
 * The types also refuse, at compile time, what would fail at run time: a body that returns a
 * promise (parafor does not await it) and a `shared` value that cannot reach a worker intact
 * (Shareable).
 */
import type { ModuleBody } from './run/body.js';
import type { LoopOptions } from './options.js';
import type { LoopContext, RegionContext } from './run/context.js';

/**
 * What a synchronous body may return: anything but a promise or another thenable. Bodies run
 * to completion on their thread; parafor never awaits what they return, so an async body
 * would do its work after the loop had ended.
 */
export type SyncResult = void | undefined | null | string | number | boolean | bigint | symbol | (object & { readonly then?: never });

/** What the compiler says of a promise where a synchronous result is due. */
type NotSync = 'parafor: bodies, folds and map functions must be synchronous (parafor does not await what they return); do the asynchronous work before the call';

/**
 * A result type R, required to be synchronous (SyncResult); `unknown` stays allowed, as it
 * says nothing. A promise gets a one-line error naming the rule (NotSync).
 */
export type NoPromise<R> = unknown extends R ? R : R extends PromiseLike<unknown> ? NotSync : R & SyncResult;

/**
 * What a body sees of `shared`: shared memory (SharedArrayBuffers, typed arrays) as it is,
 * and plain objects and arrays read-only, as they are frozen on every thread at run time
 * (a write would change one thread's copy only). Results go in shared memory.
 *
 * The body types below are written as methods (`{ body(...): R }['body']`), whose
 * parameters TypeScript checks both ways: a body whose `shared` parameter is annotated with
 * a mutable type of the same shape (`s: typeof shared`) still fits, while a body whose
 * parameters are left to inference sees the read-only view.
 */
export type SharedView<S> = unknown extends S
  ? S
  : S extends Primitive | SharedArrayBuffer | AnyTypedArray | ((...args: never[]) => unknown)
    ? S
    : { readonly [K in keyof S]: SharedView<S[K]> };

/** The per-index body: called once for every index i of the loop. */
export type LoopBody<S = unknown> = { body(i: number, shared: SharedView<S>, ctx: LoopContext): SyncResult }['body'] | ModuleBody;

/** The range body: called with chunks [lo, hi) that together cover the loop, once each. */
export type RangeBody<S = unknown> = { body(lo: number, hi: number, shared: SharedView<S>, ctx: LoopContext): SyncResult }['body'] | ModuleBody;

/** The per-index fold of a reduction: returns the new accumulator (never a promise). */
export type Fold<A, S = unknown> = { fold(acc: A, i: number, shared: SharedView<S>, ctx: LoopContext): NoPromise<A> }['fold'] | ModuleBody;

/** The range fold of a reduction: folds the chunk [lo, hi) into acc and returns it (never a promise). */
export type RangeFold<A, S = unknown> = { fold(acc: A, lo: number, hi: number, shared: SharedView<S>, ctx: LoopContext): NoPromise<A> }['fold'] | ModuleBody;

type Primitive = string | number | boolean | bigint | null | undefined;

/** Every typed array, on any buffer. */
type AnyTypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array
  | DataView;

/** Objects with a class of their own that structured clone copies or refuses, never shares. */
type NotPlain =
  | ArrayBuffer
  | Map<unknown, unknown>
  | Set<unknown>
  | WeakMap<object, unknown>
  | WeakSet<object>
  | Date
  | RegExp
  | Error
  | PromiseLike<unknown>;

/** The type a value that cannot be shared is checked against, so that the compiler's message says why. */
type NotShareable<Why extends string> = `parafor: ${Why} cannot be passed in \`shared\``;

/**
 * The `shared` check: S itself when every leaf of S can be shared, else S with each leaf
 * that cannot replaced by a string type naming the problem, so that `shared: S & Shareable<S>`
 * fails to compile there. Accepted: primitives, SharedArrayBuffers, typed arrays on a
 * SharedArrayBuffer, and plain objects, arrays and tuples of those. Refused: functions,
 * Map, Set, Date, RegExp, Error, promises, ArrayBuffers, typed arrays on an ArrayBuffer
 * (`new Float64Array(n)`), and class instances that have methods.
 *
 * A typed array whose buffer type is not known (`Float64Array`, that is
 * `Float64Array<ArrayBufferLike>`, as a parameter typed without a buffer has) is accepted:
 * it may well be a shared one, and the run time checks it. Class instances without methods
 * have a plain object's type and are accepted here; the run time refuses them, naming the
 * class.
 */
export type Shareable<S> = unknown extends S
  ? S
  : S extends Primitive | SharedArrayBuffer
    ? S
    : S extends AnyTypedArray
      ? ArrayBuffer extends S['buffer']
        ? SharedArrayBuffer extends S['buffer']
          ? S
          : NotShareable<'a typed array on a plain ArrayBuffer (allocate it with sharedArray)'>
        : S
      : S extends (...args: never[]) => unknown
        ? NotShareable<'a function (bodies cannot receive functions; export code from a module body)'>
        : S extends NotPlain
          ? NotShareable<'a Map, Set, Date, RegExp, Error, promise or ArrayBuffer'>
          : S extends object
            ? { [K in keyof S]: Shareable<S[K]> }
            : NotShareable<'a symbol'>;

/**
 * Loop options whose `shared` has the type the body expects, checked by Shareable: a value
 * that cannot reach the workers intact fails to compile.
 */
export type LoopOptionsOf<S> = Omit<LoopOptions<S>, 'shared'> & {
  /**
   * Data for the body, passed as its `shared` argument: SharedArrayBuffers and typed arrays
   * on them (the same memory on every thread), and numbers, strings, booleans, bigints,
   * null, undefined and plain objects and arrays of those (copied to each thread).
   */
  shared?: S & Shareable<S>;
};

/** The body of a parallel region: runs once on every thread, with the region's constructs on ctx. */
export type RegionBody<S = unknown> = { body(shared: SharedView<S>, ctx: RegionContext): SyncResult }['body'] | ModuleBody;

/** Options of a parallel region: a loop's options less the schedule (use ctx.for's). */
export type RegionOptionsOf<S> = Omit<LoopOptionsOf<S>, 'schedule' | 'chunk' | 'serialBelowUs'>;
