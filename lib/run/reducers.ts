/**
 * Reducers: the built-in ones by name (their partials travel as doubles in the control
 * block), and custom ones ({ identity, combine }) whose partials travel by structured clone.
 * Partials are always combined on the calling thread in slot order, left to right, so that
 * with a fixed thread count and the static schedule a floating-point result is reproducible.
 */
import { badOption, notFunction, unknownName, internalError } from '../errors.js';

export const REDUCER_NAMES = Object.freeze(['sum', 'prod', 'min', 'max', 'bitand', 'bitor', 'bitxor'] as const);
/** The built-in reducers' names; written as an index of REDUCER_NAMES so that a compiler error for a typo lists them. */
export type ReducerName = (typeof REDUCER_NAMES)[number];

/** A user-defined reduction: each thread starts from `identity` and partials are merged with `combine`. */
export interface CustomReducer<A> {
  /**
   * The starting accumulator of every thread: a value (copied for each thread with
   * structuredClone) or a function that makes one (run on the thread that uses it; like a
   * body, it cannot capture variables).
   */
  identity: A | (() => A);
  /** Merges two partials, on the calling thread, left (lower thread id) to right. */
  combine: (a: A, b: A) => A;
}

export type Reducer<A> = ReducerName | CustomReducer<A>;

/** Id of a custom reducer in CTRL_REDUCER. Built-in ids are 1 + their index in REDUCER_NAMES. */
export const REDUCER_CUSTOM = 0;

interface Builtin {
  readonly identity: number;
  readonly combine: (a: number, b: number) => number;
}

const BUILTINS: Record<ReducerName, Builtin> = {
  sum: { identity: 0, combine: (a, b) => a + b },
  prod: { identity: 1, combine: (a, b) => a * b },
  min: { identity: Infinity, combine: (a, b) => (b < a ? b : a) },
  max: { identity: -Infinity, combine: (a, b) => (b > a ? b : a) },
  bitand: { identity: -1, combine: (a, b) => a & b },
  bitor: { identity: 0, combine: (a, b) => a | b },
  bitxor: { identity: 0, combine: (a, b) => a ^ b },
};

/** A reducer after validation: what the caller's side needs to run and finish a reduction. */
export interface ResolvedReducer {
  /** 1 + index in REDUCER_NAMES, or REDUCER_CUSTOM. */
  readonly id: number;
  /** The identity as a value, or undefined when `identityFn` makes it. */
  readonly identity: unknown;
  readonly identityFn: ((...args: never[]) => unknown) | undefined;
  readonly combine: (a: unknown, b: unknown) => unknown;
}

/** The built-in reducers resolved once: a call with a reducer name allocates nothing. */
const RESOLVED: ReadonlyMap<string, ResolvedReducer> = new Map(
  REDUCER_NAMES.map((name, k): [string, ResolvedReducer] => {
    const b = BUILTINS[name];
    return [name, Object.freeze({ id: k + 1, identity: b.identity, identityFn: undefined, combine: b.combine as ResolvedReducer['combine'] })];
  }),
);

/** The last built-in reducer resolved: a loop called again skips the Map lookup (perf/repro/option-keys.mjs measures both). */
let lastName: string | undefined;
let lastResolved: ResolvedReducer | undefined;

export function resolveReducer(reducer: unknown): ResolvedReducer {
  if (typeof reducer === 'string') {
    if (reducer === lastName) return lastResolved!;
    const r = RESOLVED.get(reducer);
    if (r === undefined) throw unknownName('reducer', reducer, REDUCER_NAMES);
    lastName = reducer;
    lastResolved = r;
    return r;
  }
  if (reducer === null || typeof reducer !== 'object') {
    throw unknownName('reducer', reducer, [...REDUCER_NAMES, '{ identity, combine }']);
  }
  const r = reducer as Partial<CustomReducer<unknown>>;
  if (!('identity' in r)) throw badOption('reducer.identity', undefined, 'a value or a function that returns one');
  if (typeof r.combine !== 'function') throw notFunction('reducer.combine', r.combine);
  const fn = typeof r.identity === 'function' ? (r.identity as () => unknown) : undefined;
  return { id: REDUCER_CUSTOM, identity: fn ? undefined : r.identity, identityFn: fn, combine: r.combine as ResolvedReducer['combine'] };
}

/** The identity of a built-in reducer by id (on workers, which only see the id). */
export function builtinIdentity(id: number): number {
  const name = REDUCER_NAMES[id - 1];
  if (name === undefined) throw internalError(`no built-in reducer with id ${id}`);
  return BUILTINS[name].identity;
}
