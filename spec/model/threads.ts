// The threads of the model (spec/model/checker.ts): the worker, its exit hook, the supervisor
// and the caller, each a short composition of the shipped transitions (the generator form of
// dist/protocol/transitions.js, `P` below) in the order the shipped code calls them. The few
// Atomics operations these files make themselves (the worker's loads of the epoch, the state
// and the region's reach) go through the checker's `$A`, as scheduling points too. Each
// composition names the lines of lib/ it mirrors; spec/model-real.spec.ts checks, against the
// source, that those lines still say what the composition does.
import {
  CANCELLED,
  CTRL_DONE,
  CTRL_EPOCH,
  CTRL_MAX_WORKER,
  CTRL_REGION,
  CTRL_SLOTS,
  CTRL_SPIN_US,
  CTRL_STATE,
  KIND_FOR,
  SCHED_STATIC,
  TEAM_OPEN,
  controlViews,
  holdWord,
  wakeWord,
  type Control,
} from '#internal/protocol/control.js';
import * as control from '#internal/protocol/control.js';
import { readRegion, writeRegion, type Region } from '#internal/protocol/region.js';
import { $A, model, type Gen, type Setup, type Thread, type World } from './checker.js';
import type { Generated } from './transform.js';

/** The transitions the model calls, in their generator form. */
export interface Protocol {
  beginServing(i32: Int32Array, id: number): Gen<void>;
  claimHeld(i32: Int32Array, id: number): Gen<number>;
  releaseHeld(i32: Int32Array, id: number, doneTarget: number): Gen<void>;
  waitForEpoch(i32: Int32Array, seen: number, spinUs: number, wake: number): Gen<void>;
  endServing(i32: Int32Array, id: number, slot: number, doneTarget: number): Gen<void>;
  markDead(i32: Int32Array, id: number): Gen<void>;
  markStopped(i32: Int32Array): Gen<void>;
  deaths(i32: Int32Array): Gen<number>;
  isDead(i32: Int32Array, id: number): Gen<boolean>;
  settleDeath(i32: Int32Array, id: number, r: Region): Gen<number>;
  skipUnclaimed(i32: Int32Array, doneTarget: number): Gen<void>;
  resetWorker(i32: Int32Array, id: number): Gen<void>;
  doneStamp(i32: Int32Array): Gen<number>;
  resetForRegion(i32: Int32Array, counter: boolean, region: boolean): Gen<void>;
  openRegion(i32: Int32Array, p: number, maxWorker: number): Gen<void>;
  claimSlot(i32: Int32Array): Gen<number>;
  finishSlot(i32: Int32Array, doneTarget: number): Gen<void>;
  claimOwnSlot(i32: Int32Array, p: number): Gen<number>;
  finishOwnSlot(i32: Int32Array): Gen<void>;
  joinSync(i32: Int32Array, doneTarget: number, spinUs: number, deathsSeen: number): Gen<boolean>;
  regionDone(i32: Int32Array, doneTarget: number): Gen<boolean>;
  regionFailure(i32: Int32Array): Gen<number>;
  failRegion(i32: Int32Array, code: number): Gen<boolean>;
  closeBlock(i32: Int32Array): Gen<void>;
  stopsDone(i32: Int32Array): Gen<number>;
  waitStopped(i32: Int32Array, before: number, ms: number): Gen<boolean>;
  waitDoneAsync(i32: Int32Array, stamp: number): Gen<unknown>;
  waitDone(i32: Int32Array, stamp: number, ms: number): Gen<void>;
  readonly DEATH_HARMLESS: number;
  readonly DEATH_BREAKS: number;
  readonly DEATH_LOSES: number;
  readonly DEATH_SKIPS: number;
  readonly DEATH_REPLACE: number;
}

const USED: readonly (keyof Protocol)[] = [
  'beginServing', 'claimHeld', 'releaseHeld', 'waitForEpoch', 'endServing', 'markDead', 'markStopped', 'deaths', 'isDead', 'settleDeath',
  'skipUnclaimed', 'resetWorker', 'doneStamp', 'resetForRegion', 'openRegion', 'claimSlot', 'finishSlot', 'claimOwnSlot', 'finishOwnSlot', 'joinSync', 'regionDone',
  'regionFailure', 'failRegion', 'closeBlock', 'stopsDone', 'waitStopped', 'waitDoneAsync', 'waitDone',
  'DEATH_HARMLESS', 'DEATH_BREAKS', 'DEATH_LOSES', 'DEATH_SKIPS', 'DEATH_REPLACE',
];

