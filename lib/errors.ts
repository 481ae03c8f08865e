/**
 * Every error parafor raises, and every message, in one place. Messages name the argument
 * and the value that was wrong; specs match them, so a message never changes silently.
 */

/** Formats a value for an error message: strings quoted, others as JS would print them. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const tag = Object.prototype.toString.call(value).slice(8, -1);
    if (tag !== 'Object') return `a ${tag}`;
    const cls = className(value);
    return cls === undefined ? 'an object' : `an instance of class ${cls}`;
  }
  return String(value);
}

/** The name of an object's class, undefined for plain objects (and objects without a named constructor). */
function className(value: object): string | undefined {
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === null || Object.getPrototypeOf(proto) === null) return undefined;
  const ctor = (proto as { constructor?: unknown }).constructor;
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : undefined;
}

export function notInteger(name: string, value: unknown, what = 'a safe integer'): Error {
  return typeof value === 'number'
    ? new RangeError(`\`${name}\` must be ${what}, got ${show(value)}`)
    : new TypeError(`\`${name}\` must be ${what}, got ${show(value)}`);
}

export function notPositiveInteger(name: string, value: unknown): Error {
  return notInteger(name, value, 'a positive integer');
}

export function tooManyThreads(name: string, value: number, max: number): RangeError {
  return new RangeError(`\`${name}\` must be at most ${max}, got ${value}`);
}

export function unknownName(name: string, value: unknown, allowed: readonly string[]): Error {
  const list = allowed.map((a) => `'${a}'`).join(', ');
  return typeof value === 'string'
    ? new RangeError(`\`${name}\` must be one of ${list}, got ${show(value)}`)
    : new TypeError(`\`${name}\` must be one of ${list}, got ${show(value)}`);
}

export function notFunction(name: string, value: unknown): TypeError {
  return new TypeError(`\`${name}\` must be a function, got ${show(value)}`);
}

export function badOption(name: string, value: unknown, what: string): TypeError {
  return new TypeError(`\`${name}\` must be ${what}, got ${show(value)}`);
}

export function badEnv(name: string, value: string, what: string): RangeError {
  return new RangeError(`environment variable ${name} must be ${what}, got ${show(value)}`);
}

/** The start of a function's source, for error messages. */
function sourceHead(source: string): string {
  return source.length > 60 ? `${source.slice(0, 57)}...` : source;
}

export function asyncBody(name: string, source: string): TypeError {
  return new TypeError(
    `\`${name}\` must be a synchronous function: parafor does not await what a body returns, got ${sourceHead(source)}`,
  );
}

/**
 * parafor's functions that start work on a team: inside a body the toolkit's `parafor` has
 * them only to say, when called, that they cannot be used there (loopInBody).
 */
export const NOT_IN_BODY = [
  'parallelFor',
  'parallelForSync',
  'parallelForRange',
  'parallelForRangeSync',
  'parallelReduce',
  'parallelReduceSync',
  'parallelReduceRange',
  'parallelReduceRangeSync',
  'parallel',
  'parallelSync',
  'sections',
  'sectionsSync',
  'parallelMap',
  'parallelMapSync',
  'loadText',
  'reduceLines',
  'getDefaultTeam',
] as const;

/** A loop started from a function body (through the toolkit's `parafor`, or by a name imported where the body was written). */
export function loopInBody(name: string): TypeError {
  return new TypeError(
    `${name} cannot be called inside a parafor body: a body's \`parafor\` holds only the body toolkit ` +
      '(Mutex, Barrier, atomicAddFloat64, wtime, inParallel). A loop inside a body would run serially on ' +
      "that thread anyway: write the inner loop as a plain for loop, share it among a region's threads " +
      'with ctx.for inside parallel()/parallelSync(), or export the body from a module that imports ' +
      'parafor (moduleBody), where a nested call runs serially',
  );
}

/** A body that returned a promise or another thenable: parafor runs bodies to completion and awaits nothing. */
export function promiseResult(): TypeError {
  return new TypeError(
    'a parafor body returned a promise: bodies must be synchronous, as parafor does not await what ' +
      'they return (their asynchronous part would run after the call had ended). Do the asynchronous ' +
      'work before or after the call and pass its results in `shared`',
  );
}

/** A generator or a class where a body goes: a call would return an iterator without running it, or throw. */
export function notPlainFunction(name: string, what: string, source: string): TypeError {
  return new TypeError(`\`${name}\` must be a plain function, got a ${what}: ${sourceHead(source)}`);
}

