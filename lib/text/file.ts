/**
 * A text file as the loader sees it: opened on the calling thread, checked to be a regular
 * file, read by position, and checked again at the end for a change of size. Each thread
 * that reads a part opens the file again by path (reopen) and checks that it found the same
 * file (device and inode): a descriptor is not portable between threads on every runtime
 * (Deno's belong to the thread that opened them). Also partitionLines, the public face of
 * the cut arithmetic in partition.ts.
 *
 * A descriptor is opened with O_NONBLOCK and checked with fstat before anything reads it:
 * open() of a FIFO without O_NONBLOCK waits for a writer, possibly forever, and a stat()
 * before a plain open() leaves a window in which the path can be replaced.
 */
import { files, type FileStats } from '../platform/index.js';
import { badOption, notPositiveInteger, outOfRange } from '../errors.js';
import { cannotOpen, grew, notRegularFile, replaced, shrank } from './errors.js';
import { CUT_WINDOW, bytesWindow, cutsToRanges, lineCuts, type ReadWindow } from './partition.js';

/** A text file as the calling thread found it: its path, its size and its identity when opened. */
export interface FileRef {
  readonly path: string;
  readonly size: number;
  readonly dev: number;
  readonly ino: number;
}

/** An open text file: a descriptor of this thread's, with what FileRef says of the file. */
export interface OpenFile extends FileRef {
  readonly fd: number;
}

function opened(fd: number, path: string, stats: FileStats): OpenFile {
  if (!stats.isFile()) throw notRegularFile(path, kindOf(stats));
  return { fd, path, size: stats.size, dev: Number(stats.dev), ino: Number(stats.ino) };
}

/** Checks a path argument (a string, or a file URL) and returns it as a string path. */
export function checkPath(path: unknown, name = 'path', what = 'a non-empty string or a file URL'): string {
  // Duck-typed, not instanceof: Jest runs specs in a realm with its own URL class.
  if (typeof path === 'object' && path !== null && typeof (path as URL).href === 'string' && 'protocol' in path) {
    return files.pathOf((path as URL).href);
  }
  if (typeof path !== 'string' || path === '') throw badOption(name, path, what);
  return path;
}

/** What a non-regular file is, for messages. */
function kindOf(stats: FileStats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** Opens `path` for positional reads; throws (with the descriptor closed) unless it is a regular file. */
export async function openFile(path: string): Promise<OpenFile> {
  let fd: number;
  try {
    fd = await files.open(path);
  } catch (err) {
    throw cannotOpen(path, err);
  }
  try {
    return opened(fd, path, await files.fstat(fd));
  } catch (err) {
    await files.close(fd);
    throw err;
  }
}

/** openFile for synchronous callers (partitionLines). */
export function openFileSync(path: string): OpenFile {
  let fd: number;
  try {
    fd = files.openSync(path);
  } catch (err) {
    throw cannotOpen(path, err);
  }
  try {
    return opened(fd, path, files.fstatSync(fd));
  } catch (err) {
    files.closeSync(fd);
    throw err;
  }
}

export async function closeFile(file: OpenFile): Promise<void> {
  await files.close(file.fd);
}

/**
 * Opens, on the thread that reads a part, the file the calling thread opened; throws when
 * the path now names another file. The caller closes it (files.closeSync(file.fd)).
 */
export function reopen(ref: FileRef): OpenFile {
  const file = openFileSync(ref.path);
  if (file.dev !== ref.dev || file.ino !== ref.ino) {
    files.closeSync(file.fd);
    throw replaced(ref.path);
  }
  return { ...file, size: ref.size };
}

/**
 * Reads exactly `length` bytes at file position `position` into buf[offset, offset +
 * length). A read that returns 0 bytes means the file now ends before where it ended when
 * it was opened: that is an error, never a short result. Runs on every thread.
 */
export function readExactly(file: Pick<OpenFile, 'fd' | 'path' | 'size'>, buf: Uint8Array, offset: number, length: number, position: number): void {
  while (length > 0) {
    let got: number;
    try {
      got = files.readSync(file.fd, buf, offset, length, position);
    } catch (err) {
      throw cannotOpen(file.path, err);
    }
    if (got === 0) throw shrank(file.path, position, file.size);
    offset += got;
    position += got;
    length -= got;
  }
}

/** A ReadWindow over an open file: each call is one positional read into a reused buffer. */
export function fileWindow(file: OpenFile, window = CUT_WINDOW): ReadWindow {
  const buf = new Uint8Array(window);
  return (position, length) => {
    readExactly(file, buf, 0, length, position);
    return buf.subarray(0, length);
  };
}

/**
 * After every thread has read its part: throws when the file's size is not what it was
 * when opened. The one-byte read past the end also catches files whose size fstat does
 * not report (such as those in /proc) and growth that fstat has not seen yet.
 */
export function checkUnchanged(file: OpenFile): void {
  const now = files.fstatSync(file.fd).size;
  if (now !== file.size) throw grew(file.path, file.size, now);
  if (files.readSync(file.fd, new Uint8Array(1), 0, 1, file.size) !== 0) throw grew(file.path, file.size, undefined);
}

/** Checks `parts`: a positive safe integer whose product with the size stays exact. */
export function checkParts(parts: unknown, size: number): number {
  if (typeof parts !== 'number' || !Number.isSafeInteger(parts) || parts < 1) throw notPositiveInteger('parts', parts);
  if (parts * size > Number.MAX_SAFE_INTEGER) {
    throw outOfRange('parts', parts, `at most 2^53 - 1 divided by the size (${size} bytes)`);
  }
  return parts;
}

/**
 * Splits a file (by path) or bytes into `parts` byte ranges [start, end) that cover it
 * exactly once, in order, each starting at a line start: the k-th range starts at the first
 * line start at or after floor(k * size / parts). For a file, only a small window around
 * each cut point is read. A range is empty when a line is longer than a part.
 *
 * @example
 * partitionLines(new TextEncoder().encode('ab\ncd\nef\n'), 2); // [[0, 6], [6, 9]]
 */
export function partitionLines(pathOrBytes: string | URL | Uint8Array, parts: number): Array<[number, number]> {
  // Not instanceof: a Buffer made in another realm (Jest's) is still a Uint8Array.
  if (ArrayBuffer.isView(pathOrBytes) && (pathOrBytes as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === 'Uint8Array') {
    return cutsToRanges(lineCuts(pathOrBytes.length, checkParts(parts, pathOrBytes.length), bytesWindow(pathOrBytes)));
  }
  const file = openFileSync(checkPath(pathOrBytes, 'pathOrBytes', 'a path, a file URL or a Uint8Array'));
  try {
    return cutsToRanges(lineCuts(file.size, checkParts(parts, file.size), fileWindow(file)));
  } finally {
    files.closeSync(file.fd);
  }
}
