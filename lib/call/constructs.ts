/**
 * sections and parallelMap, built on the range reduction: each is a generated range fold
 * (shipped like any body) whose per-thread partials are arrays, concatenated in thread order.
 * A map that the serial fallback keeps on the calling thread skips the reduction altogether
 * (runMapHere): one loop into one array, as `items.map` does.
 */
import { bodySource, compileSource, isThenable, syncCheck } from '../run/body.js';
import { badOption, CODES, promiseResult, rebuildError, recordError, resultNotCloneable, resultNotCloneableMessage } from '../errors.js';
import { checkKeys, optionKeys } from '../options.js';
import { frozenView, mapPayload, snapshotShared } from '../run/shared.js';
import { enterRegion, leaveRegion } from '../run/state.js';
import type { LoopContext } from '../run/context.js';
import type { CustomReducer } from '../run/reducers.js';
import type { LoopOptionsOf, NoPromise, RangeFold, SharedView, SyncResult } from '../types.js';

/** A section: runs once, on some thread of the team; its return value (never a promise) is the section's result. */
export type SectionFn<S = unknown> = { fn(shared: SharedView<S>, ctx: LoopContext): SyncResult }['fn'];

/** What sections resolve to: the result of each function, in order (a tuple for a tuple of functions). */
export type SectionResults<F extends readonly unknown[]> = { -readonly [K in keyof F]: F[K] extends (...args: never[]) => infer R ? R : never };

/**
 * A map function: fn(item, index, shared) -> result (never a promise), on some thread of the
 * team. Items and `shared` are read-only, as they are frozen copies on the workers.
 */
export type MapFn<T, R, S = unknown> = { fn(item: SharedView<T>, index: number, shared: SharedView<S>): NoPromise<R> }['fn'];

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

/**
 * The test that a map result can travel back by structured clone, as far as one `typeof`
 * tells (a function or a symbol cannot), written out so that the compiled loop inlines it;
 * the error names the item. `v` is the result, `i` the index.
 */
function cloneCheck(v: string, i: string): string {
  const [head, mid, tail] = resultNotCloneableMessage('\0', '\0').split('\0') as [string, string, string];
  const what = `(typeof ${v} === "function" ? "function " + (${v}.name || "(anonymous)") : "a symbol")`;
  const message = `${JSON.stringify(head)} + ${what} + ${JSON.stringify(mid)} + ${i} + ${JSON.stringify(tail)}`;
  return `if (typeof ${v} === "function" || typeof ${v} === "symbol") throw Object.assign(new TypeError(${message}), { code: ${JSON.stringify(CODES.RESULT_NOT_CLONEABLE)} });`;
}

function functionSource(name: string, fn: unknown): string {
  const source = bodySource(name, fn);
  if (typeof source !== 'string') throw badOption(name, fn, 'a function (module bodies are for loops and regions)');
  return source;
}

const MAP_KEYS = optionKeys(['shared', 'numThreads', 'if', 'serialBelowUs', 'signal', 'timeout']);

/**
 * Below this cost per item (microseconds) a map stays on the calling thread whatever its
 * length: a parallel run sends each item to a worker and each result back by structured
 * clone (tens of nanoseconds each way for a number, more for objects), so an item must
 * cost several times that before another thread can win anything back.
 */
export const MAP_ITEM_US = 0.25;

/** A checked parallelMap call: the fold a parallel run ships, and what a serial run here needs. */
export interface MapCall {
  readonly body: RangeFold<unknown[], unknown>;
  readonly options: LoopOptionsOf<unknown>;
  readonly items: readonly unknown[];
  readonly shared: unknown;
  /** The map's source, wrapped as a loop over all items (compiled on first use, see runMapHere). */
  readonly here: string;
}

/** The last map function and its source and fold: a map called again with it checks nothing twice. */
let lastMapFn: unknown;
let lastMap: { readonly source: string; readonly body: RangeFold<unknown[], unknown> } | undefined;

export function mapCall(items: unknown, fn: unknown, options: LoopOptionsOf<unknown> | undefined): MapCall {
  if (!Array.isArray(items)) throw badOption('items', items, 'an array');
  if (fn !== lastMapFn || lastMap === undefined) {
    const source = functionSource('fn', fn);
    const body = generate(
      `map\n${source}`,
      `(acc, lo, hi, s) => {\n  const f = (${source}\n);\n  for (let i = lo; i < hi; i++) {\n    const r = f(s.items[i], i, s.shared);\n    ${syncCheck('r')}\n    ${cloneCheck('r', 'i')}\n    acc.push(r);\n  }\n  return acc;\n}`,
    );
    lastMap = { source, body };
    lastMapFn = fn;
  }
  const { source, body } = lastMap;
  checkKeys('options', options, MAP_KEYS);
  const shared = options?.shared;
  // Static blocks, in thread order: concatenating the partials keeps the items' order.
  return { body, options: { ...options, shared: mapPayload(items, shared), schedule: 'static' }, items, shared, here: source };
}

