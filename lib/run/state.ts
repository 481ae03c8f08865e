/**
 * Per-thread state: whether this thread is running a loop body right now. A parafor call
 * made while it is (a nested call) runs serially on the calling thread instead of asking
 * the team, which is busy with the outer loop: nesting never deadlocks.
 */
let depth = 0;

/** True while this thread runs a parafor body (or on a parafor worker, always). */
export function insideRegion(): boolean {
  return depth > 0;
}

export function enterRegion(): void {
  depth++;
}

export function leaveRegion(): void {
  depth--;
}
