// A model checker for the shipped protocol, in the spirit of Rust's loom: the generator form
// of dist/protocol/transitions.js (spec/model/transform.ts) runs on a real control block, and
// every Atomics operation it makes is a scheduling point of this checker, which chooses which
// thread goes next. Threads are generators too (spec/model/threads.ts): compositions of the
// real transitions, mirroring lib/threads/worker.ts, lib/call/fork-join.ts, lib/threads/pool.ts
// and lib/threads/supervisor.ts.
//
// Waits are modelled as Atomics.wait is specified: a thread whose word still holds the expected
// value sleeps until an Atomics.notify of that word (a notify before the wait is lost); a wait
// with a finite timeout (the join's slices) times out when every thread is asleep (the time
// passes) and may wake early, as may any sleeper, within a budget of spurious wake-ups.
// Worker deaths are events the checker injects: a silent crash before any step of a worker
// (the supervisor then runs markDead), or a process.exit() in a body (the worker's exit hook,
// endServing, then the supervisor's markDead).
//
// The search is a depth-first search over the choices, with bounded preemptions (CHESS):
// each execution replays its prefix of choices from a fresh block (generators cannot be
// copied). A state is the block's words, each thread's history (a hash of every value its
// operations returned: a thread is deterministic given them), the budgets and the clock; a
// state seen before with at least as many preemptions left is not explored again.
//
// Reduction: operations on words that no thread of the model waits on or decides on (listed in
// `quiet` below) commute with everything the other threads do; they run without a scheduling
// point and stay out of the state. A load or a wait on such a word throws (the model would be
// wrong to call it quiet).
import {
  CTRL_BAR_GEN,
  CTRL_BODY,
  CTRL_CHUNK,
  CTRL_DONE,
  CTRL_DONE_TARGET,
  CTRL_IDENTITY,
  CTRL_KIND,
  CTRL_LOCKS,
  CTRL_MAX_WORKER,
  CTRL_NEXT,
  CTRL_NSLOTS,
  CTRL_ONLINE,
  CTRL_PIECE,
  CTRL_REDUCER,
  CTRL_REGION,
  CTRL_SCHEDULE,
  CTRL_SHARED,
  CTRL_SPIN_US,
  CTRL_UNIT,
  F64_END,
  F64_START,
  LINE,
  MAX_THREADS,
  N_LOCKS,
  servingWord,
  wakeWord,
} from '#internal/protocol/control.js';
import type { Region } from '#internal/protocol/region.js';

/** An operation a thread is about to make (its scheduling point). */
export interface Op {
  /** load, store, add, sub, exchange, compareExchange, notify, wait, waitAsync; sleep, await (blocked); body, gate, start. */
  readonly k: string;
  readonly i: number;
  /** sleep, await: the timeout (Infinity when none). */
  readonly ms?: number;
  readonly region?: Region;
  readonly slot?: number;
  readonly token?: AsyncToken;
  readonly until?: () => boolean;
  readonly what?: string;
}

export type Gen<T = unknown> = Generator<Op, T, unknown>;

interface AsyncToken {
  readonly i: number;
  readonly ms: number;
  result: string | undefined;
}

/** A thread of the model. */
export interface Thread {
  readonly name: string;
  readonly role: 'caller' | 'worker' | 'exit' | 'supervisor';
  /** The worker id (workers, their exit and the supervisor's mark of it). */
  readonly wid: number;
  gen: Gen | undefined;
  pending: Op | undefined;
  h1: number;
  h2: number;
  woken: boolean;
  sleepSeq: number;
  killed: boolean;
  /** The slot whose body it ran and has not finished (its add to CTRL_DONE), for the checks. */
  inSlot: { region: number; slot: number } | undefined;
  /** threads/worker.ts's holdingSlot and holdingRegion, read by the exit hook. */
  holdingSlot: number;
  holdingRegion: Region | undefined;
}