export function bodyNotPortable(name: string, source: string): TypeError {
  const head = sourceHead(source);
  return new TypeError(
    `\`${name}\` cannot be sent to a worker thread: its source (${head}) is not a function ` +
      'expression (native and bound functions cannot be shipped; use a plain function or a module body)',
  );
}

export function plainArrayBuffer(path: string): TypeError {
  return new TypeError(
    `\`${path}\` is a typed array on a plain ArrayBuffer: workers would write to a copy and ` +
      'the writes would be lost. Allocate it with sharedArray(Ctor, n), which puts it on a SharedArrayBuffer',
  );
}

export function notShareable(path: string, value: unknown): TypeError {
  return new TypeError(
    `\`${path}\` cannot be shared with worker threads, got ${show(value)}: \`shared\` holds ` +
      'SharedArrayBuffers, typed arrays on them, numbers, strings, booleans, null, undefined, ' +
      'bigints, and plain objects and arrays of those',
  );
}

export function sharedCycle(path: string): TypeError {
  return new TypeError(`\`${path}\` refers back to an object that contains it: \`shared\` must be a tree`);
}

export function teamClosed(): Error {
  const err = new Error('this parafor Team is closed: create a new Team to run more loops');
  err.name = 'TeamClosedError';
  return err;
}

export function timeoutError(ms: number, terminated: boolean): Error {
  const err = new Error(
    terminated
      ? `the parafor call did not finish within ${ms} ms and did not stop when cancelled; its workers were terminated and replaced`
      : `the parafor call did not finish within ${ms} ms and was cancelled`,
  ) as Error & { terminated: boolean };
  err.name = 'TimeoutError';
  err.terminated = terminated;
  return err;
}

export function workerDied(id: number, how: string, cause: unknown): Error {
  const err = new Error(`parafor worker ${id} died while a loop was running: ${how}. It will be replaced; the team stays usable`, cause === undefined ? undefined : { cause });
  err.name = 'WorkerDiedError';
  return err;
}

export function startTimeout(missing: number, want: number, ms: number): Error {
  return new Error(`parafor: ${missing} of ${want} workers did not start within ${ms} ms`);
}

/** A call whose `signal` aborted but whose threads did not stop within the grace period: the reason, marked. */
export function abortedNotStopped(reason: unknown): unknown {
  if (reason !== null && typeof reason === 'object' && Object.isExtensible(reason)) (reason as { terminated?: boolean }).terminated = true;
  return reason;
}

/** An out-of-range number option: "`name` must be <what>, got value". */
export function outOfRange(name: string, value: unknown, what: string): RangeError {
  return new RangeError(`\`${name}\` must be ${what}, got ${show(value)}`);
}

export function unknownOption(name: string, key: string, known: readonly string[]): TypeError {
  return new TypeError(`unknown option \`${key}\` in \`${name}\`; known options: ${known.join(', ')}`);
}

export function loopOptionOnRegion(): TypeError {
  return new TypeError('`schedule` and `chunk` are options of loops, not of parallel regions (use them on ctx.for)');
}

export function nowaitNeedsStatic(schedule: string): RangeError {
  return new RangeError(`\`nowait\` needs the static schedule (the shared work counter is reset at the barrier), got ${JSON.stringify(schedule)}`);
}

export function worksharingTooLong(schedule: string, n: number): RangeError {
  return new RangeError(`a worksharing loop with the ${JSON.stringify(schedule)} schedule takes at most 2^30 iterations, got ${n}`);
}

export function moduleBodyNested(): TypeError {
  return new TypeError('a module body cannot be called from inside another body; import and call it');
}

export function moduleBodyNotFunction(url: string, name: string, found: unknown): TypeError {
  const shown = found === undefined ? 'has no such export' : `exports a ${typeof found}`;
  return new TypeError(`module body ${url} ${shown} named ${JSON.stringify(name)}; it must export a function`);
}

export function moduleLoadingDuringAsync(): Error {
  return new Error(
    'a synchronous call with a module body that is still loading on this thread cannot run while an ' +
      'asynchronous loop holds the team: await the asynchronous loop first',
  );
}

export function bodyCalledExit(code: unknown, worker: number): Error {
  return new Error(`a loop body called process.exit(${String(code)}) on worker ${worker}; the worker is replaced`);
}

/**
 * process.exit() called by a body on the calling thread, which cannot end without ending the
 * program: thrown out of the body, a WorkerDiedError as on a worker (bodyCalledExit).
 */
