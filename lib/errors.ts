/**
 * Every error parafor raises, and every message, in one place. Messages name the argument
 * and the value that was wrong; specs match them, so a message never changes silently.
 *
 * Every error is an instance of one of the classes below, each with a stable `code`
 * (ERR_PARAFOR_...; docs/errors.md has the table). Argument errors keep the built-in
 * names `TypeError` and `RangeError`, as Node's own do, and are instances of those too.
 * An error raised on a worker travels as a record (recordError) and is rebuilt on the
 * caller as the same class with the same code (rebuildError).
 */

/** Every `code` parafor gives its errors. */
export const CODES = Object.freeze({
  /** An argument or option of the wrong type. */
  INVALID_ARG_TYPE: 'ERR_PARAFOR_INVALID_ARG_TYPE',
  /** A name that is not one of the allowed ones (a schedule, a reducer, a wait policy). */
  INVALID_ARG_VALUE: 'ERR_PARAFOR_INVALID_ARG_VALUE',
  /** A number out of range. */
  OUT_OF_RANGE: 'ERR_PARAFOR_OUT_OF_RANGE',
  /** An option that this kind of call does not know. */
  UNKNOWN_OPTION: 'ERR_PARAFOR_UNKNOWN_OPTION',
  /** An environment variable (PARAFOR_NUM_THREADS, ...) with a bad value. */
  INVALID_ENV: 'ERR_PARAFOR_INVALID_ENV',
  /** An async body, or a body that returned a promise. */
  ASYNC_BODY: 'ERR_PARAFOR_ASYNC_BODY',
  /** A body whose source cannot be sent to a worker (native, bound). */
  BODY_NOT_PORTABLE: 'ERR_PARAFOR_BODY_NOT_PORTABLE',
  /** A value in `shared` (or a parallelMap item) that cannot reach a worker. */
  NOT_SHAREABLE: 'ERR_PARAFOR_NOT_SHAREABLE',
  /** A body wrote to a plain object or array of `shared`, frozen on every thread. */
  SHARED_READ_ONLY: 'ERR_PARAFOR_SHARED_READ_ONLY',
  /** A parallelMap result that cannot travel back to the calling thread. */
  RESULT_NOT_CLONEABLE: 'ERR_PARAFOR_RESULT_NOT_CLONEABLE',
  /** A loop started inside a body. */
  LOOP_IN_BODY: 'ERR_PARAFOR_LOOP_IN_BODY',
  /** A body used a variable of the scope it was written in (a ReferenceError on the worker). */
  CAPTURED_NAME: 'ERR_PARAFOR_CAPTURED_NAME',
  /** A module body whose module does not export a function under that name. */
  MODULE_BODY: 'ERR_PARAFOR_MODULE_BODY',
  /** A call on a closed Team. */
  TEAM_CLOSED: 'ERR_PARAFOR_TEAM_CLOSED',
  /** A call that passed its `timeout`. */
  TIMEOUT: 'ERR_PARAFOR_TIMEOUT',
  /** A worker died (process.exit() in a body, out of memory, a crash) while a call ran. */
  WORKER_DIED: 'ERR_PARAFOR_WORKER_DIED',
  /** Workers that did not start in time. */
  START_TIMEOUT: 'ERR_PARAFOR_START_TIMEOUT',
  /** A synchronous call that cannot run while an asynchronous one holds the team. */
  TEAM_BUSY: 'ERR_PARAFOR_TEAM_BUSY',
  /** A broken invariant of parafor itself. */
  INTERNAL: 'ERR_PARAFOR_INTERNAL',
  /** The text loader: the path is not a regular file. */
  NOT_REGULAR_FILE: 'ERR_PARAFOR_NOT_REGULAR_FILE',
  /** The text loader: the file changed while it was read. */
  FILE_CHANGED: 'ERR_PARAFOR_FILE_CHANGED',
  /** The text loader: the file is larger than loadText can hold. */
  FILE_TOO_LARGE: 'ERR_PARAFOR_FILE_TOO_LARGE',
} as const);

/** A `code` of parafor's own (a TextFileError may also carry a system code such as 'ENOENT'). */
export type ErrorCode = (typeof CODES)[keyof typeof CODES];

/** Sets a class's `name` on its prototype, where Error keeps it (not an own property of each error). */
function named(cls: { prototype: Error }, name: string): void {
  Object.defineProperty(cls.prototype, 'name', { value: name, configurable: true, writable: true, enumerable: false });
}

