/**
 * Options of teams and loops: their types, their defaults (including the environment
 * variables, like OpenMP's), and their validation. Validation happens once per call,
 * never per index.
 */
import { badEnv, badOption, notInteger, notPositiveInteger, tooManyThreads, unknownName, outOfRange, unknownOption } from './errors.js';
import { MAX_THREADS } from './protocol/control.js';
import { cpuCount, readEnv } from './platform/index.js';

/** Looks up one environment variable: its value, or undefined when unset or not readable. */
export type EnvLookup = (name: string) => string | undefined;

/** Limits of a worker thread's JavaScript heap and stack, in MB (Node's worker_threads ResourceLimits). */
export interface ResourceLimits {
  maxYoungGenerationSizeMb?: number;
  maxOldGenerationSizeMb?: number;
  codeRangeSizeMb?: number;
  stackSizeMb?: number;
}
import { SCHEDULES, type Schedule } from './run/schedule.js';

export type WaitPolicy = 'active' | 'passive';
export const WAIT_POLICIES: readonly WaitPolicy[] = ['active', 'passive'];

/** Options of one loop call. */
export interface LoopOptions<S = unknown> {
  /**
   * Data for the body, passed as its `shared` argument: SharedArrayBuffers and typed arrays
   * on them (the same memory on every thread), and numbers, strings, booleans, bigints,
   * null, undefined and plain objects and arrays of those (copied to each thread).
   */
  shared?: S;
  /** How iterations are divided among threads. Default: the team's (PARAFOR_SCHEDULE, else 'static'). */
  schedule?: Schedule;
  /**
   * Chunk size in iterations: round-robin chunks for 'static' (default: one contiguous
   * block per thread), the grab size for 'dynamic' (default 1), the minimum grab for
   * 'guided' (default 1). Ignored by 'auto'.
   */
  chunk?: number;
  /** Threads for this call, the calling thread included. Default: the team's size. */
  numThreads?: number;
  /** OpenMP's `if` clause: false runs the loop serially on the calling thread. Default true. */
  if?: boolean;
  /**
   * Automatic serial fallback: a loop whose predicted serial time (iterations times the
   * body's measured cost per iteration) is below this many microseconds runs serially on
   * the calling thread. Default 20; 0 turns the fallback off.
   */
  serialBelowUs?: number;
  /**
   * Cancels the call when aborted: every thread stops at its next chunk boundary (bodies
   * may also poll `ctx.cancelled`) and the call rejects with the signal's reason. A
   * synchronous call only looks at it when it starts (its thread is busy until it returns).
   */
  signal?: AbortSignal;
  /**
   * Milliseconds the call may take. Then it is cancelled like an aborted signal; if it has
   * still not finished after a grace period (TIMEOUT_GRACE_MS), its workers are terminated
   * and replaced, and the call rejects with a TimeoutError that says so.
   */
  timeout?: number;
}

/** Options of a Team. */
export interface TeamOptions {
  /** Threads in the team, the calling thread included. Default: PARAFOR_NUM_THREADS, else OMP_NUM_THREADS, else os.availableParallelism(). */
  numThreads?: number;
  /**
   * 'active': idle threads spin for up to 100 ms before they sleep (lowest latency);
   * 'passive': they sleep at once. Default: PARAFOR_WAIT_POLICY, else OMP_WAIT_POLICY,
   * else a spin of 500 us. Whatever the policy, a loop with more threads than cores
   * does not spin.
   */
  waitPolicy?: WaitPolicy;
  /** Spin budget in microseconds, overriding waitPolicy. */
  spinUs?: number;
  /** Default schedule of the team's loops. Default: PARAFOR_SCHEDULE, else OMP_SCHEDULE, else 'static'. */
  schedule?: Schedule;
  /** Default chunk of the team's loops (see LoopOptions.chunk). Default: from PARAFOR_SCHEDULE / OMP_SCHEDULE. */
  chunk?: number;
  /** Default serial fallback threshold of the team's loops (see LoopOptions.serialBelowUs). */
  serialBelowUs?: number;
  /** Heap limits of each worker (worker_threads' resourceLimits). A worker that exceeds them dies; its call rejects and the worker is replaced. */
  resourceLimits?: ResourceLimits;
}

