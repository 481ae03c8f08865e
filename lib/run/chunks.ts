/**
 * The loop over a thread's chunks, written once for every schedule. A cursor hands out the
 * chunks a slot runs, as offsets [lo, hi) from the loop's start; whoever holds it runs them:
 * the runner of a region's slot (run/slot.ts) or the index loop of a worksharing loop inside
 * a region (ctx.for, run/context.ts). The chunk arithmetic itself is run/schedule.ts's.
 *
 * A cursor stops handing out chunks once the region failed or was cancelled (CTRL_ERROR),
 * looked at before each chunk. Claimed schedules (dynamic, guided) may skip that look where
 * their counter is halted instead (haltRegion, on the region's own counter); a worksharing
 * loop's counter is not, so it looks.
 */
import { CTRL_ERROR } from '../protocol/control.js';
import { guidedUnits, staticStart } from './schedule.js';

/**
 * Per-index static blocks run in pieces, checking for an early stop (a failure elsewhere, a
 * cancellation, the caller's timeout) between them. A piece aims at PIECE_TARGET_MS of work
 * and has at most PIECE_MAX iterations: it starts from the caller's estimate (CTRL_PIECE,
 * from the body's measured cost; 1 when there is none), and each thread times its pieces
 * while they are under the cap, so a slow body stops within about one iteration. A cheap
 * body reaches the cap and is not timed any more; if it turns slow later, a stop waits for
 * at most PIECE_MAX of its iterations.
 */
export const PIECE_MAX = 1024;
export const PIECE_TARGET_MS = 0.5;

const BLOCK = 0;
const ROUND_ROBIN = 1;
const DYNAMIC = 2;
const GUIDED = 3;

const NO_WORDS = new Int32Array(CTRL_ERROR + 1);

export class Chunks {
  /** The chunk the last next() that returned true handed out: offsets [lo, hi). */
  lo = 0;
  hi = 0;
  #mode = BLOCK;
  #sync: Int32Array = NO_WORDS;
  /** The shared counter word (dynamic, guided). */
  #word = 0;
  #n = 0;
  #p = 1;
  /** The next offset (block, round-robin). */
  #next = 0;
  /** The block's end (block). */
  #last = 0;
  /** Iterations per piece (block), per chunk (round-robin), per counter unit (dynamic, guided). */
  #size = 0;
  /** Offsets between a slot's chunks (round-robin); the least grab in counter units (guided). */
  #stride = 0;
  /** Counter units in the loop (guided). */
  #total = 0;
  /** When the timed piece started (block); 0 while not timing. */
  #t = 0;
  /** Whether to look at CTRL_ERROR before a claim (dynamic, guided). */
  #poll = false;

  /**
   * Slot `slot`'s static block of a loop of `n` iterations over `p` slots, in pieces of
   * `piece` iterations (Infinity: the block as one chunk). Pieces under PIECE_MAX are timed
   * and resized (see PIECE_TARGET_MS).
   */
  block(sync: Int32Array, n: number, p: number, slot: number, piece: number): this {
    this.#mode = BLOCK;
    this.#sync = sync;
    this.#next = staticStart(n, p, slot);
    this.#last = staticStart(n, p, slot + 1);
    this.#size = piece;
    this.#t = 0;
    return this;
  }

  /** Slot `slot`'s chunks of `chunk` iterations, dealt round-robin over `p` slots (static with a chunk). */
  roundRobin(sync: Int32Array, n: number, p: number, slot: number, chunk: number): this {
    this.#mode = ROUND_ROBIN;
    this.#sync = sync;
    this.#n = n;
    this.#next = slot * chunk;
    this.#size = chunk;
    this.#stride = chunk * p;
    return this;
  }

  /** One counter unit of `unit` iterations per claim of counter `word`, which starts at 0. */
  dynamic(sync: Int32Array, word: number, n: number, unit: number, poll: boolean): this {
    this.#mode = DYNAMIC;
    this.#sync = sync;
    this.#word = word;
    this.#n = n;
    this.#size = unit;
    this.#poll = poll;
    return this;
  }

  /**
   * Guided self-scheduling on counter `word` (which starts at 0): each claim takes
   * max(least, remaining / p) units of `unit` iterations (guidedUnits).
   */
  guided(sync: Int32Array, word: number, n: number, p: number, unit: number, leastUnits: number, poll: boolean): this {
    this.#mode = GUIDED;
    this.#sync = sync;
    this.#word = word;
    this.#n = n;
    this.#p = p;
    this.#size = unit;
    this.#stride = leastUnits;
    this.#total = Math.ceil(n / unit);
    this.#poll = poll;
    return this;
  }

  /** Whether the chunks are one: a static block handed out whole. */
  get whole(): boolean {
    return this.#mode === BLOCK && this.#size === Infinity;
  }

  /** Hands out the next chunk (lo, hi); false when there is none left or the region stopped. */
  next(): boolean {
    const sync = this.#sync;
    switch (this.#mode) {
      case BLOCK: {
        if (this.#t !== 0) this.#resize();
        const a = this.#next;
        const last = this.#last;
        if (a >= last || Atomics.load(sync, CTRL_ERROR) !== 0) return false;
        const piece = this.#size;
        const hi = Math.min(last, a + piece);
        // A block that is one piece, and pieces at the cap, are not timed: a cheap loop pays
        // no clock read.
        if (this.#t === 0 && hi < last && piece < PIECE_MAX) this.#t = performance.now();
        this.lo = a;
        this.hi = hi;
        this.#next = hi;
        return true;
      }
      case ROUND_ROBIN: {
        const a = this.#next;
        if (a >= this.#n || Atomics.load(sync, CTRL_ERROR) !== 0) return false;
        this.lo = a;
        this.hi = Math.min(this.#n, a + this.#size);
        this.#next = a + this.#stride;
        return true;
      }
      case DYNAMIC: {
        if (this.#poll && Atomics.load(sync, CTRL_ERROR) !== 0) return false;
        const unit = this.#size;
        const lo = Atomics.add(sync, this.#word, 1) * unit;
        if (lo >= this.#n) return false; // also when halted (haltRegion)
        this.lo = lo;
        this.hi = Math.min(this.#n, lo + unit);
        return true;
      }
      default: {
        const total = this.#total;
        for (;;) {
          if (this.#poll && Atomics.load(sync, CTRL_ERROR) !== 0) return false;
          const cur = Atomics.load(sync, this.#word);
          if (cur >= total) return false; // also when halted (haltRegion)
          const take = guidedUnits(total - cur, this.#p, this.#stride);
          if (Atomics.compareExchange(sync, this.#word, cur, cur + take) !== cur) continue;
          this.lo = cur * this.#size;
          this.hi = Math.min(this.#n, (cur + take) * this.#size);
          return true;
        }
      }
    }
  }

  /**
   * Sizes the next piece from the one just run: doubled under half the target, cut to the
   * target over twice it, so that an estimate made wrong by a cold start or by data is
   * corrected in a piece.
   */
  #resize(): void {
    const now = performance.now();
    const took = now - this.#t;
    let piece = this.#size;
    if (took < PIECE_TARGET_MS / 2) piece = Math.min(PIECE_MAX, piece * 2);
    else if (took > PIECE_TARGET_MS * 2) piece = Math.max(1, Math.floor((piece * PIECE_TARGET_MS) / took));
    this.#size = piece;
    this.#t = piece < PIECE_MAX ? now : 0;
  }
}