export function exitOnCallingThread(code: unknown): Error {
  const err = new Error(`a loop body called process.exit(${String(code)}) on the calling thread; the program goes on`);
  err.name = 'WorkerDiedError';
  return err;
}

/** A broken invariant of parafor itself (never a user's mistake). */
export function internalError(what: string): Error {
  return new Error(`parafor internal error: ${what}`);
}

/**
 * The message that replaces "x is not defined" when a body uses a name from the scope it
 * was written in: on the worker that name does not exist.
 */
export function capturedName(name: string): string {
  return (
    `${name} is not defined on the worker thread: parafor bodies run on other threads and ` +
    `cannot use variables captured from the scope they were written in. Pass \`${name}\` in ` +
    `the \`shared\` option (for example { shared: { ${name} } }) and read it from the body's ` +
    '`shared` parameter, or export the body from a module (moduleBody)'
  );
}

/** Where a body error happened, attached to the error that reaches the caller. */
export interface BodyErrorInfo {
  /** The index whose body threw (per-index bodies), or the first index of the chunk. */
  readonly index: number;
  /** The chunk [lo, hi) that was running. */
  readonly chunk: readonly [number, number];
  /** ctx.threadId of the slot that threw. */
  readonly threadId: number;
}

/** A body error as it travels from a worker: plain data, structured-clone safe. */
export interface ErrorRecord extends BodyErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly code: unknown;
  /** The error's other own properties with primitive values (`path`, `errno`, ...). */
  readonly props: Record<string, string | number | boolean>;
}

const CAPTURED = /^(\S+) is not defined$/;

/** Turns whatever a body threw into an ErrorRecord (on the thread that caught it). */
export function recordError(thrown: unknown, info: BodyErrorInfo): ErrorRecord {
  const isErr = thrown !== null && typeof thrown === 'object' && 'message' in thrown;
  const e = thrown as { name?: unknown; message?: unknown; stack?: unknown; code?: unknown };
  let name = isErr && typeof e.name === 'string' ? e.name : 'Error';
  let message = isErr ? String(e.message) : `a loop body threw a non-error value: ${show(thrown)}`;
  const captured = name === 'ReferenceError' ? CAPTURED.exec(message) : null;
  if (captured && captured[1] !== undefined) {
    const id = captured[1];
    message = (NOT_IN_BODY as readonly string[]).includes(id) ? loopInBody(id).message : capturedName(id);
  }
  if (!isErr) name = 'Error';
  const props: Record<string, string | number | boolean> = {};
  if (isErr) {
    for (const key of Object.keys(thrown as object)) {
      const v = (thrown as Record<string, unknown>)[key];
      if (key !== 'code' && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) props[key] = v;
    }
  }
  return {
    props,
    name,
    message,
    stack: isErr && typeof e.stack === 'string' ? e.stack : undefined,
    code: isErr ? e.code : undefined,
    index: info.index,
    chunk: info.chunk,
    threadId: info.threadId,
  };
}

const CTORS: Record<string, new (message: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  ReferenceError,
  SyntaxError,
  EvalError,
  URIError,
};

/**
 * The error that reaches the caller: the original class (for the built-in error classes)
 * and message, `index`, `chunk` and `threadId` saying where it happened, and the thrower's
 * stack after a first line that names the index.
 */
export function rebuildError(r: ErrorRecord): Error & BodyErrorInfo {
  const Ctor = CTORS[r.name] ?? Error;
  const err = new Ctor(r.message) as Error & { -readonly [K in keyof BodyErrorInfo]: BodyErrorInfo[K] } & {
    code?: unknown;
  };
  if (err.name !== r.name) {
    Object.defineProperty(err, 'name', { value: r.name, configurable: true, writable: true, enumerable: false });
  }
  err.index = r.index;
  err.chunk = r.chunk;
  err.threadId = r.threadId;
  for (const [key, v] of Object.entries(r.props ?? {})) {
    if (!(key in err)) (err as unknown as Record<string, unknown>)[key] = v;
  }
  if (r.code !== undefined) err.code = r.code;
  const where = `    at parafor loop index ${r.index} (chunk [${r.chunk[0]}, ${r.chunk[1]}), thread ${r.threadId})`;
  const frames = r.stack ? r.stack.split('\n').filter((l) => /^\s+at /.test(l)) : [];
  err.stack = [`${r.name}: ${r.message}`, where, ...frames].join('\n');
  return err;
}
