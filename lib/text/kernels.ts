/**
 * The text loader's worker-side code: module bodies (moduleBody(url, name)) that each
 * thread imports once. Every body runs over parts [lo, hi) of a file cut by partition.ts;
 * the loops run them with one part per thread (static schedule, chunk 1), so part k is
 * read by one thread only, with positional reads on a descriptor that thread opens itself
 * (file.ts#reopen: on Deno a descriptor belongs to the thread that opened it).
 *
 * Module-level state here is per thread: the block buffer of reduceParts and the compiled
 * folds. Nothing here is re-entered: a fold that calls back into parafor runs nested, on its
 * own thread, and cannot use module bodies.
 */
import { concatUint8Arrays } from 'typed-array-utils';
import { compileSource } from '../run/body.js';
import type { LoopContext } from '../run/context.js';
import { files } from '../platform/index.js';
import { readExactly, reopen, type FileRef, type OpenFile } from './file.js';
import { rewritten } from './errors.js';
import { NEWLINE } from './partition.js';
import type { LineEncoding } from './options.js';

/** What the kernels of every text loop receive in `shared`. */
interface FileParts extends FileRef {
  /** parts + 1 cut points (partition.ts#lineCuts): part k is [cuts[k], cuts[k + 1]). */
  readonly cuts: readonly number[];
  readonly blockSize: number;
}

/** loadText: read the parts into `bytes` and find their line starts. */
export interface LoadShared extends FileParts {
  /** The whole file, on a SharedArrayBuffer. */
  readonly bytes: Uint8Array;
}

/** What loadParts returns for each part: its line starts, on a SharedArrayBuffer (shared, not copied, on the way back). */
export interface PartStarts {
  readonly part: number;
  readonly starts: Uint32Array;
}

/** reduceLines: stream the parts in blocks and fold every line. */
export interface ReduceShared extends FileParts {
  /** Source of the user's fold. */
  readonly fold: string;
  readonly encoding: LineEncoding;
  readonly keepCR: boolean;
  /** The user's `shared`, the fold's third argument. */
  readonly shared: unknown;
}

/** A Buffer view (for its memchr-backed indexOf) of bytes[offset, offset + length). */
function bufferOf(bytes: Uint8Array, offset: number, length: number): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset + offset, length);
}

/**
 * Body of loadText (a range fold over part numbers, into a list): reads each part into
 * `bytes` a block at a time and records its line starts while the block is fresh in the
 * cache. The starts grow in a SharedArrayBuffer of this thread's, so that the calling
 * thread receives them without a copy and joins the parts' lists into the index.
 */
export function loadParts(acc: PartStarts[], lo: number, hi: number, s: LoadShared): PartStarts[] {
  const file = reopen(s);
  try {
    return loadInto(file, acc, lo, hi, s);
  } finally {
    files.closeSync(file.fd);
  }
}

function loadInto(file: OpenFile, acc: PartStarts[], lo: number, hi: number, s: LoadShared): PartStarts[] {
  const { size, cuts, blockSize, bytes } = s;
  for (let k = lo; k < hi; k++) {
    const start = cuts[k]!;
    const end = cuts[k + 1]!;
    // A first guess of 1 line per 32 bytes; doubled when too small.
    let starts: Uint32Array = new Uint32Array(new SharedArrayBuffer(4 * Math.max(16, Math.ceil((end - start) / 32))));
    let count = 0;
    if (start < end) starts[count++] = start;
    for (let pos = start; pos < end; ) {
      const n = Math.min(blockSize, end - pos);
      readExactly(file, bytes, pos, n, pos);
      const view = bufferOf(bytes, pos, n);
      for (let i = view.indexOf(NEWLINE); i >= 0; i = view.indexOf(NEWLINE, i + 1)) {
        // A newline on the part's last byte starts the next part's first line.
        if (pos + i + 1 === end) break;
        if (count === starts.length) starts = grow(starts);
        starts[count++] = pos + i + 1;
      }
      pos += n;
    }
    // Cuts are line starts: only the file's last part may end without a newline.
    if (start < end && end !== size && bytes[end - 1] !== NEWLINE) throw rewritten(s.path, end);
    acc.push({ part: k, starts: starts.subarray(0, count) });
  }
  return acc;
}

function grow(starts: Uint32Array): Uint32Array {
  const bigger = new Uint32Array(new SharedArrayBuffer(starts.byteLength * 2));
  bigger.set(starts);
  return bigger;
}

// ---- reduceLines -------------------------------------------------------------------------

type FoldFn = (acc: unknown, line: unknown, shared: unknown, ctx: LoopContext) => unknown;

/** Where the unfinished line of a block starts; written by LineScanner.scan. */
interface Rest {
  at: number;
}

/** One fold, compiled for one encoding and CR policy. */
interface LineScanner {
  /**
   * Folds every line that ends inside view[from, view.length) and returns the accumulator;
   * rest.at receives the start of the line left unfinished at the end of the view.
   */
  scan(acc: unknown, view: Buffer, from: number, shared: unknown, ctx: LoopContext, rest: Rest): unknown;
  /** Folds one whole line given as its bytes; `ended` says whether a '\n' followed it. */
  one(acc: unknown, bytes: Uint8Array, ended: boolean, shared: unknown, ctx: LoopContext): unknown;
}