/**
 * A wrong type or kind of argument, option or body. Its `name` is 'TypeError', and it is a
 * TypeError; `code` says which mistake (ERR_PARAFOR_INVALID_ARG_TYPE, ..._NOT_SHAREABLE, ...).
 */
export class ParaforTypeError extends TypeError {
  readonly code: ErrorCode;
  constructor(message: string, code: ErrorCode = CODES.INVALID_ARG_TYPE, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/**
 * A value out of range: a number, or a name that is not one of the allowed ones. Its `name`
 * is 'RangeError', and it is a RangeError; `code` says which (ERR_PARAFOR_OUT_OF_RANGE, ...).
 */
export class ParaforRangeError extends RangeError {
  readonly code: ErrorCode;
  constructor(message: string, code: ErrorCode = CODES.OUT_OF_RANGE, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** A call on a Team after close(). */
export class TeamClosedError extends Error {
  readonly code: typeof CODES.TEAM_CLOSED = CODES.TEAM_CLOSED;
}
named(TeamClosedError, 'TeamClosedError');

/**
 * A call that did not finish within its `timeout`. `terminated` is true when its threads
 * did not stop when cancelled and were terminated (and replaced).
 */
export class TimeoutError extends Error {
  readonly code: typeof CODES.TIMEOUT = CODES.TIMEOUT;
  readonly terminated: boolean;
  constructor(message: string, terminated = false, options?: ErrorOptions) {
    super(message, options);
    this.terminated = terminated;
  }
}
named(TimeoutError, 'TimeoutError');

/**
 * A worker died while a call ran: a body called process.exit(), ran out of memory under
 * `resourceLimits`, or the thread crashed. The worker is replaced; the team stays usable.
 */
export class WorkerDiedError extends Error {
  readonly code: typeof CODES.WORKER_DIED = CODES.WORKER_DIED;
}
named(WorkerDiedError, 'WorkerDiedError');

/** Workers that did not start within the start-up limit. */
export class StartTimeoutError extends Error {
  readonly code: typeof CODES.START_TIMEOUT = CODES.START_TIMEOUT;
}
named(StartTimeoutError, 'StartTimeoutError');

/** A synchronous call that cannot run while an asynchronous call holds the team. */
export class TeamBusyError extends Error {
  readonly code: typeof CODES.TEAM_BUSY = CODES.TEAM_BUSY;
}
named(TeamBusyError, 'TeamBusyError');

/** A broken invariant of parafor itself, never a user's mistake: worth a bug report. */
export class InternalError extends Error {
  readonly code: typeof CODES.INTERNAL = CODES.INTERNAL;
}
named(InternalError, 'InternalError');

/**
 * The text loader could not read a file. `path` is the file; `code` is the system's code
 * when the system refused (ENOENT, EACCES, ... as Node's fs errors have), else
 * ERR_PARAFOR_NOT_REGULAR_FILE, ERR_PARAFOR_FILE_CHANGED or ERR_PARAFOR_FILE_TOO_LARGE.
 */
export class TextFileError extends Error {
  readonly code: string;
  readonly path: string;
  constructor(message: string, code: string, path: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.path = path;
  }
}
named(TextFileError, 'TextFileError');

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
    ? new ParaforRangeError(`\`${name}\` must be ${what}, got ${show(value)}`)
    : new ParaforTypeError(`\`${name}\` must be ${what}, got ${show(value)}`);
}

export function notPositiveInteger(name: string, value: unknown): Error {
  return notInteger(name, value, 'a positive integer');
}

export function tooManyThreads(name: string, value: number, max: number): RangeError {
  return new ParaforRangeError(`\`${name}\` must be at most ${max}, got ${value}`);
}

export function unknownName(name: string, value: unknown, allowed: readonly string[]): Error {
  const list = allowed.map((a) => `'${a}'`).join(', ');
  return typeof value === 'string'
    ? new ParaforRangeError(`\`${name}\` must be one of ${list}, got ${show(value)}`, CODES.INVALID_ARG_VALUE)
    : new ParaforTypeError(`\`${name}\` must be one of ${list}, got ${show(value)}`);
}

export function notFunction(name: string, value: unknown): TypeError {
  return new ParaforTypeError(`\`${name}\` must be a function, got ${show(value)}`);
}

export function badOption(name: string, value: unknown, what: string): TypeError {
  return new ParaforTypeError(`\`${name}\` must be ${what}, got ${show(value)}`);
}

export function badEnv(name: string, value: string, what: string): RangeError {
  return new ParaforRangeError(`environment variable ${name} must be ${what}, got ${show(value)}`, CODES.INVALID_ENV);
}

/** The start of a function's source, for error messages. */
function sourceHead(source: string): string {
  return source.length > 60 ? `${source.slice(0, 57)}...` : source;
}

export function asyncBody(name: string, source: string): TypeError {
  return new ParaforTypeError(
    `\`${name}\` must be a synchronous function: parafor does not await what a body returns, got ${sourceHead(source)}`,
    CODES.ASYNC_BODY,
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
  return new ParaforTypeError(
    `${name} cannot be called inside a parafor body: a body's \`parafor\` holds only the body toolkit ` +
      '(Mutex, Barrier, atomicAddFloat64, wtime, inParallel). A loop inside a body would run serially on ' +
      "that thread anyway: write the inner loop as a plain for loop, share it among a region's threads " +
      'with ctx.for inside parallel()/parallelSync(), or export the body from a module that imports ' +
      'parafor (moduleBody), where a nested call runs serially',
    CODES.LOOP_IN_BODY,
  );
}

/** A body that returned a promise or another thenable: parafor runs bodies to completion and awaits nothing. */
export function promiseResult(): TypeError {
  return new ParaforTypeError(
    'a parafor body returned a promise: bodies must be synchronous, as parafor does not await what ' +
      'they return (their asynchronous part would run after the call had ended). Do the asynchronous ' +
      'work before or after the call and pass its results in `shared`',
    CODES.ASYNC_BODY,
  );
}

/** A generator or a class where a body goes: a call would return an iterator without running it, or throw. */
export function notPlainFunction(name: string, what: string, source: string): TypeError {
  return new ParaforTypeError(`\`${name}\` must be a plain function, got a ${what}: ${sourceHead(source)}`);
}

export function bodyNotPortable(name: string, source: string): TypeError {
  const head = sourceHead(source);
  return new ParaforTypeError(
    `\`${name}\` cannot be sent to a worker thread: its source (${head}) is not a function ` +
      'expression (native and bound functions cannot be shipped; use a plain function or a module body)',
    CODES.BODY_NOT_PORTABLE,
  );
}

export function plainArrayBuffer(path: string): TypeError {
  return new ParaforTypeError(
    `\`${path}\` is a typed array on a plain ArrayBuffer: workers would write to a copy and ` +
      'the writes would be lost. Allocate it with sharedArray(Ctor, n), which puts it on a SharedArrayBuffer',
    CODES.NOT_SHAREABLE,
  );
}

export function notShareable(path: string, value: unknown): TypeError {
  return new ParaforTypeError(
    `\`${path}\` cannot be shared with worker threads, got ${show(value)}: \`shared\` holds ` +
      'SharedArrayBuffers, typed arrays on them, numbers, strings, booleans, null, undefined, ' +
      'bigints, and plain objects and arrays of those',
    CODES.NOT_SHAREABLE,
  );
}

/**
 * A parallelMap item that cannot reach a worker: items travel as `shared` does, so they
 * are the values `shared` holds (a Map, a Date or a class instance is refused here).
 */
export function notMapItem(path: string, value: unknown): TypeError {
  return new ParaforTypeError(
    `\`${path}\` cannot be sent to worker threads, got ${show(value)}: parallelMap items may be ` +
      'numbers, strings, booleans, null, undefined, bigints, SharedArrayBuffers, typed arrays on them, ' +
      'and plain objects and arrays of those. Convert the item first (a Map with Object.fromEntries(map) ' +
      'or [...map], a Date with date.getTime(), a class instance with { ...instance })',
    CODES.NOT_SHAREABLE,
  );
}

export function sharedCycle(path: string): TypeError {
  return new ParaforTypeError(`\`${path}\` refers back to an object that contains it: \`shared\` must be a tree`, CODES.NOT_SHAREABLE);
}

/** A parallelMap result that structured clone cannot copy back to the calling thread (a function, a symbol). */
export function resultNotCloneable(index: number, value: unknown): TypeError {
  return new ParaforTypeError(resultNotCloneableMessage(index, typeof value === 'function' ? show(value) : 'a symbol'), CODES.RESULT_NOT_CLONEABLE);
}

/** The message of resultNotCloneable, for generated code that has `what` as a string expression. */
export function resultNotCloneableMessage(index: number | string, what: string): string {
  return (
    `parallelMap's \`fn\` returned ${what} for items[${index}]: results travel back to the calling ` +
    'thread by structured clone, which cannot copy functions or symbols. Return data (numbers, strings, ' +
    'plain objects and arrays, Map, Set, Date, typed arrays), and run the code the function holds inside `fn`'
  );
}

/**
 * What replaces V8's message (`v8`) for a write to a frozen object in a body: the plain
 * objects and arrays in `shared` are frozen on every thread, and a write would change one
 * thread's copy only.
 */
function sharedReadOnlyMessage(v8: string): string {
  return (
    `a body wrote to a read-only object (${v8}): the plain objects and arrays a body receives in ` +
    '`shared` are frozen copies on every thread, so a write to them would be lost. Write results to ' +
    'shared memory (a sharedArray passed in `shared`), or return them (parallelReduce, parallelMap)'
  );
}

/** A length whose SharedArrayBuffer cannot be allocated. */
export function cannotAllocate(ctorName: string, length: number, bytes: number, why: string): RangeError {
  return new ParaforRangeError(
    `\`length\` ${length} is too large for a shared ${ctorName}: it needs ${bytes} bytes, and a ` +
      `SharedArrayBuffer of that size could not be allocated (${why}). Use a smaller length, or ` +
      'split the data over several arrays',
  );
}

export function teamClosed(): TeamClosedError {
  return new TeamClosedError('this parafor Team is closed: create a new Team to run more loops');
}

export function timeoutError(ms: number, terminated: boolean): TimeoutError {
  return new TimeoutError(
    terminated
      ? `the parafor call did not finish within ${ms} ms and did not stop when cancelled; its workers were terminated and replaced`
      : `the parafor call did not finish within ${ms} ms and was cancelled`,
    terminated,
  );
}

export function workerDied(id: number, how: string, cause: unknown): WorkerDiedError {
  return new WorkerDiedError(
    `parafor worker ${id} died while a loop was running: ${how}. It will be replaced; the team stays usable`,
    cause === undefined ? undefined : { cause },
  );
}

export function startTimeout(missing: number, want: number, ms: number): StartTimeoutError {
  return new StartTimeoutError(`parafor: ${missing} of ${want} workers did not start within ${ms} ms`);
}

/** A call whose `signal` aborted but whose threads did not stop within the grace period: the reason, marked. */
export function abortedNotStopped(reason: unknown): unknown {
  if (reason !== null && typeof reason === 'object' && Object.isExtensible(reason)) (reason as { terminated?: boolean }).terminated = true;
  return reason;
}

/** An out-of-range number option: "`name` must be <what>, got value". */
export function outOfRange(name: string, value: unknown, what: string): RangeError {
  return new ParaforRangeError(`\`${name}\` must be ${what}, got ${show(value)}`);
}

export function unknownOption(name: string, key: string, known: readonly string[]): TypeError {
  return new ParaforTypeError(`unknown option \`${key}\` in \`${name}\`; known options: ${known.join(', ')}`, CODES.UNKNOWN_OPTION);
}

export function loopOptionOnRegion(): TypeError {
  return new ParaforTypeError('`schedule` and `chunk` are options of loops, not of parallel regions (use them on ctx.for)', CODES.UNKNOWN_OPTION);
}

export function nowaitNeedsStatic(schedule: string): RangeError {
  return new ParaforRangeError(
    `\`nowait\` needs the static schedule (the shared work counter is reset at the barrier), got ${JSON.stringify(schedule)}`,
    CODES.INVALID_ARG_VALUE,
  );
}

export function worksharingTooLong(schedule: string, n: number): RangeError {
  return new ParaforRangeError(`a worksharing loop with the ${JSON.stringify(schedule)} schedule takes at most 2^30 iterations, got ${n}`);
}

export function moduleBodyNested(): TypeError {
  return new ParaforTypeError('a module body cannot be called from inside another body; import and call it', CODES.LOOP_IN_BODY);
}

export function moduleBodyNotFunction(url: string, name: string, found: unknown): TypeError {
  const shown = found === undefined ? 'has no such export' : `exports a ${typeof found}`;
  return new ParaforTypeError(`module body ${url} ${shown} named ${JSON.stringify(name)}; it must export a function`, CODES.MODULE_BODY);
}

export function moduleLoadingDuringAsync(): TeamBusyError {
  return new TeamBusyError(
    'a synchronous call with a module body that is still loading on this thread cannot run while an ' +
      'asynchronous loop holds the team: await the asynchronous loop first',
  );
}

export function bodyCalledExit(code: unknown, worker: number): WorkerDiedError {
  return new WorkerDiedError(`a loop body called process.exit(${String(code)}) on worker ${worker}; the worker is replaced`);
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
export function internalError(what: string): InternalError {
  return new InternalError(`parafor internal error: ${what}`);
}

/** What the body toolkit holds: inside a body these are reached as `parafor.<name>`, never by an imported name. */
const TOOLKIT_NAMES: readonly string[] = ['Mutex', 'Barrier', 'atomicAddFloat64', 'wtime', 'inParallel'];

/**
 * The message that replaces "Mutex is not defined" when a body uses a toolkit name it
 * imported: on the worker only the body's own `parafor` holds the toolkit.
 */
export function toolkitName(name: string): string {
  return (
    `${name} is not defined on the worker thread: a body cannot use names imported where it was ` +
    `written, and reaches parafor's body toolkit through the name \`parafor\` instead. Write ` +
    `\`parafor.${name}\` in the body (with \`import * as parafor from 'parafor'\` at the top of the file ` +
    'for the types; on the worker the body gets its own `parafor`)'
  );
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
/** V8's messages for a write to a frozen object (bodies run in strict mode). */
const FROZEN_WRITE = /^Cannot (assign to read only property|add property|delete property|define property) /;
let promiseMessage: string | undefined;

/** Turns whatever a body threw into an ErrorRecord (on the thread that caught it). */
export function recordError(thrown: unknown, info: BodyErrorInfo): ErrorRecord {
  const isErr = thrown !== null && typeof thrown === 'object' && 'message' in thrown;
  const e = thrown as { name?: unknown; message?: unknown; stack?: unknown; code?: unknown };
  let name = isErr && typeof e.name === 'string' ? e.name : 'Error';
  let message = isErr ? String(e.message) : `a loop body threw a non-error value: ${show(thrown)}`;
  let code = isErr ? e.code : undefined;
  const own = code === undefined;
  // V8's messages that would mislead in a body get parafor's own, with its code.
  if (own && name === 'ReferenceError') {
    const captured = CAPTURED.exec(message);
    const id = captured?.[1];
    if (id !== undefined && (NOT_IN_BODY as readonly string[]).includes(id)) {
      name = 'TypeError';
      message = loopInBody(id).message;
      code = CODES.LOOP_IN_BODY;
    } else if (id !== undefined) {
      message = TOOLKIT_NAMES.includes(id) ? toolkitName(id) : capturedName(id);
      code = CODES.CAPTURED_NAME;
    }
  } else if (own && name === 'TypeError') {
    if (FROZEN_WRITE.test(message)) {
      message = sharedReadOnlyMessage(message);
      code = CODES.SHARED_READ_ONLY;
    } else if (message === (promiseMessage ??= promiseResult().message)) {
      // The check compiled into bodies throws a plain TypeError with this message (run/body.ts, syncCheck).
      code = CODES.ASYNC_BODY;
    }
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
    code,
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

/** parafor's classes with a fixed code, by name: an error of theirs from a worker comes back as one. */
const FIXED: Record<string, new (message: string) => Error> = {
  TeamClosedError,
  WorkerDiedError,
  StartTimeoutError,
  TeamBusyError,
  InternalError,
};

/** A new error of the class the record's error had: parafor's class for parafor's codes, the built-in class, or Error. */
function errorOfClass(r: ErrorRecord): Error {
  const code = r.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARAFOR_')) {
    if (r.name === 'TypeError') return new ParaforTypeError(r.message, code as ErrorCode);
    if (r.name === 'RangeError') return new ParaforRangeError(r.message, code as ErrorCode);
    if (r.name === 'TimeoutError') return new TimeoutError(r.message, r.props?.terminated === true);
    const Fixed = FIXED[r.name];
    if (Fixed !== undefined) return new Fixed(r.message);
  }
  if (r.name === 'TextFileError' && typeof code === 'string') return new TextFileError(r.message, code, String(r.props?.path ?? ''));
  return new (CTORS[r.name] ?? Error)(r.message);
}

/**
 * The error that reaches the caller: the original class (parafor's classes and the built-in
 * error classes) and message, `code`, `index`, `chunk` and `threadId` saying where it
 * happened, and the thrower's stack after a first line that names the index.
 */
export function rebuildError(r: ErrorRecord): Error & BodyErrorInfo {
  const err = errorOfClass(r) as Error & { -readonly [K in keyof BodyErrorInfo]: BodyErrorInfo[K] } & {
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
