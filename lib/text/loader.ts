/**
 * The calling thread's side of the text loader: loadText and reduceLines. Each call opens
 * the file once, cuts it at newlines into one part per thread (partition.ts), runs a
 * kernel (kernels.ts) with one part per thread, checks that the file did not change size,
 * and closes it. docs/text.md explains the whole.
 */
import { bodySource, compileSource, moduleBody } from '../run/body.js';
import { notFunction } from '../errors.js';
import type { LoopOptions } from '../options.js';
import type { LoopContext } from '../run/context.js';
import { resolveReducer, type CustomReducer, type Reducer, type ReducerName } from '../run/reducers.js';
import { tooLarge } from './errors.js';
import { checkPath, checkUnchanged, closeFile, fileWindow, openFile, type OpenFile } from './file.js';
import type { LoadShared, PartStarts, ReduceShared } from './kernels.js';
import { textSettings, type LoadTextOptions, type ReduceLinesOptions, type TextSettings } from './options.js';
import { lineCuts } from './partition.js';
import { TextFile } from './text-file.js';

const KERNELS = new URL('./kernels.js', import.meta.url);
const LOAD_PARTS = moduleBody(KERNELS, 'loadParts');
const REDUCE_PARTS = moduleBody(KERNELS, 'reduceParts');

/** The most bytes loadText holds: its line index is a Uint32Array, and Node's Buffers stop at 4 GiB. */
export const MAX_LOAD_BYTES = 2 ** 32 - 1;

/** The fold of reduceLines: returns the new accumulator. `line` is a string, or a byte view with encoding 'bytes'. */
export type LineFold<A, S = unknown, L = string> = (acc: A, line: L, shared: S, ctx: LoopContext) => A;

/** Collects loadParts' lists of line starts, part by part. */
const STARTS_BY_PART: CustomReducer<PartStarts[]> = { identity: () => [], combine: (a, b) => a.concat(b) };

/** Loop options that give part k of [0, parts) to thread k: static schedule, chunk 1, no serial fallback. */
function onePartPerThread<S>(parts: number, shared: S): LoopOptions<S> {
  return { numThreads: parts, schedule: 'static', chunk: 1, serialBelowUs: 0, shared };
}

/**
 * Opens the file, cuts it into one part per thread, runs `use`, checks that the size did not
 * change, and closes the file whatever happens.
 */
async function withParts<T>(path: string, o: TextSettings, use: (file: OpenFile, cuts: number[]) => Promise<T>, maxBytes = Infinity): Promise<T> {
  const file = await openFile(path);
  try {
    if (file.size > maxBytes) throw tooLarge(path, file.size, maxBytes);
    // Every worker of the team serving before the first region. Slots are claimed, not
    // assigned: on a cold team the first worker up would claim every part in turn and read
    // the file alone.
    await o.team.start({ forAsync: true });
    const cuts = lineCuts(file.size, o.numThreads, fileWindow(file));
    const result = await use(file, cuts);
    checkUnchanged(file);
    return result;
  } finally {
    await closeFile(file);
  }
}

/**
 * Loads a whole file into a SharedArrayBuffer, every thread reading its own part with
 * positional reads and finding its part's line starts; the calling thread joins them into
 * the line index. The result reads lines by number, as strings or byte views; its `bytes`
 * and `lineStarts` can be passed to parallel loops in `shared`.
 *
 * @example
 * const text = await loadText('shakespeare.txt');
 * console.log(text.lineCount, text.line(0));
 */
export async function loadText(path: string | URL, options?: LoadTextOptions): Promise<TextFile> {
  const p = checkPath(path);
  const o = textSettings(options, false);
  return withParts(
    p,
    o,
    async (file, cuts) => {
      const parts = o.numThreads;
      const bytes = new Uint8Array(new SharedArrayBuffer(file.size));
      const load: LoadShared = { path: p, size: file.size, dev: file.dev, ino: file.ino, cuts, blockSize: o.blockSize, bytes };
      const found = await o.team.parallelReduceRange(0, parts, LOAD_PARTS, STARTS_BY_PART, onePartPerThread(parts, load));
      let lines = 0;
      for (const f of found) lines += f.starts.length;
      const starts = new Uint32Array(new SharedArrayBuffer(4 * lines));
      let at = 0;
      for (const f of found.sort((a, b) => a.part - b.part)) {
        starts.set(f.starts, at);
        at += f.starts.length;
      }
      return new TextFile(p, bytes, starts, o.keepCR);
    },
    MAX_LOAD_BYTES,
  );
}

/**
 * Map-reduce over the lines of a file, streamed: each thread reads its part in blocks of
 * `blockSize` bytes and folds its lines, acc = fold(acc, line, shared, ctx), from the
 * reducer's identity; the partials are combined in thread order, as parallelReduce does.
 * Memory stays about one block per thread (plus lines longer than a block) whatever the
 * file's size. Like a loop body, the fold runs on other threads: it cannot capture
 * variables; pass data in `options.shared`.
 *
 * @example
 * const words = await reduceLines('big.txt', (n, line) => n + line.split(/\s+/).filter(Boolean).length, 'sum');
 */
export function reduceLines<S = unknown>(path: string | URL, fold: LineFold<number, S, string>, reducer: ReducerName, options?: ReduceLinesOptions<S> & { encoding?: 'utf8' }): Promise<number>;
export function reduceLines<S = unknown>(path: string | URL, fold: LineFold<number, S, Uint8Array>, reducer: ReducerName, options: ReduceLinesOptions<S> & { encoding: 'bytes' }): Promise<number>;
export function reduceLines<A, S = unknown>(path: string | URL, fold: LineFold<A, S, string>, reducer: CustomReducer<A>, options?: ReduceLinesOptions<S> & { encoding?: 'utf8' }): Promise<A>;
export function reduceLines<A, S = unknown>(path: string | URL, fold: LineFold<A, S, Uint8Array>, reducer: CustomReducer<A>, options: ReduceLinesOptions<S> & { encoding: 'bytes' }): Promise<A>;
export async function reduceLines<A, S>(
  path: string | URL,
  fold: LineFold<A, S, never>,
  reducer: Reducer<A>,
  options?: ReduceLinesOptions<S>,
): Promise<A> {
  const p = checkPath(path);
  const source = bodySource('fold', fold);
  if (typeof source !== 'string') throw notFunction('fold', fold);
  // Compile here first: a fold that cannot be shipped fails on the calling thread, before any I/O.
  compileSource('fold', source);
  resolveReducer(reducer);
  const o = textSettings(options, true);
  return withParts(p, o, (file, cuts) => {
    const shared: ReduceShared = {
      path: p,
      size: file.size,
      dev: file.dev,
      ino: file.ino,
      cuts,
      blockSize: o.blockSize,
      fold: source,
      encoding: o.encoding,
      keepCR: o.keepCR,
      shared: o.shared,
    };
    return o.team.parallelReduceRange(0, o.numThreads, REDUCE_PARTS, reducer as CustomReducer<A>, onePartPerThread(o.numThreads, shared));
  });
}