export interface Config {
  readonly name: string;
  readonly workers: number;
  readonly calls: number;
  /** 'sync': the caller takes part (runSync); 'async': it waits only (runAsync); 'timed': runSync with timeout 0. */
  readonly caller: 'sync' | 'async' | 'timed';
  readonly preemptions: number;
  readonly spurious: number;
  readonly deaths: number;
  /** Which deaths: 'exit' (process.exit() in a body), 'crash' (silent), or both. */
  readonly deathKinds: readonly ('exit' | 'crash')[];
  /** False: no reduction, every operation is a scheduling point and every word part of the state. */
  readonly quiet?: boolean;
  /** Stop once this many states were explored (a guard: the test fails when reached). */
  readonly maxStates: number;
}

export interface Result {
  executions: number;
  states: number;
  steps: number;
  pruned: number;
  /** Calls by outcome, over every execution that reached its end. */
  outcomes: Record<string, number>;
  violation: string | undefined;
  trace: string[] | undefined;
  truncated: boolean;
}

type Move = { t: number; kind: 'step' | 'early' | 'timeout' | 'crash' | 'exit' };

/** One step of a 32-bit hash (a multiply written out: Math.imul is slow inside Jest's vm contexts). */
function mix(h: number, v: number): number {
  const y = (h ^ v) | 0;
  const x = ((y & 0xffff) * 0x5bd1e995 + ((((y >>> 16) * 0x5bd1e995) & 0xffff) << 16)) | 0;
  return x ^ (x >> 15);
}

/** A thread's history starts from its name: two threads with different code never look alike. */
function nameHash(name: string, seed: number): number {
  let h = seed;
  for (let k = 0; k < name.length; k++) h = mix(h, name.charCodeAt(k));
  return h;
}

function valueCode(v: unknown): number {
  if (typeof v === 'number') return v | 0;
  if (v === 'ok') return 0x7001;
  if (v === 'not-equal') return 0x7002;
  if (v === 'timed-out') return 0x7003;
  if (typeof v === 'boolean') return v ? 0x7004 : 0x7005;
  if (v === undefined) return 0x7006;
  if (v === 'exit') return 0x7008;
  if (v === 'crash') return 0x7009;
  return 0x7007;
}

class Violation extends Error {}

/** One execution's world: the block, the threads, the budgets and the checks' bookkeeping. */
export class World {
  readonly i32: Int32Array;
  readonly buffer: SharedArrayBuffer;
  threads: Thread[] = [];
  current: Thread | undefined;
  clock = 0;
  spurious: number;
  deathsLeft: number;
  deathsSeen = 0;
  seq = 0;
  tokens: AsyncToken[] = [];
  /** runs.get(region id)[slot]: bodies started. */
  runs = new Map<number, number[]>();
  /** The caller's region in flight (published, not joined), and one being given up (until recovered). */
  flight: Region | undefined;
  broken: number | undefined;
  joined = new Set<number>();
  /** Regions the caller cancelled (a timeout). */
  cancelled = new Set<number>();
  /** Slots whose body called process.exit(), as `region:slot`. */
  exited = new Set<string>();
  outcomes: string[] = [];
  lastRegion: Region | undefined;
  lastOutcome = '';
  readonly quiet: Set<number>;
  keyWords: number[];
  readonly touched: Set<number>;
  static made = 0;
  readonly privateWakes: Set<number>;
  spawnWorkerThread: ((w: World, id: number) => void) | undefined;
  stuckSig: string | undefined;

  constructor(
    readonly cfg: Config,
    buffer: SharedArrayBuffer,
    quiet: Quiet,
    /** Words the last execution wrote: cleared here. */
    dirty: Set<number>,
  ) {
    this.buffer = buffer;
    this.i32 = new Int32Array(buffer);
    for (const i of dirty) this.i32[i] = 0;
    for (const i of DESCRIPTOR) this.i32[i] = 0;
    const f64 = new Float64Array(buffer);
    f64[F64_START] = 0;
    f64[F64_END] = 0;
    // Now and then, that nothing else was written (a word the state would miss).
    if ((World.made++ & 4095) === 0) for (const i of this.i32.keys()) if (this.i32[i] !== 0) throw new Error(`model: word ${i} was written outside the model's sight`);
    this.touched = dirty;
    dirty.clear();
    this.spurious = cfg.spurious;
    this.deathsLeft = cfg.deaths;
    this.quiet = quiet.quiet;
    this.privateWakes = quiet.privateWakes;
    this.keyWords = [...DESCRIPTOR];
  }

