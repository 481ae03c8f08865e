/**
 * Step "native": builds the C peer (perf/native/kernels.c) with gcc, twice: with OpenMP
 * and without (the C serial baseline). Prints {built, dir, gcc, note} as JSON; when gcc or
 * OpenMP is missing, built is false and the note says why (the harness then skips C).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const src = path.join(here, '..', 'native', 'kernels.c');
const dir = path.join(here, '..', '..', 'build', 'native');

function build() {
  let gcc;
  try {
    gcc = execFileSync('gcc', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    return { built: false, note: 'gcc not found: C OpenMP numbers skipped' };
  }
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('gcc', ['-O2', '-fopenmp', '-Wall', src, '-lm', '-o', path.join(dir, 'kernels-omp')], { stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync('gcc', ['-O2', '-Wall', '-Wno-unknown-pragmas', src, '-lm', '-o', path.join(dir, 'kernels-serial')], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    return { built: false, gcc, note: `gcc -O2 -fopenmp failed: C OpenMP numbers skipped (${String(err.stderr ?? err).split('\n')[0]})` };
  }
  return { built: true, gcc, dir, flags: '-O2 -fopenmp (serial: -O2, pragmas ignored)' };
}

process.stdout.write(`${JSON.stringify(build())}\n`);
