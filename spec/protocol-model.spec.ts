// A model check of the fork/join protocol (docs/design.md#checked-step-by-step), in the
// spirit of Rust's loom and Microsoft's CHESS: the caller and the workers are state machines
// driven by a scheduler of this file, one atomic step at a time, over a real control block
// (an Int32Array on a SharedArrayBuffer of CONTROL_BYTES). No thread runs: every step calls
// the protocol functions of lib/protocol/transitions.ts, or, where one of them does several atomic
// operations whose order against other threads matters, that function's operations one per
// step in the same order (claimHeld, releaseHeld, endServing, markDead, openRegion,
// resetForRegion, waitForEpoch, joinSync); the first tests check that each such split does
// exactly what the function does, so that the model follows lib/protocol/transitions.ts as it changes.
// The caller's side (ForkJoin#publish, the claim loop of ForkJoin#runSync, its join, Pool#reap
// with settleDeath's verdicts, skipUnclaimed) is written out step by step from
// lib/call/fork-join.ts and lib/threads/pool.ts.
//
// Waits are modelled as Atomics.wait is specified: a thread that waits on a word whose value
// is still the expected one sleeps until an Atomics.notify of that word (recorded by a
// stand-in for Atomics.notify while the model runs); a notify before the wait is lost. A
// sleeping thread may also wake spuriously (a notify of an earlier region), a budgeted
// number of times per execution. A worker may die before any of its steps, once per
// execution: by process.exit() (its exit hook runs, then the supervisor's markDead) or
// silently (markDead only).
//
// The search explores the state graph depth first and remembers every state it has seen,
// with the checks' bookkeeping (which slot ran and finished how often) part of the state, so
// that every interleaving (every path of the graph) is checked while each state is explored
// once; it counts the interleavings by counting the graph's paths. Steps that commute with
// everything the other threads can still do are taken at once (Model.invisible), so
// interleavings that differ only in where such a step falls count once. With 3 threads it
// explores the interleavings with at most 2 or 3 preemptions (CHESS's bounded context
// switching); a state is explored again only when reached with more preemptions left.
import {
  CONTROL_BYTES,
  CTRL_BAR_GEN,
  CTRL_DEATHS,
  CTRL_DONE,
  CTRL_DONE_TARGET,
  CTRL_EPOCH,
  CTRL_ERROR,
  CTRL_KIND,
  CTRL_LOCKS,
  CTRL_MAX_WORKER,
  CTRL_NEXT,
  CTRL_NSLOTS,
  CTRL_ONLINE,
  CTRL_PIECE,
  CTRL_REGION,
  CTRL_SLEEPERS,
  CTRL_SLOTS,
  CTRL_STATE,
  HOLD_CLAIMING,
  KIND_FOR,
  LINE,
  N_LOCKS,
  SCHED_STATIC,
  TEAM_OPEN,
  controlViews,
  deadWord,
  holdWord,
  servingWord,
  wakeWord,
} from '#internal/protocol/control.js';
import {
  beginServing,
  claimHeld,
  claimSlot,
  claimOwnSlot,
  deaths,
  endServing,
  failSlot,
  finishSlot,
  finishOwnSlot,
  hasUnclaimed,
  heldRegion,
  isDead,
  markDead,
  openRegion,
  regionDone,
  regionFailure,
  releaseHeld,
  resetForRegion,
  skipUnclaimed,
} from '#internal/protocol/transitions.js';
import { readRegion, writeRegion, type Region } from '#internal/protocol/region.js';

// ---- the model's state --------------------------------------------------------------------

/** The exit hook a worker runs when its body calls process.exit(). */
type Hook = 'current' | 'legacy';

interface Config {
  readonly name: string;
  /** Workers 1..workers; the caller is thread 0. Each region has P = workers + 1 slots. */
  readonly workers: number;
  /** Regions the caller publishes one after another. */
  readonly regions: number;
  /** Preemptions allowed per execution (Infinity: every interleaving). */
  readonly preemptions: number;
  /** Spurious wake-ups allowed per execution. */
  readonly spurious: number;
  readonly hook: Hook;
  /**
   * The protocol with the changes this model proposes: a worker finishes its slot before it
   * clears its hold word (releaseHeld, endServing), the reap blames a dead worker's hold only
   * while the region is unfinished, and the join sleeps in slices (a bounded Atomics.wait).
   */
  readonly fixed: boolean;
  /** Stop at the first violation of a kind not in `known` (a variant expected to have one). */
  readonly stopAtFirst: boolean;
  /** Violation kinds already known: they never stop the search. */
  readonly known: readonly string[];
  /** The search gives up beyond this many states (a guard against a model that grew). */
  readonly maxStates: number;
}

// Per-thread fields, TF of them per thread at the start of the state array.
const T_PC = 0;
/** LIVE, DYING (its exit hook, then the supervisor's markDead) or DEAD. */
const T_MODE = 1;
/** The word it sleeps on in Atomics.wait, -1 when awake. */
const T_WAIT = 2;
/** The slot it claimed (or the one it claims in a loop of claims). */
const T_SLOT = 3;
/** The region id it runs a slot of, as it read it (the caller: the region it published). */
const T_REGION = 4;
/** That region's done target, as it read it. */
const T_TARGET = 5;
/** The epoch it saw (worker); whether the reap runs inside a join (caller). */
const T_SEEN = 6;
/** The value of CTRL_DONE its join waits on. */
const T_V = 7;
/** threads/worker.ts's holdingSlot: the slot whose body runs, -1 when none (read by the exit hook). */
const T_HOLDING = 8;
/** Bookkeeping: the region whose slot its last successful claim took. */
const T_CLAIMK = 9;
/** P of the region it runs a slot of, as it read it. */
const T_P = 10;
/** A loop index (the worker id in the caller's wake and reap loops). */
const T_I = 11;
const TF = 12;

const LIVE = 0;
const DYING = 1;
const DEAD = 2;

// Caller-only fields and bookkeeping, after the threads.
const G_K = 0; // the region the caller is at (1..regions)
const G_DEATHS_SEEN = 1; // Pool#deathsSeen
const G_DONE_TOTAL = 2; // CTRL_DONE when the last region was published (ForkJoin#publish's doneTarget)
const G_EXITED = 3; // Pool#members[id].exited, as a bit mask
const G_FAILURE = 4; // ForkJoin#failure is set
const G_OUTCOME = 5; // 0 running, 1 done, 2 recovered
const G_OPENK = 6; // bookkeeping: the region whose CTRL_SLOTS was stored last
const G_SPURIOUS = 7; // spurious wake-ups left
const G_DEATHS = 8; // deaths left to inject
const G_LAST = 9; // the thread that made the last step
const G_JOINED = 11; // bit k: region k was joined
const G_RAN = 12; // RAN + (k - 1) * 4 + slot: times slot ran; FIN after it: times finished
const GF = G_RAN + 2 * 4 * 4;

const OUTCOME_RUNNING = 0;
const OUTCOME_DONE = 1;
const OUTCOME_RECOVERED = 2;

// Caller steps.
const C_REAP_COUNT = 1;
const C_REAP_DEAD = 2;
const C_REAP_HOLD = 3;
const C_REAP_UNCLAIMED = 4;
const C_REAP_FAILED = 5;
const C_SKIP_CLAIM = 6;
const C_SKIP_FINISH = 7;
const C_DESC_ID = 8;
const C_DESC_REST = 9;
const C_RESET_LOAD = 10;
const C_RESET_STORE = 11;
const C_OPEN_SLOTS = 12;
const C_OPEN_EPOCH = 13;
const C_WAKE_SLEEPERS = 14;
const C_WAKE_READ = 15;
const C_WAKE_SWAP = 16;
const C_CLAIM = 17;
const C_RUN = 18;
const C_FINISH = 19;
const C_JOIN_FIRST = 20;
const C_JOIN_LOAD = 21;
const C_JOIN_DEATHS = 22;
const C_JOIN_WAIT = 23;
const C_COLLECT = 24;
const C_REAP_DONE = 25;

