// Tutorial steps 1 and 5: cpu_count(), and knowing the machine a program runs on.
//
//   node build/docs/examples/tutorial-cpu-count.js
import os from 'node:os';
import { cpuCount, numThreads } from 'parafor';

// multiprocessing.cpu_count(): the CPUs this process may use.
console.log(`cpu_count: ${cpuCount()}`);
// The threads a loop uses: PARAFOR_NUM_THREADS, else OMP_NUM_THREADS, else cpuCount().
console.log(`threads per loop: ${numThreads()}`);
// Other users of the machine: more runnable programs than CPUs means slower parallel loops.
const [load] = os.loadavg();
console.log(`load average: ${load!.toFixed(2)} (${load! > cpuCount() * 0.75 ? 'busy' : 'mostly idle'})`);
