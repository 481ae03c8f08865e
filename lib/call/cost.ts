/**
 * The cost model behind the serial fallback (`serialBelowUs`, OpenMP's `if` clause made
 * automatic): a measured cost per iteration for each (body, loop kind), and when to measure.
 *
 * Measuring is not free: two clock reads are a sizeable part of a serial call's own cost.
 * So a loop is timed on its first call, then on every 8th call while its
 * predicted time is within 4x of the threshold (where a wrong estimate would change the
 * decision), and on every 64th call when it is far from it (or has none). A sample over 4x the estimate
 * is held back until the next call's sample confirms it: one descheduling or GC pause
 * inside a timed 1 us loop would otherwise send the following calls to the team, where
 * each wakes a worker for nothing. The price: a loop whose cost per iteration jumps 1000x
 * on a few calls in ten (same n, data-dependent work) keeps the cheap estimate, so those
 * calls run serially; a slowdown that lasts two timed calls is taken at once.
 */
import { PIECE_MAX, PIECE_TARGET_MS } from '../run/chunks.js';
import { perIndex } from '../run/slot.js';

/** Samples above this multiple of the estimate wait for confirmation. */
const OUTLIER_FACTOR = 4;

/** The cost of a key with no sample yet (costs are >= 0). */
const UNKNOWN = -1;

export class CostModel {
  /**
   * ns per iteration, by key (body id * 8 + kind); UNKNOWN (negative) while unknown. A
   * typed array and a number for "unknown", not `undefined` in a holey array nor NaN: a
   * double that meets `undefined` or the NaN constant in one expression is boxed, a heap
   * number per call (spec/warm-region.spec.ts).
   */
  #cost = new Float64Array(64).fill(UNKNOWN);
  /** Calls so far, by key: each loop is sampled on its own count (two loops in turn share none). */
  #calls = new Int32Array(64);
  /** The key whose last sample was held back, or -1. */
  #suspect = -1;

  /** The cost key of a body and loop kind. */
  static key(body: number, kind: number): number {
    return body * 8 + kind;
  }

  /** The estimate for `key`, UNKNOWN while there is none. */
  #get(key: number): number {
    return key < this.#cost.length ? (this.#cost[key] as number) : UNKNOWN;
  }

  /** Room for `key` in both arrays. */
  #grow(key: number): void {
    if (key < this.#cost.length) return;
    const size = Math.max(key + 1, this.#cost.length * 2);
    const cost = new Float64Array(size).fill(UNKNOWN);
    cost.set(this.#cost);
    const calls = new Int32Array(size);
    calls.set(this.#calls);
    this.#cost = cost;
    this.#calls = calls;
  }

  /** Whether the key has an estimate. */
  known(key: number): boolean {
    return this.#get(key) >= 0;
  }

  /** Whether `n` iterations are predicted to take under `thresholdUs` (false while unknown). */
  below(key: number, n: number, thresholdUs: number): boolean {
    const cost = this.#get(key);
    return cost >= 0 && n * cost < thresholdUs * 1000;
  }

  /**
   * Iterations per piece of a per-index static block (CTRL_PIECE): about `targetMs` of work
   * each, from 1 to `max`; 0 while the cost is unknown.
   */
  piece(key: number, targetMs: number, max: number): number {
    const cost = this.#get(key);
    if (cost < 0) return 0;
    return Math.max(1, Math.min(max, Math.floor((targetMs * 1e6) / Math.max(cost, 1e-3))));
  }

  /**
   * Whether this call of `n` iterations should be timed (see the module comment). A call
   * with no threshold (`thresholdUs` 0: forced parallel) is far from it: 1 call in 64. Its
   * estimate still follows the body (for a later call with the fallback on, and the first
   * piece size), and a warm forced region reads the clock, whose number is boxed (a heap
   * allocation), on 1 call in 64 only (spec/warm-region.spec.ts).
   */
  shouldMeasure(key: number, n: number, thresholdUs: number): boolean {
    const cost = this.#get(key);
    if (cost < 0 || key === this.#suspect) return true;
    const every = thresholdUs === 0 || n * cost * OUTLIER_FACTOR < thresholdUs * 1000 ? 63 : 7;
    const calls = (this.#calls[key] as number) + 1;
    this.#calls[key] = calls;
    return (calls & every) === 0;
  }

  /**
   * Starts timing a call of `n` iterations if the model asks for a sample (shouldMeasure):
   * the clock's reading, or -1 when this call is not timed.
   */
  startSample(key: number, n: number, thresholdUs: number): number {
    return this.shouldMeasure(key, n, thresholdUs) ? performance.now() : -1;
  }

  /**
   * Ends a sample started at `t0` (startSample's reading, or any clock reading; -1: none)
   * over `iterations` iterations, and learns from it. Returns the milliseconds it took (0 when
   * not timed). `upper` as for learn.
   */
  endSample(key: number, t0: number, iterations: number, upper = false): number {
    if (t0 < 0) return 0;
    const ms = performance.now() - t0;
    if (iterations > 0) this.learn(key, (ms * 1e6) / iterations, upper);
    return ms;
  }

  /**
   * Takes a sample. `upper` marks a bound from wall time (a whole region's time times its
   * threads): it can only lower the estimate.
   */
  learn(key: number, nsPerIteration: number, upper: boolean): void {
    this.#grow(key);
    const old = this.#cost[key] as number;
    if (old < 0) {
      this.#cost[key] = nsPerIteration;
    } else if (upper) {
      if (nsPerIteration < old) this.#cost[key] = nsPerIteration;
    } else if (nsPerIteration < old / OUTLIER_FACTOR) {
      // Taken as is: noise makes samples slower, not faster, so an estimate this far above
      // a sample was inflated (a cold start's wall-time bound, a first call's compiling).
      if (key === this.#suspect) this.#suspect = -1;
      this.#cost[key] = nsPerIteration;
    } else if (nsPerIteration > OUTLIER_FACTOR * old && key !== this.#suspect) {
      this.#suspect = key;
    } else {
      if (key === this.#suspect) this.#suspect = -1;
      this.#cost[key] = (old + nsPerIteration) / 2;
    }
  }
}

/**
 * The piece size (CTRL_PIECE) a region's per-index static blocks start with: about
 * PIECE_TARGET_MS of the body's measured work; 0 for other regions and while the cost is
 * unknown.
 */
export function firstPiece(costs: CostModel, body: number, kind: number): number {
  return perIndex(kind) ? costs.piece(CostModel.key(body, kind), PIECE_TARGET_MS, PIECE_MAX) : 0;
}
