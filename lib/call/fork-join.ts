/**
 * The caller's side of a fork/join (design.md#publish .. #join): plans a call's region,
 * publishes it, takes part in it (synchronous calls) or waits (asynchronous ones and calls
 * with a timeout), cancels it, joins it, and reads its outcome.
 */
import { CANCELLED, F64_PARTIALS, KIND_REGION, SCHED_DYNAMIC, SCHED_GUIDED, SCHED_STATIC, WORKER_LOST } from '../protocol/control.js';
import type { Runner } from '../run/body.js';
import { combine, customPartials, oneWorker, type Call } from './call.js';
import { CostModel, firstPiece } from './cost.js';
import { abortedNotStopped, moduleLoadingDuringAsync, rebuildError, recordError, timeoutError, workerDied, type ErrorRecord, internalError } from '../errors.js';
import type { ToWorker } from '../protocol/messages.js';
import { TIMEOUT_GRACE_MS, type TeamSettings } from '../options.js';
import type { Payloads } from './payloads.js';
import { keepAlive, type Pool } from '../threads/pool.js';
import { claimOwnSlot, doneStamp, failRegion, failSlot, finishOwnSlot, joinSync, openRegion, regionDone, regionFailure, resetForRegion, skipUnclaimed, waitDone, waitDoneAsync, wakeJoin } from '../protocol/transitions.js';
import { REDUCER_CUSTOM } from '../run/reducers.js';
import type { Registry } from './registry.js';
import { newScratch, type Between, runSlot } from '../run/slot.js';
import { newRegion, writeRegion, type Region, type RegionSlot } from '../protocol/region.js';
import { autoChunk, counterUnit } from '../run/schedule.js';
import type { SerialRuns } from './serial.js';
import { enterRegion, leaveRegion } from '../run/state.js';

export class ForkJoin {
  readonly #settings: TeamSettings;
  readonly #cpus: number;
  readonly #pool: Pool;
  readonly #registry: Registry;
  readonly #payloads: Payloads;
  readonly #costs: CostModel;
  readonly #serial: SerialRuns;
  #regionId = 0;
  /**
   * The region in flight and its outcome, owned here (the pool's reap only answers with a
   * verdict): the region published and not yet joined, if any; an error that broke it (a
   * worker died holding a slot, a cancelled body that did not stop), on which its join
   * gives up; why it was lost (WORKER_LOST) or cancelled (CANCELLED).
   */
  #flight: Region | undefined;
  #failure: Error | undefined;
  #lost: Error | undefined;
  #cancelReason: unknown;
  /** An asynchronous call holds the team (a synchronous call then runs on the calling thread). */
  #asyncHeld = false;
  /** A custom reducer's identity message for the region in flight, for workers that start during it. */
  #identityMsg: ToWorker | undefined;
  /** The calling thread's slot scratch for parallel runs (run/slot.ts). */
  readonly #scratch = newScratch();
  /**
   * The descriptor of synchronous calls, filled by each (plan): a warm synchronous region
   * allocates nothing (spec/warm-region.spec.ts). One is enough: a synchronous call holds it from
   * plan() to the end of runSync(), and the only code of others that runs on this thread
   * in between at depth 0 is a custom reducer's combine, called after the last read of it;
   * calls made from bodies run nested, without a region. Asynchronous calls get one each:
   * their timers read it after the call.
   */
  readonly #syncRegion = newRegion();

  constructor(settings: TeamSettings, cpus: number, pool: Pool, registry: Registry, payloads: Payloads, costs: CostModel, serial: SerialRuns) {
    this.#settings = settings;
    this.#cpus = cpus;
    this.#pool = pool;
    this.#registry = registry;
    this.#payloads = payloads;
    this.#costs = costs;
    this.#serial = serial;
  }

  /** The region published and not yet joined, if any. */
  get flight(): Region | undefined {
    return this.#flight;
  }

  /** Whether an asynchronous call holds the team. */
  get asyncHeld(): boolean {
    return this.#asyncHeld;
  }

