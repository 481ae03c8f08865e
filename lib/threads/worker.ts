/**
 * The worker entry: the only code that runs on a team's threads. It waits for the epoch
 * word to move (spinning, then asleep on its own wake word), claims slots of each new region
 * that uses it, runs them, signals, and waits again. It knows
 * nothing of the team's lifecycle beyond the CLOSING state. Protocol: docs/design.md.
 */
import { onExit, receive, threadData } from '../platform/index.js';
import {
  CTRL_EPOCH,
  CTRL_ERROR,
  CTRL_MAX_WORKER,
  CTRL_SPIN_US,
  CTRL_REGION,
  CTRL_STATE,
  F64_PARTIALS,
  KIND_REDUCE,
  KIND_REDUCE_RANGE,
  TEAM_OPEN,
  controlViews,
  wakeWord,
} from '../protocol/control.js';
import { compileSource, Runners } from '../run/body.js';
import { builtinIdentity, REDUCER_CUSTOM } from '../run/reducers.js';
import { newScratch, runSlot } from '../run/slot.js';
import { newRegion, readRegion, type Region } from '../protocol/region.js';
import { enterWorker } from '../run/state.js';
import { beginServing, claimHeld, endServing, failSlot, releaseHeld, waitForEpoch } from '../protocol/transitions.js';
import { recordError, internalError, moduleBodyNotFunction, bodyCalledExit } from '../errors.js';
import { freezeCopy } from '../run/shared.js';
import { SHARED_CACHE, type FromWorker, type ToWorker, type WorkerInit } from '../protocol/messages.js';

const init = threadData as WorkerInit;
const ctl = controlViews(init.control);
const i32 = ctl.i32;
const port = init.port;
const id = init.id;

// Every parafor call made from a body on this thread is nested: it runs serially here.
enterWorker();

type AnyFn = (...args: never[]) => unknown;

/** Definitions received but not compiled or imported yet. */
const definitions = new Map<number, ToWorker & { t: 'source' | 'module' }>();
/** Bodies ready to run, by id. */
const bodies = new Map<number, AnyFn>();
const sharedValues = new Map<number, unknown>();
const identities = new Map<number, unknown>();
const scratch = newScratch();

function absorb(msg: ToWorker): void {
  switch (msg.t) {
    case 'source':
    case 'module':
      definitions.set(msg.id, msg);
      break;
    case 'shared':
      sharedValues.set(msg.version, freezeCopy(msg.value));
      sharedValues.delete(msg.version - SHARED_CACHE);
      break;
    case 'identity':
      identities.set(msg.region, msg.value);
      for (const r of identities.keys()) if (r < msg.region) identities.delete(r);
      break;
  }
}

/** Reads queued messages until `found()` holds. The caller posts every message a region needs before it opens the region, so they are queued by the time we look. */
function pumpUntil(found: () => boolean, what: string): void {
  while (!found()) {
    const m = receive(port);
    if (m === undefined) throw internalError(`worker ${id} has no ${what}`);
    absorb(m.message as ToWorker);
  }
}

/** The body with id `bodyId`, or undefined while its module is still to be imported (prepare()). */
function body(bodyId: number): AnyFn | undefined {
  const ready = bodies.get(bodyId);
  if (ready !== undefined) return ready;
  pumpUntil(() => definitions.has(bodyId), `definition of body ${bodyId}`);
  const def = definitions.get(bodyId)!;
  if (def.t !== 'source') return undefined;
  const fn = compileSource('body', def.source);
  bodies.set(bodyId, fn);
  definitions.delete(bodyId);
  return fn;
}

/** Imports a module body (the only await in a worker's life). */
async function prepare(bodyId: number): Promise<void> {
  if (body(bodyId) !== undefined) return;
  const def = definitions.get(bodyId) as ToWorker & { t: 'module' };
  const mod = (await import(def.url)) as Record<string, unknown>;
  const fn = mod[def.name];
  if (typeof fn !== 'function') {
    throw moduleBodyNotFunction(def.url, def.name, fn);
  }
  bodies.set(bodyId, fn as AnyFn);
  definitions.delete(bodyId);
}

const runners = new Runners(body);

function sharedValue(version: number): unknown {
  if (version === 0) return undefined;
  const value = sharedValues.get(version);
  if (value !== undefined || sharedValues.has(version)) return value;
  pumpUntil(() => sharedValues.has(version), `shared payload ${version}`);
  return sharedValues.get(version);
}

function identity(r: Region): unknown {
  if (r.reducer !== REDUCER_CUSTOM) return builtinIdentity(r.reducer);
  if (r.identity !== 0) return body(r.identity)!();
  pumpUntil(() => identities.has(r.id), `reducer identity of region ${r.id}`);
  return structuredClone(identities.get(r.id));
}

function post(msg: FromWorker): void {
  port.postMessage(msg);
}

/** The slot this worker is running and its region (-1: none), for the exit hook below. */
let holdingSlot = -1;
let holdingRegion: Region | undefined;

