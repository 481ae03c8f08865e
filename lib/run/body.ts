/**
 * Bodies: how a function written on the calling thread becomes code on every thread.
 *
 * A body is shipped as its source text and compiled on each thread (the calling thread
 * too, so that a body behaves the same wherever it runs). For each body and loop kind a
 * small runner is compiled with `new Function`, so that every body gets a call site of its
 * own inside the index loop: V8 sees one target there and can inline the body.
 *
 * Module bodies (moduleBody) are named exports of a module file, imported on each thread;
 * they may import other code and use module-level state.
 */
import { asyncBody, bodyNotPortable, notFunction, notPlainFunction, badOption, internalError, loopInBody, NOT_IN_BODY, promiseResult } from '../errors.js';
import { KIND_FOR, KIND_FOR_RANGE, KIND_REDUCE, KIND_REDUCE_RANGE, KIND_REGION } from '../protocol/control.js';
import { Barrier, Mutex, atomicAddFloat64, wtime } from '../sync.js';
import { insideRegion } from './state.js';

/** A stand-in for a loop function inside a body: calling it says what to do instead (loopInBody). */
function notInBody(name: string): () => never {
  return () => {
    throw loopInBody(`parafor.${name}`);
  };
}

/**
 * What the name `parafor` means inside a compiled body: the helpers a body may call without
 * importing anything. `import * as parafor from 'parafor'` gives the same names their types.
 * The loop functions are there only to throw a clear error: a body cannot start a loop
 * through `parafor` (see loopInBody).
 */
const TOOLKIT = Object.freeze({
  Mutex,
  Barrier,
  atomicAddFloat64,
  wtime,
  inParallel: insideRegion,
  ...Object.fromEntries(NOT_IN_BODY.map((name) => [name, notInBody(name)])),
});

const MODULE_BODY = 'parafor.moduleBody';

/** A body exported by a module file; make one with moduleBody(). */
export interface ModuleBody {
  readonly kind: typeof MODULE_BODY;
  /** Absolute URL of the module (file: URLs, as import() takes them). */
  readonly url: string;
  /** Name of the export. */
  readonly name: string;
}

/**
 * Names a body exported by a module file, for bodies that import other code or keep
 * module-level state. Each thread imports the module once. `url` is a file URL or an
 * absolute path; relative URLs are resolved with `new URL('./kernels.js', import.meta.url)`.
 */
export function moduleBody(url: string | URL, name = 'default'): ModuleBody {
  let href: string;
  if (url instanceof URL || (typeof url === 'object' && url !== null && 'href' in url)) href = String((url as URL).href);
  else if (typeof url === 'string' && url.startsWith('/')) href = new URL(`file://${url}`).href;
  else if (typeof url === 'string' && /^[a-z]+:/i.test(url)) href = url;
  else throw badOption('url', url, 'a URL or an absolute path of a module file');
  if (typeof name !== 'string' || name === '') throw badOption('name', name, 'the name of an export');
  return Object.freeze({ kind: MODULE_BODY, url: href, name });
}

export function isModuleBody(value: unknown): value is ModuleBody {
  return typeof value === 'object' && value !== null && (value as ModuleBody).kind === MODULE_BODY;
}