/** How long a timed-out call's threads get to stop on their own before their workers are terminated. */
export const TIMEOUT_GRACE_MS = 500;

/** Default spin budgets, microseconds. */
export const SPIN_DEFAULT_US = 500;
export const SPIN_ACTIVE_US = 100_000;
export const SERIAL_BELOW_DEFAULT_US = 20;

/** The largest chunk: the work counter is an Int32 word. */
const MAX_CHUNK = 2 ** 31 - 1;

export function checkThreads(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw notPositiveInteger(name, value);
  if (value > MAX_THREADS) throw tooManyThreads(name, value, MAX_THREADS);
  return value;
}

export function checkChunk(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw notPositiveInteger(name, value);
  if (value > MAX_CHUNK) throw outOfRange(name, value, `at most ${MAX_CHUNK}`);
  return value;
}

export function checkSchedule(name: string, value: unknown): Schedule {
  if (!SCHEDULES.includes(value as Schedule)) throw unknownName(name, value, SCHEDULES);
  return value as Schedule;
}

function checkMicros(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0) || value === Infinity) {
    throw typeof value === 'number'
      ? outOfRange(name, value, 'a finite number >= 0')
      : badOption(name, value, 'a finite number >= 0');
  }
  return value;
}

/** Checks loop bounds: safe integers (the loop is `for (i = start; i < end; i++)`). */
export function checkBounds(start: unknown, end: unknown): void {
  if (typeof start !== 'number' || !Number.isSafeInteger(start)) throw notInteger('start', start);
  if (typeof end !== 'number' || !Number.isSafeInteger(end)) throw notInteger('end', end);
}

/** The keys an options object may have, and a test for one (see optionKeys). */
export interface OptionKeys {
  readonly names: readonly string[];
  readonly has: (key: string) => boolean;
}

/**
 * Option names with a membership test compiled to a `switch`: V8 compares interned strings
 * by pointer there, where `Set.has` hashes every key (perf/repro/option-keys.mjs measures
 * both), and loop options are checked on every call.
 */
export function optionKeys(names: readonly string[]): OptionKeys {
  const cases = names.map((n) => `case ${JSON.stringify(n)}:`).join(' ');
  let has: (key: string) => boolean;
  try {
    has = new Function('key', `"use strict"; switch (key) { ${cases} return true; default: return false; }`) as (key: string) => boolean;
  } catch {
    // Code generation from strings disabled (node --disallow-code-generation-from-strings):
    // importing parafor still works; its calls then fail where bodies are compiled.
    const set = new Set(names);
    has = (key) => set.has(key);
  }
  return Object.freeze({ names: Object.freeze([...names]), has });
}

const LOOP_KEYS = optionKeys(['shared', 'schedule', 'chunk', 'numThreads', 'if', 'serialBelowUs', 'signal', 'timeout']);
const TEAM_KEYS = optionKeys(['numThreads', 'waitPolicy', 'spinUs', 'schedule', 'chunk', 'serialBelowUs', 'resourceLimits']);

/** Checks that `options` is an object whose keys are all known (a typo would otherwise be ignored). */
export function checkKeys(name: string, options: unknown, keys: OptionKeys): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw badOption(name, options, 'an object');
  }
  // for-in, not Object.keys: no array per call (this runs on every loop call).
  for (const key in options) {
    if (!keys.has(key) && Object.prototype.hasOwnProperty.call(options, key)) {
      throw unknownOption(name, key, keys.names);
    }
  }
  return options as Record<string, unknown>;
}

/** What `team.start()` starts. */
export interface StartOptions {
  /**
   * Start the workers of asynchronous calls: one more than a synchronous call uses (an
   * asynchronous call's calling thread runs no body). Default false.
   */
  forAsync?: boolean;
  /** The call size to start for (threads, the calling thread included). Default: the team's numThreads. */
  numThreads?: number;
}

const START_KEYS = optionKeys(['forAsync', 'numThreads']);

/** Validates start()'s options: [forAsync, threads]. */
export function startOptions(options: unknown, teamThreads: number): [boolean, number] {
  if (typeof options === 'boolean') throw badOption('options', options, 'an object such as { forAsync: true }');
  const o = checkKeys('options', options, START_KEYS);
  if (o.forAsync !== undefined && typeof o.forAsync !== 'boolean') throw badOption('forAsync', o.forAsync, 'a boolean');
  const threads = o.numThreads === undefined ? teamThreads : checkThreads('numThreads', o.numThreads);
  return [o.forAsync === true, threads];
}