// Worker steps.
const W_BEGIN = 1;
const W_EPOCH = 2;
const W_MAX_WORKER = 3;
const W_CLAIMING = 4;
const W_CLAIM = 5;
const W_HOLD = 6;
const W_RUN = 7;
const W_BODY_END = 8;
const W_UNHOLD = 9;
const W_FINISH = 10;
const W_SPIN = 11;
const W_SLEEP_LOOK = 12;
const W_WAKE_MARK = 13;
const W_SLEEPERS_IN = 14;
const W_LAST_LOOK = 15;
const W_WAIT = 16;
const W_SLEEPERS_OUT = 17;
const W_WAKE_CLEAR = 18;

// A dying worker's steps: its exit hook (X_*, L_* for the legacy hook), then markDead (M_*).
const X_SERVING = 30;
const X_FAIL = 31;
const X_UNHOLD = 32;
const X_FINISH = 33;
const L_FINISH_OWN = 34;
const L_CLAIM_REST = 35;
const L_FINISH_REST = 36;
const L_UNHOLD = 37;
const M_DEAD = 40;
const M_COUNT = 41;
const M_NOTIFY = 42;

// Choices: thread * 8 + one of these.
const STEP = 0;
const SPURIOUS = 1;
const EXIT_DEATH = 2;
const SILENT_DEATH = 3;
/** The join's sleep ends by its time limit (the fixed sliced join only, when nothing else can happen). */
const TIMEOUT = 4;

/** Atomics.notify calls made during a step (the model's stand-in records them). */
let notified: number[] = [];
const realNotify = Atomics.notify;
function recordNotify(_ta: Int32Array | BigInt64Array, index: number): number {
  notified.push(index);
  return 0;
}

/** The words the model's steps may write (restored when the search backtracks). */
function trackedWords(workers: number): number[] {
  const words = [CTRL_EPOCH, CTRL_SLOTS, CTRL_REGION, CTRL_DONE_TARGET, CTRL_DONE, CTRL_NEXT, CTRL_SLEEPERS, CTRL_ERROR, CTRL_STATE];
  words.push(CTRL_ONLINE, CTRL_BAR_GEN, CTRL_DEATHS);
  for (let w = CTRL_KIND; w <= CTRL_PIECE; w++) words.push(w);
  for (let id = 1; id <= workers; id++) words.push(holdWord(id), deadWord(id), servingWord(id), wakeWord(id));
  return words;
}

/** The subset of them that some step reads: the key of a state leaves out the rest (counters nobody in the model looks at). */
function keyedWords(workers: number): number[] {
  // CTRL_NEXT is MAX_UNITS once halted: it does not fit the key, and nothing reads it.
  const unread = new Set([CTRL_NEXT, CTRL_ONLINE, CTRL_BAR_GEN]);
  // The descriptor words the model writes once and nobody reads.
  for (let w = CTRL_KIND; w <= CTRL_PIECE; w++) if (w !== CTRL_NSLOTS && w !== CTRL_MAX_WORKER) unread.add(w);
  for (let id = 1; id <= workers; id++) unread.add(servingWord(id));
  return trackedWords(workers).filter((w) => !unread.has(w));
}

interface Violation {
  readonly message: string;
  readonly trace: readonly string[];
}

interface Result {
  readonly config: Config;
  /** Complete executions (paths of the state graph), each checked. */
  readonly interleavings: number;
  /** Distinct states, and state visits (a state is explored again when reached with more preemptions left). */
  readonly states: number;
  readonly explored: number;
  readonly transitions: number;
  /** Complete executions by how they ended: every region joined, recovery, a violation. */
  readonly joinedAll: number;
  readonly recovered: number;
  readonly violating: number;
  /** Violating steps and end states found (each counted once, however many executions reach it). */
  readonly violations: number;
  readonly first: Violation | undefined;
  /** Violations by kind (the message with its numbers left out): how many, and the first. */
  readonly kinds: Map<string, { count: number; first: Violation }>;
  readonly ms: number;
}

class Model {
  readonly i32: Int32Array;
  readonly threads: number;
  readonly p: number;
  readonly s: Int32Array;
  readonly g: number;
  readonly tracked: Int32Array;
  readonly keyed: Int32Array;
  /** The indices of the state array in the key, and buffers to build it. */
  readonly keyS: Int32Array;
  readonly codes: Int32Array;
  readonly chars: Uint16Array;
  /** Labels of the steps taken so far (the trace a violation prints). */
  readonly trace: string[] = [];
  /** The violation the last step found, if any. */
  violation: string | undefined;

  constructor(readonly config: Config) {
    this.i32 = controlViews(new SharedArrayBuffer(CONTROL_BYTES)).i32;
    this.threads = config.workers + 1;
    this.p = config.workers + 1;
    this.g = this.threads * TF;
    this.s = new Int32Array(this.g + GF);
    this.tracked = Int32Array.from(trackedWords(config.workers));
    this.keyed = Int32Array.from(keyedWords(config.workers));
    const keyS: number[] = [];
    for (let k = 0; k < this.g + G_RAN; k++) if (k >= this.g || k % TF !== T_WAIT) keyS.push(k);
    for (let k = 1; k <= config.regions; k++) for (let slot = 0; slot < this.p; slot++) keyS.push(this.ran(k, slot), this.fin(k, slot));
    this.keyS = Int32Array.from(keyS);
    this.codes = new Int32Array(this.keyed.length + this.keyS.length + this.threads);
    this.chars = new Uint16Array(Math.ceil(this.codes.length / 2));
    const s = this.s;
    for (let t = 0; t < this.threads; t++) {
      const b = t * TF;
      s[b + T_PC] = t === 0 ? C_REAP_COUNT : W_BEGIN;
      s[b + T_WAIT] = -1;
      s[b + T_SLOT] = -1;
      s[b + T_HOLDING] = -1;
    }
    s[this.g + G_K] = 1;
    s[this.g + G_SPURIOUS] = config.spurious;
    s[this.g + G_DEATHS] = 1;
    s[this.g + G_LAST] = -1;
  }

  name(t: number): string {
    return t === 0 ? 'caller' : `w${t}`;
  }

  /**
   * The state as a string: the keyed words, then the state array (the word a thread sleeps
   * on as 0 awake, 1 CTRL_DONE, 2 its wake word), every value a byte, two to a character.
   */
  key(): string {
    const { i32, s, keyed, keyS, codes } = this;
    let n = 0;
    for (let k = 0; k < keyed.length; k++) codes[n++] = i32[keyed[k]!]!;
    for (let k = 0; k < keyS.length; k++) codes[n++] = s[keyS[k]!]!;
    for (let t = 0; t < this.threads; t++) {
      const wait = s[t * TF + T_WAIT]!;
      codes[n++] = wait < 0 ? 0 : wait === CTRL_DONE ? 1 : 2;
    }
    const chars = this.chars;
    for (let k = 0; k < chars.length; k++) {
      const lo = codes[2 * k]! + 128;
      const hi = (codes[2 * k + 1] ?? 0) + 128;
      if ((lo | hi) & ~0xff) throw new Error(`a state value out of the key's range: ${lo - 128}, ${hi - 128}`);
      chars[k] = lo | (hi << 8);
    }
    return String.fromCharCode.apply(null, chars as unknown as number[]);
  }

  /** Whether thread t can make a step of its own (awake and not dead). */
  canStep(t: number): boolean {
    const s = this.s;
    const b = t * TF;
    if (t === 0) return s[this.g + G_OUTCOME] === OUTCOME_RUNNING && s[b + T_WAIT]! < 0;
    return s[b + T_MODE] !== DEAD && s[b + T_WAIT]! < 0;
  }