  /** Whether word `i` is the wake word of an id the model never uses. */
  privateWake(i: number): boolean {
    return this.privateWakes.has(i);
  }

  /** Word `i` was written: it is part of the state from now on. */
  touch(i: number): void {
    if (!this.touched.has(i)) {
      this.touched.add(i);
      if (!this.quiet.has(i)) this.keyWords.push(i);
    }
  }

  /** The state's hash: the block's words, the threads' histories and status, the budgets, the clock, the last thread. */
  hash(last: number): number {
    const i32 = this.i32;
    let a = mix(mix(mix(0x2545f491, this.clock), this.spurious), this.deathsLeft * 64 + last);
    let b = 0x6c8e9cf5 ^ a;
    for (const i of this.keyWords) {
      const v = i32[i]!;
      if (v === 0) continue;
      a = mix(mix(a, i), v);
      b = mix(mix(b ^ 0x85ebca6b, v), i);
    }
    for (const t of this.threads) {
      const code = t.pending === undefined ? (t.killed ? 1 : 2) : (KIND_CODE[t.pending.k] ?? 3) * 4 + (t.woken ? 1 : 0) + 8;
      a = mix(mix(a, t.h1), code);
      b = mix(mix(b, t.h2), code ^ 0x27d4eb2f);
    }
    return (a >>> 0) * 2 ** 21 + (b >>> 11);
  }

  /** The block's part of the state. */
  memKey(): string {
    const i32 = this.i32;
    let s = '';
    for (const i of this.keyWords) if (i32[i] !== 0) s += `${i}:${i32[i]},`;
    return s;
  }

  /** Adds a thread, started at its next step. */
  spawn(name: string, role: Thread['role'], wid: number, gen: Gen): Thread {
    const t: Thread = {
      name,
      role,
      wid,
      gen,
      pending: { k: 'start', i: -1 },
      h1: nameHash(name, 0x1234567),
      h2: nameHash(name, 0x7654321),
      woken: false,
      sleepSeq: 0,
      killed: false,
      inSlot: undefined,
      holdingSlot: -1,
      holdingRegion: undefined,
    };
    this.threads.push(t);
    return t;
  }

  note(v: unknown): void {
    const t = this.current!;
    const c = valueCode(v);
    t.h1 = mix(t.h1, c);
    t.h2 = mix(t.h2 ^ 0x9e3779b9, c + 0x3c6ef372);
  }

  fail(message: string): never {
    throw new Violation(message);
  }

  /** Ends a thread (a crash or a termination: no JavaScript runs). */
  kill(t: Thread): void {
    t.gen = undefined;
    t.pending = undefined;
    t.killed = true;
  }

  /** Bookkeeping and checks of a body run: thread `t` runs slot `slot` of region `r`. */
  ranBody(t: Thread, r: Region, slot: number): void {
    if (this.joined.has(r.id)) this.fail(`${t.name} runs slot ${slot} of region ${r.id}, which was joined`);
    if (this.flight?.id !== r.id && this.broken !== r.id) this.fail(`${t.name} runs slot ${slot} of region ${r.id}, which is not in flight`);
    if (slot < 0 || slot >= r.p) this.fail(`${t.name} runs slot ${slot} of region ${r.id}, which has ${r.p}`);
    let runs = this.runs.get(r.id);
    if (runs === undefined) this.runs.set(r.id, (runs = new Array<number>(r.p).fill(0)));
    if (++runs[slot]! > 1) this.fail(`slot ${slot} of region ${r.id} runs twice (now on ${t.name})`);
    t.inSlot = { region: r.id, slot };
  }

  /** The caller's join returned: region `r` ended; `failed` is its failure mark (0: the call succeeds). */
  joinedRegion(r: Region, failed: number): void {
    const runs = this.runs.get(r.id) ?? new Array<number>(r.p).fill(0);
    for (const t of this.threads) {
      if (t.inSlot?.region === r.id) this.fail(`region ${r.id} joined while slot ${t.inSlot.slot} still runs on ${t.name}`);
    }
    if (failed === 0) {
      for (let s = 0; s < r.p; s++) {
        if (runs[s] !== 1) this.fail(`region ${r.id} joined as a success but slot ${s} ran ${runs[s]} times`);
        if (this.exited.has(`${r.id}:${s}`)) this.fail(`region ${r.id} joined as a success but slot ${s}'s body called process.exit()`);
      }
    } else if (this.cfg.deaths - this.deathsLeft === 0 && !this.cancelled.has(r.id)) {
      this.fail(`region ${r.id} failed (mark ${failed}) with no fault`);
    }
    this.joined.add(r.id);
  }

}