/** Instantiates a generated protocol module; throws when a transition the model calls is missing. */
export function instantiate(gen: Generated): Protocol {
  const make = new Function('control', '$A', `${gen.text}//# sourceURL=model-transitions.gen.js\n`) as (c: unknown, a: unknown) => Record<string, unknown>;
  const mod = make(control, $A);
  const missing = USED.filter((name) => mod[name] === undefined);
  if (missing.length > 0) throw new Error(`model: the protocol no longer has ${missing.join(', ')}`);
  return mod as unknown as Protocol;
}

/** settleDeath's verdicts by value (counted in the results). */
const VERDICTS: Record<number, string> = { 0: 'death harmless', 1: 'death breaks', 2: 'death loses', 3: 'death skips', 4: 'death replaced' };

/** lib/threads/pool.ts: STOP_LIMIT_MS. */
const STOP_LIMIT_MS = 10_000;
/** lib/options.ts: TIMEOUT_GRACE_MS. */
const TIMEOUT_GRACE_MS = 500;

/** The calling thread's part: 'sync' takes part (runSync), 'async' only waits (runAsync), 'timed' is a synchronous call with `timeout: 0` (it runs no body; its deadline has passed at its first look). */
export type CallerKind = 'sync' | 'async' | 'timed';

/** What the caller's side keeps (ForkJoin and Pool fields). */
interface CallerState {
  members: ({ exited: boolean } | undefined)[];
  deathsSeen: number;
  failure: boolean;
  flight: Region | undefined;
  regionId: number;
}

/** The model of a team of `workers` workers and a caller making `calls` calls of `kind`. */
export function teamSetup(P: Protocol, workers: number, calls: number, caller: CallerKind): Setup {
  return {
    start(m: World): void {
      const c = controlViews(m.buffer);
      const cs: CallerState = { members: [], deathsSeen: 0, failure: false, flight: undefined, regionId: 0 };
      for (let id = 1; id <= workers; id++) {
        cs.members[id] = { exited: false };
        spawnWorker(m, P, c, id);
      }
      m.spawn('caller', 'caller', 0, callerThread(m, P, c, cs, workers, calls, caller));
    },
    die(m: World, t: Thread, how: 'crash' | 'exit'): void {
      const i32 = m.i32;
      m.kill(t);
      if (how === 'crash') {
        // lib/threads/supervisor.ts died(): markDead, once the thread is gone.
        m.spawn(`supervisor(${t.name})`, 'exit', t.wid, P.markDead(i32, t.wid));
        return;
      }
      const e = m.spawn(`exit(${t.name})`, 'exit', t.wid, exitHook(P, i32, t));
      e.inSlot = t.inSlot;
      t.inSlot = undefined;
    },
    end(m: World): void {
      const i32 = m.i32;
      const r = m.lastRegion!;
      if (m.lastOutcome === 'gave up') {
        if (i32[CTRL_DONE] !== 0) m.fail(`after the recovery, the done stamp is ${i32[CTRL_DONE]}, not 0`);
        if (m.threads.some((t) => t.role === 'worker' && !t.killed)) m.fail('a worker survived the recovery');
        return;
      }
      if (i32[CTRL_DONE] !== r.doneTarget) m.fail(`the done stamp ends at ${i32[CTRL_DONE]}, not at region ${r.id}'s target ${r.doneTarget}`);
      if ((i32[CTRL_SLOTS] as number) > 0) m.fail(`region ${r.id} ended with ${i32[CTRL_SLOTS]} slots unclaimed`);
      for (const t of m.threads) {
        if (t.role !== 'worker' || t.killed) continue;
        if (i32[holdWord(t.wid)] !== 0) m.fail(`${t.name} ends holding ${i32[holdWord(t.wid)]}`);
        if (t.pending !== undefined && !(t.pending.k === 'sleep' && t.pending.i === wakeWord(t.wid))) m.fail(`${t.name} ends in ${t.pending.k}(${t.pending.i}), not asleep on its wake word`);
      }
    },
  };
}

function spawnWorker(m: World, P: Protocol, c: Control, id: number): void {
  const n = m.threads.filter((t) => t.role === 'worker' && t.wid === id).length;
  const t = m.spawn(`w${id}${"'".repeat(n)}`, 'worker', id, undefined as unknown as Gen);
  t.gen = workerThread(P, c, id, t);
}