  /**
   * Whether thread t's next step is invisible to the others: it commutes with every step
   * any other thread can still make, so the search lets the thread go on at once (a
   * partial-order reduction; only its own step and its deaths are tried there). Such a step
   * touches only the thread's own locals; or words no other thread reads (the serving words,
   * CTRL_ONLINE); or a live worker's hold word (the caller reads it only once that worker is
   * marked dead, after its last step); or words that no longer change (a dead worker's hold
   * word, CTRL_MAX_WORKER and CTRL_NSLOTS once the first region set them); or, once the
   * caller has published its last region, the words of a worker's wait for the epoch
   * (CTRL_EPOCH, CTRL_SLEEPERS, its wake word), which only the caller's publish touches.
   */
  invisible(t: number): boolean {
    const { s, i32 } = this;
    const b = t * TF;
    const pc = s[b + T_PC]!;
    const settled = i32[CTRL_MAX_WORKER] === this.config.workers && i32[CTRL_NSLOTS] === this.p;
    if (t === 0) return pc === C_RUN || pc === C_REAP_HOLD || (pc === C_DESC_REST && settled);
    if (s[b + T_MODE] === DYING) return pc === X_SERVING || pc === X_UNHOLD || pc === L_UNHOLD;
    if (s[b + T_MODE] !== LIVE) return false;
    switch (pc) {
      case W_BEGIN:
      case W_CLAIMING:
      case W_HOLD:
      case W_RUN:
      case W_BODY_END:
      case W_UNHOLD:
        return true;
      case W_MAX_WORKER:
        return settled;
      case W_EPOCH:
      case W_SPIN:
      case W_SLEEP_LOOK:
      case W_WAKE_MARK:
      case W_SLEEPERS_IN:
      case W_LAST_LOOK:
      case W_WAIT:
      case W_SLEEPERS_OUT:
      case W_WAKE_CLEAR:
        return this.lastPublished();
    }
    return false;
  }

  /** Whether the caller has published its last region (it touches CTRL_EPOCH, CTRL_SLEEPERS and the wake words no more). */
  lastPublished(): boolean {
    const s = this.s;
    if (s[this.g + G_OUTCOME] !== OUTCOME_RUNNING) return true;
    if (s[this.g + G_K] !== this.config.regions) return false;
    const pc = s[T_PC]!;
    return s[T_SEEN] === 1 || pc >= C_CLAIM;
  }

  /** The choices open in this state. */
  choices(): number[] {
    const { s, g } = this;
    const out: number[] = [];
    const running = s[g + G_OUTCOME] === OUTCOME_RUNNING;
    const last = s[g + G_LAST]!;
    if (last >= 0 && this.canStep(last) && this.invisible(last)) {
      out.push(last * 8 + STEP);
      if (last > 0 && running && s[last * TF + T_MODE] === LIVE && s[g + G_DEATHS]! > 0) out.push(last * 8 + EXIT_DEATH, last * 8 + SILENT_DEATH);
      return out;
    }
    for (let t = 0; t < this.threads; t++) {
      const b = t * TF;
      if (this.canStep(t)) out.push(t * 8 + STEP);
      else if (running && s[b + T_WAIT]! >= 0 && s[g + G_SPURIOUS]! > 0) out.push(t * 8 + SPURIOUS);
      if (t > 0 && running && s[b + T_MODE] === LIVE && s[g + G_DEATHS]! > 0) out.push(t * 8 + EXIT_DEATH, t * 8 + SILENT_DEATH);
    }
    if (this.config.fixed && running && s[T_WAIT] === CTRL_DONE && !out.some((c) => (c & 7) === STEP)) out.push(TIMEOUT);
    return out;
  }

  /** 1 when the choice preempts the thread that stepped last (it could go on), else 0. */
  cost(choice: number): number {
    const last = this.s[this.g + G_LAST]!;
    return this.config.preemptions !== Infinity && last >= 0 && choice >> 3 !== last && this.canStep(last) ? 1 : 0;
  }

  /** Makes one choice; returns its label. Sets `violation` when a check fails. */
  apply(choice: number): string {
    const label = this.applyChoice(choice);
    // Without a bound on preemptions, who stepped last matters only before an invisible step.
    const t = choice >> 3;
    if (this.config.preemptions === Infinity && !(this.canStep(t) && this.invisible(t))) this.s[this.g + G_LAST] = -1;
    return label;
  }

  applyChoice(choice: number): string {
    const { s, g } = this;
    const t = choice >> 3;
    const kind = choice & 7;
    s[g + G_LAST] = t;
    const b = t * TF;
    if (kind === TIMEOUT) {
      s[b + T_WAIT] = -1;
      return `${this.name(t)}: its sleep times out`;
    }
    if (kind === SPURIOUS) {
      s[g + G_SPURIOUS]!--;
      s[b + T_WAIT] = -1;
      return `${this.name(t)}: wakes spuriously`;
    }
    if (kind === EXIT_DEATH || kind === SILENT_DEATH) {
      const at = s[b + T_PC];
      s[g + G_DEATHS]!--;
      s[b + T_WAIT] = -1;
      s[b + T_MODE] = DYING;
      s[b + T_PC] = kind === EXIT_DEATH ? X_SERVING : M_DEAD;
      this.forget(b, false);
      return `${this.name(t)}: dies (${kind === EXIT_DEATH ? 'process.exit(): exit hook, then markDead' : 'silently: markDead only'}) before its step ${at}`;
    }
    notified = [];
    const label = `${this.name(t)}: ${t === 0 ? this.callerStep(b) : this.workerStep(t, b)}`;
    for (const index of notified) {
      for (let u = 0; u < this.threads; u++) if (s[u * TF + T_WAIT] === index) s[u * TF + T_WAIT] = -1;
    }
    this.forget(b, t === 0);
    return label;
  }

  /**
   * Clears the locals a thread will not read again from where it is, so that executions that
   * differ only in such stale values meet in one state (the search remembers states).
   */
  forget(b: number, caller: boolean): void {
    const s = this.s;
    const pc = s[b + T_PC]!;
    let slot: boolean; // T_SLOT and T_CLAIMK
    let region: boolean; // T_REGION, T_TARGET, T_P
    if (caller) {
      slot = pc === C_RUN || pc === C_FINISH || pc === C_SKIP_FINISH;
      region = s[b + T_SEEN] === 1 || (pc >= C_DESC_REST && pc <= C_COLLECT);
      if (pc !== C_JOIN_DEATHS && pc !== C_JOIN_WAIT) s[b + T_V] = 0;
      if (!(pc >= C_REAP_DEAD && pc <= C_SKIP_FINISH) && pc !== C_REAP_DONE && pc !== C_WAKE_READ && pc !== C_WAKE_SWAP) s[b + T_I] = 0;
    } else if (s[b + T_MODE] === LIVE) {
      slot = pc >= W_HOLD && pc <= W_FINISH;
      region = pc >= W_RUN && pc <= W_FINISH;
    } else {
      const hook = s[b + T_MODE] === DYING && pc < M_DEAD && s[b + T_HOLDING]! >= 0;
      slot = hook;
      region = hook;
      s[b + T_SEEN] = 0;
      if (s[b + T_MODE] === DEAD) s[b + T_PC] = s[b + T_HOLDING] = 0;
    }
    if (!slot) {
      s[b + T_SLOT] = -1;
      s[b + T_CLAIMK] = 0;
    }
    if (!region) {
      s[b + T_REGION] = 0;
      s[b + T_TARGET] = 0;
      s[b + T_P] = 0;
    }
  }

  fail(message: string): void {
    this.violation ??= message;
  }

  /** Says why the caller, asleep with nobody left to wake it, never returns. */
  deadlock(): string {
    const { i32, s, g } = this;
    const k = s[g + G_K]!;
    const done = `CTRL_DONE ${i32[CTRL_DONE]} of target ${s[T_TARGET]}`;
    for (let id = 1; id <= this.config.workers; id++) {
      if (s[id * TF + T_MODE] === DEAD && heldRegion(i32, id) === 0) {
        for (let slot = 0; slot < this.p; slot++) {
          if (s[this.ran(k, slot)] === 1 && s[this.fin(k, slot)] === 0) {
            return `deadlock (slot lost with no hold): slot ${slot} of region ${k} ran but never finishes, and w${id} died with hold word 0 (${done})`;
          }
        }
      }
    }
    if (s[T_WAIT] === CTRL_DONE && i32[CTRL_DEATHS] !== s[g + G_DEATHS_SEEN]) {
      return `deadlock (lost wake-up): the join of region ${k} sleeps on CTRL_DONE although a death was counted after its look at CTRL_DEATHS (${done})`;
    }
    return `deadlock: the caller never returns (${done})`;
  }

