// The threads.js worker: one task is one chunk of one kernel (perf/kernels.mjs).
import { expose } from 'threads/worker';
import { runTask } from '../kernels.mjs';

expose({ run: (t) => runTask(t) });