/** lib/threads/worker.ts serve() and runClaimed() (a body that completes; no module import). */
function* workerThread(P: Protocol, c: Control, id: number, me: Thread): Gen<void> {
  const i32 = c.i32;
  let current: Region | undefined;
  yield* P.beginServing(i32, id); // serve(): beginServing(i32, id)
  for (;;) {
    const seen = yield* $A.load(i32, CTRL_EPOCH); // const seen = Atomics.load(i32, CTRL_EPOCH)
    if ((yield* $A.load(i32, CTRL_STATE)) !== TEAM_OPEN) break; // if (... CTRL_STATE) !== TEAM_OPEN) break
    let spinUs = 0;
    if (id <= (yield* $A.load(i32, CTRL_MAX_WORKER))) {
      for (let slot = yield* P.claimHeld(i32, id); slot >= 0; ) {
        // runClaimed(slot): region(), holdingSlot/holdingRegion, the body, releaseHeld
        if (current === undefined || current.id !== i32[CTRL_REGION]) current = readRegion(c);
        const r = current;
        me.holdingSlot = slot;
        me.holdingRegion = r;
        yield* model.body(r, slot);
        me.holdingSlot = -1;
        yield* P.releaseHeld(i32, id, r.doneTarget);
        slot = slot === current.p - 1 ? -1 : yield* P.claimHeld(i32, id);
      }
      spinUs = yield* $A.load(i32, CTRL_SPIN_US);
    }
    yield* P.waitForEpoch(i32, seen, spinUs, wakeWord(id));
  }
}

/** lib/threads/worker.ts onExit(): endServing with the slot it holds; then lib/threads/supervisor.ts died(): markDead. */
function* exitHook(P: Protocol, i32: Int32Array, dead: Thread): Gen<void> {
  const slot = dead.holdingSlot;
  yield* P.endServing(i32, dead.wid, slot, dead.holdingRegion?.doneTarget ?? 0);
  yield* P.markDead(i32, dead.wid);
}

/** lib/threads/supervisor.ts stopAll(): terminates every worker (each exit is marked dead), then markStopped once every exit was reported. */
function* stopAll(m: World, P: Protocol, i32: Int32Array): Gen<void> {
  // Every worker not yet gone: those still serving, and those that left their loop on seeing
  // the block closed (their thread exits then; its exit is reported as any other).
  const live = m.threads.filter((t) => t.role === 'worker' && !t.killed);
  for (const t of live) m.kill(t);
  for (const t of live) yield* P.markDead(i32, t.wid);
  yield* model.gate('every exit reported', () => m.threads.every((t) => t.role !== 'exit' || t.pending === undefined));
  yield* P.markStopped(i32);
}

/** lib/threads/pool.ts reap(r): the deaths since the last reap, each settled by settleDeath's verdict. True: the region will never finish (ForkJoin #reap). */
function* reap(m: World, P: Protocol, c: Control, cs: CallerState, r: Region | undefined): Gen<boolean> {
  const i32 = c.i32;
  const count = yield* P.deaths(i32);
  if (count !== cs.deathsSeen) {
    cs.deathsSeen = count;
    for (let id = 1; id < cs.members.length; id++) {
      const member = cs.members[id];
      if (member === undefined || member.exited || !(yield* P.isDead(i32, id))) continue;
      member.exited = true;
      if (r === undefined) continue;
      const verdict = yield* P.settleDeath(i32, id, r);
      m.outcomes.push(VERDICTS[verdict] ?? `verdict ${verdict}`);
      if (verdict === P.DEATH_BREAKS) cs.failure = true;
      else if (verdict === P.DEATH_LOSES || verdict === P.DEATH_SKIPS) yield* P.skipUnclaimed(i32, r.doneTarget);
      else if (verdict === P.DEATH_REPLACE) yield* ensureMember(m, P, c, cs, id);
    }
  }
  return cs.failure;
}

/** lib/threads/pool.ts ensureMember(id): resetWorker, then the supervisor starts the worker. */
function* ensureMember(m: World, P: Protocol, c: Control, cs: CallerState, id: number): Gen<void> {
  const member = cs.members[id];
  if (member !== undefined && !member.exited) return;
  yield* P.resetWorker(c.i32, id);
  cs.members[id] = { exited: false };
  spawnWorker(m, P, c, id);
}

/** lib/threads/pool.ts recover() with ForkJoin #recover: fail and close the block, stop every worker, clear the block. */
function* recover(m: World, P: Protocol, c: Control, cs: CallerState): Gen<void> {
  const i32 = c.i32;
  yield* P.failRegion(i32, CANCELLED);
  yield* P.closeBlock(i32);
  const before = yield* P.stopsDone(i32);
  m.spawn('supervisor(stop)', 'supervisor', 0, stopAll(m, P, i32));
  const stopped = yield* P.waitStopped(i32, before, STOP_LIMIT_MS);
  if (!stopped) m.fail('recovery: the supervisor did not stop the workers in time');
  cs.members = [];
  i32.fill(0);
  cs.deathsSeen = 0;
  cs.failure = false;
  cs.flight = undefined;
  m.broken = undefined;
}

/** ForkJoin #publish (lib/call/fork-join.ts): done target, descriptor, resets, then open. */
function* publish(m: World, P: Protocol, c: Control, cs: CallerState, r: Region): Gen<void> {
  const i32 = c.i32;
  r.doneTarget = ((yield* P.doneStamp(i32)) + r.p) | 0;
  writeRegion(c, r);
  yield* P.resetForRegion(i32, r.schedule !== SCHED_STATIC, false);
  cs.flight = r;
  m.flight = r;
  yield* P.openRegion(i32, r.p, r.maxWorker);
}