/**
 * Whether a fold's source declares the accumulator alone (`n => n + 1`, `(n) => ...`,
 * `function (n) {...}`) and never reads `arguments`: then it is not handed lines, and none
 * is built. Any other form gets its lines; the test errs on that side.
 */
export function ignoresLine(source: string): boolean {
  const one = /^\s*(?:function\b\s*[\w$]*\s*\(\s*[\w$]+\s*\)|\(\s*[\w$]+\s*\)\s*=>|[\w$]+\s*=>)/;
  return one.test(source) && !/\barguments\b/.test(source);
}

/**
 * Compiles the block loop around one fold, so that the fold has a call site of its own
 * (V8 can inline it; the core's run/body.ts#makeRunner does the same for loop bodies). The
 * loop finds newlines with Buffer#indexOf (memchr) and allocates nothing but the line.
 */
function makeScanner(fold: FoldFn, encoding: LineEncoding, keepCR: boolean, withLine: boolean): LineScanner {
  const line = !withLine ? 'undefined' : encoding === 'bytes' ? 'new Uint8Array(ab, off + s, end - s)' : "view.toString('utf8', s, end)";
  const trim = withLine && !keepCR ? 'if (end > s && view[end - 1] === 13) end--;' : '';
  const scan = new Function(
    'fold',
    `"use strict"; return function scan(acc, view, s, shared, ctx, rest) {
      const ab = view.buffer, off = view.byteOffset;
      for (let e = view.indexOf(10, s); e >= 0; e = view.indexOf(10, s)) {
        let end = e;
        ${trim}
        acc = fold(acc, ${line}, shared, ctx);
        s = e + 1;
      }
      rest.at = s;
      return acc;
    };`,
  )(fold) as LineScanner['scan'];
  const one: LineScanner['one'] = (acc, bytes, ended, shared, ctx) => {
    if (!withLine) return fold(acc, undefined, shared, ctx);
    let end = bytes.length;
    if (ended && !keepCR && end > 0 && bytes[end - 1] === 13) end--;
    const value = encoding === 'bytes' ? bytes.subarray(0, end) : bufferOf(bytes, 0, end).toString('utf8');
    return fold(acc, value, shared, ctx);
  };
  return { scan, one };
}

/** Compiled folds of this thread, by encoding, CR policy and source. */
const scanners = new Map<string, LineScanner>();
const MAX_SCANNERS = 64;

function scannerFor(s: ReduceShared): LineScanner {
  const key = `${s.encoding}\n${s.keepCR}\n${s.fold}`;
  let scanner = scanners.get(key);
  if (scanner === undefined) {
    if (scanners.size >= MAX_SCANNERS) scanners.clear();
    const fold = compileSource('fold', s.fold) as FoldFn;
    scanner = makeScanner(fold, s.encoding, s.keepCR, !ignoresLine(s.fold));
    scanners.set(key, scanner);
  }
  return scanner;
}

/** This thread's block buffer: the only memory reduceLines needs per thread, besides lines that cross blocks. */
let block: Buffer | undefined;

/** A line longer than this many blocks is joined as it grows, so that pieces never pile up. */
const MAX_PIECES = 1024;

/**
 * Body of reduceLines (a range fold over part numbers): reads each part a block at a time
 * and folds its lines in order. A line that crosses blocks is kept as copied pieces and
 * joined when its newline arrives.
 */
export function reduceParts(acc: unknown, lo: number, hi: number, s: ReduceShared, ctx: LoopContext): unknown {
  const file = reopen(s);
  try {
    return foldParts(file, acc, lo, hi, s, ctx);
  } finally {
    files.closeSync(file.fd);
  }
}

function foldParts(file: OpenFile, acc: unknown, lo: number, hi: number, s: ReduceShared, ctx: LoopContext): unknown {
  const { path, size, cuts, blockSize, shared } = s;
  const scanner = scannerFor(s);
  if (block === undefined || block.length !== blockSize) block = Buffer.allocUnsafeSlow(blockSize);
  const rest: Rest = { at: 0 };
  for (let k = lo; k < hi; k++) {
    const end = cuts[k + 1]!;
    let pieces: Uint8Array[] = [];
    for (let pos = cuts[k]!; pos < end; ) {
      const n = Math.min(blockSize, end - pos);
      readExactly(file, block, 0, n, pos);
      pos += n;
      const view = n === blockSize ? block : block.subarray(0, n);
      let from = 0;
      if (pieces.length > 0) {
        const newline = view.indexOf(NEWLINE);
        if (newline < 0) {
          pieces.push(new Uint8Array(view));
          if (pieces.length >= MAX_PIECES) pieces = [concatUint8Arrays(...pieces)];
          continue;
        }
        pieces.push(view.subarray(0, newline));
        acc = scanner.one(acc, concatUint8Arrays(...pieces), true, shared, ctx);
        pieces = [];
        from = newline + 1;
      }
      acc = scanner.scan(acc, view, from, shared, ctx, rest);
      if (rest.at < n) pieces.push(new Uint8Array(view.subarray(rest.at)));
    }
    if (pieces.length > 0) {
      // Only the file's last line may lack a newline; elsewhere the bytes changed under us.
      if (end !== size) throw rewritten(path, end);
      acc = scanner.one(acc, pieces.length === 1 ? pieces[0]! : concatUint8Arrays(...pieces), false, shared, ctx);
    }
  }
  return acc;
}
