/**
 * Every error the text loader raises, and every message, in one place (the core's table is
 * lib/errors.ts; these are the file errors it does not know). Each message names the path
 * and what is wrong with it; specs match them. Errors carry `code` (the system's code, such
 * as ENOENT, or one of the ERR_PARAFOR_* codes below) and `path`; they are TextFileErrors
 * (lib/errors.ts), and come back as one, `code` and `path` kept, when raised on a worker.
 */
import { CODES, ParaforRangeError, ParaforTypeError, show, TextFileError } from '../errors.js';

/** The file is not a regular file (a directory, a FIFO, a socket, a device). */
export const NOT_REGULAR = CODES.NOT_REGULAR_FILE;
/** The file's size changed between opening it and finishing reading it. */
export const CHANGED = CODES.FILE_CHANGED;
/** The file is larger than loadText can hold. */
export const TOO_LARGE = CODES.FILE_TOO_LARGE;

export { TextFileError };

function fileError(path: string, code: string, message: string, cause?: unknown): TextFileError {
  return new TextFileError(message, code, path, cause === undefined ? undefined : { cause });
}

/** What a system error code means, in words. */
const SYSTEM: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a component of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  EISDIR: 'it is a directory, not a regular file',
};

/** An error from opening or reading `path` (ENOENT, EACCES, ...), turned into one that names the path. */
export function cannotOpen(path: string, thrown: unknown): TextFileError {
  const code = (thrown as { code?: unknown })?.code;
  const known = typeof code === 'string' ? SYSTEM[code] : undefined;
  const why = known ?? (thrown as Error)?.message ?? String(thrown);
  return fileError(path, typeof code === 'string' ? code : 'EIO', `cannot read ${show(path)}: ${why}${code ? ` (${String(code)})` : ''}`, thrown);
}

/** `kind` is what fstat said the path is: 'a directory', 'a FIFO (named pipe)', ... */
export function notRegularFile(path: string, kind: string): TextFileError {
  return fileError(
    path,
    NOT_REGULAR,
    `cannot read ${show(path)}: it is ${kind}, not a regular file (the text loader reads a file by byte position)`,
  );
}

/** The file ended at `position`, before the `size` bytes it had when it was opened. */
export function shrank(path: string, position: number, size: number): TextFileError {
  return fileError(
    path,
    CHANGED,
    `${show(path)} changed size while it was read: it ended at byte ${position}, before the ${size} bytes it had when it was opened`,
  );
}

/** The file has `now` bytes (or more, when `now` is undefined) after reading `size`. */
export function grew(path: string, size: number, now: number | undefined): TextFileError {
  const what = now === undefined ? `it has bytes beyond the ${size} it had when it was opened` : `${size} bytes when it was opened, ${now} now`;
  return fileError(path, CHANGED, `${show(path)} changed size while it was read: ${what}`);
}

/** The path names another file than the one the calling thread opened (renamed over, or deleted and recreated). */
export function replaced(path: string): TextFileError {
  return fileError(path, CHANGED, `${show(path)} changed while it was read: the path now names another file`);
}

/** A part does not end on a line boundary any more: the bytes changed under the reader. */
export function rewritten(path: string, position: number): TextFileError {
  return fileError(
    path,
    CHANGED,
    `${show(path)} changed while it was read: byte ${position - 1} was a newline when the file was partitioned and is not any more`,
  );
}

export function tooLarge(path: string, size: number, max: number): TextFileError {
  return fileError(
    path,
    TOO_LARGE,
    `cannot load ${show(path)}: it has ${size} bytes and loadText holds at most ${max}; stream it with reduceLines instead`,
  );
}

/** A line number outside [0, count). */
export function badLineNumber(n: unknown, count: number): Error {
  const message = `\`n\` must be a line number in [0, ${count}), got ${show(n)}`;
  return typeof n === 'number' ? new ParaforRangeError(message) : new ParaforTypeError(message);
}