const KIND_CODE: Record<string, number> = { start: 0, load: 1, store: 2, add: 3, sub: 4, exchange: 5, compareExchange: 6, notify: 7, wait: 8, sleep: 9, waitAsync: 10, await: 11, body: 12, gate: 13 };

/** The words no thread of the model waits on or decides on (see the top of this file). */
interface Quiet {
  readonly quiet: Set<number>;
  readonly privateWakes: Set<number>;
}

function quietWords(workers: number, reduce: boolean): Quiet {
  if (!reduce) return { quiet: new Set(), privateWakes: new Set() };
  // The barrier and lock words and the work counter (loops of static schedule, no parallel
  // regions), the online count and the serving words (no start waits on them here), and the
  // wake words of ids never used (private to the caller's wakeAll).
  const quiet = new Set<number>([CTRL_BAR_GEN, CTRL_NEXT, CTRL_ONLINE]);
  const privateWakes = new Set<number>();
  for (let k = 0; k < N_LOCKS; k++) quiet.add(CTRL_LOCKS + k * LINE);
  for (let id = 1; id <= MAX_THREADS; id++) {
    quiet.add(servingWord(id));
    if (id > workers) {
      quiet.add(wakeWord(id));
      privateWakes.add(wakeWord(id));
    }
  }
  return { quiet, privateWakes };
}

/** The descriptor's words (written plainly by writeRegion): always part of the state. */
const DESCRIPTOR = [CTRL_REGION, CTRL_DONE_TARGET, CTRL_KIND, CTRL_BODY, CTRL_SHARED, CTRL_SCHEDULE, CTRL_NSLOTS, CTRL_MAX_WORKER, CTRL_CHUNK, CTRL_UNIT, CTRL_SPIN_US, CTRL_REDUCER, CTRL_IDENTITY, CTRL_PIECE];

let world: World | undefined;

function w(): World {
  return world!;
}

function quietOp(m: World, i: number, k: string): boolean {
  if (!m.quiet.has(i)) return false;
  // The wake words of unused ids are private to the caller (wakeAll's exchanges); on the other
  // quiet words the model allows no operation whose result a thread could decide on.
  if ((k === 'load' || k === 'wait' || k === 'waitAsync' || k === 'compareExchange' || k === 'exchange') && !m.privateWake(i)) {
    throw new Error(`model: ${k} of word ${i}, which the model treats as quiet`);
  }
  return true;
}

