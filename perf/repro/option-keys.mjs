// What lib/options.ts optionKeys() and lib/run/reducers.ts resolveReducer() save per call:
// checking the keys of a fresh `{ shared, serialBelowUs }` with a for-in and
// Set.has, with the compiled switch optionKeys() builds, and with no test (the for-in and the
// object alone); and finding the reducer 'sum' through a Map against comparing it with the
// last name first. Nanoseconds per call, medians of rounds taken in turn.
//   node perf/repro/option-keys.mjs
const names = ['shared', 'schedule', 'chunk', 'numThreads', 'if', 'serialBelowUs', 'signal', 'timeout'];
const SET = new Set(names);
const isKey = new Function('key', `"use strict"; switch (key) { ${names.map((n) => `case ${JSON.stringify(n)}:`).join(' ')} return true; default: return false; }`);
const MAP = new Map([['sum', { id: 1 }], ['max', { id: 4 }]]);
let lastName;
let lastResolved;
const shared = {};

const cases = {
  'keys: Set.has': () => {
    let k = 0;
    for (const key in { shared, serialBelowUs: 5 }) if (SET.has(key)) k++;
    return k;
  },
  'keys: switch': () => {
    let k = 0;
    for (const key in { shared, serialBelowUs: 5 }) if (isKey(key)) k++;
    return k;
  },
  'keys: no test': () => {
    let k = 0;
    for (const key in { shared, serialBelowUs: 5 }) if (key.length > 0) k++;
    return k;
  },
  'reducer: Map.get': (name = 'sum') => MAP.get(name).id,
  'reducer: last name first': (name = 'sum') => {
    if (name === lastName) return lastResolved.id;
    lastName = name;
    lastResolved = MAP.get(name);
    return lastResolved.id;
  },
};
const N = 2_000_000;
const times = Object.keys(cases).map(() => []);
let sink = 0;
for (let round = 0; round < 9; round++) {
  Object.values(cases).forEach((f, j) => {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) sink += f();
    times[j].push(((performance.now() - t0) * 1e6) / N);
  });
}
const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
for (const [j, name] of Object.keys(cases).entries()) console.log(`${name.padEnd(26)} ${med(times[j]).toFixed(1)} ns`);
if (sink < 0) console.log(sink);
