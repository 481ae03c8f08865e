// The V8 typing trap of docs/guide.md's V8 pitfalls: the same LCG histogram loop with its
// constants written as literals, read from module-scope `const`s, and read from module-scope
// `let`s (as a configurable setting would be). Same arithmetic, same answer (checked).
// Single-threaded: no parafor involved.
//   node perf/repro/v8-constants.mjs
let MUL = 1664525;
let INC = 1013904223;
let SHIFT = 24;

function literals(bins, n) {
  let x = 42;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) | 0;
    bins[x >>> 24]++;
  }
  return x;
}

const CMUL = 1664525;
const CINC = 1013904223;
const CSHIFT = 24;

function moduleConst(bins, n) {
  let x = 42;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, CMUL) + CINC) | 0;
    bins[x >>> CSHIFT]++;
  }
  return x;
}

function moduleLet(bins, n) {
  let x = 42;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, MUL) + INC) | 0;
    bins[x >>> SHIFT]++;
  }
  return x;
}

const n = 3e7;
for (let r = 0; r < 3; r++) {
  const out = [];
  const ref = [];
  for (const f of [literals, moduleConst, moduleLet]) {
    const bins = new Int32Array(256);
    const t0 = performance.now();
    const x = f(bins, n);
    ref.push(x);
    out.push(`${f.name} ${(performance.now() - t0).toFixed(0)} ms`);
  }
  if (new Set(ref).size !== 1) throw new Error(`the three loops disagree: ${ref}`);
  console.log(out.join(', '));
}