/** Checks a body argument and returns its source (functions) or the module body itself. */
export function bodySource(name: string, body: unknown): string | ModuleBody {
  if (isModuleBody(body)) return body;
  if (typeof body !== 'function') throw notFunction(name, body);
  const source = Function.prototype.toString.call(body);
  const tag = Object.prototype.toString.call(body);
  if (/^async[\s(]/.test(source) || tag === '[object AsyncFunction]' || tag === '[object AsyncGeneratorFunction]') {
    throw asyncBody(name, source);
  }
  // A generator body would return an iterator and run nothing; a class cannot be called.
  if (tag === '[object GeneratorFunction]' || /^(function\s*)?\*/.test(source)) throw notPlainFunction(name, 'generator function', source);
  if (/^class[\s{]/.test(source)) throw notPlainFunction(name, 'class', source);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) throw bodyNotPortable(name, source);
  return source;
}

type AnyFn = (...args: never[]) => unknown;

/**
 * Compiles a function's source back into a function, with nothing in scope but globals.
 * Method shorthand (`body(i) {...}`) is accepted by retrying as a function expression.
 */
export function compileSource(name: string, source: string): AnyFn {
  let fn: unknown;
  try {
    fn = new Function('parafor', `"use strict"; return (${source}\n);`)(TOOLKIT);
  } catch (first) {
    if (!(first instanceof SyntaxError) && (first as Error)?.name !== 'SyntaxError') throw first;
    try {
      fn = new Function('parafor', `"use strict"; return (function ${source}\n);`)(TOOLKIT);
    } catch {
      throw bodyNotPortable(name, source);
    }
  }
  if (typeof fn !== 'function') throw bodyNotPortable(name, source);
  return fn as AnyFn;
}

/**
 * Per-chunk entry point of a body. `acc` is the accumulator for reductions (ignored by
 * loops); `fault.index` receives the index that threw.
 */
export type Runner = (acc: unknown, lo: number, hi: number, shared: unknown, ctx: unknown, fault: Fault) => unknown;

export interface Fault {
  index: number;
}

/** Whether a body's result is a promise or another thenable (bodies must be synchronous). */
export function isThenable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Source that throws promiseResult() when the value in variable `v` is a promise or another
 * thenable: bodies must be synchronous. For compiled loops (runners, the generated folds of
 * maps and sections); a body returning nothing or a number pays a `typeof` that V8 folds
 * away once the body is inlined.
 */
export function syncCheck(v: string): string {
  // The test of isThenable, written out so that the compiled loop inlines it.
  return `if (typeof ${v} === "object" && ${v} !== null && typeof ${v}.then === "function") throw new TypeError(${(promiseMessage ??= JSON.stringify(promiseResult().message))});`;
}

/** promiseResult()'s message as a string literal, made once (an error captures a stack). */
let promiseMessage: string | undefined;

// No try/catch here: the runner's caller catches (run/slot.ts, runSlot) and reports the chunk
// in flight, so a runner stays a bare loop for V8 to optimise. The per-index forms note the
// index before each call instead, for the error report.
// A loop body's result is looked at per index (syncCheck), a fold's accumulator once per
// chunk, at its end.
const RUNNER_SOURCE: Record<number, string> = {
  [KIND_FOR]: `for (let i = lo; i < hi; i++) { fault.index = i; const r = body(i, shared, ctx); ${syncCheck('r')} } return acc;`,
  [KIND_FOR_RANGE]: `fault.index = lo; const r = body(lo, hi, shared, ctx); ${syncCheck('r')} return acc;`,
  [KIND_REDUCE]: `for (let i = lo; i < hi; i++) { fault.index = i; acc = body(acc, i, shared, ctx); } ${syncCheck('acc')} return acc;`,
  [KIND_REDUCE_RANGE]: `fault.index = lo; acc = body(acc, lo, hi, shared, ctx); ${syncCheck('acc')} return acc;`,
  [KIND_REGION]: `fault.index = lo; const r = body(shared, ctx); ${syncCheck('r')} return acc;`,
};

function runnerSource(kind: number): string {
  const src = RUNNER_SOURCE[kind];
  if (src === undefined) throw internalError(`unknown loop kind ${kind}`);
  return src;
}

/** A fresh runner (its own compiled code and type feedback) around `body`. */
export function makeRunner(kind: number, body: AnyFn): Runner {
  const factory = new Function('body', `"use strict"; return function run(acc, lo, hi, shared, ctx, fault) { ${runnerSource(kind)} };`);
  return factory(body) as Runner;
}

/**
 * The calling thread's runners or a worker's, by (body, loop kind), each made on its first
 * use. `body(id)` is undefined while a module body is still loading on this thread.
 */
export class Runners {
  readonly #body: (id: number) => AnyFn | undefined;
  readonly #made = new Map<number, Runner>();
  /** The runner last used, by key: a loop called again needs no Map lookup. */
  #lastKey = -1;
  #last: Runner | undefined;

  constructor(body: (id: number) => AnyFn | undefined) {
    this.#body = body;
  }

  /** The runner of body `bodyId` for loop kind `kind`, or undefined while the body is not ready. */
  get(bodyId: number, kind: number): Runner | undefined {
    const key = bodyId * 8 + kind;
    if (key === this.#lastKey) return this.#last;
    let r = this.#made.get(key);
    if (r === undefined) {
      const fn = this.#body(bodyId);
      if (fn === undefined) return undefined;
      r = makeRunner(kind, fn);
      this.#made.set(key, r);
    }
    this.#lastKey = key;
    this.#last = r;
    return r;
  }
}

/** A runner that takes its body as its first argument. */
export type PassingRunner = (body: AnyFn, acc: unknown, lo: number, hi: number, shared: unknown, ctx: unknown, fault: Fault) => unknown;

const passingRunners: PassingRunner[] = [];

/**
 * The runner of a loop kind that takes its body as an argument: one compiled loop per kind
 * for every body, for calls that run a function as written, once (nested calls).
 */
export function passingRunner(kind: number): PassingRunner {
  return (passingRunners[kind] ??= new Function(`"use strict"; return function run(body, acc, lo, hi, shared, ctx, fault) { ${runnerSource(kind)} };`)() as PassingRunner);
}