  // ---- bookkeeping and checks --------------------------------------------------------------

  ran(k: number, slot: number): number {
    return this.g + G_RAN + (k - 1) * 4 + slot;
  }

  fin(k: number, slot: number): number {
    return this.g + G_RAN + 16 + (k - 1) * 4 + slot;
  }

  /** A successful claim of `slot` by thread t: it belongs to the region whose slots are open. */
  claimed(b: number, slot: number): void {
    this.s[b + T_CLAIMK] = this.s[this.g + G_OPENK]!;
    if (slot < 0 || slot >= this.p) this.fail(`claimSlot returned slot ${slot} of a region of ${this.p}`);
  }

  /** Thread t runs its slot's body. */
  runs(b: number, who: string): void {
    const s = this.s;
    const k = s[b + T_CLAIMK]!;
    const slot = s[b + T_SLOT]!;
    if (((s[this.g + G_JOINED]! >> k) & 1) !== 0) this.fail(`${who} runs slot ${slot} of region ${k} after its join returned`);
    if (++s[this.ran(k, slot)]! > 1) this.fail(`slot ${slot} of region ${k} runs twice`);
  }

  /**
   * Thread t finishes the slot it claimed last, believing it is a slot of region `as` (whose
   * done target it passes). Checked: the slot belongs to that region, which is the current
   * one; it was not finished before; its region was not joined yet.
   */
  finishes(b: number, who: string, as: number): void {
    const s = this.s;
    const k = s[b + T_CLAIMK]!;
    const slot = s[b + T_SLOT]!;
    const current = this.i32[CTRL_REGION]!;
    if (k !== as) this.fail(`${who} finishes slot ${slot} of region ${k} as a slot of region ${as} (done target ${s[b + T_TARGET]})`);
    else if (as !== current) this.fail(`${who} holds a slot of region ${as} and finishes a slot while region ${current} is current`);
    if (++s[this.fin(k, slot)]! > 1) this.fail(`slot ${slot} of region ${k} finishes twice`);
    if (((s[this.g + G_JOINED]! >> k) & 1) !== 0) this.fail(`${who} finishes slot ${slot} of region ${k} after its join returned`);
  }

  /** The caller's join of region k returned: every slot finished; if the region did not fail, every slot ran once. */
  joined(k: number, failed: number): void {
    const s = this.s;
    for (let slot = 0; slot < this.p; slot++) {
      if (s[this.fin(k, slot)] !== 1) this.fail(`the join of region ${k} returned while slot ${slot} was finished ${s[this.fin(k, slot)]} times`);
      else if (failed === 0 && s[this.ran(k, slot)] !== 1) this.fail(`region ${k} succeeded but slot ${slot} ran ${s[this.ran(k, slot)]} times (lost)`);
    }
    s[this.g + G_JOINED]! |= 1 << k;
    // Checked: from now on any run or finish of the region is a violation by itself.
    for (let slot = 0; slot < this.p; slot++) s[this.ran(k, slot)] = s[this.fin(k, slot)] = 0;
  }

  // ---- the caller (ForkJoin#runSync, #publish, Pool#reap, skipUnclaimed) ----------------------