/** Team-level settings after defaults and environment. */
export interface TeamSettings {
  readonly numThreads: number;
  readonly spinUs: number;
  readonly schedule: Schedule;
  readonly chunk: number | undefined;
  readonly serialBelowUs: number;
  readonly resourceLimits: ResourceLimits | undefined;
}

/** A loop call's settings after validation and team defaults. */
export interface LoopSettings {
  readonly schedule: Schedule;
  readonly chunk: number | undefined;
  readonly numThreads: number;
  readonly parallel: boolean;
  readonly serialBelowUs: number;
  readonly signal: AbortSignal | undefined;
  readonly timeout: number | undefined;
}

/** Parses an OMP_SCHEDULE-style value: "dynamic", "guided,4", "monotonic:dynamic,8". */
function parseScheduleEnv(name: string, raw: string): { schedule: Schedule; chunk: number | undefined } {
  const m = /^\s*(?:(?:no)?monotonic\s*:\s*)?([a-z]+)\s*(?:,\s*(\d+))?\s*$/i.exec(raw);
  const schedule = m?.[1]?.toLowerCase();
  if (!m || !SCHEDULES.includes(schedule as Schedule)) {
    throw badEnv(name, raw, `one of ${SCHEDULES.join(', ')}, optionally followed by ",chunk"`);
  }
  const chunk = m[2] === undefined ? undefined : Number(m[2]);
  if (chunk !== undefined && !(chunk >= 1 && chunk <= MAX_CHUNK)) throw badEnv(name, raw, 'a schedule with a chunk >= 1');
  return { schedule: schedule as Schedule, chunk };
}

function envSchedule(env: EnvLookup): { schedule: Schedule; chunk: number | undefined } {
  for (const name of ['PARAFOR_SCHEDULE', 'OMP_SCHEDULE']) {
    const raw = env(name);
    if (raw !== undefined && raw.trim() !== '') return parseScheduleEnv(name, raw);
  }
  return { schedule: 'static', chunk: undefined };
}

function envThreads(env: EnvLookup): number | undefined {
  for (const name of ['PARAFOR_NUM_THREADS', 'OMP_NUM_THREADS']) {
    const raw = env(name);
    if (raw === undefined || raw.trim() === '') continue;
    const first = raw.split(',')[0]!.trim();
    const n = Number(first);
    if (!/^\d+$/.test(first) || n < 1 || n > MAX_THREADS) {
      throw badEnv(name, raw, `a positive integer of at most ${MAX_THREADS}`);
    }
    return n;
  }
  return undefined;
}

function envSpin(env: EnvLookup): number | undefined {
  for (const name of ['PARAFOR_WAIT_POLICY', 'OMP_WAIT_POLICY']) {
    const raw = env(name);
    if (raw === undefined || raw.trim() === '') continue;
    const policy = raw.trim().toLowerCase();
    if (policy === 'active') return SPIN_ACTIVE_US;
    if (policy === 'passive') return 0;
    throw badEnv(name, raw, "'active' or 'passive'");
  }
  return undefined;
}

/** Resolves a Team's options against the environment (read now, through `env`). */
export function teamSettings(options: unknown, env: EnvLookup = readEnv): TeamSettings {
  const o = checkKeys('options', options, TEAM_KEYS);
  const numThreads =
    o.numThreads !== undefined ? checkThreads('numThreads', o.numThreads) : (envThreads(env) ?? cpuCount());
  let spinUs: number | undefined;
  if (o.spinUs !== undefined) spinUs = checkMicros('spinUs', o.spinUs);
  else if (o.waitPolicy !== undefined) {
    if (!WAIT_POLICIES.includes(o.waitPolicy as WaitPolicy)) throw unknownName('waitPolicy', o.waitPolicy, WAIT_POLICIES);
    spinUs = o.waitPolicy === 'active' ? SPIN_ACTIVE_US : 0;
  } else spinUs = envSpin(env) ?? SPIN_DEFAULT_US;
  // The environment's schedule only when the options give none (as numThreads and waitPolicy:
  // an option overrides its variable, which is then not even parsed).
  const fromEnv = o.schedule !== undefined ? undefined : envSchedule(env);
  const schedule = fromEnv === undefined ? checkSchedule('schedule', o.schedule) : fromEnv.schedule;
  const chunk = o.chunk !== undefined ? checkChunk('chunk', o.chunk) : fromEnv?.chunk;
  const serialBelowUs =
    o.serialBelowUs !== undefined ? checkMicros('serialBelowUs', o.serialBelowUs) : SERIAL_BELOW_DEFAULT_US;
  const resourceLimits = o.resourceLimits as ResourceLimits | undefined;
  if (resourceLimits !== undefined && (resourceLimits === null || typeof resourceLimits !== 'object')) {
    throw badOption('resourceLimits', resourceLimits, 'an object (worker_threads ResourceLimits)');
  }
  return { numThreads, spinUs: Math.min(spinUs, 2 ** 31 - 1), schedule, chunk, serialBelowUs, resourceLimits };
}

