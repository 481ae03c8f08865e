// Newline cut points, without threads: every text over {a, \n} up to length 10, every part
// count 1..6 and several read windows, against the definition; random texts beyond that.
import fs from 'node:fs';
import fc from 'fast-check';
import { partitionLines } from 'parafor';
import { bytesWindow, lineCuts, cutsToRanges, lineStartIn, type ReadWindow } from '#internal/text/partition.js';
import { cutsRef, lineStartsRef, linesRef, scratchDir } from './text-fixtures.js';

/** Every byte string over {'a', '\n'} of length 0..maxLength. */
function* allTexts(maxLength: number): Generator<Uint8Array> {
  for (let length = 0; length <= maxLength; length++) {
    for (let bits = 0; bits < 2 ** length; bits++) {
      const bytes = new Uint8Array(length);
      for (let i = 0; i < length; i++) bytes[i] = (bits >> i) & 1 ? 10 : 97;
      yield bytes;
    }
  }
}

/** A window over `bytes` that records what was read, and refuses reads outside the text. */
function recordingWindow(bytes: Uint8Array, reads: Array<[number, number]>): ReadWindow {
  const inner = bytesWindow(bytes);
  return (position, length) => {
    if (position < 0 || length < 1 || position + length > bytes.length) {
      throw new Error(`read [${position}, ${position + length}) outside [0, ${bytes.length})`);
    }
    reads.push([position, length]);
    return inner(position, length);
  };
}

function show(bytes: Uint8Array): string {
  return JSON.stringify(Buffer.from(bytes).toString('latin1'));
}

/** Everything a partition must satisfy, besides equality with the definition. */
function checkRanges(bytes: Uint8Array, ranges: Array<[number, number]>, parts: number, what: string): void {
  if (ranges.length !== parts) throw new Error(`${what}: ${ranges.length} ranges`);
  const starts = new Set(lineStartsRef(bytes));
  let at = 0;
  for (const [start, end] of ranges) {
    if (start !== at || end < start) throw new Error(`${what}: range [${start}, ${end}) after ${at}`);
    if (start < end && !starts.has(start)) throw new Error(`${what}: ${start} is not a line start`);
    at = end;
  }
  if (at !== bytes.length) throw new Error(`${what}: ranges end at ${at}, not ${bytes.length}`);
  // The lines of the parts, in order, are the lines of the whole.
  const whole = linesRef(bytes, true).map((l) => show(l));
  const pieces = ranges.flatMap(([s, e]) => linesRef(bytes.subarray(s, e), true).map((l) => show(l)));
  expect(pieces).toEqual(whole);
}

describe('lineCuts, exhaustively', () => {
  test('every text over {a, \\n} of length <= 10, parts 1..6, windows 1, 2, 3, 5, 64', () => {
    let cases = 0;
    for (const bytes of allTexts(10)) {
      for (let parts = 1; parts <= 6; parts++) {
        const want = cutsRef(bytes, parts);
        for (const window of [1, 2, 3, 5, 64]) {
          const reads: Array<[number, number]> = [];
          const cuts = lineCuts(bytes.length, parts, recordingWindow(bytes, reads), window);
          const what = `${show(bytes)} parts=${parts} window=${window}`;
          if (JSON.stringify(cuts) !== JSON.stringify(want)) throw new Error(`${what}: cuts ${cuts}, expected ${want}`);
          // The searches never overlap: no byte is read twice.
          const seen = new Set<number>();
          for (const [p, l] of reads) {
            for (let i = p; i < p + l; i++) {
              if (seen.has(i)) throw new Error(`${what}: byte ${i} read twice`);
              seen.add(i);
            }
          }
          cases++;
        }
        if (parts <= 3) checkRanges(bytes, cutsToRanges(want), parts, `${show(bytes)} parts=${parts}`);
      }
    }
    expect(cases).toBe(2047 * 6 * 5);
  });

  test('lineStartIn: position 0 is a line start; a search stops before its limit', () => {
    const bytes = Buffer.from('ab\ncd\n\nef');
    const read = bytesWindow(bytes);
    expect(lineStartIn(0, 9, read)).toBe(0);
    expect(lineStartIn(0, 0, read)).toBe(-1);
    expect(lineStartIn(1, 9, read)).toBe(3);
    expect(lineStartIn(3, 9, read)).toBe(3);
    expect(lineStartIn(4, 9, read)).toBe(6);
    expect(lineStartIn(7, 9, read)).toBe(7);
    expect(lineStartIn(8, 9, read)).toBe(-1);
    expect(lineStartIn(1, 3, read)).toBe(-1);
    expect(lineStartIn(1, 4, read)).toBe(3);
  });

  test('a part is empty when a line is longer than a part', () => {
    const bytes = Buffer.from(`${'x'.repeat(100)}\nshort\n`);
    expect(cutsToRanges(lineCuts(bytes.length, 4, bytesWindow(bytes)))).toEqual([
      [0, 101],
      [101, 101],
      [101, 101],
      [101, 107],
    ]);
  });

  test('only a small window around each cut is read', () => {
    // 1 MB of 20-byte lines, cut in 8: each cut reads one window of at most 64 bytes.
    const bytes = Buffer.from('0123456789abcdefghi\n'.repeat(50_000));
    const reads: Array<[number, number]> = [];
    lineCuts(bytes.length, 8, recordingWindow(bytes, reads), 64);
    expect(reads.length).toBe(7);
    for (const [, length] of reads) expect(length).toBeLessThanOrEqual(64);
  });
});