  callerStep(b: number): string {
    const { i32, s, g, config } = this;
    const k = s[g + G_K]!;
    const inFlight = s[b + T_SEEN] === 1;
    const endReap = (): void => {
      if (!inFlight) s[b + T_PC] = C_DESC_ID;
      else if (s[g + G_FAILURE]) s[g + G_OUTCOME] = OUTCOME_RECOVERED;
      else s[b + T_PC] = C_JOIN_FIRST;
    };
    const nextMember = (): void => {
      s[b + T_I]!++;
      s[b + T_PC] = C_REAP_DEAD;
    };
    switch (s[b + T_PC]) {
      // #reap: before a call (nothing in flight) and inside a join.
      case C_REAP_COUNT: {
        const count = deaths(i32);
        if (count === s[g + G_DEATHS_SEEN]) {
          endReap();
          return `reap: deaths() = ${count}, none new${s[g + G_OUTCOME] === OUTCOME_RECOVERED ? '; recovers' : ''}`;
        }
        s[g + G_DEATHS_SEEN] = count;
        s[b + T_I] = 1;
        s[b + T_PC] = C_REAP_DEAD;
        return `reap: deaths() = ${count}`;
      }
      case C_REAP_DEAD: {
        const id = s[b + T_I]!;
        if (id > config.workers) {
          endReap();
          return `reap: done${s[g + G_OUTCOME] === OUTCOME_RECOVERED ? ', the join fails: recovers' : ''}`;
        }
        if (((s[g + G_EXITED]! >> id) & 1) !== 0 || !isDead(i32, id)) {
          nextMember();
          return `reap: isDead(${id}) false or known`;
        }
        s[g + G_EXITED]! |= 1 << id;
        if (inFlight) s[b + T_PC] = C_REAP_HOLD;
        else nextMember();
        return `reap: isDead(${id}) true`;
      }
      case C_REAP_HOLD: {
        const id = s[b + T_I]!;
        const hold = heldRegion(i32, id);
        if ((hold === k || hold === HOLD_CLAIMING) && config.fixed) s[b + T_PC] = C_REAP_DONE;
        else if (hold === k || hold === HOLD_CLAIMING) {
          s[g + G_FAILURE] = 1;
          nextMember();
        } else if (id <= config.workers) s[b + T_PC] = C_REAP_UNCLAIMED;
        else nextMember();
        return `reap: heldRegion(${id}) = ${hold}${s[g + G_FAILURE] ? ': its slot died, the join fails' : ''}`;
      }
      case C_REAP_DONE: {
        // Fixed: a hold names a lost slot only while the region is unfinished.
        const done = regionDone(i32, s[b + T_TARGET]!);
        if (!done) s[g + G_FAILURE] = 1;
        nextMember();
        return `reap: regionDone() ${done}${done ? '' : ': its slot died, the join fails'}`;
      }
      case C_REAP_UNCLAIMED: {
        const left = hasUnclaimed(i32);
        if (left) s[b + T_PC] = C_REAP_FAILED;
        else nextMember();
        return `reap: hasUnclaimed() ${left}`;
      }
      case C_REAP_FAILED: {
        const failed = regionFailure(i32);
        if (failed !== 0) s[b + T_PC] = C_SKIP_CLAIM;
        // A replacement worker would claim the slots: outside the model (the caller claims
        // until a claim fails before it joins, so no slot is left unclaimed here).
        else this.fail('a live region has unclaimed slots at the join (a replacement worker is outside the model)');
        return `reap: regionFailure() = ${failed}`;
      }
      case C_SKIP_CLAIM: {
        const slot = claimSlot(i32);
        s[b + T_SLOT] = slot;
        if (slot >= 0) {
          this.claimed(b, slot);
          s[b + T_PC] = C_SKIP_FINISH;
        } else nextMember();
        return `skipUnclaimed: claimSlot() = ${slot}`;
      }
      case C_SKIP_FINISH:
        this.finishes(b, 'the caller (skipUnclaimed)', k);
        finishSlot(i32, s[b + T_TARGET]!);
        s[b + T_PC] = C_SKIP_CLAIM;
        return `skipUnclaimed: finishSlot(${s[b + T_TARGET]}) for slot ${s[b + T_SLOT]}`;

      // #publish: the descriptor, resetForRegion, openRegion.
      case C_DESC_ID: {
        const target = (s[g + G_DONE_TOTAL]! + this.p) | 0;
        s[g + G_DONE_TOTAL] = target;
        s[b + T_REGION] = k;
        s[b + T_TARGET] = target;
        i32[CTRL_REGION] = k;
        i32[CTRL_DONE_TARGET] = target;
        s[b + T_PC] = C_DESC_REST;
        return `publish region ${k}: descriptor id ${k}, done target ${target}`;
      }
      case C_DESC_REST:
        writeRegion(controlViews(i32.buffer as SharedArrayBuffer), this.region(k, s[b + T_TARGET]!));
        s[b + T_PC] = C_RESET_LOAD;
        return `publish region ${k}: descriptor P ${this.p}, maxWorker ${config.workers}`;
      case C_RESET_LOAD: {
        const error = Atomics.load(i32, CTRL_ERROR);
        s[b + T_PC] = error !== 0 ? C_RESET_STORE : C_OPEN_SLOTS;
        return `resetForRegion: load CTRL_ERROR = ${error}`;
      }
      case C_RESET_STORE:
        Atomics.store(i32, CTRL_ERROR, 0);
        s[b + T_PC] = C_OPEN_SLOTS;
        return 'resetForRegion: store CTRL_ERROR = 0';
      case C_OPEN_SLOTS:
        Atomics.store(i32, CTRL_SLOTS, this.p);
        s[g + G_OPENK] = k;
        s[b + T_PC] = C_OPEN_EPOCH;
        return `openRegion: store CTRL_SLOTS = ${this.p}`;
      case C_OPEN_EPOCH: {
        const epoch = Atomics.add(i32, CTRL_EPOCH, 1) + 1;
        s[b + T_PC] = C_WAKE_SLEEPERS;
        return `openRegion: CTRL_EPOCH -> ${epoch}`;
      }
      case C_WAKE_SLEEPERS: {
        const sleepers = Atomics.load(i32, CTRL_SLEEPERS);
        s[b + T_I] = 1;
        s[b + T_PC] = sleepers === 0 ? C_CLAIM : C_WAKE_READ;
        return `wakeForRegion: load CTRL_SLEEPERS = ${sleepers}`;
      }
      case C_WAKE_READ: {
        const id = s[b + T_I]!;
        if (id > config.workers) {
          s[b + T_PC] = C_CLAIM;
          return 'wakeForRegion: done';
        }
        const marked = i32[wakeWord(id)] !== 0;
        if (marked) s[b + T_PC] = C_WAKE_SWAP;
        else s[b + T_I]!++;
        return `wakeForRegion: read wake word ${id} = ${i32[wakeWord(id)]}`;
      }
      case C_WAKE_SWAP: {
        const id = s[b + T_I]!;
        const w = wakeWord(id);
        const was = Atomics.exchange(i32, w, 0);
        if (was !== 0) Atomics.notify(i32, w);
        s[b + T_I]!++;
        s[b + T_PC] = C_WAKE_READ;
        return `wakeForRegion: swap wake word ${id} (${was} -> 0)${was !== 0 ? ', notify' : ''}`;
      }

      // The claim loop (the caller runs slots until a claim fails or it ran the last one).
      case C_CLAIM: {
        const slot = claimOwnSlot(i32, this.p);
        s[b + T_SLOT] = slot;
        if (slot >= 0) {
          this.claimed(b, slot);
          s[b + T_PC] = C_RUN;
        } else {
          s[b + T_PC] = C_JOIN_FIRST;
        }
        return `claimSlot() = ${slot}`;
      }
      case C_RUN:
        this.runs(b, 'the caller');
        s[b + T_PC] = C_FINISH;
        return `runs slot ${s[b + T_SLOT]} of region ${s[b + T_CLAIMK]}`;
      case C_FINISH:
        // finishOwnSlot (the caller joins itself: no notify); after the last slot (P - 1)
        // it claims no more (ForkJoin.runSync).
        this.finishes(b, 'the caller', k);
        finishOwnSlot(i32);
        s[b + T_PC] = s[b + T_SLOT] === this.p - 1 ? C_JOIN_FIRST : C_CLAIM;
        return `finishOwnSlot() for slot ${s[b + T_SLOT]}`;

      // joinSync (waitUntilEquals with no spin budget), then #reap on a death.
      case C_JOIN_FIRST:
      case C_JOIN_LOAD: {
        const v = Atomics.load(i32, CTRL_DONE);
        s[b + T_V] = v;
        if (v === s[b + T_TARGET]) s[b + T_PC] = C_COLLECT;
        else s[b + T_PC] = s[b + T_PC] === C_JOIN_FIRST ? C_JOIN_LOAD : C_JOIN_DEATHS;
        return `join: load CTRL_DONE = ${v} (target ${s[b + T_TARGET]})`;
      }
      case C_JOIN_DEATHS: {
        const count = Atomics.load(i32, CTRL_DEATHS);
        if (count !== s[g + G_DEATHS_SEEN]) {
          s[b + T_SEEN] = 1;
          s[b + T_PC] = C_REAP_COUNT;
        } else s[b + T_PC] = C_JOIN_WAIT;
        return `join: load CTRL_DEATHS = ${count} (seen ${s[g + G_DEATHS_SEEN]})`;
      }
      case C_JOIN_WAIT: {
        const v = s[b + T_V]!;
        s[b + T_PC] = C_JOIN_LOAD;
        if (i32[CTRL_DONE] !== v) return `join: Atomics.wait(CTRL_DONE, ${v}): not-equal`;
        s[b + T_WAIT] = CTRL_DONE;
        return `join: Atomics.wait(CTRL_DONE, ${v}): sleeps`;
      }
      case C_COLLECT: {
        const failed = regionFailure(i32);
        this.joined(k, failed);
        s[b + T_SEEN] = 0;
        if (k === config.regions) s[g + G_OUTCOME] = OUTCOME_DONE;
        else {
          s[g + G_K] = k + 1;
          s[b + T_PC] = C_REAP_COUNT;
        }
        return `join of region ${k} returns; regionFailure() = ${failed} (${failed === 0 ? 'the call succeeds' : 'the call rejects'})`;
      }
    }
    throw new Error(`caller at unknown step ${s[b + T_PC]}`);
  }

  /** Region k's descriptor: the one in the block, with the fields the model sets. */
  region(k: number, doneTarget: number): Region {
    const c = controlViews(this.i32.buffer as SharedArrayBuffer);
    return { ...readRegion(c), id: k, doneTarget, kind: KIND_FOR, schedule: SCHED_STATIC, p: this.p, maxWorker: this.config.workers };
  }

  /** After a slot: the last slot's claim took the count to zero, so no further claim. */
  afterSlot(b: number): number {
    return this.s[b + T_SLOT] === this.s[b + T_P]! - 1 ? W_SPIN : W_CLAIMING;
  }

  // ---- a worker (threads/worker.ts: serve, runClaimed, the exit hook; the supervisor's markDead) ------

