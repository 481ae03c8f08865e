/**
 * A text loaded by loadText: its bytes and its line index, both on SharedArrayBuffers so
 * that they can go straight into the `shared` option of a parallel loop.
 */
import { badLineNumber } from './errors.js';
import { CARRIAGE_RETURN, NEWLINE } from './partition.js';

/**
 * The lines of a loaded file, readable by number: line n runs from `lineStarts[n]` to the
 * byte before the next '\n' (or the end of the file), without its '\r' in a CRLF file
 * unless `keepCR` was set. An empty file has no lines; a last line without a newline still
 * counts.
 */
export class TextFile {
  /** The path the file was loaded from. */
  readonly path: string;
  /** The whole file, on a SharedArrayBuffer. */
  readonly bytes: Uint8Array;
  /** Byte offset of the start of every line, on a SharedArrayBuffer. */
  readonly lineStarts: Uint32Array;
  /** Whether lines keep the '\r' before their '\n'. */
  readonly keepCR: boolean;
  readonly #text: Buffer;

  /** @internal Made by loadText. */
  constructor(path: string, bytes: Uint8Array, lineStarts: Uint32Array, keepCR: boolean) {
    this.path = path;
    this.bytes = bytes;
    this.lineStarts = lineStarts;
    this.keepCR = keepCR;
    this.#text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  /** Number of lines. */
  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** Size of the file in bytes. */
  get byteLength(): number {
    return this.bytes.length;
  }

  /** Byte offset where line n starts. */
  lineStart(n: number): number {
    this.#check(n);
    return this.lineStarts[n]!;
  }

  /** Byte offset just past the last byte of line n (its '\n', and its '\r' unless keepCR, excluded). */
  lineEnd(n: number): number {
    this.#check(n);
    const bytes = this.bytes;
    const size = bytes.length;
    const ended = n + 1 < this.lineStarts.length || bytes[size - 1] === NEWLINE;
    let end = n + 1 < this.lineStarts.length ? this.lineStarts[n + 1]! - 1 : ended ? size - 1 : size;
    if (ended && !this.keepCR && end > this.lineStarts[n]! && bytes[end - 1] === CARRIAGE_RETURN) end--;
    return end;
  }

  /** Line n as a string (decoded as UTF-8). */
  line(n: number): string {
    return this.#text.toString('utf8', this.lineStart(n), this.lineEnd(n));
  }

  /** Line n as a view of its bytes (no copy: it shares the file's memory). */
  lineBytes(n: number): Uint8Array {
    return this.bytes.subarray(this.lineStart(n), this.lineEnd(n));
  }

  /** Every line as a string, in order. */
  *lines(): IterableIterator<string> {
    for (let n = 0; n < this.lineStarts.length; n++) yield this.line(n);
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.lines();
  }

  #check(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n >= this.lineStarts.length) throw badLineNumber(n, this.lineStarts.length);
  }
}