/** The checker's Atomics: each operation is a scheduling point, then the real operation. */
export const $A = {
  *load(a: Int32Array, i: number): Gen<number> {
    yield { k: 'load', i };
    const v = Atomics.load(a, i);
    w().note(v);
    return v;
  },
  *store(a: Int32Array, i: number, v: number): Gen<number> {
    yield { k: 'store', i };
    w().touch(i);
    return Atomics.store(a, i, v);
  },
  *add(a: Int32Array, i: number, v: number): Gen<number> {
    yield { k: 'add', i };
    w().touch(i);
    const old = Atomics.add(a, i, v);
    const m = w();
    if (i === CTRL_DONE) m.current!.inSlot = undefined;
    m.note(old);
    return old;
  },
  *sub(a: Int32Array, i: number, v: number): Gen<number> {
    yield { k: 'sub', i };
    w().touch(i);
    const old = Atomics.sub(a, i, v);
    w().note(old);
    return old;
  },
  *exchange(a: Int32Array, i: number, v: number): Gen<number> {
    yield { k: 'exchange', i };
    w().touch(i);
    const old = Atomics.exchange(a, i, v);
    w().note(old);
    return old;
  },
  *compareExchange(a: Int32Array, i: number, expected: number, v: number): Gen<number> {
    yield { k: 'compareExchange', i };
    w().touch(i);
    const old = Atomics.compareExchange(a, i, expected, v);
    w().note(old);
    return old;
  },
  *notify(_a: Int32Array, i: number, count = Infinity): Gen<number> {
    yield { k: 'notify', i };
    const m = w();
    let n = 0;
    const sleepers = m.threads.filter((t) => t.pending?.k === 'sleep' && t.pending.i === i && !t.woken).sort((x, y) => x.sleepSeq - y.sleepSeq);
    for (const t of sleepers) {
      if (n >= count) break;
      t.woken = true;
      n++;
    }
    for (const tok of m.tokens) {
      if (n >= count) break;
      if (tok.i === i && tok.result === undefined) {
        tok.result = 'ok';
        n++;
      }
    }
    m.note(n);
    return n;
  },
  *wait(a: Int32Array, i: number, v: number, ms?: number): Gen<string> {
    yield { k: 'wait', i };
    const m = w();
    if (Atomics.load(a, i) !== v) {
      m.note('not-equal');
      return 'not-equal';
    }
    const limit = ms === undefined || Number.isNaN(ms) ? Infinity : Math.max(0, ms);
    if (limit === 0) {
      m.note('timed-out');
      return 'timed-out';
    }
    m.current!.sleepSeq = ++m.seq;
    const r = (yield { k: 'sleep', i, ms: limit }) as string;
    m.note(r);
    return r;
  },
  *waitAsync(a: Int32Array, i: number, v: number, ms?: number): Gen<{ async: boolean; value: unknown }> {
    yield { k: 'waitAsync', i };
    const m = w();
    if (Atomics.load(a, i) !== v) {
      m.note('not-equal');
      return { async: false, value: 'not-equal' };
    }
    const limit = ms === undefined ? Infinity : Math.max(0, ms);
    if (limit === 0) return { async: false, value: 'timed-out' };
    const token: AsyncToken = { i, ms: limit, result: undefined };
    m.tokens.push(token);
    m.note(0x5000 + m.tokens.length);
    return { async: true, value: token };
  },
  pause(): void {},
  now(): number {
    const m = w();
    m.note(m.clock);
    return m.clock;
  },
};

/** The model's own scheduling points, for the compositions of spec/model/threads.ts. */
export const model = {
  /** A body runs (a scheduling point, where a process.exit() may end the thread). */
  *body(r: Region, slot: number): Gen<void> {
    yield { k: 'body', i: -1, region: r, slot };
    const m = w();
    m.ranBody(m.current!, r, slot);
  },
  /** An `await` of a promise Atomics.waitAsync returned. */
  *await(token: unknown): Gen<string> {
    const tok = token as AsyncToken;
    const r = tok.result !== undefined ? tok.result : ((yield { k: 'await', i: tok.i, ms: tok.ms, token: tok }) as string);
    w().note(r);
    return r;
  },
  /** Blocks until `until()` holds. */
  *gate(what: string, until: () => boolean): Gen<void> {
    if (!until()) yield { k: 'gate', i: -1, until, what };
  },
  world(): World {
    return w();
  },
};

function enabled(t: Thread): boolean {
  const p = t.pending;
  if (p === undefined) return false;
  if (p.k === 'sleep') return t.woken;
  if (p.k === 'await') return p.token!.result !== undefined;
  if (p.k === 'gate') return p.until!();
  return true;
}

function describe(t: Thread, mv: Move): string {
  const p = t.pending;
  const what = p === undefined ? '' : p.k === 'body' ? `body of slot ${p.slot} of region ${p.region!.id}` : p.k === 'gate' ? `gate (${p.what})` : `${p.k}(${p.i})`;
  if (mv.kind === 'step') return `${t.name}: ${what}${p?.k === 'sleep' || p?.k === 'await' ? ' woken' : ''}`;
  if (mv.kind === 'early') return `${t.name}: ${what} wakes early`;
  if (mv.kind === 'timeout') return `${t.name}: ${what} times out`;
  if (mv.kind === 'crash') return `${t.name} crashes (the supervisor marks it dead) before ${what}`;
  return `${t.name} calls process.exit() in the ${what}`;
}

