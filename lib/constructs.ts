/**
 * sections and parallelMap, built on the range reduction: each is a generated range fold
 * (shipped like any body) whose per-thread partials are arrays, concatenated in thread order.
 */
import { bodySource } from './body.js';
import { badOption } from './errors.js';
import { checkKeys, optionKeys } from './options.js';
import type { LoopContext } from './context.js';
import type { CustomReducer } from './reducers.js';
import type { LoopOptionsOf, RangeFold } from './types.js';

/** A section: runs once, on some thread of the team; its return value is the section's result. */
export type SectionFn<S = unknown> = (shared: S, ctx: LoopContext) => unknown;

/** What sections resolve to: the result of each function, in order (a tuple for a tuple of functions). */
export type SectionResults<F extends readonly unknown[]> = { -readonly [K in keyof F]: F[K] extends (...args: never[]) => infer R ? R : never };

/** A map function: fn(item, index, shared) -> result, on some thread of the team. */
export type MapFn<T, R, S = unknown> = (item: T, index: number, shared: S) => R;

/** Concatenates per-thread arrays in thread order. */
export const CONCAT: CustomReducer<unknown[]> = {
  identity: () => [],
  combine: (a, b) => {
    for (const x of b) a.push(x);
    return a;
  },
};

/** Generated folds, by the sources they embed: the same call reuses the same body (and its cost estimate). */
const generated = new Map<string, RangeFold<unknown[], unknown>>();

function generate(key: string, source: string): RangeFold<unknown[], unknown> {
  let fold = generated.get(key);
  if (fold === undefined) {
    fold = new Function(`return ${source}`)() as RangeFold<unknown[], unknown>;
    generated.set(key, fold);
  }
  return fold;
}

function functionSource(name: string, fn: unknown): string {
  const source = bodySource(name, fn);
  if (typeof source !== 'string') throw badOption(name, fn, 'a function (module bodies are for loops and regions)');
  return source;
}

const MAP_KEYS = optionKeys(['shared', 'numThreads', 'if', 'serialBelowUs', 'signal', 'timeout']);

export function mapCall(
  items: unknown,
  fn: unknown,
  options: LoopOptionsOf<unknown> | undefined,
): { body: RangeFold<unknown[], unknown>; options: LoopOptionsOf<unknown> } {
  if (!Array.isArray(items)) throw badOption('items', items, 'an array');
  const source = functionSource('fn', fn);
  checkKeys('options', options, MAP_KEYS);
  const body = generate(
    `map\n${source}`,
    `(acc, lo, hi, s) => {\n  const f = (${source}\n);\n  for (let i = lo; i < hi; i++) acc.push(f(s.items[i], i, s.shared));\n  return acc;\n}`,
  );
  // Static blocks, in thread order: concatenating the partials keeps the items' order.
  return { body, options: { ...options, shared: { items, shared: options?.shared }, schedule: 'static' } };
}

export function sectionsCall(
  functions: unknown,
  options: LoopOptionsOf<unknown> | undefined,
): { start: number; end: number; body: RangeFold<unknown[], unknown>; options: LoopOptionsOf<unknown> } {
  if (!Array.isArray(functions)) throw badOption('functions', functions, 'an array of functions');
  const sources = functions.map((f, k) => functionSource(`functions[${k}]`, f));
  checkKeys('options', options, MAP_KEYS);
  const list = sources.map((src) => `(${src}\n)`).join(',\n');
  const body = generate(
    `sections\n${sources.join('\n\0\n')}`,
    `(acc, lo, hi, s, ctx) => {\n  const fns = [\n${list}];\n  for (let i = lo; i < hi; i++) acc.push([i, fns[i](s, ctx)]);\n  return acc;\n}`,
  );
  return {
    start: 0,
    end: functions.length,
    body,
    // One section per grab: sections are few and uneven.
    options: { ...options, schedule: 'dynamic', chunk: 1, serialBelowUs: options?.serialBelowUs ?? 0 },
  };
}

/** Puts [index, value] pairs in index order. */
export function placePairs(pairs: unknown[], n: number): unknown[] {
  const out = new Array<unknown>(n);
  for (const pair of pairs as [number, unknown][]) out[pair[0]] = pair[1];
  return out;
}
