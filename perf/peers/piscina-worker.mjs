// The piscina worker: one task is one chunk of one kernel (perf/kernels.mjs).
import { runTask } from '../kernels.mjs';

export default function task(t) {
  return runTask(t);
}
