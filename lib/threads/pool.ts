/**
 * The pool: a team's control block and the threads on it. It starts workers through the
 * supervisor (lib/threads/supervisor.ts), waits until they serve, takes note of deaths and settles
 * what each means for the region in flight, and recovers a region that will never finish
 * (design.md#faults, #recovery). It holds no state of the region in flight: the fork/join
 * owns that, and a reap answers it with a verdict.
 */
import { newChannel, receive, type Port, type Thread } from '../platform/index.js';
import { CANCELLED, CONTROL_BYTES, controlViews, type Control } from '../protocol/control.js';
import { startTimeout, teamClosed, workerDied } from '../errors.js';
import { workerExecArgv } from '../platform/exec-argv.js';
import { hasPrestarted, spawnSupervisor, takePrestarted } from './prestart.js';
import type { DeathNotice, FromWorker, SupervisorInit, ToSupervisor, ToWorker } from '../protocol/messages.js';
import type { TeamSettings } from '../options.js';
import {
  DEATH_BREAKS,
  DEATH_LOSES,
  DEATH_REPLACE,
  DEATH_SKIPS,
  closeBlock,
  deaths,
  failRegion,
  isDead,
  isServing,
  onlineStamp,
  resetWorker,
  settleDeath,
  skipUnclaimed,
  stopsDone,
  waitOnline,
  waitOnlineAsync,
  waitStopped,
  wakeJoin,
} from '../protocol/transitions.js';
import type { Between } from '../run/slot.js';
import type { Region } from '../protocol/region.js';

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
  /** The caller's end of the worker's Port. */
  readonly port: Port;
  exited: boolean;
}

/** What the deaths a reap found mean for the region in flight (settleDeath), undefined members when nothing. */
export interface Verdict {
  /** The region in flight will never finish (a worker died holding a slot, or the supervisor failed): its join gives up and the team recovers. */
  failure: Error | undefined;
  /** The parallel region in flight was lost (failed WORKER_LOST): why. */
  lost: Error | undefined;
}

export class Pool {
  readonly #settings: TeamSettings;
  /** What a worker that starts now must be told before it serves: the bodies and `shared` payloads the team knows. */
  readonly #briefing: () => Iterable<ToWorker>;
  /** The region published and not yet joined, as its fork/join says (read only: deaths during it are its join's to settle). */
  readonly #inFlight: () => Region | undefined;
  /** The control block (replaced only when recovery cannot clear it in place). */
  #control: Control;
  /** Workers by id (1-based; index 0 unused). */
  #members: (Member | undefined)[] = [];
  /** close() has ended the workers: nothing may start one again. */
  #shutDown = false;
  #supervisor: Thread | undefined;
  /** The supervisor's death notices (read with receiveMessageOnPort). */
  #notices: Port | undefined;
  /** Ports of replaced workers, read once more by the next join, then closed. */
  #retired: Port[] = [];
  #spawning = false;
  #spawnMs = 0;
  #spawnEstimateMs = SPAWN_ESTIMATE_MS;
  /** Loop work the calling thread has done while workers were missing (cold start), ms. */
  #coldWorkMs = 0;
  /** CTRL_DEATHS as last reaped. */
  #deathsSeen = 0;
  /** The supervisor failed (never expected): the next reap's verdict carries it. */
  #broken: Error | undefined;

  /**
   * `briefing` says what a worker that starts now must be told before it serves (the bodies,
   * `shared` payloads and reducer identity the team knows); `inFlight`, which region is
   * published and not yet joined.
   */
  constructor(settings: TeamSettings, briefing: () => Iterable<ToWorker>, inFlight: () => Region | undefined) {
    this.#settings = settings;
    this.#briefing = briefing;
    this.#inFlight = inFlight;
    this.#control = controlViews(new SharedArrayBuffer(CONTROL_BYTES));
  }

  /** The control block (replaced only when recovery cannot clear it in place). */
  get control(): Control {
    return this.#control;
  }

  /** CTRL_DEATHS as last reaped (a synchronous join wakes when it moves). */
  get deathsSeen(): number {
    return this.#deathsSeen;
  }