  workerStep(id: number, b: number): string {
    const { i32, s } = this;
    const hold = holdWord(id);
    const wake = wakeWord(id);
    switch (s[b + T_PC]) {
      case W_BEGIN:
        beginServing(i32, id);
        s[b + T_PC] = W_EPOCH;
        return 'beginServing';
      case W_EPOCH: {
        // The loop's CTRL_STATE load is folded in: nothing in the model writes CTRL_STATE.
        const seen = Atomics.load(i32, CTRL_EPOCH);
        s[b + T_SEEN] = seen;
        s[b + T_PC] = W_MAX_WORKER;
        return `serve: load CTRL_EPOCH = ${seen}`;
      }
      case W_MAX_WORKER: {
        const max = Atomics.load(i32, CTRL_MAX_WORKER);
        s[b + T_PC] = id <= max ? W_CLAIMING : W_SPIN;
        return `serve: load CTRL_MAX_WORKER = ${max}`;
      }
      // claimHeld, one operation per step.
      case W_CLAIMING:
        Atomics.store(i32, hold, HOLD_CLAIMING);
        s[b + T_PC] = W_CLAIM;
        return 'claimHeld: hold = HOLD_CLAIMING';
      case W_CLAIM: {
        const slot = claimSlot(i32);
        s[b + T_SLOT] = slot;
        if (slot >= 0) this.claimed(b, slot);
        s[b + T_PC] = W_HOLD;
        return `claimHeld: claimSlot() = ${slot}`;
      }
      case W_HOLD: {
        const slot = s[b + T_SLOT]!;
        const region = i32[CTRL_REGION]!;
        Atomics.store(i32, hold, slot < 0 ? 0 : region);
        if (slot < 0) {
          s[b + T_PC] = W_SPIN;
          return 'claimHeld: hold = 0';
        }
        // runClaimed reads the descriptor (region()): plain reads, valid after the claim.
        s[b + T_REGION] = region;
        s[b + T_TARGET] = i32[CTRL_DONE_TARGET]!;
        s[b + T_P] = i32[CTRL_NSLOTS]!;
        if (region !== s[b + T_CLAIMK]) this.fail(`w${id} claimed a slot of region ${s[b + T_CLAIMK]} but reads descriptor ${region}`);
        s[b + T_PC] = W_RUN;
        return `claimHeld: hold = ${region}`;
      }
      case W_RUN:
        s[b + T_HOLDING] = s[b + T_SLOT]!;
        this.runs(b, `w${id}`);
        s[b + T_PC] = W_BODY_END;
        return `runs slot ${s[b + T_SLOT]} of region ${s[b + T_REGION]}`;
      case W_BODY_END:
        s[b + T_HOLDING] = -1;
        s[b + T_PC] = this.config.fixed ? W_FINISH : W_UNHOLD;
        return 'the body returned (holdingSlot = -1)';
      // releaseHeld, one operation per step (fixed: the finish first).
      case W_UNHOLD:
        Atomics.store(i32, hold, 0);
        s[b + T_PC] = this.config.fixed ? this.afterSlot(b) : W_FINISH;
        return 'releaseHeld: hold = 0';
      case W_FINISH: {
        this.finishes(b, `w${id}`, s[b + T_REGION]!);
        finishSlot(i32, s[b + T_TARGET]!);
        s[b + T_PC] = this.config.fixed ? W_UNHOLD : this.afterSlot(b);
        return `releaseHeld: finishSlot(${s[b + T_TARGET]}) for slot ${s[b + T_SLOT]}`;
      }
      // waitForEpoch with no spin budget (spinWhileEquals(.., 0) is one load); CTRL_STATE
      // loads are folded in (always TEAM_OPEN here).
      case W_SPIN: {
        const epoch = Atomics.load(i32, CTRL_EPOCH);
        s[b + T_PC] = epoch !== s[b + T_SEEN] ? W_EPOCH : W_SLEEP_LOOK;
        return `waitForEpoch: load CTRL_EPOCH = ${epoch} (seen ${s[b + T_SEEN]})`;
      }
      case W_SLEEP_LOOK: {
        const epoch = Atomics.load(i32, CTRL_EPOCH);
        s[b + T_PC] = epoch === s[b + T_SEEN] && Atomics.load(i32, CTRL_STATE) === TEAM_OPEN ? W_WAKE_MARK : W_EPOCH;
        return `waitForEpoch: loop, load CTRL_EPOCH = ${epoch}`;
      }
      case W_WAKE_MARK:
        Atomics.store(i32, wake, 1);
        s[b + T_PC] = W_SLEEPERS_IN;
        return 'waitForEpoch: wake word = 1';
      case W_SLEEPERS_IN:
        Atomics.add(i32, CTRL_SLEEPERS, 1);
        s[b + T_PC] = W_LAST_LOOK;
        return 'waitForEpoch: CTRL_SLEEPERS + 1';
      case W_LAST_LOOK: {
        const epoch = Atomics.load(i32, CTRL_EPOCH);
        s[b + T_PC] = epoch === s[b + T_SEEN] ? W_WAIT : W_SLEEPERS_OUT;
        return `waitForEpoch: last look, CTRL_EPOCH = ${epoch}`;
      }
      case W_WAIT:
        s[b + T_PC] = W_SLEEPERS_OUT;
        if (i32[wake] !== 1) return 'waitForEpoch: Atomics.wait(wake, 1): not-equal';
        s[b + T_WAIT] = wake;
        return 'waitForEpoch: Atomics.wait(wake, 1): sleeps';
      case W_SLEEPERS_OUT:
        Atomics.sub(i32, CTRL_SLEEPERS, 1);
        s[b + T_PC] = W_WAKE_CLEAR;
        return 'waitForEpoch: CTRL_SLEEPERS - 1';
      case W_WAKE_CLEAR:
        Atomics.store(i32, wake, 0);
        s[b + T_PC] = W_SLEEP_LOOK;
        return 'waitForEpoch: wake word = 0';
      default:
        return this.dyingStep(id, b);
    }
  }

  dyingStep(id: number, b: number): string {
    const { i32, s } = this;
    const holding = s[b + T_HOLDING]!;
    const legacy = this.config.hook === 'legacy';
    switch (s[b + T_PC]) {
      // The exit hook: endServing, one operation per step (the serving word and CTRL_ONLINE,
      // which nothing in the model reads, in one).
      case X_SERVING:
        Atomics.store(i32, servingWord(id), 0);
        Atomics.add(i32, CTRL_ONLINE, 1);
        Atomics.notify(i32, CTRL_ONLINE);
        s[b + T_PC] = holding < 0 ? M_DEAD : X_FAIL;
        return `exit hook: serving = 0 (holdingSlot ${holding})`;
      case X_FAIL:
        failSlot(i32, holding);
        s[b + T_PC] = legacy ? L_FINISH_OWN : this.config.fixed ? X_FINISH : X_UNHOLD;
        return `exit hook: failSlot(${holding})`;
      case X_UNHOLD:
        Atomics.store(i32, holdWord(id), 0);
        s[b + T_PC] = this.config.fixed ? M_DEAD : X_FINISH;
        return 'exit hook: releaseHeld: hold = 0';
      case X_FINISH:
        s[b + T_SLOT] = holding;
        this.finishes(b, `dying w${id}`, s[b + T_REGION]!);
        finishSlot(i32, s[b + T_TARGET]!);
        s[b + T_PC] = this.config.fixed ? X_UNHOLD : M_DEAD;
        return `exit hook: releaseHeld: finishSlot(${s[b + T_TARGET]}) for slot ${holding}`;
      // The exit hook before it was fixed: it also claimed and finished every unclaimed slot.
      case L_FINISH_OWN:
        s[b + T_SLOT] = holding;
        this.finishes(b, `dying w${id}`, s[b + T_REGION]!);
        finishSlot(i32, s[b + T_TARGET]!);
        s[b + T_PC] = L_CLAIM_REST;
        return `legacy exit hook: finishSlot(${s[b + T_TARGET]}) for its slot ${holding}`;
      case L_CLAIM_REST: {
        const rest = claimSlot(i32);
        s[b + T_SLOT] = rest;
        if (rest >= 0) {
          this.claimed(b, rest);
          s[b + T_PC] = L_FINISH_REST;
        } else s[b + T_PC] = L_UNHOLD;
        return `legacy exit hook: claimSlot() = ${rest}`;
      }
      case L_FINISH_REST:
        this.finishes(b, `dying w${id}`, s[b + T_REGION]!);
        finishSlot(i32, s[b + T_TARGET]!);
        s[b + T_PC] = L_CLAIM_REST;
        return `legacy exit hook: finishSlot(${s[b + T_TARGET]}) for slot ${s[b + T_SLOT]} (not run)`;
      case L_UNHOLD:
        Atomics.store(i32, holdWord(id), 0);
        s[b + T_PC] = M_DEAD;
        return 'legacy exit hook: hold = 0';
      // The supervisor's markDead, one step per word that the caller reads.
      case M_DEAD:
        Atomics.store(i32, servingWord(id), 0);
        Atomics.store(i32, deadWord(id), 1);
        s[b + T_PC] = M_COUNT;
        return `markDead(${id}): serving = 0, dead = 1`;
      case M_COUNT: {
        const count = Atomics.add(i32, CTRL_DEATHS, 1) + 1;
        s[b + T_PC] = M_NOTIFY;
        return `markDead(${id}): CTRL_DEATHS -> ${count}`;
      }
      case M_NOTIFY:
        markDeadWakes(i32);
        s[b + T_MODE] = DEAD;
        return `markDead(${id}): CTRL_ONLINE + 1, notify CTRL_DONE, barriers and locks`;
    }
    throw new Error(`w${id} at unknown step ${s[b + T_PC]}`);
  }
}