// A body that calls process.exit() ends this thread; before it goes, give up the slot it
// holds with an error, so that the region finishes (and the call rejects) instead of waiting
// for a slot that will never end. It finishes that slot and nothing else: the region cannot
// end before this slot does, so the finish lands on the region the slot belongs to, while
// claiming more could take slots of a region published after (design.md#faults). A crash
// (out of memory, termination) runs no JavaScript: the caller learns of it from the
// supervisor, and the hold word says whether a slot died with it.
onExit((code) => {
  const slot = holdingSlot;
  const region = holdingRegion;
  holdingSlot = -1;
  if (slot >= 0 && region !== undefined) {
    const error = recordError(bodyCalledExit(code, id), {
      index: scratch.index,
      chunk: [region.start, region.end],
      threadId: slot,
    });
    // The error first: the caller reads it once the region completes.
    post({ t: 'error', region: region.id, error: { ...error, name: 'WorkerDiedError' } });
  }
  endServing(i32, id, slot, region?.doneTarget ?? 0);
});

/** This worker's wake word (protocol/control.ts). */
const WAKE = wakeWord(id);

function claim(): number {
  return claimHeld(i32, id);
}

/**
 * The decoded descriptor of the region last run here; it cannot change while its id is the
 * same. One object, filled again for each new region: a warm region allocates nothing on a
 * worker (spec/warm-region.spec.ts). Its id starts at 0, which no region has.
 */
const current = newRegion();

function region(): Region {
  if (current.id !== i32[CTRL_REGION]) readRegion(ctl, current);
  return current;
}

/**
 * Runs claimed slot `slot`. Returns false, still holding the slot, when the body is a module
 * that must be imported first.
 */
function runClaimed(slot: number): boolean {
  const r = region();
  holdingSlot = slot;
  holdingRegion = r;
  const reduce = r.kind === KIND_REDUCE || r.kind === KIND_REDUCE_RANGE;
  let acc: unknown;
  let error;
  try {
    const run = runners.get(r.body, r.kind);
    if (run === undefined) {
      holdingSlot = -1;
      return false;
    }
    acc = runSlot(r, slot, run, sharedValue(r.shared), reduce ? identity(r) : undefined, i32, scratch);
    error = scratch.error;
  } catch (thrown) {
    // Setting up the slot failed (a body that does not compile, a missing message).
    error = recordError(thrown, { index: r.start, chunk: [r.start, r.end], threadId: slot });
    failSlot(i32, slot);
  }
  if (error !== undefined) {
    post({ t: 'error', region: r.id, error });
  } else if (reduce && Atomics.load(i32, CTRL_ERROR) === 0) {
    if (r.reducer !== REDUCER_CUSTOM) ctl.f64[F64_PARTIALS + slot] = acc as number;
    else {
      try {
        post({ t: 'partial', region: r.id, slot, value: acc });
      } catch (thrown) {
        const error = recordError(thrown, { index: r.start, chunk: [r.start, r.end], threadId: slot });
        failSlot(i32, slot);
        post({ t: 'error', region: r.id, error });
      }
    }
  }
  holdingSlot = -1;
  releaseHeld(i32, id, r.doneTarget);
  return true;
}

/**
 * Runs the slots of the region in flight that this worker can claim. Returns the slot it
 * still holds when a module body must be imported first, else -1. Not part of the async
 * serve(): there, V8 ran the hot loop as a resumable function and allocated on each region
 * (spec/warm-region.spec.ts).
 */
function runSlots(): number {
  for (let slot = claim(); slot >= 0; ) {
    if (!runClaimed(slot)) return slot;
    // The last slot's claim took the count to zero: every other slot is taken, so a
    // further claim would only fail (and move the claim line between cores once more).
    slot = slot === current.p - 1 ? -1 : claim();
  }
  return -1;
}

async function serve(): Promise<void> {
  beginServing(i32, id);
  for (;;) {
    // Read the epoch before looking for work (design.md#startup): a region published after
    // this read changes the epoch, so the wait below returns for it if it uses this worker
    // (a spinning worker sees the change; a sleeping one is woken, design.md#sleepers).
    const seen = Atomics.load(i32, CTRL_EPOCH);
    if (Atomics.load(i32, CTRL_STATE) !== TEAM_OPEN) break;
    let spinUs = 0;
    if (id <= Atomics.load(i32, CTRL_MAX_WORKER)) {
      for (let slot = runSlots(); slot >= 0; slot = runSlots()) {
        // Holding `slot`, whose module body is still to be imported here.
        const r = readRegion(ctl);
        try {
          await prepare(r.body);
          if (runClaimed(slot)) continue;
          throw internalError(`worker ${id} has no runner for body ${r.body} after importing it`);
        } catch (thrown) {
          failSlot(i32, slot);
          post({ t: 'error', region: r.id, error: recordError(thrown, { index: r.start, chunk: [r.start, r.end], threadId: slot }) });
          releaseHeld(i32, id, r.doneTarget);
        }
      }
      spinUs = Atomics.load(i32, CTRL_SPIN_US);
    }
    waitForEpoch(i32, seen, spinUs, WAKE);
  }
  port.close();
}

void serve();