function plan(cs: CallerState, p: number, forAsync: boolean): Region {
  cs.regionId = (cs.regionId + 1) | 0 || 1;
  return {
    id: cs.regionId, doneTarget: 0, kind: KIND_FOR, body: 1, shared: 0, schedule: SCHED_STATIC, p, maxWorker: forAsync ? p : p - 1,
    chunk: 0, unit: 1, spinUs: 0, reducer: 0, identity: 0, piece: 0, start: 0, end: 16,
  };
}

/** The end of a call: the join gave up (recover), or the region completed (ForkJoin #collect reads its failure mark). */
function* settleCall(m: World, P: Protocol, c: Control, cs: CallerState, r: Region): Gen<void> {
  cs.flight = undefined;
  m.flight = undefined;
  m.lastRegion = r;
  if (cs.failure) {
    // #giveUp(): the call rejects with the failure, after the recovery.
    m.broken = r.id;
    yield* recover(m, P, c, cs);
    m.outcomes.push('gave up');
    m.lastOutcome = 'gave up';
    return;
  }
  const failed = yield* P.regionFailure(c.i32);
  m.joinedRegion(r, failed);
  m.lastOutcome = failed === 0 ? 'completed' : 'rejected';
  m.outcomes.push(m.lastOutcome);
}

/** The calling thread: `calls` calls one after another, ForkJoin runSync or runAsync (lib/call/fork-join.ts). */
function* callerThread(m: World, P: Protocol, c: Control, cs: CallerState, workers: number, calls: number, kind: CallerKind): Gen<void> {
  const i32 = c.i32;
  for (let call = 0; call < calls; call++) {
    const r = plan(cs, kind === 'sync' ? workers + 1 : workers, kind !== 'sync');
    // settle(): if (this.#reap()) this.#recover()
    if (yield* reap(m, P, c, cs, cs.flight)) yield* recover(m, P, c, cs);
    // pool.startMembers(maxWorker) (runSync without a runner; runAsync): ensureMember for each.
    for (let id = 1; id <= r.maxWorker; id++) yield* ensureMember(m, P, c, cs, id);
    yield* publish(m, P, c, cs, r);
    if (kind === 'sync') {
      // runSync: for (let slot = claimOwnSlot(i32, p); slot >= 0; slot = slot === p - 1 ? -1 : claimOwnSlot(i32, p)) { ...; finishOwnSlot(i32) }
      const p = r.p;
      for (let slot = yield* P.claimOwnSlot(i32, p); slot >= 0; slot = slot === p - 1 ? -1 : yield* P.claimOwnSlot(i32, p)) {
        yield* model.body(r, slot);
        yield* P.finishOwnSlot(i32);
      }
      // while (!joinSync(i32, region.doneTarget, region.spinUs, this.#pool.deathsSeen)) { if (this.#reap()) break; }
      if (!cs.failure) {
        while (!(yield* P.joinSync(i32, r.doneTarget, r.spinUs, cs.deathsSeen))) {
          if (yield* reap(m, P, c, cs, cs.flight)) break;
        }
      }
    } else if (kind === 'timed') {
      // #joinSyncBefore(region, deadline, timeout), with timeout 0
      const deadline = $A.now();
      let cancelled = false;
      for (;;) {
        const v = yield* P.doneStamp(i32);
        if (v === r.doneTarget) break;
        const now = $A.now();
        if (!cancelled && now >= deadline) {
          // #cancel(reason): failRegion(i32, CANCELLED); skipUnclaimed of the flight
          yield* P.failRegion(i32, CANCELLED);
          m.cancelled.add(r.id);
          if (cs.flight !== undefined) yield* P.skipUnclaimed(i32, cs.flight.doneTarget);
          cancelled = true;
        }
        if (cancelled && now >= deadline + TIMEOUT_GRACE_MS) {
          cs.failure = true;
          break;
        }
        if (yield* reap(m, P, c, cs, cs.flight)) break;
        yield* P.waitDone(i32, v, Math.max(1, (cancelled ? deadline + TIMEOUT_GRACE_MS : deadline) - now));
      }
    } else {
      // #joinAsync(target)
      if (!(yield* P.regionDone(i32, r.doneTarget))) {
        for (;;) {
          const v = yield* P.doneStamp(i32);
          if (v === r.doneTarget) {
            cs.failure = false;
            break;
          }
          if (yield* reap(m, P, c, cs, cs.flight)) break;
          const w = yield* P.waitDoneAsync(i32, v);
          if (w !== undefined) yield* model.await(w);
        }
      }
    }
    yield* settleCall(m, P, c, cs, r);
  }
}
