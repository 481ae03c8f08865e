/**
 * Chunk arithmetic for the loop schedules. Pure: no threads, no shared memory, so it is
 * tested exhaustively on its own (spec/schedule.spec.ts). Offsets here are relative to the
 * loop's start: iteration `start + k` is offset `k`, and `n = end - start`.
 */
import { MAX_UNITS } from '../protocol/control.js';

export type Schedule = 'static' | 'dynamic' | 'guided' | 'auto';
export const SCHEDULES: readonly Schedule[] = ['static', 'dynamic', 'guided', 'auto'];

/**
 * The contiguous block of slot `slot` of `p` under the plain static schedule (OpenMP
 * `schedule(static)` with no chunk, LLVM's formula): the first `n % p` slots get one
 * extra iteration. Returns the offsets [lo, hi); lo === hi when the slot has no work.
 */
export function staticBlock(n: number, p: number, slot: number): [number, number] {
  return [staticStart(n, p, slot), staticStart(n, p, slot + 1)];
}

/**
 * Where slot `slot`'s static block starts (offset); slot `slot + 1`'s start is its end, and
 * slot `p`'s start is `n`. The hot paths use this pair instead of allocating a tuple.
 */
export function staticStart(n: number, p: number, slot: number): number {
  return slot * Math.floor(n / p) + Math.min(slot, n % p);
}

/**
 * Number of chunks of size `chunk` covering `n` iterations.
 */
export function chunkCount(n: number, chunk: number): number {
  return Math.ceil(n / chunk);
}

/**
 * Iterations per unit of the shared work counter (CTRL_NEXT, at most MAX_UNITS units): a
 * loop with more units of work grows the unit.
 */
export function counterUnit(n: number, chunk: number): number {
  return Math.max(1, Math.ceil(n / MAX_UNITS / chunk)) * chunk;
}

/**
 * The size, in counter units, of the next guided grab: max(minUnits, ceil(remaining / p)),
 * never more than what remains (libgomp's rule).
 */
export function guidedUnits(remainingUnits: number, p: number, minUnits: number): number {
  const q = Math.ceil(remainingUnits / p);
  return Math.min(remainingUnits, Math.max(q, minUnits));
}

/**
 * What `auto` means here: guided self-scheduling with a minimum chunk of about 1/32 of an
 * even share, so that a regular loop takes few grabs (close to static) and an irregular one
 * still balances. `auto` makes no reduction-order promise; `static` does.
 */
export function autoChunk(n: number, p: number): number {
  return Math.max(1, Math.floor(n / (32 * p)));
}
