// spectral-norm's answer, printed by all three forms: sqrt(u.v / v.v), 9 decimals. The
// products themselves are written in each form's own style (serial.mjs, workers.mjs,
// parafor.mjs): the shape of that code is what the comparison is about.

export function printNorm(u, v) {
  let vBv = 0;
  let vv = 0;
  for (let i = 0; i < u.length; i++) {
    vBv += u[i] * v[i];
    vv += v[i] * v[i];
  }
  process.stdout.write(`${Math.sqrt(vBv / vv).toFixed(9)}\n`);
}
