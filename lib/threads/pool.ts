/**
 * The pool: a team's control block and the threads on it. It starts workers through the
 * supervisor (lib/threads/supervisor.ts), waits until they serve, takes note of deaths and settles
 * what each means for the region in flight, and recovers a region that will never finish
 * (design.md#faults, #recovery). The region in flight and its failure live here, because
 * deaths and recovery change them.
 */
import { performance } from 'node:perf_hooks';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { CANCELLED, CONTROL_BYTES, HOLD_CLAIMING, KIND_REGION, WORKER_LOST, controlViews, type Control } from '../protocol/control.js';
import { startTimeout, teamClosed, workerDied } from '../errors.js';
import { workerExecArgv } from './exec-argv.js';
import { hasPrestarted, spawnSupervisor, takePrestarted } from './prestart.js';
import type { DeathNotice, FromWorker, SupervisorInit, ToSupervisor, ToWorker } from '../protocol/messages.js';
import type { TeamSettings } from '../options.js';
import type { Payloads } from '../call/payloads.js';
import {
  closeBlock,
  deaths,
  failRegion,
  hasUnclaimed,
  heldRegion,
  isDead,
  isServing,
  onlineStamp,
  regionDone,
  regionFailure,
  resetWorker,
  skipUnclaimed,
  stopsDone,
  waitOnline,
  waitOnlineAsync,
  waitStopped,
  wakeJoin,
} from '../protocol/transitions.js';
import type { Registry } from '../call/registry.js';
import type { Between, Region } from '../run/slot.js';

const WORKER_URL = new URL('./worker.js', import.meta.url);

/** Starting a worker costs the calling thread this much (ms) until measured. */
const SPAWN_ESTIMATE_MS = 5;
/**
 * Cold start: the caller starts a worker only once it has done this many times the
 * worker's start-up cost in loop work itself, so that a first call stays within 1.2x of
 * the serial loop (docs/design.md#cold-start).
 */
const SPAWN_WORK_FACTOR = 8;
/**
 * The start-up cost counted when a supervisor is ready (ms): so a first call starts its
 * workers after 20 ms of its own work, a fraction of a thread's start-up (tens of ms).
 */
const CHEAP_START_MS = 2.5;
/** How long a start waits for its workers to serve. */
const START_LIMIT_MS = 60_000;
/** How long recovery waits for the supervisor to have stopped every worker. */
const STOP_LIMIT_MS = 10_000;

interface Member {
  /** The caller's end of the worker's MessagePort. */
  readonly port: MessagePort;
  exited: boolean;
}

export class Pool {
  readonly #settings: TeamSettings;
  readonly #registry: Registry;
  readonly #payloads: Payloads;
  /** The control block (replaced only when recovery cannot clear it in place). */
  control: Control;
  /** Workers by id (1-based; index 0 unused). */
  #members: (Member | undefined)[] = [];
  /** close() has ended the workers: nothing may start one again. */
  #shutDown = false;
  #supervisor: Worker | undefined;
  /** The supervisor's death notices (read with receiveMessageOnPort). */
  #notices: MessagePort | undefined;
  /** Ports of replaced workers, read once more by the next join, then closed. */
  #retired: MessagePort[] = [];
  #spawning = false;
  #spawnMs = 0;
  #spawnEstimateMs = SPAWN_ESTIMATE_MS;
  /** Loop work the calling thread has done while workers were missing (cold start), ms. */
  coldWorkMs = 0;
  /** CTRL_DEATHS as last reaped. */
  deathsSeen = 0;
  /** CTRL_DONE after the last region published on this control block (int32 arithmetic). */
  doneTotal = 0;
  /** The region published and not yet joined, if any. */
  flight: Region | undefined;
  /** An error that broke the region in flight (a worker died holding a slot); its join gives up on it. */
  failure: Error | undefined;
  /** Why a region marked WORKER_LOST was lost. */
  lostError: Error | undefined;
  /** An asynchronous call holds the team (a synchronous call then runs on the calling thread). */
  asyncInFlight = false;
  /** The identity message of the region in flight, for workers that start during it. */
  identityMsg: ToWorker | undefined;

  constructor(settings: TeamSettings, registry: Registry, payloads: Payloads) {
    this.#settings = settings;
    this.#registry = registry;
    this.#payloads = payloads;
    this.control = controlViews(new SharedArrayBuffer(CONTROL_BYTES));
  }