/** The tail of markDead: the wakes (CTRL_ONLINE is not read in the model). */
function markDeadWakes(i32: Int32Array): void {
  Atomics.add(i32, CTRL_ONLINE, 1);
  Atomics.notify(i32, CTRL_ONLINE);
  Atomics.notify(i32, CTRL_DONE);
  Atomics.notify(i32, CTRL_BAR_GEN);
  for (let k = 0; k < N_LOCKS; k++) Atomics.notify(i32, CTRL_LOCKS + k * LINE);
}

// ---- the search ----------------------------------------------------------------------------

function explore(config: Config): Result {
  const t0 = performance.now();
  const m = new Model(config);
  const { i32, s, tracked } = m;
  // Executions are counted per preemption budget: counts[o * W + r] is the number of
  // executions from a state on with at most r preemptions that end in outcome o (every
  // execution, every region joined, recovered, a violation). A state is explored again only
  // when it is reached with more budget left than before.
  const budget = config.preemptions === Infinity ? 0 : config.preemptions;
  const W = budget + 1;
  // Counts live in one growing pool, W * 4 numbers per state: pool slots 0..2 are the ends.
  let pool = new Float64Array(4 * W * 1024);
  let leftOf = new Int8Array(1024);
  let used = 0;
  const slot = (): number => {
    if (used === leftOf.length) {
      const bigger = new Float64Array(pool.length * 2);
      bigger.set(pool);
      pool = bigger;
      const lefts = new Int8Array(leftOf.length * 2);
      lefts.set(leftOf);
      leftOf = lefts;
    }
    return used++;
  };
  const ending = (o: number): number => {
    const at = slot();
    pool.fill(1, at * 4 * W, at * 4 * W + W);
    pool.fill(1, (at * 4 + o) * W, (at * 4 + o) * W + W);
    leftOf[at] = budget;
    return at;
  };
  const END_JOINED = ending(1);
  const END_RECOVERED = ending(2);
  const END_VIOLATION = ending(3);
  // Every state seen, with its pool slot; ON_PATH while it is being explored (seeing it
  // again then closes a cycle).
  const seen = new Map<string, number>();
  const ON_PATH = -1;
  let explored = 0;
  let transitions = 0;
  let violations = 0;
  let first: Violation | undefined;
  let stop = false;
  // Buffers to save the state at each depth.
  const savedWords: Int32Array[] = [];
  const savedState: Int32Array[] = [];

  const kinds = new Map<string, { count: number; first: Violation }>();
  const found = (message: string): number => {
    violations++;
    first ??= { message, trace: [...m.trace] };
    // The kind: the message without its numbers and details.
    const kind = message.replace(/ \(.*| [^ ]*\d[^ ]*/g, (x) => (x.startsWith(' (') ? x.slice(0, x.indexOf(')') + 1) : ' N'));
    const known = kinds.get(kind);
    if (known) known.count++;
    else kinds.set(kind, { count: 1, first: { message, trace: [...m.trace] } });
    if (config.stopAtFirst && !config.known.includes(kind)) stop = true;
    return END_VIOLATION;
  };

  const visit = (depth: number, left: number): number => {
    const key = m.key();
    const known = seen.get(key);
    if (known === ON_PATH) return found('a cycle: an execution that never ends');
    if (known !== undefined && leftOf[known]! >= left) return known;
    if (++explored > config.maxStates) throw new Error(`${config.name}: more than ${config.maxStates} states explored`);
    const choices = m.choices();
    if (choices.length === 0) {
      const outcome = s[m.g + G_OUTCOME];
      const end = outcome === OUTCOME_DONE ? END_JOINED : outcome === OUTCOME_RECOVERED ? END_RECOVERED : found(m.deadlock());
      seen.set(key, end);
      return end;
    }
    seen.set(key, ON_PATH);
    const words = (savedWords[depth] ??= new Int32Array(tracked.length));
    const state = (savedState[depth] ??= new Int32Array(s.length));
    for (let k = 0; k < tracked.length; k++) words[k] = i32[tracked[k]!]!;
    state.set(s);
    const at = slot();
    leftOf[at] = left;
    for (const choice of choices) {
      if (stop) break;
      const cost = m.cost(choice);
      if (cost > left) continue;
      transitions++;
      m.violation = undefined;
      m.trace.push(m.apply(choice));
      const below = m.violation !== undefined ? found(m.violation) : visit(depth + 1, left - cost);
      for (let o = 0; o < 4; o++) for (let r = cost; r <= left; r++) pool[(at * 4 + o) * W + r]! += pool[(below * 4 + o) * W + r - cost]!;
      m.trace.pop();
      for (let k = 0; k < tracked.length; k++) i32[tracked[k]!] = words[k]!;
      s.set(state);
    }
    seen.set(key, at);
    return at;
  };

  const saved = Atomics.notify;
  Atomics.notify = recordNotify;
  let top: number;
  try {
    top = visit(0, budget);
  } finally {
    Atomics.notify = saved;
  }
  // Every word a step wrote is restored on backtracking only if it is tracked: a step that
  // wrote any other word would leave it set here.
  const trackedSet = new Set(tracked);
  const stray = i32.findIndex((v, index) => v !== 0 && !trackedSet.has(index));
  if (stray >= 0) throw new Error(`a step wrote control word ${stray}, which the model does not track`);
  const [interleavings, joinedAll, recovered, violating] = [0, 1, 2, 3].map((o) => pool[(top * 4 + o) * W + budget]!) as [number, number, number, number];
  return { config, interleavings, joinedAll, recovered, violating, states: seen.size, explored, transitions, violations, first, kinds, ms: performance.now() - t0 };
}

function report(r: Result): string {
  const c = r.config;
  const bound = c.preemptions === Infinity ? 'every interleaving' : `at most ${c.preemptions} preemptions`;
  return (
    `${c.name}: ${c.workers + 1} threads, ${c.regions} regions, ${bound}, ${c.spurious} spurious wake-up(s), one death at any step of a worker: ` +
    `${r.interleavings.toExponential(3)} interleavings (${r.joinedAll.toExponential(3)} join every region, ${r.recovered.toExponential(3)} recover, ${r.violating.toExponential(3)} violate), ` +
    `${r.states.toLocaleString('en-US')} states (${r.explored.toLocaleString('en-US')} visits), ${r.transitions.toLocaleString('en-US')} transitions, ${r.violations} violation(s), ${Math.round(r.ms)} ms`
  );
}

function traceText(v: Violation): string {
  return `${v.message}\n${v.trace.map((line, k) => `  ${String(k + 1).padStart(3)}. ${line}`).join('\n')}`;
}

// ---- the specs -----------------------------------------------------------------------------

/**
 * The two ways an earlier version of the protocol could hang, both found by this model
 * (each a deadlock: the caller's join sleeps and nothing is left to wake it):
 * - lost wake-up: joinSync loaded CTRL_DEATHS, then slept on CTRL_DONE without a time
 *   limit; markDead's add to CTRL_DEATHS and its notify of CTRL_DONE could both fall
 *   between the two, and the notify was lost. Joins now sleep in slices.
 * - slot lost with no hold: releaseHeld cleared the hold word before finishing the slot; a
 *   worker dead without running JavaScript between the two left a slot that never finished
 *   and a hold word that said it held none. It now finishes first, and the reap blames a
 *   hold only while its region is not done.
 * The current protocol (`fixed`) must show no violation at all; the earlier one is kept
 * as a check that the model still finds both.
 */
const GAPS_BEFORE_THE_FIX = ['deadlock (lost wake-up)', 'deadlock (slot lost with no hold)'];

const CURRENT = { hook: 'current', fixed: true, stopAtFirst: false, known: [] as string[], maxStates: 4e6 } as const;

describe('the model steps as lib/protocol/transitions.ts does', () => {
  // Runs `steps` single steps of thread t from the current state, with notifies recorded.
  function run(m: Model, t: number, until: (pc: number) => boolean): number[] {
    const saved = Atomics.notify;
    Atomics.notify = recordNotify;
    const all: number[] = [];
    try {
      for (let n = 0; n < 20 && !until(m.s[t * TF + T_PC]!) && m.s[t * TF + T_MODE] !== DEAD; n++) {
        notified = [];
        m.apply(t * 8 + STEP);
        all.push(...notified);
      }
    } finally {
      Atomics.notify = saved;
    }
    return all;
  }
  function real(f: () => void): number[] {
    const saved = Atomics.notify;
    notified = [];
    Atomics.notify = recordNotify;
    try {
      f();
    } finally {
      Atomics.notify = saved;
    }
    return notified;
  }
  function setup(words: Record<number, number>): [Model, Int32Array] {
    const m = new Model({ ...CURRENT, name: 'steps', workers: 2, regions: 2, preemptions: Infinity, spurious: 0 });
    const other = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));
    for (const [k, v] of Object.entries(words)) {
      m.i32[Number(k)] = v;
      other[Number(k)] = v;
    }
    return [m, other];
  }
  const same = (a: Int32Array, b: Int32Array): void => expect(Array.from(a)).toEqual(Array.from(b));
  const base = { [CTRL_REGION]: 3, [CTRL_DONE_TARGET]: 9, [CTRL_NSLOTS]: 3, [CTRL_DONE]: 6, [CTRL_MAX_WORKER]: 2 };

  test('claimHeld: hold = HOLD_CLAIMING, claimSlot, hold = region or 0', () => {
    for (const left of [3, 1, 0, -2]) {
      const [m, other] = setup({ ...base, [CTRL_SLOTS]: left });
      m.s[TF + T_PC] = W_CLAIMING;
      run(m, 1, (pc) => pc === W_RUN || pc === W_SPIN);
      const slot = claimHeld(other, 1);
      same(m.i32, other);
      expect(m.s[TF + T_SLOT]).toBe(slot);
    }
  });

  test('releaseHeld: finishSlot (notifying at the target), then hold = 0', () => {
    for (const done of [6, 8]) {
      const [m, other] = setup({ ...base, [CTRL_DONE]: done, [holdWord(1)]: 3 });
      m.s[TF + T_PC] = W_FINISH;
      m.s[TF + T_REGION] = 3;
      m.s[TF + T_CLAIMK] = 3;
      m.s[TF + T_SLOT] = 0;
      m.s[TF + T_TARGET] = 9;
      m.s[TF + T_P] = 3;
      const modelWakes = run(m, 1, (pc) => pc === W_CLAIMING);
      const realWakes = real(() => releaseHeld(other, 1, 9));
      same(m.i32, other);
      expect(modelWakes).toEqual(realWakes);
    }
  });

  test('endServing and markDead: the exit hook and the supervisor, holding a slot or none', () => {
    for (const holding of [-1, 1]) {
      const [m, other] = setup({ ...base, [CTRL_DONE]: 8, [holdWord(2)]: holding < 0 ? 0 : 3, [servingWord(2)]: 1 });
      m.s[2 * TF + T_MODE] = DYING;
      m.s[2 * TF + T_PC] = X_SERVING;
      m.s[2 * TF + T_HOLDING] = holding;
      m.s[2 * TF + T_TARGET] = 9;
      m.s[2 * TF + T_REGION] = 3;
      const modelWakes = run(m, 2, () => false);
      const realWakes = real(() => {
        endServing(other, 2, holding, 9);
        markDead(other, 2);
      });
      same(m.i32, other);
      expect(modelWakes).toEqual(realWakes);
    }
  });

  test('resetForRegion and openRegion: the error mark, the slots, the epoch and the wakes', () => {
    for (const sleeping of [0, 1, 2]) {
      const words: Record<number, number> = { ...base, [CTRL_ERROR]: 2, [CTRL_SLOTS]: -1, [CTRL_EPOCH]: 4, [CTRL_SLEEPERS]: sleeping };
      for (let id = 1; id <= sleeping; id++) words[wakeWord(3 - id)] = 1;
      const [m, other] = setup(words);
      m.s[T_PC] = C_RESET_LOAD;
      const modelWakes = run(m, 0, (pc) => pc === C_CLAIM);
      const realWakes = real(() => {
        resetForRegion(other, false, false);
        openRegion(other, 3, 2);
      });
      same(m.i32, other);
      expect(modelWakes).toEqual(realWakes);
    }
  });

  test('skipUnclaimed: claims and finishes every slot left', () => {
    const [m, other] = setup({ ...base, [CTRL_SLOTS]: 2, [CTRL_DONE]: 7, [CTRL_ERROR]: 1 });
    m.s[m.g + G_OPENK] = 3;
    m.s[m.g + G_K] = 3;
    m.s[T_PC] = C_SKIP_CLAIM;
    m.s[T_SEEN] = 1;
    m.s[T_TARGET] = 9;
    m.s[T_I] = 1;
    const modelWakes = run(m, 0, (pc) => pc === C_REAP_DEAD);
    const realWakes = real(() => skipUnclaimed(other, 9));
    same(m.i32, other);
    expect(modelWakes).toEqual(realWakes);
  });

  test('the notify stand-in is put back', () => {
    expect(Atomics.notify).toBe(realNotify);
  });
});