/** A map's loop over all items on the calling thread; `fault.index` names the item that threw. */
type MapLoop = (items: readonly unknown[], shared: unknown, out: unknown[], fault: { index: number }) => unknown[];

/** Compiled map loops, by the map's source (compiled like a body: nothing in scope but globals and `parafor`). */
const mapLoops = new Map<string, MapLoop>();

const mapFault = { index: 0 };

/**
 * Runs a whole map on the calling thread, as the serial fallback does, into one array: no
 * per-thread partials to concatenate, and no `shared` payload to version for workers.
 * `fn` runs as its compiled copy, as on every thread.
 */
export function runMapHere(call: MapCall): unknown[] {
  const { items, shared } = checkMapItems(call);
  let loop = mapLoops.get(call.here);
  if (loop === undefined) {
    loop = compileSource(
      'fn',
      `(items, shared, out, fault) => {\n  const f = (${call.here}\n);\n  for (let i = 0; i < out.length; i++) {\n    fault.index = i;\n    const r = f(items[i], i, shared);\n    ${syncCheck('r')}\n    ${cloneCheck('r', 'i')}\n    out[i] = r;\n  }\n  return out;\n}`,
    ) as MapLoop;
    mapLoops.set(call.here, loop);
  }
  const n = call.items.length;
  const out = new Array<unknown>(n);
  enterRegion();
  try {
    return loop(items, shared, out, mapFault);
  } catch (thrown) {
    throw rebuildError(recordError(thrown, { index: mapFault.index, chunk: [0, n], threadId: 0 }));
  } finally {
    leaveRegion();
  }
}

/**
 * A map's first call, while its cost is unknown: items run here, in order, until all are
 * done or `budgetMs` has passed (the clock is read every 16 items); returns the results so
 * far and their cost per item, timed after `fn` is compiled. The caller sends the rest to the
 * team. So a small map never wakes a thread to be measured, and a large one loses at most
 * the fallback threshold's time.
 */
export function probeMapHere(call: MapCall, budgetMs: number): { head: unknown[]; nsPerItem: number } {
  const { items, shared } = checkMapItems(call);
  const f = compileSource('fn', call.here) as (item: unknown, index: number, shared: unknown) => unknown;
  const n = items.length;
  const head: unknown[] = [];
  let i = 0;
  const t0 = performance.now();
  const deadline = t0 + budgetMs;
  enterRegion();
  try {
    for (; i < n; i++) {
      const r = f(items[i], i, shared);
      if (isThenable(r)) throw promiseResult();
      if (typeof r === 'function' || typeof r === 'symbol') throw resultNotCloneable(i, r);
      head.push(r);
      if ((i & 15) === 15 && performance.now() > deadline) break;
    }
  } catch (thrown) {
    throw rebuildError(recordError(thrown, { index: i, chunk: [0, n], threadId: 0 }));
  } finally {
    leaveRegion();
  }
  return { head, nsPerItem: ((performance.now() - t0) * 1e6) / head.length };
}

/**
 * Checks the items and `shared` of a map that runs here as a parallel run would send them
 * (a map that works here works on the team): numbers, strings and the like at the cost of
 * a `typeof` each, anything else by the full walk, which names the first bad leaf. Returns
 * what `fn` gets here: the frozen views the workers' copies are, so that a write to an
 * item or to `shared` fails here as it does there.
 */
function checkMapItems(call: MapCall): { items: readonly unknown[]; shared: unknown } {
  const { items, shared } = call;
  let plain = true;
  for (let i = 0; i < items.length && plain; i++) {
    const t = typeof items[i];
    plain = t === 'number' || t === 'string' || t === 'boolean' || t === 'undefined' || t === 'bigint';
  }
  // The same walk, and so the same errors, as the payload { items, shared } of a parallel run.
  if (!plain) snapshotShared(mapPayload(items, shared));
  else if (shared !== undefined) snapshotShared(shared);
  return { items: plain ? items : (frozenView(items) as readonly unknown[]), shared: frozenView(shared) };
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
    `(acc, lo, hi, s, ctx) => {\n  const fns = [\n${list}];\n  for (let i = lo; i < hi; i++) {\n    const r = fns[i](s, ctx);\n    ${syncCheck('r')}\n    acc.push([i, r]);\n  }\n  return acc;\n}`,
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
