// An English-like corpus for the text examples and benchmarks: words drawn from a list of
// common English words with a Zipf-like skew, in sentences, wrapped at about 70 characters,
// with a blank line between paragraphs. Deterministic for a given seed.
import fs from 'node:fs';

const WORDS = (
  'the of and to a in that is was he for it with as his on be at by I this had not are but from or have an they ' +
  'which one you were her all she there would their we him been has when who will more no if out so said what up ' +
  'its about into than them can only other new some could time these two may then do first any my now such like ' +
  'our over man me even most made after also did many before must through back years where much your way well ' +
  'down should because each just those people how too little state good very make world still own see men work ' +
  'long get here between both life being under never day same another know while last might us great old year ' +
  'off come since against go came right used take three thou thee hath doth king lord love sweet night heart ' +
  'death fair eyes speak sir lady mistress noble gentle honour tongue grace heaven soul blood crown sword'
).split(' ');

/** A deterministic generator of numbers in [0, 1) (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** About `bytes` bytes of English-like text. */
export function corpusText(bytes: number, seed = 1): string {
  const next = random(seed);
  const lines: string[] = [];
  let size = 0;
  let line = '';
  let sentence = 0;
  while (size < bytes) {
    // Zipf-like: squaring a uniform number favours the front of the list.
    const r = next();
    let word = WORDS[Math.floor(r * r * WORDS.length)]!;
    if (sentence === 0) word = word[0]!.toUpperCase() + word.slice(1);
    sentence++;
    if (sentence > 4 && next() < 0.12) {
      word += next() < 0.8 ? '.' : next() < 0.5 ? '?' : '!';
      sentence = 0;
    } else if (next() < 0.06) word += ',';
    if (line.length + word.length + 1 > 70) {
      lines.push(line);
      size += line.length + 1;
      line = '';
      if (next() < 0.05) {
        lines.push('');
        size += 1;
      }
    }
    line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return `${lines.join('\n')}\n`;
}

/**
 * Writes a corpus of exactly `bytes` bytes to `path`: up to 64 MiB of fresh text, repeated
 * (and cut at a line end, padded with a short last line) for larger sizes.
 */
export function writeCorpus(path: string, bytes: number, seed = 1): void {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`\`bytes\` must be a whole number of bytes, got ${bytes}`);
  const unique = Buffer.from(corpusText(Math.min(bytes, 64 * 2 ** 20), seed));
  const fd = fs.openSync(path, 'w');
  try {
    let left = bytes;
    while (left > 0) {
      let piece = unique.subarray(0, Math.min(unique.length, left));
      if (piece.length < unique.length && piece.length > 1) {
        // End the file on a newline: cut after the last '\n' that leaves room for one more.
        const cut = piece.lastIndexOf(10, piece.length - 2) + 1;
        piece = Buffer.concat([piece.subarray(0, cut), Buffer.from(`${'x'.repeat(piece.length - cut - 1)}\n`)]);
      }
      fs.writeSync(fd, piece);
      left -= piece.length;
    }
  } finally {
    fs.closeSync(fd);
  }
}