  /** Counts loop work the calling thread did while workers were missing (the cold start's budget). */
  addColdWork(ms: number): void {
    this.#coldWorkMs += ms;
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

  /** start() for calls already queued, which run even once close() was called. */
  async start(forAsync: boolean, threads: number): Promise<void> {
    const want = threads - 1 + (forAsync ? 1 : 0);
    const give = performance.now() + START_LIMIT_MS;
    const keep = keepAlive();
    try {
      for (;;) {
        const online = this.#serving(want, give);
        if (online < 0) return;
        const w = waitOnlineAsync(this.#control.i32, online, 50);
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
    if (this.#inFlight() !== undefined) return onlineStamp(this.#control.i32);
    const failure = this.reap(undefined)?.failure;
    if (failure !== undefined) {
      this.recover();
      throw failure;
    }
    const i32 = this.#control.i32;
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

  ensureMember(id: number): boolean {
    if (this.#shutDown) throw teamClosed();
    const m = this.#members[id];
    if (m !== undefined && !m.exited) return false;
    // A dead worker's port may still hold messages of the region in flight: read at the join.
    if (m !== undefined) this.#retired.push(m.port);
    const t0 = performance.now();
    const supervisor = this.#supervisorNow();
    const i32 = this.#control.i32;
    resetWorker(i32, id);
    const { port1, port2 } = newChannel();
    this.#members[id] = { port: port1, exited: false };
    for (const msg of this.#briefing()) port1.postMessage(msg);
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
  #supervisorNow(): Thread {
    if (this.#supervisor !== undefined) return this.#supervisor;
    const supervisor = takePrestarted() ?? spawnSupervisor();
    const { port1, port2 } = newChannel();
    const init: SupervisorInit = {
      control: this.#control.i32.buffer as SharedArrayBuffer,
      workerUrl: WORKER_URL.href,
      execArgv: workerExecArgv(),
      resourceLimits: this.#settings.resourceLimits ?? {},
      notices: port2,
    };
    supervisor.postMessage({ t: 'init', init } satisfies ToSupervisor, [port2 as never]);
    supervisor.on('error', (err) => {
      // Never expected: without its supervisor the team cannot start or watch workers.
      this.#broken ??= workerDied(0, `the supervisor failed: ${err.message}`, err);
      wakeJoin(this.#control.i32);
    });
    this.#supervisor = supervisor;
    this.#notices = port1;
    return supervisor;
  }

  /**
   * Takes note of workers that died (the supervisor marked them and counted them in
   * CTRL_DEATHS), and settles what each death means for the region in flight
   * (design.md#faults):
   * each is settleDeath's verdict (DEATH_*), which this applies: a failure or a lost region
   * goes into the verdict returned, for the region's join; unclaimed slots that nobody will
   * claim are skipped (the caller published the region and has not joined it, so these
   * claims cannot reach a later one); a loop still running gets a replacement worker.
   * A body's process.exit() gives its slot up first (threads/worker.ts), so that region completes
   * with the body's error instead. Undefined when nothing happened since the last reap.
   */
  reap(r: Region | undefined): Verdict | undefined {
    const i32 = this.#control.i32;
    const count = deaths(i32);
    if (count === this.#deathsSeen && this.#broken === undefined) return undefined;
    this.#deathsSeen = count;
    const verdict: Verdict = { failure: this.#broken, lost: undefined };
    this.#broken = undefined;
    const notes = new Map<number, string>();
    if (this.#notices !== undefined) {
      for (let got = receive(this.#notices); got !== undefined; got = receive(this.#notices)) {
        const notice = got.message as DeathNotice;
        notes.set(notice.id, notice.how);
      }
    }
    for (let id = 1; id < this.#members.length; id++) {
      const member = this.#members[id];
      if (member === undefined || member.exited || !isDead(i32, id)) continue;
      // Its port stays open: its last messages (a process.exit() error) are read at the join.
      member.exited = true;
      if (r === undefined) continue;
      const how = notes.get(id) ?? 'it exited';
      switch (settleDeath(i32, id, r)) {
        case DEATH_BREAKS:
          verdict.failure ??= workerDied(id, how, undefined);
          break;
        case DEATH_LOSES:
          verdict.lost ??= workerDied(id, how, undefined);
          skipUnclaimed(i32, r.doneTarget);
          break;
        case DEATH_SKIPS:
          skipUnclaimed(i32, r.doneTarget);
          break;
        case DEATH_REPLACE:
          this.ensureMember(id);
          break;
      }
    }
    return verdict;
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
    const budget = this.#coldWorkMs;
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

  /** Starts workers 1..want now, without waiting for them (the supervisor starts them, off this thread). */
  startMembers(want: number): void {
    for (let id = 1; id <= want; id++) this.ensureMember(id);
  }

  /** Starts workers 1..want and blocks until they serve (workers start without the event loop). */
  startAllSync(want: number): void {
    const give = performance.now() + START_LIMIT_MS;
    for (;;) {
      const online = this.#serving(want, give);
      if (online < 0) return;
      waitOnline(this.#control.i32, online, 50);
    }
  }

  /**
   * After a region that will never finish (a worker died holding a slot, or a cancelled
   * body did not stop): the supervisor terminates every worker and says when all have exited
   * (design.md#recovery), so that no thread of the failed call still runs a body when the
   * next call starts; then the control block is cleared and the team starts afresh. The
   * bodies and payloads are sent again to the workers that start next.
   */
  recover(): void {
    const i32 = this.#control.i32;
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
    if (this.#notices !== undefined) while (receive(this.#notices) !== undefined);
    if (stopped) {
      // Nobody else touches the block now: clear it in place (the supervisor keeps it).
      i32.fill(0);
    } else {
      // The supervisor did not answer: end it (which ends its workers) and start over.
      void supervisor?.terminate();
      this.#supervisor = undefined;
      this.#notices?.close();
      this.#notices = undefined;
      this.#control = controlViews(new SharedArrayBuffer(CONTROL_BYTES));
    }
    this.#deathsSeen = 0;
  }

  async shutdown(): Promise<void> {
    this.#shutDown = true;
    const i32 = this.#control.i32;
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

function drain(port: Port, id: number, take: (msg: FromWorker) => void): void {
  for (let got = receive(port); got !== undefined; got = receive(port)) {
    const msg = got.message as FromWorker;
    if (msg.region === id) take(msg);
  }
}

/** A timer that keeps the event loop alive while an asynchronous wait is pending. */
export function keepAlive(): ReturnType<typeof setInterval> {
  return setInterval(() => undefined, 2 ** 30);
}