  /** Workers started so far (started, not necessarily ready). */
  get started(): number {
    return this.#members.filter((m) => m !== undefined && !m.exited).length;
  }

  /** Sends a message to every worker there is. */
  send(msg: ToWorker): void {
    for (const m of this.#members) m?.port.postMessage(msg);
  }

  /** Reads what the workers posted for region `id` (errors, custom partials), then closes the ports of replaced workers. */
  readMessages(id: number, take: (msg: FromWorker) => void): void {
    for (const m of this.#members) if (m !== undefined) drain(m.port, id, take);
    for (const port of this.#retired) drain(port, id, take);
  }

  /** Closes the ports of replaced workers once the join that might need them has read them. */
  closeRetired(): void {
    if (this.#retired.length === 0) return;
    for (const port of this.#retired) port.close();
    this.#retired = [];
  }

  /** Sends a custom reducer's identity to every worker, and keeps it for workers that start while its region runs. */
  postIdentity(msg: ToWorker | undefined): void {
    this.identityMsg = msg;
    if (msg !== undefined) this.send(msg);
  }

  /** start() for calls already queued, which run even once close() was called. */
  async start(forAsync: boolean, threads: number): Promise<void> {
    const want = threads - 1 + (forAsync ? 1 : 0);
    const give = performance.now() + START_LIMIT_MS;
    const keep = keepAlive();
    try {
      for (;;) {
        const online = this.#serving(want, give);
        if (online < 0) return;
        const w = waitOnlineAsync(this.control.i32, online, 50);
        if (w !== undefined) await w;
      }
    } finally {
      clearInterval(keep);
    }
  }

  /**
   * One look at workers 1..want for a start (design.md#startup): reaps deaths, starts
   * replacements for dead workers, and returns -1 once all of them serve, else the
   * CTRL_ONLINE value to wait on (it moves whenever a worker starts serving or dies).
   */
  #serving(want: number, give: number): number {
    // close() may end the workers while a start() made before it waits.
    if (this.#shutDown) throw teamClosed();
    // Deaths during a region in flight are its join's to settle (a start made outside the
    // queue, as the text loader's, runs beside queued calls): reaping here could take the
    // region's failure and recover the block under its join. That join reaps soon.
    if (this.flight !== undefined) return onlineStamp(this.control.i32);
    this.reap();
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.recover();
      throw failure;
    }
    const i32 = this.control.i32;
    const online = onlineStamp(i32);
    let missing = 0;
    for (let id = 1; id <= want; id++) {
      this.ensureMember(id);
      if (!isServing(i32, id)) missing++;
    }
    if (missing === 0) return -1;
    if (performance.now() > give) throw startTimeout(missing, want, START_LIMIT_MS);
    return online;
  }

  /**
   * Claims and finishes, without running, the slots of the failed or cancelled region in
   * flight that nobody has claimed yet (a worker still starting, or dead, would have). The
   * caller published that region and has not joined it, so these claims cannot reach a
   * later region (design.md#faults).
   */
  skipUnclaimed(): void {
    const r = this.flight;
    if (r === undefined) return;
    const i32 = this.control.i32;
    skipUnclaimed(i32, r.doneTarget);
  }

  ensureMember(id: number): boolean {
    if (this.#shutDown) throw teamClosed();
    const m = this.#members[id];
    if (m !== undefined && !m.exited) return false;
    // A dead worker's port may still hold messages of the region in flight: read at the join.
    if (m !== undefined) this.#retired.push(m.port);
    const t0 = performance.now();
    const supervisor = this.#supervisorNow();
    const i32 = this.control.i32;
    resetWorker(i32, id);
    const { port1, port2 } = new MessageChannel();
    port1.unref();
    this.#members[id] = { port: port1, exited: false };
    for (const def of this.#registry.definitions) port1.postMessage(def);
    for (const msg of this.#payloads.messages()) port1.postMessage(msg);
    if (this.identityMsg !== undefined) port1.postMessage(this.identityMsg);
    supervisor.postMessage({ t: 'start', id, port: port2 } satisfies ToSupervisor, [port2 as never]);
    const spent = performance.now() - t0;
    this.#spawnMs += spent;
    this.#spawnEstimateMs = spent;
    return true;
  }

  /**
   * The supervisor thread that starts and watches the workers (lib/threads/supervisor.ts): the
   * prestarted one when there is one (lib/threads/prestart.ts), else started now; its first message names the team.
   */
  #supervisorNow(): Worker {
    if (this.#supervisor !== undefined) return this.#supervisor;
    const supervisor = takePrestarted() ?? spawnSupervisor();
    const { port1, port2 } = new MessageChannel();
    port1.unref();
    const init: SupervisorInit = {
      control: this.control.i32.buffer as SharedArrayBuffer,
      workerUrl: WORKER_URL.href,
      execArgv: workerExecArgv(),
      resourceLimits: this.#settings.resourceLimits ?? {},
      notices: port2,
    };
    supervisor.postMessage({ t: 'init', init } satisfies ToSupervisor, [port2 as never]);
    supervisor.on('error', (err) => {
      // Never expected: without its supervisor the team cannot start or watch workers.
      this.failure ??= workerDied(0, `the supervisor failed: ${err.message}`, err);
      wakeJoin(this.control.i32);
    });
    this.#supervisor = supervisor;
    this.#notices = port1;
    return supervisor;
  }

  /**
   * Takes note of workers that died (the supervisor marked them and counted them in
   * CTRL_DEATHS), and settles what each death means for the region in flight
   * (design.md#faults):
   * - it held a slot of the region, or died claiming: that slot will never finish, so the
   *   join gives up (#failure) and the team recovers;
   * - it held none, but the region counted on it to claim (a worker the region uses, and
   *   slots are still unclaimed): a parallel region, which needs all its threads at once,
   *   is lost; a failed or cancelled region's slots are claimed and skipped here (the
   *   caller published the region and has not joined it, so these claims cannot reach a
   *   later one); a loop still running gets a replacement worker, which claims them.
   * A body's process.exit() gives its slot up first (threads/worker.ts), so that region completes
   * with the body's error instead.
   */
  reap(): void {
    const i32 = this.control.i32;
    const count = deaths(i32);
    if (count === this.deathsSeen) return;
    this.deathsSeen = count;
    const notes = new Map<number, string>();
    if (this.#notices !== undefined) {
      for (let got = receiveMessageOnPort(this.#notices); got !== undefined; got = receiveMessageOnPort(this.#notices)) {
        const notice = got.message as DeathNotice;
        notes.set(notice.id, notice.how);
      }
    }
    const r = this.flight;
    for (let id = 1; id < this.#members.length; id++) {
      const member = this.#members[id];
      if (member === undefined || member.exited || !isDead(i32, id)) continue;
      // Its port stays open: its last messages (a process.exit() error) are read at the join.
      member.exited = true;
      if (r === undefined) continue;
      const hold = heldRegion(i32, id);
      const how = notes.get(id) ?? 'it exited';
      // A hold naming a region that is done is stale (a death between finish and clear).
      if ((hold === r.id || hold === HOLD_CLAIMING) && !regionDone(i32, r.doneTarget)) {
        this.failure ??= workerDied(id, how, undefined);
      } else if (id <= r.maxWorker && hasUnclaimed(i32)) {
        if (r.kind === KIND_REGION && failRegion(i32, WORKER_LOST)) this.lostError = workerDied(id, how, undefined);
        if (regionFailure(i32) !== 0) this.skipUnclaimed();
        else this.ensureMember(id);
      }
    }
  }

  /**
   * Workers for a synchronous call (ids 1..want). A warm team has them all: no hook. A cold
   * one gets a hook that the calling thread runs before and between its chunks, which starts
   * workers once the caller's own loop work (over the team's life) has paid for them
   * SPAWN_WORK_FACTOR times over (design.md#cold-start). While a supervisor runs (or a
   * prestarted one is there to adopt), a start costs the caller a few messages but the
   * machine a thread's start-up, which a short first call would only share its cores with:
   * counted as CHEAP_START_MS, and all missing workers start at once; before a slot that
   * runs as one chunk (`whole`), at once, as no later chance comes before it ends. Otherwise
   * the first start costs the caller the supervisor's, and workers start one per call.
   */
  syncMembers(want: number): Between | undefined {
    let missing = 0;
    for (let id = 1; id <= want; id++) if (this.#members[id] === undefined || this.#members[id]!.exited) missing++;
    // The hook is made in a method of its own: a closure made here would make V8 allocate
    // this method's variables in a context object on every call, a warm team's too.
    return missing === 0 ? undefined : this.#coldHook(want);
  }

  /** syncMembers' hook for a team with workers missing. */
  #coldHook(want: number): Between {
    const t0 = performance.now();
    const budget = this.coldWorkMs;
    return (whole) => {
      if (this.#spawning) return;
      const cheap = this.#supervisor !== undefined || hasPrestarted();
      const cost = cheap ? CHEAP_START_MS : this.#spawnMs + this.#spawnEstimateMs;
      if (!(cheap && whole === true) && budget + (performance.now() - t0) < SPAWN_WORK_FACTOR * cost) return;
      this.#spawning = true;
      try {
        for (let id = 1; id <= want; id++) if (this.ensureMember(id) && !cheap) break;
      } finally {
        this.#spawning = false;
      }
    };
  }

  startAll(want: number): undefined {
    for (let id = 1; id <= want; id++) this.ensureMember(id);
    return undefined;
  }

  /** Starts workers 1..want and blocks until they serve (workers start without the event loop). */
  startAllSync(want: number): void {
    const give = performance.now() + START_LIMIT_MS;
    for (;;) {
      const online = this.#serving(want, give);
      if (online < 0) return;
      waitOnline(this.control.i32, online, 50);
    }
  }

  /** Workers for an asynchronous call (ids 1..p), all now: the supervisor starts them, off this thread. */
  asyncMembers(p: number): void {
    for (let id = 1; id <= p; id++) this.ensureMember(id);
  }

  /**
   * After a region that will never finish (a worker died holding a slot, or a cancelled
   * body did not stop): the supervisor terminates every worker and says when all have exited
   * (design.md#recovery), so that no thread of the failed call still runs a body when the
   * next call starts; then the control block is cleared and the team starts afresh. The
   * bodies and payloads are sent again to the workers that start next.
   */
  recover(): void {
    this.failure = undefined;
    this.flight = undefined;
    const i32 = this.control.i32;
    // Threads still running stop at their next chunk, sleepers leave.
    failRegion(i32, CANCELLED);
    closeBlock(i32);
    const supervisor = this.#supervisor;
    let stopped = supervisor === undefined;
    if (supervisor !== undefined) {
      const before = stopsDone(i32);
      supervisor.postMessage({ t: 'stop' } satisfies ToSupervisor);
      stopped = waitStopped(i32, before, STOP_LIMIT_MS);
    }
    for (const m of this.#members) {
      if (m === undefined) continue;
      m.exited = true;
      m.port.close();
    }
    this.#members = [];
    for (const port of this.#retired) port.close();
    this.#retired = [];
    if (this.#notices !== undefined) while (receiveMessageOnPort(this.#notices) !== undefined);
    if (stopped) {
      // Nobody else touches the block now: clear it in place (the supervisor keeps it).
      i32.fill(0);
    } else {
      // The supervisor did not answer: end it (which ends its workers) and start over.
      void supervisor?.terminate();
      this.#supervisor = undefined;
      this.#notices?.close();
      this.#notices = undefined;
      this.control = controlViews(new SharedArrayBuffer(CONTROL_BYTES));
    }
    this.doneTotal = 0;
    this.deathsSeen = 0;
  }

  async shutdown(): Promise<void> {
    this.#shutDown = true;
    const i32 = this.control.i32;
    closeBlock(i32);
    const members = this.#members.filter((m): m is Member => m !== undefined);
    this.#members = [];
    const supervisor = this.#supervisor;
    this.#supervisor = undefined;
    if (supervisor !== undefined) await supervisor.terminate();
    this.#notices?.close();
    for (const m of members) {
      m.exited = true;
      m.port.close();
    }
  }
}

function drain(port: MessagePort, id: number, take: (msg: FromWorker) => void): void {
  for (let got = receiveMessageOnPort(port); got !== undefined; got = receiveMessageOnPort(port)) {
    const msg = got.message as FromWorker;
    if (msg.region === id) take(msg);
  }
}

/** A timer that keeps the event loop alive while an asynchronous wait is pending. */
export function keepAlive(): ReturnType<typeof setInterval> {
  return setInterval(() => undefined, 2 ** 30);
}
