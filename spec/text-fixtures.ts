// Fixtures of the text loader specs: a scratch directory, and the definitions of lines and
// cuts written the slow, obvious way, to check the real code against.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { random } from '../docs/examples/corpus.js';

/** A fresh scratch directory under os.tmpdir(), removed by the returned cleanup. */
export function scratchDir(tag: string): { dir: string; file: (name: string, content: string | Uint8Array) => string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `parafor-${tag}-`));
  return {
    dir,
    file(name, content) {
      const p = path.join(dir, name);
      fs.writeFileSync(p, content);
      return p;
    },
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Byte offsets of the line starts: 0 (when not empty), and i + 1 after every '\n' at i with i + 1 < size. */
export function lineStartsRef(bytes: Uint8Array): number[] {
  const starts: number[] = [];
  if (bytes.length > 0) starts.push(0);
  for (let i = 0; i + 1 < bytes.length; i++) if (bytes[i] === 10) starts.push(i + 1);
  return starts;
}

/** The lines of `bytes` as byte arrays: separated by '\n', a '\r' before a '\n' dropped unless keepCR. */
export function linesRef(bytes: Uint8Array, keepCR = false): Uint8Array[] {
  const starts = lineStartsRef(bytes);
  return starts.map((s, n) => {
    const ended = n + 1 < starts.length || bytes[bytes.length - 1] === 10;
    let end = n + 1 < starts.length ? starts[n + 1]! - 1 : ended ? bytes.length - 1 : bytes.length;
    if (ended && !keepCR && end > s && bytes[end - 1] === 13) end--;
    return bytes.slice(s, end);
  });
}

export function linesRefText(text: string | Uint8Array, keepCR = false): string[] {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  return linesRef(bytes, keepCR).map((l) => Buffer.from(l).toString('utf8'));
}

/** The cut points by definition: cut k is the first line start (or size) at or after floor(k * size / parts). */
export function cutsRef(bytes: Uint8Array, parts: number): number[] {
  const starts = [...lineStartsRef(bytes), bytes.length];
  const cuts: number[] = [];
  for (let k = 0; k <= parts; k++) {
    const nominal = Math.floor((k * bytes.length) / parts);
    cuts.push(k === parts ? bytes.length : starts.find((s) => s >= nominal)!);
  }
  return cuts;
}

/** Text made of `pieces` drawn at random: words, spaces, CRLF and LF line ends, multi-byte characters. */
export function randomText(seed: number, pieces: number): string {
  const next = random(seed);
  const vocabulary = ['a', 'the', 'word', 'Ünïcödé', '日本語', '😀', 'x'.repeat(40), ' ', ' ', '\t', '\n', '\n', '\r\n', '\r'];
  let out = '';
  for (let i = 0; i < pieces; i++) out += vocabulary[Math.floor(next() * vocabulary.length)];
  return out;
}