  /** What a worker that starts during the region in flight needs beyond the team's bodies and payloads. */
  get identityMessage(): ToWorker | undefined {
    return this.#identityMsg;
  }

  /**
   * Reaps deaths (the pool's verdict) into the region in flight's outcome; true when that
   * region will never finish, so its join gives up.
   */
  #reap(): boolean {
    const verdict = this.#pool.reap(this.#flight);
    if (verdict !== undefined) {
      this.#failure ??= verdict.failure;
      this.#lost ??= verdict.lost;
    }
    return this.#failure !== undefined;
  }

  /** Ends a broken region (design.md#recovery): its outcome is dropped, the pool ends every worker and clears the block. */
  #recover(): void {
    this.#failure = undefined;
    this.#flight = undefined;
    this.#pool.recover();
  }

  /** Before a call: a team left broken by a death since the last call recovers first. */
  settle(): void {
    if (this.#reap()) this.#recover();
  }

  /** Takes the failure of a region that will never finish, recovers, and returns it (to throw). */
  #giveUp(): Error {
    const failure = this.#failure!;
    this.#recover();
    return failure;
  }

  /** A call's region; `reuse` (synchronous calls) fills the one kept for them instead of a new one. */
  plan(call: Call, body: number, shared: number, identity: number, forAsync: boolean, reuse = false): Region {
    const s = call.settings;
    const n = call.end - call.start;
    const p = s.numThreads;
    let schedule = SCHED_STATIC;
    let chunk = s.chunk ?? 0;
    let unit = 1;
    if (s.schedule === 'dynamic') {
      schedule = SCHED_DYNAMIC;
      chunk = s.chunk ?? 1;
      unit = counterUnit(n, chunk);
    } else if (s.schedule === 'guided' || s.schedule === 'auto') {
      schedule = SCHED_GUIDED;
      chunk = s.schedule === 'auto' ? autoChunk(n, p) : (s.chunk ?? 1);
      unit = counterUnit(n, 1);
    }
    // More threads than cores: nobody spins (a spinning thread would steal the core of one
    // that works). An asynchronous region also needs a core for the caller's event loop,
    // which learns of the end through Atomics.waitAsync.
    const spinUs = p + (forAsync ? 1 : 0) > this.#cpus ? 0 : this.#settings.spinUs;
    this.#regionId = (this.#regionId + 1) | 0 || 1;
    const r: RegionSlot = reuse ? this.#syncRegion : newRegion();
    r.id = this.#regionId;
    r.doneTarget = 0; // set when published
    r.kind = call.kind;
    r.body = body;
    r.shared = shared;
    r.schedule = schedule;
    r.p = p;
    r.maxWorker = forAsync ? p : p - 1;
    r.chunk = chunk;
    r.unit = unit;
    r.spinUs = spinUs;
    r.reducer = call.reducer?.id ?? 0;
    r.identity = identity;
    r.piece = firstPiece(this.#costs, body, call.kind);
    r.start = call.start;
    r.end = call.end;
    return r;
  }

  /** Publishes a region (design.md#publish): descriptor, counters, then slots, then the epoch. */
  #publish(r: Region): void {
    const c = this.#pool.control;
    const i32 = c.i32;
    // Every slot of the regions before finished (they were joined) or the block is new.
    r.doneTarget = (doneStamp(i32) + r.p) | 0;
    writeRegion(c, r);
    // Only what the region uses and what is not already reset: every write here invalidates
    // a line that other cores hold (design.md#publish).
    resetForRegion(i32, r.schedule !== SCHED_STATIC, r.kind === KIND_REGION);
    this.#flight = r;
    this.#lost = undefined;
    // Wakes only the workers this region uses; the others sleep through it (design.md#sleepers).
    openRegion(i32, r.p, r.maxWorker);
  }

  /** Cancels the region in flight: every thread stops at its next chunk, barriers release. */
  #cancel(reason: unknown): void {
    const i32 = this.#pool.control.i32;
    if (failRegion(i32, CANCELLED)) this.#cancelReason = reason;
    // Slots nobody claimed yet (a worker still starting, or dead, would have): the caller
    // published this region and has not joined it, so these claims cannot reach a later one.
    if (this.#flight !== undefined) skipUnclaimed(i32, this.#flight.doneTarget);
  }

  /** A cancelled region whose threads did not stop: fail its join with `ended()`, which then recovers (ends the workers). */
  #endUnstopped(regionId: number, ended: () => unknown): void {
    const i32 = this.#pool.control.i32;
    const r = this.#flight;
    if (r === undefined || r.id !== regionId || regionDone(i32, r.doneTarget)) return;
    this.#failure ??= ended() as Error;
    wakeJoin(i32);
  }

  /** The synchronous join of a call with a timeout: cancel at the deadline, terminate after the grace period. */
  #joinSyncBefore(region: Region, deadline: number, timeout: number): void {
    const i32 = this.#pool.control.i32;
    let cancelled = false;
    for (;;) {
      const v = doneStamp(i32);
      if (v === region.doneTarget) return;
      const now = performance.now();
      if (!cancelled && now >= deadline) {
        this.#cancel(timeoutError(timeout, false));
        cancelled = true;
      }
      if (cancelled && now >= deadline + TIMEOUT_GRACE_MS) {
        this.#failure = timeoutError(timeout, true);
        return;
      }
      if (this.#reap()) return;
      waitDone(i32, v, Math.max(1, (cancelled ? deadline + TIMEOUT_GRACE_MS : deadline) - now));
    }
  }

  async #joinAsync(target: number): Promise<void> {
    const i32 = this.#pool.control.i32;
    if (regionDone(i32, target)) return;
    // A pending Atomics.waitAsync does not keep Node's event loop alive; this timer does.
    const keep = keepAlive();
    try {
      for (;;) {
        const v = doneStamp(i32);
        if (v === target) {
          // Every slot finished (a dying worker gave its slot up): the control block is sound.
          this.#failure = undefined;
          return;
        }
        if (this.#reap()) throw this.#giveUp();
        const w = waitDoneAsync(i32, v);
        if (w !== undefined) await w;
      }
    } finally {
      clearInterval(keep);
    }
  }

  /** Reads a finished region's outcome: the first error, or the combined reduction. */
  #collect(call: Call, r: Region, caught: Map<number, ErrorRecord> | undefined, partials: unknown[] | undefined): unknown {
    const c = this.#pool.control;
    const failed = regionFailure(c.i32);
    // Nothing is allocated for a region that succeeded without a custom reducer (the
    // messages are read in a method of their own: see #deadlineHook).
    let errors = caught;
    if (failed !== 0 || partials !== undefined) errors = this.#readMessages(r.id, errors ?? new Map<number, ErrorRecord>(), partials);
    this.#pool.closeRetired();
    if (failed === CANCELLED) throw this.#cancelReason;
    if (failed === WORKER_LOST) throw this.#lost ?? workerDied(0, 'a thread of the parallel region died', undefined);
    if (failed !== 0) {
      const first = errors?.get(failed - 1) ?? errors?.values().next().value;
      if (first === undefined) throw internalError(`region ${r.id} failed in slot ${failed - 1} but no error arrived`);
      throw rebuildError(first);
    }
    const red = call.reducer;
    if (red === undefined) return undefined;
    if (partials !== undefined) return combine(red, partials, r.p);
    // Built-in partials, from the control block, left to right (combine()'s order).
    const f64 = c.f64;
    let acc: unknown = f64[F64_PARTIALS];
    for (let s = 1; s < r.p; s++) acc = red.combine(acc, f64[F64_PARTIALS + s]);
    return acc;
  }

  /** What the workers posted for region `id`: errors into `errors`, custom partials into `partials`. */
  #readMessages(id: number, errors: Map<number, ErrorRecord>, partials: unknown[] | undefined): Map<number, ErrorRecord> {
    this.#pool.readMessages(id, (msg) => {
      if (msg.t === 'error') errors.set(msg.error.threadId, msg.error);
      else if (partials !== undefined) partials[msg.slot] = msg.value;
    });
    return errors;
  }


  /**
   * An asynchronous call routed to the team (dispatch.ts): the calling thread publishes the
   * region and waits with Atomics.waitAsync, running no body. `if: false` and one-thread calls
   * run on one worker (whose claims go in slot order, as the serial fallback's do).
   */
  async runAsync(call: Call): Promise<unknown> {
    const bodyId = call.body;
    const sharedVersion = this.#payloads.admit(call);
    const region = this.plan(call, bodyId, sharedVersion, call.identity, true);
    if (!call.settings.parallel || region.p === 1) oneWorker(call, region);
    this.settle();
    if (call.kind === KIND_REGION) await this.#pool.start(true, region.p);
    else this.#pool.startMembers(region.p);
    if (call.settings.signal?.aborted) throw call.settings.signal.reason;
    this.#postIdentity(call, region);
    this.#asyncHeld = true;
    this.#cancelReason = undefined;
    const t0 = performance.now();
    const { signal, timeout } = call.settings;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Cancelled (a signal, a timeout), threads stop at their next chunk; a body that does
    // not return within the grace period has its threads terminated (design.md#faults).
    const cancelThenEnd = (reason: unknown, ended: () => unknown): void => {
      this.#cancel(reason);
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => this.#endUnstopped(region.id, ended), TIMEOUT_GRACE_MS);
    };
    const onAbort = (): void => cancelThenEnd(signal!.reason, () => abortedNotStopped(signal!.reason));
    try {
      this.#publish(region);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeout !== undefined) {
        timer = setTimeout(() => cancelThenEnd(timeoutError(timeout, false), () => timeoutError(timeout, true)), timeout);
      }
      await this.#joinAsync(region.doneTarget);
    } finally {
      this.#asyncHeld = false;
      this.#flight = undefined;
      signal?.removeEventListener('abort', onAbort);
      if (timer !== undefined) clearTimeout(timer);
    }
    // Whole-region wall time times the threads bounds the per-iteration cost from above.
    this.#costs.endSample(CostModel.key(bodyId, call.kind), t0, (call.end - call.start) / region.p, true);
    return this.#collect(call, region, undefined, customPartials(call));
  }

  /**
   * A synchronous call routed to the team (dispatch.ts): the calling thread publishes the
   * region and takes part in it, then joins. With a timeout it runs no body (it must stay
   * free to end the call at its deadline); neither does it while its runner is still loading
   * (a module body), and then `if: false` and one-thread calls run on worker 1 (a one-slot
   * region would otherwise have no worker to claim it).
   */
  runSync(call: Call): unknown {
    if (this.#asyncHeld) throw moduleLoadingDuringAsync();
    const sharedVersion = this.#payloads.admit(call);
    const callerWaits = call.settings.timeout !== undefined;
    const run = callerWaits ? undefined : this.#registry.runner(call.body, call.kind);
    const region = this.plan(call, call.body, sharedVersion, call.identity, callerWaits, true);
    if (!call.settings.parallel || region.p === 1) oneWorker(call, region);
    this.settle();
    const c = this.#pool.control;
    const i32 = c.i32;
    // Without a runner (a module body still loading here) the caller cannot work: start every
    // worker now. A region needs all of its threads at once: wait until they serve.
    let hook: Between | undefined;
    if (call.kind === KIND_REGION) this.#pool.startAllSync(region.maxWorker);
    else if (run === undefined) this.#pool.startMembers(region.maxWorker);
    else hook = this.#pool.syncMembers(region.p - 1);
    const timeout = call.settings.timeout;
    const deadline = timeout === undefined ? Infinity : performance.now() + timeout;
    if (timeout !== undefined) hook = this.#deadlineHook(hook, deadline, timeout);
    this.#cancelReason = undefined;
    this.#postIdentity(call, region);
    this.#publish(region);
    let errors: Map<number, ErrorRecord> | undefined;
    const partials = customPartials(call);
    const scratch = this.#scratch;
    scratch.iterations = 0;
    // Timed when the cost model asks for a sample (call/cost.ts: the clock is not free).
    const key = CostModel.key(region.body, call.kind);
    // A cold start always times the caller's work: it is the budget for starting workers.
    const t0 = hook !== undefined ? performance.now() : this.#costs.startSample(key, call.end - call.start, call.settings.serialBelowUs);
    if (run !== undefined) {
      enterRegion();
      try {
        // After the last slot (P - 1) no claim can succeed: the caller does not try (one
        // atomic operation fewer, and the claim line stays where it is).
        const p = region.p;
        for (let slot = claimOwnSlot(i32, p); slot >= 0; slot = slot === p - 1 ? -1 : claimOwnSlot(i32, p)) {
          const error = this.#runMainSlot(call, region, run, slot, i32, hook, partials);
          if (error !== undefined) (errors ??= new Map()).set(slot, error);
          finishOwnSlot(i32);
        }
      } finally {
        leaveRegion();
      }
    }
    const busyMs = this.#costs.endSample(key, t0, scratch.iterations);
    if (hook !== undefined) this.#pool.addColdWork(busyMs);
    if (this.#failure === undefined) {
      if (timeout === undefined) {
        while (!joinSync(i32, region.doneTarget, region.spinUs, this.#pool.deathsSeen)) {
          if (this.#reap()) break;
        }
      } else this.#joinSyncBefore(region, deadline, timeout);
    }
    this.#flight = undefined;
    if (this.#failure !== undefined) throw this.#giveUp();
    return this.#collect(call, region, errors, partials);
  }

  /**
   * Between chunks, the calling thread checks the clock and cancels the call when it is late.
   * A method of its own: a closure made in runSync would make V8 allocate runSync's
   * variables in a context object on every call, a call without a timeout too
   * (spec/warm-region.spec.ts).
   */
  #deadlineHook(cold: Between | undefined, deadline: number, timeout: number): Between {
    return (whole) => {
      if (cold !== undefined) cold(whole);
      if (performance.now() > deadline) this.#cancel(timeoutError(timeout, false));
    };
  }

  /** One slot of a parallel run on the calling thread; its partial goes where the workers' go. Returns its error, if any. */
  #runMainSlot(call: Call, region: Region, run: Runner, slot: number, sync: Int32Array, hook: Between | undefined, partials: unknown[] | undefined): ErrorRecord | undefined {
    const scratch = this.#scratch;
    let acc: unknown;
    let error: ErrorRecord | undefined;
    try {
      acc = call.reducer ? this.#serial.identityValue(call.reducer, region) : undefined;
      acc = runSlot(region, slot, run, call.shared, acc, sync, scratch, hook);
      error = scratch.error;
    } catch (thrown) {
      error = recordError(thrown, { index: region.start, chunk: [region.start, region.end], threadId: slot });
      failSlot(sync, slot);
    }
    if (error === undefined && call.reducer !== undefined) {
      if (call.reducer.id !== REDUCER_CUSTOM) this.#pool.control.f64[F64_PARTIALS + slot] = acc as number;
      else partials![slot] = acc;
    }
    return error;
  }

  /** Sends a custom reducer's identity value to the workers (every one: a worker the region does not use can still claim a slot of it when it finished the previous region's last slot just before this one opened). */
  #postIdentity(call: Call, r: Region): void {
    const red = call.reducer;
    if (red === undefined || red.id !== REDUCER_CUSTOM || r.identity !== 0) {
      this.#identityMsg = undefined;
      return;
    }
    this.#identityMsg = { t: 'identity', region: r.id, value: red.identity };
    this.#pool.send(this.#identityMsg);
  }

}
