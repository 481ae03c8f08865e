// mandelbrot (Benchmarks Game): the row loop, written once as a parafor range body (no
// captured variables), so the serial program, the hand-written workers and parafor run the
// same arithmetic. Rows [lo, hi) of a w x w P4 bitmap, 50 iterations, escape radius 2;
// row y goes to bytes[y * ((w + 7) >> 3) ...], most significant bit first.

/** Computes rows [lo, hi) of the bitmap into s.bytes. */
export function mandelRows(lo, hi, s) {
  const w = s.w;
  const bytes = s.bytes;
  const rowBytes = (w + 7) >> 3;
  for (let y = lo; y < hi; y++) {
    const ci = (2 * y) / w - 1;
    let at = y * rowBytes;
    let bits = 0;
    for (let x = 0; x < w; x++) {
      const cr = (2 * x) / w - 1.5;
      let zr = 0;
      let zi = 0;
      let tr = 0;
      let ti = 0;
      for (let i = 0; i < 50 && tr + ti <= 4; i++) {
        zi = 2 * zr * zi + ci;
        zr = tr - ti + cr;
        tr = zr * zr;
        ti = zi * zi;
      }
      bits = (bits << 1) | (tr + ti <= 4 ? 1 : 0);
      if ((x & 7) === 7) {
        bytes[at++] = bits;
        bits = 0;
      } else if (x === w - 1) {
        bytes[at++] = bits << (8 - (w & 7));
        bits = 0;
      }
    }
  }
}

/** The P4 file: header, then the rows. */
export function writeP4(w, bytes) {
  process.stdout.write(`P4\n${w} ${w}\n`);
  process.stdout.write(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
}
