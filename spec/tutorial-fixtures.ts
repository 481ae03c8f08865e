// Helpers of the tutorial and demo specs: run a built example, count words as a reference.
import path from 'node:path';
import { ROOT, runNode } from './helpers.js';

/** Runs build/docs/examples/NAME.js with `args` as its command line and `env` added; returns stdout. */
export function runExample(name: string, args: string[] = [], env: Record<string, string> = {}): string {
  const file = path.join(ROOT, 'build', 'docs', 'examples', `${name}.js`);
  const code = `process.argv.splice(1, Infinity, ${JSON.stringify(file)}, ...${JSON.stringify(args)}); await import(${JSON.stringify(file)});`;
  const res = runNode(code, env, 60_000);
  if (res.status !== 0) throw new Error(`${name} exited with ${res.status} (${res.signal}): ${res.stderr}`);
  return res.stdout;
}

/** Word counts the way the examples count: runs of letters and apostrophes, in lower case. */
export function wordCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of text.toLowerCase().split(/[^\p{L}']+/u)) if (word !== '') counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}

/** The `k` most frequent words, ties in word order. */
export function topWords(counts: Map<string, number>, k: number): Array<[string, number]> {
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k);
}
