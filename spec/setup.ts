// Jest setup: with PARAFOR_SPEC_TRACE=<file>, every test appends its name when it starts,
// so that a run that hangs says where.
import { appendFileSync } from 'node:fs';

const trace = process.env.PARAFOR_SPEC_TRACE;
if (trace) {
  beforeEach(() => {
    appendFileSync(trace, `${new Date().toISOString()} ${expect.getState().currentTestName}\n`);
  });
}