describe('lineCuts, random texts (fast-check, fixed seed)', () => {
  test('texts with CR, LF and multi-byte characters: the definition holds and no character is split', () => {
    const pieces = fc.constantFrom('a', 'bc', ' ', '\n', '\r\n', '\r', 'é', '日本', '😀');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 200 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 40 }), (chunks, parts, window) => {
        const text = chunks.join('');
        const bytes = Buffer.from(text);
        const cuts = lineCuts(bytes.length, parts, recordingWindow(bytes, []), window);
        expect(cuts).toEqual(cutsRef(bytes, parts));
        const ranges = cutsToRanges(cuts);
        checkRanges(bytes, ranges, parts, JSON.stringify(text));
        // Decoding part by part gives the text back: a cut never falls inside a character.
        expect(ranges.map(([s, e]) => bytes.toString('utf8', s, e)).join('')).toBe(text);
      }),
      { seed: 20261128, numRuns: 2000 },
    );
  });
});

describe('partitionLines', () => {
  const tmp = scratchDir('partition');
  afterAll(() => tmp.cleanup());

  test('the example of docs/text.md', () => {
    expect(partitionLines(new TextEncoder().encode('ab\ncd\nef\n'), 2)).toEqual([
      [0, 6],
      [6, 9],
    ]);
  });

  test('bytes and a file give the same ranges', () => {
    const text = 'first line\nsecond\r\nthird has ünïcödé\n\nlast without newline';
    const file = tmp.file('small.txt', text);
    const bytes = Buffer.from(text);
    for (let parts = 1; parts <= 12; parts++) {
      const want = cutsToRanges(cutsRef(bytes, parts));
      expect(partitionLines(bytes, parts)).toEqual(want);
      expect(partitionLines(file, parts)).toEqual(want);
      expect(partitionLines(new URL(`file://${file}`), parts)).toEqual(want);
    }
    expect(partitionLines(new Uint8Array(0), 3)).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
  });

  test('positions beyond 4 GiB are exact (a sparse file)', () => {
    const file = tmp.file('sparse.txt', '');
    const size = 5 * 2 ** 30 + 17;
    const fd = fs.openSync(file, 'r+');
    try {
      fs.ftruncateSync(fd, size);
      // A newline 10 bytes after each nominal cut of 2 and 3 parts.
      for (const at of [Math.floor(size / 2) + 10, Math.floor(size / 3) + 10, Math.floor((2 * size) / 3) + 10]) {
        fs.writeSync(fd, Buffer.from('\n'), 0, 1, at);
      }
    } finally {
      fs.closeSync(fd);
    }
    expect(partitionLines(file, 2)).toEqual([
      [0, Math.floor(size / 2) + 11],
      [Math.floor(size / 2) + 11, size],
    ]);
    const third = Math.floor(size / 3) + 11;
    const twoThirds = Math.floor((2 * size) / 3) + 11;
    expect(partitionLines(file, 3)).toEqual([
      [0, third],
      [third, twoThirds],
      [twoThirds, size],
    ]);
  });

  test('bad arguments', () => {
    const bytes = Buffer.from('a\nb\n');
    expect(() => partitionLines(bytes, 0)).toThrow(new RangeError('`parts` must be a positive integer, got 0'));
    expect(() => partitionLines(bytes, 1.5)).toThrow(new RangeError('`parts` must be a positive integer, got 1.5'));
    expect(() => partitionLines(bytes, '2' as unknown as number)).toThrow(new TypeError('`parts` must be a positive integer, got "2"'));
    expect(() => partitionLines(42 as unknown as string, 2)).toThrow(
      new TypeError('`pathOrBytes` must be a path, a file URL or a Uint8Array, got 42'),
    );
    expect(() => partitionLines(`${tmp.dir}/missing.txt`, 2)).toThrow(`cannot read "${tmp.dir}/missing.txt": no such file or directory (ENOENT)`);
    expect(() => partitionLines(tmp.dir, 2)).toThrow(`cannot read "${tmp.dir}": it is a directory, not a regular file`);
  });
});