/** Runs thread `t` one step, giving `value` to its pending operation, then any quiet operations that follow. */
function resume(m: World, t: Thread, value: unknown): void {
  m.current = t;
  let v = value;
  for (;;) {
    const r = t.gen!.next(v);
    v = undefined;
    if (r.done) {
      t.pending = undefined;
      t.gen = undefined;
      break;
    }
    t.pending = r.value;
    if (t.pending.k === 'sleep') t.woken = false;
    const k = t.pending.k;
    if (t.pending.i < 0 || !quietOp(m, t.pending.i, k)) break;
  }
  m.current = undefined;
}

export interface Setup {
  /** Starts the threads of an execution in world `m`. */
  start(m: World): void;
  /** The death of worker thread `t`: 'crash' (silent) or 'exit' (in its body). */
  die(m: World, t: Thread, how: 'crash' | 'exit'): void;
  /** Checks at the end of an execution (every thread finished or asleep). */
  end(m: World): void;
}

/** Explores the interleavings of `setup` under `cfg` (see the top of this file). */
export function explore(cfg: Config, setup: Setup, bytes: number): Result {
  const visited = new Map<number, number>();
  const quiet = quietWords(cfg.workers, cfg.quiet !== false);
  const dirty = new Set<number>();
  const res: Result = { executions: 0, states: 0, steps: 0, pruned: 0, outcomes: {}, violation: undefined, trace: undefined, truncated: false };
  // The choice points of the current path: the moves offered and the one taken.
  const path: { moves: Move[]; taken: number; lefts: number[] }[] = [];
  let replay = 0;
  const block = new SharedArrayBuffer(bytes);
  for (;;) {
    res.executions++;
    const m = new World(cfg, block, quiet, dirty);
    world = m;
    setup.start(m);
    let last = 0;
    let left = cfg.preemptions;
    let depth = 0;
    const trace: string[] = [];
    let violation: string | undefined;
    let pruned = false;
    try {
      for (;;) {
        let moves: Move[];
        let lefts: number[];
        if (depth < replay) {
          const cp = path[depth]!;
          moves = cp.moves;
          lefts = cp.lefts;
        } else {
          [moves, lefts] = choices(m, cfg, last, left);
          if (moves.length === 0) break;
          const key = m.hash(last);
          const seen = visited.get(key);
          if (seen !== undefined && seen >= left) {
            res.pruned++;
            pruned = true;
            break;
          }
          visited.set(key, left);
          res.states++;
          if (res.states > cfg.maxStates) {
            res.truncated = true;
            return res;
          }
          path.push({ moves, taken: 0, lefts });
        }
        const cp = path[depth]!;
        const mv = moves[cp.taken]!;
        left = lefts[cp.taken]!;
        const t = m.threads[mv.t]!;
        trace.push(describe(t, mv));
        apply(m, t, mv, setup);
        res.steps++;
        if (mv.kind === 'step' || mv.kind === 'early' || mv.kind === 'timeout' || mv.kind === 'exit') last = mv.t;
        depth++;
      }
      if (!pruned) {
        tail(m, trace);
        setup.end(m);
        for (const o of m.outcomes) res.outcomes[o] = (res.outcomes[o] ?? 0) + 1;
      }
    } catch (e) {
      if (!(e instanceof Violation)) throw e;
      violation = e.message;
    }
    world = undefined;
    if (violation !== undefined) {
      res.violation = violation;
      res.trace = trace;
      return res;
    }
    // Backtrack to the deepest choice point with a move left.
    while (path.length > 0 && path[path.length - 1]!.taken + 1 >= path[path.length - 1]!.moves.length) path.pop();
    if (path.length === 0) return res;
    path[path.length - 1]!.taken++;
    replay = path.length;
  }
}

/** After the caller's last call: the other threads run in turn, without choices, until each has finished or sleeps. */
function tail(m: World, trace: string[]): void {
  for (let guard = 0; guard < 100_000; guard++) {
    const t = m.threads.find((x) => enabled(x));
    if (t === undefined) return;
    trace.push(describe(t, { t: 0, kind: 'step' }));
    resume(m, t, t.pending!.k === 'sleep' || t.pending!.k === 'await' ? 'ok' : undefined);
  }
  m.fail('a thread does not settle after the last call');
}