/** Summaries and expected counterexamples: printed with PARAFOR_TRACE=1 (a failure prints its own trace). */
const trace = (text: string): void => void (process.env.PARAFOR_TRACE === '1' && console.log(text));

describe('every interleaving of the protocol, with deaths and spurious wake-ups', () => {
  const results: Result[] = [];
  afterAll(() => {
    for (const r of results) trace(report(r));
  });

  test('2 threads (caller, worker 1), 2 regions, every interleaving: no slot runs twice or is lost, no join returns early or hangs', () => {
    const r = explore({ ...CURRENT, name: '2 threads', workers: 1, regions: 2, preemptions: Infinity, spurious: 1 });
    results.push(r);
    if (r.first) console.log(traceText(r.first));
    expect(r.first?.message).toBeUndefined();
    expect(r.interleavings).toBeGreaterThan(1e18);
    expect(r.states).toBeGreaterThan(12_000);
    expect(r.joinedAll).toBeGreaterThan(1e18);
    expect(r.recovered).toBeGreaterThan(1e17);
  });

  test('the protocol before the fix (hold cleared before the finish, an unsliced join): both hangs are found', () => {
    const r = explore({ ...CURRENT, name: '2 threads, before the fix', workers: 1, regions: 2, preemptions: Infinity, spurious: 1, fixed: false, known: GAPS_BEFORE_THE_FIX });
    results.push(r);
    for (const [kind, v] of r.kinds) trace(`before the fix, ${v.count} x ${kind}; the first: ${traceText(v.first)}`);
    expect([...r.kinds.keys()].sort()).toEqual(GAPS_BEFORE_THE_FIX);
  });

  test('3 threads (caller, workers 1 and 2), 2 regions, at most 3 preemptions', () => {
    const r = explore({ ...CURRENT, name: '3 threads', workers: 2, regions: 2, preemptions: 3, spurious: 0 });
    results.push(r);
    if (r.first) console.log(traceText(r.first));
    expect(r.first?.message).toBeUndefined();
    expect(r.interleavings).toBeGreaterThan(5e7);
    expect(r.states).toBeGreaterThan(5e5);
  });

  test('3 threads, at most 2 preemptions, a spurious wake-up', () => {
    const r = explore({ ...CURRENT, name: '3 threads, spurious', workers: 2, regions: 2, preemptions: 2, spurious: 1 });
    results.push(r);
    if (r.first) console.log(traceText(r.first));
    expect(r.first?.message).toBeUndefined();
    expect(r.interleavings).toBeGreaterThan(1e7);
    expect(r.states).toBeGreaterThan(4e5);
  });

  test('the exit hook that claimed every unclaimed slot (before the fix) is caught', () => {
    const r = explore({ ...CURRENT, name: 'legacy exit hook', workers: 1, regions: 2, preemptions: Infinity, spurious: 1, hook: 'legacy', stopAtFirst: true });
    results.push(r);
    const caught = [...r.kinds];
    expect(caught.length).toBeGreaterThan(0);
    const first = caught[0]![1].first;
    trace(`legacy exit hook, the first counterexample: ${traceText(first)}`);
    expect(first.message).toMatch(/^dying w1 finishes slot \d of region 2 as a slot of region 1/);
  });
});
