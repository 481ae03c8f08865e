/**
 * A call, validated once (never per index): its body's id, its settings, its reducer. Also
 * the small rules that shape a call's region (one worker, partials, combining them).
 */
import { loopOptionOnRegion } from '../errors.js';
import { KIND_REDUCE, KIND_REDUCE_RANGE, KIND_REGION, SCHED_STATIC } from '../protocol/control.js';
import { checkBounds, loopSettings, type LoopSettings, type TeamSettings } from '../options.js';
import { REDUCER_CUSTOM, resolveReducer, type ResolvedReducer } from '../run/reducers.js';
import type { Region } from '../protocol/region.js';
import type { Registry } from './registry.js';

function isReduce(kind: number): boolean {
  return kind === KIND_REDUCE || kind === KIND_REDUCE_RANGE;
}

/** A call, validated, before it runs. */
export interface Call {
  readonly kind: number;
  readonly start: number;
  readonly end: number;
  readonly fn: unknown;
  /** Body id in the team's registry. */
  readonly body: number;
  /** Registry id of a custom reducer's identity function, 0 when none. */
  readonly identity: number;
  readonly settings: LoopSettings;
  /** The `shared` option as given; once its version is known, the frozen view bodies get (frozenView). */
  shared: unknown;
  readonly reducer: ResolvedReducer | undefined;
}

/** A Call whose every field may be rewritten: the one a team keeps for its synchronous loops. */
export type CallSlot = { -readonly [K in keyof Call]: Call[K] };

/** An empty Call, to be filled by loopCall. */
export function newCall(settings: LoopSettings): CallSlot {
  return { kind: 0, start: 0, end: 0, fn: undefined, body: 0, identity: 0, settings, shared: undefined, reducer: undefined };
}

/**
 * Validates a loop call (once per call, never per index). With `into`, fills it instead of
 * a new object, once every check has passed (so a call made from a getter of the options,
 * which runs before, has finished with it).
 */
export function loopCall(registry: Registry, team: TeamSettings, defaults: LoopSettings, bodyName: string, kind: number, start: number, end: number, fn: unknown, options: unknown, reducer: unknown, into?: CallSlot): Call {
  checkBounds(start, end);
  const body = registry.id(bodyName, fn);
  const red = isReduce(kind) ? resolveReducer(reducer) : undefined;
  const settings = loopSettings(options, team, defaults);
  const identity = red?.identityFn !== undefined ? registry.id('reducer.identity', red.identityFn) : 0;
  const shared = sharedOption(options);
  if (into === undefined) return { kind, start, end, fn, body, identity, settings, shared, reducer: red };
  into.kind = kind;
  into.start = start;
  into.end = end;
  into.fn = fn;
  into.body = body;
  into.identity = identity;
  into.settings = settings;
  into.shared = shared;
  into.reducer = red;
  return into;
}

/** Validates a parallel region call. */
export function regionCall(registry: Registry, team: TeamSettings, defaults: LoopSettings, body: unknown, options: unknown): Call {
  const id = registry.id('body', body);
  const settings = loopSettings(options, team, defaults);
  if (settings.schedule !== team.schedule || settings.chunk !== team.chunk) {
    throw loopOptionOnRegion();
  }
  const p = settings.parallel ? settings.numThreads : 1;
  const regionSettings: LoopSettings = { ...settings, numThreads: p, schedule: 'static', chunk: undefined, serialBelowUs: 0 };
  return { kind: KIND_REGION, start: 0, end: p, fn: body, body: id, identity: 0, settings: regionSettings, shared: sharedOption(options), reducer: undefined };
}

/** A custom reducer's partials (they travel by message), undefined for built-in reducers and loops. */
export function customPartials(call: Call): unknown[] | undefined {
  return call.reducer !== undefined && call.reducer.id === REDUCER_CUSTOM ? [] : undefined;
}

/**
 * Makes a region run as one thread on worker 1 (`if: false` and one-thread calls that the
 * calling thread does not run itself). A reduction keeps its P static slots, and a static
 * schedule its chunk: the slots fold the same iterations as in a parallel run (round-robin
 * when chunked), so the bits do not change.
 */
export function oneWorker(call: Call, region: Region): void {
  if (call.reducer === undefined) region.p = 1;
  region.maxWorker = 1;
  if (region.schedule !== SCHED_STATIC) {
    region.schedule = SCHED_STATIC;
    region.chunk = 0;
  }
}

/** The `shared` option of validated loop options. */
function sharedOption(options: unknown): unknown {
  return options === undefined ? undefined : (options as { shared?: unknown }).shared;
}

/** Combines partials left to right, in slot order. */
export function combine(red: ResolvedReducer, partials: unknown[], p: number): unknown {
  let acc = partials[0];
  for (let s = 1; s < p; s++) acc = red.combine(acc, partials[s]);
  return acc;
}
