/**
 * Newline cut points: how a text of `size` bytes is split into `parts` byte ranges that
 * each start at a line start. Pure: the bytes come from a ReadWindow, so the same
 * arithmetic serves files (positional reads of a small window, lib/text/file.ts) and
 * buffers, and it is tested exhaustively without a thread or a file
 * (spec/text-partition.spec.ts).
 *
 * Definitions used throughout lib/text (docs/text.md#partitionlines):
 * - a line start is 0, or i + 1 for every '\n' byte at i with i + 1 < size;
 * - cut k (0 < k < parts) is the first line start at or after the nominal point
 *   floor(k * size / parts), or `size` when there is none; cut 0 is 0, cut `parts` is size;
 * - part k is [cut k, cut k+1). A part is empty when a line is longer than a part.
 */

/** Byte value of '\n'. A '\n' byte never occurs inside a multi-byte UTF-8 character. */
export const NEWLINE = 10;
/** Byte value of '\r'. */
export const CARRIAGE_RETURN = 13;

/** Bytes read around a cut per read, for files. Lines longer than this take several reads. */
export const CUT_WINDOW = 64 * 1024;

/**
 * Reads the bytes at [position, position + length): all of them (the caller never asks
 * beyond the end). The view may be reused by the next call.
 */
export type ReadWindow = (position: number, length: number) => Uint8Array;

/** A ReadWindow over bytes in memory. */
export function bytesWindow(bytes: Uint8Array): ReadWindow {
  return (position, length) => bytes.subarray(position, position + length);
}

/** The nominal point of cut k: floor(k * size / parts), exact while k * size < 2^53. */
export function nominalCut(k: number, size: number, parts: number): number {
  return Math.floor((k * size) / parts);
}

/**
 * The first line start in [position, limit), or -1 when there is none. Line start s > 0
 * means byte s - 1 is '\n', so the search reads bytes [position - 1, limit - 1) a window at
 * a time and stops at the first '\n'.
 */
export function lineStartIn(position: number, limit: number, read: ReadWindow, window = CUT_WINDOW): number {
  if (position <= 0) return limit > 0 ? 0 : -1;
  for (let at = position - 1; at < limit - 1; ) {
    const length = Math.min(window, limit - 1 - at);
    const found = read(at, length).indexOf(NEWLINE);
    if (found >= 0 && found < length) return at + found + 1;
    at += length;
  }
  return -1;
}

/**
 * The parts + 1 cut points 0 = c[0] <= c[1] <= ... <= c[parts] = size. Computed from the
 * last cut to the first: when no line starts between nominal points k and k + 1, cut k is
 * cut k + 1, which is known already. So each search stops at the next nominal point, and
 * no byte is read twice, however long the lines.
 */
export function lineCuts(size: number, parts: number, read: ReadWindow, window = CUT_WINDOW): number[] {
  const cuts = new Array<number>(parts + 1);
  cuts[0] = 0;
  cuts[parts] = size;
  for (let k = parts - 1; k >= 1; k--) {
    const found = lineStartIn(nominalCut(k, size, parts), nominalCut(k + 1, size, parts), read, window);
    cuts[k] = found >= 0 ? found : cuts[k + 1]!;
  }
  return cuts;
}

/** The byte ranges [start, end) between consecutive cuts. */
export function cutsToRanges(cuts: readonly number[]): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let k = 0; k + 1 < cuts.length; k++) ranges.push([cuts[k]!, cuts[k + 1]!]);
  return ranges;
}