/** The moves from this state, with the preemptions left after each. */
function choices(m: World, cfg: Config, last: number, left: number): [Move[], number[]] {
  const moves: Move[] = [];
  const lefts: number[] = [];
  const lastT = m.threads[last];
  const lastEnabled = lastT !== undefined && enabled(lastT);
  const caller = m.threads.find((t) => t.role === 'caller')!;
  if (caller.pending === undefined) return [moves, lefts];
  const add = (t: number, kind: Move['kind'], cost: number): void => {
    if (cost > left) return;
    moves.push({ t, kind });
    lefts.push(left - cost);
  };
  if (lastEnabled) add(last, 'step', 0);
  let any = lastEnabled;
  m.threads.forEach((t, k) => {
    if (k !== last && enabled(t)) {
      any = true;
      add(k, 'step', lastEnabled ? 1 : 0);
    }
  });
  if (any && m.spurious > 0) {
    m.threads.forEach((t, k) => {
      if ((t.pending?.k === 'sleep' && !t.woken) || (t.pending?.k === 'await' && t.pending.token!.result === undefined)) add(k, 'early', lastEnabled ? 1 : 0);
    });
  }
  if (!any) {
    // Every thread waits: time passes, and the finite waits time out. A second such state with
    // the same block and sleepers means a join that wakes every slice to find nothing changed.
    const finite: number[] = [];
    m.threads.forEach((t, k) => {
      const p = t.pending;
      if (p !== undefined && (p.k === 'sleep' || p.k === 'await') && p.ms !== Infinity) finite.push(k);
    });
    const asleep = m.threads.filter((t) => t.pending !== undefined).map((t) => `${t.name} in ${t.pending!.k}(${t.pending!.i})`);
    if (finite.length === 0) m.fail(`deadlock: every thread waits and nothing can wake one (${asleep.join(', ')})`);
    const sig = `${m.memKey()}/${asleep.join(',')}`;
    if (sig === m.stuckSig) m.fail(`hang: every thread waits; the finite waits time out and find nothing changed, forever (${asleep.join(', ')})`);
    m.stuckSig = sig;
    // Without a death, every wake-up is a notify: a join that must wait out its slice stalls
    // (a lost notify the slices hide, 50 ms a time). After a death, a slice is how a notify
    // lost to the race between the join's look at the deaths and its sleep is made up for.
    if (m.deathsLeft === cfg.deaths) m.fail(`stall: every thread waits, and only a time slice wakes one (${asleep.join(', ')})`);
    for (const k of finite) add(k, 'timeout', 0);
  }
  if (m.deathsLeft > 0) {
    m.threads.forEach((t, k) => {
      if (t.role !== 'worker' || t.pending === undefined) return;
      if (cfg.deathKinds.includes('crash')) add(k, 'crash', 0);
      if (cfg.deathKinds.includes('exit') && t.pending.k === 'body') add(k, 'exit', 0);
    });
  }
  return [moves, lefts];
}

function apply(m: World, t: Thread, mv: Move, setup: Setup): void {
  const p = t.pending!;
  switch (mv.kind) {
    case 'step':
      if (p.k === 'sleep' || p.k === 'await') resume(m, t, p.k === 'sleep' ? 'ok' : p.token!.result);
      else resume(m, t, undefined);
      return;
    case 'early':
      if (p.k === 'await') p.token!.result = 'timed-out';
      m.spurious--;
      resume(m, t, 'ok');
      return;
    case 'timeout':
      m.clock += p.ms!;
      if (p.k === 'await') p.token!.result = 'timed-out';
      resume(m, t, p.k === 'await' ? 'timed-out' : 'timed-out');
      return;
    case 'crash':
    case 'exit':
      m.deathsLeft--;
      // The death is part of the dead thread's history (an exit also started its body).
      m.current = t;
      m.note(mv.kind === 'exit' ? 'exit' : 'crash');
      m.current = undefined;
      if (mv.kind === 'exit') {
        m.current = t;
        m.ranBody(t, p.region!, p.slot!);
        m.exited.add(`${p.region!.id}:${p.slot!}`);
        m.current = undefined;
      }
      setup.die(m, t, mv.kind);
      return;
  }
}
