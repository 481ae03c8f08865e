// Preloaded with `node --import ./perf/text/rss-on-exit.mjs SCRIPT ...`: when the process
// exits, prints its peak RSS to stderr as JSON, the worker threads included. maxRSS comes
// from process.resourceUsage() (KiB); VmHWM, the peak RSS of this address space, cross-checks it.
import fs from 'node:fs';

process.on('exit', () => {
  const maxRssMiB = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  const vmHwmMiB = hwm ? Math.round((Number(hwm[1]) / 1024) * 10) / 10 : null;
  process.stderr.write(`${JSON.stringify({ maxRssMiB, vmHwmMiB })}\n`);
});
