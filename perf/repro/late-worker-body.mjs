// The body of late-worker.mjs: a module body, so that it can import threadId and time its start.
import { threadId } from 'node:worker_threads';

export function work(lo, hi, s, ctx) {
  const t0 = performance.timeOrigin + performance.now();
  let acc = 0;
  for (let i = lo; i < hi; i++) acc += Math.sqrt(i);
  s.who[ctx.threadId] = threadId;
  s.start[ctx.threadId] = t0;
  s.out[ctx.threadId] = acc;
}