/** A team's loop settings when a call gives no option but `shared`: one object, made once per team. */
export function defaultLoopSettings(team: TeamSettings): LoopSettings {
  return Object.freeze({
    schedule: team.schedule,
    chunk: team.chunk,
    numThreads: team.numThreads,
    parallel: true,
    serialBelowUs: team.serialBelowUs,
    signal: undefined,
    timeout: undefined,
  });
}

/**
 * Validates a loop call's options against the team's defaults (`defaults`, from
 * defaultLoopSettings). A call whose options hold nothing but `shared` (the common case)
 * gets `defaults` itself: no object per call. `shared` is the caller's to read.
 */
export function loopSettings(options: unknown, team: TeamSettings, defaults: LoopSettings): LoopSettings {
  if (options === undefined) return defaults;
  const o = checkKeys('options', options, LOOP_KEYS);
  // Read, not counted with for-in: a getter on a class, a non-enumerable property or a
  // Proxy's get trap is an option too.
  if (
    o.schedule === undefined &&
    o.chunk === undefined &&
    o.numThreads === undefined &&
    o.if === undefined &&
    o.serialBelowUs === undefined &&
    o.signal === undefined &&
    o.timeout === undefined
  ) {
    return defaults;
  }
  const schedule = o.schedule !== undefined ? checkSchedule('schedule', o.schedule) : team.schedule;
  const chunk =
    o.chunk !== undefined ? checkChunk('chunk', o.chunk) : o.schedule !== undefined ? undefined : team.chunk;
  const numThreads = o.numThreads !== undefined ? checkThreads('numThreads', o.numThreads) : team.numThreads;
  if (o.if !== undefined && typeof o.if !== 'boolean') throw badOption('if', o.if, 'a boolean');
  const serialBelowUs =
    o.serialBelowUs !== undefined ? checkMicros('serialBelowUs', o.serialBelowUs) : team.serialBelowUs;
  const signal = o.signal as AbortSignal | undefined;
  if (signal !== undefined && (signal === null || typeof signal !== 'object' || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function')) {
    throw badOption('signal', signal, 'an AbortSignal');
  }
  let timeout: number | undefined;
  if (o.timeout !== undefined) {
    if (typeof o.timeout !== 'number') throw badOption('timeout', o.timeout, 'a number of milliseconds > 0');
    if (!(o.timeout > 0) || o.timeout === Infinity) throw outOfRange('timeout', o.timeout, 'a finite number of milliseconds > 0');
    timeout = o.timeout;
  }
  const parallel = o.if !== false;
  // The settings last made, again when they are the same (a loop called again with the same
  // options): no object per call (spec/warm-region.spec.ts). Not with a signal, which a kept
  // object would keep alive.
  const last = lastSettings;
  if (
    last !== undefined &&
    signal === undefined &&
    last.schedule === schedule &&
    last.chunk === chunk &&
    last.numThreads === numThreads &&
    last.parallel === parallel &&
    last.serialBelowUs === serialBelowUs &&
    last.timeout === timeout
  ) {
    return last;
  }
  const made: LoopSettings = Object.freeze({ schedule, chunk, numThreads, parallel, serialBelowUs, signal, timeout });
  if (signal === undefined) lastSettings = made;
  return made;
}

/** loopSettings' last result without a signal (frozen: every call that gets it shares it). */
let lastSettings: LoopSettings | undefined;
