/**
 * The protocol: every transition of a region and of a worker, as a named function over the
 * control block's words (protocol/control.ts). The caller, the workers and the supervisor change the
 * block only through these (the hot chunk loop's work-counter grabs in run/slot.ts and the
 * region constructs in run/context.ts aside), so that the whole state machine can be read, and
 * driven one step at a time by spec/protocol-model.spec.ts, here. The prose (who writes
 * what, in which order, which races are ruled out) is in docs/design.md; the sections named
 * below are its headings.
 *
 * Region states, as the caller sees them (design.md#publish .. #join):
 *   joined --publish--> open --(every slot claimed)--> claimed --(every slot finished)--> joined
 *   open/claimed --fail or cancel--> failed: still joined only when every held slot finishes.
 *   - publish: the caller only, and only from `joined` (rule: it joins before publishing).
 *   - claim: any thread; succeeds only on an open region (CTRL_SLOTS > 0).
 *   - finish: only the thread that claimed the slot (or the caller, for slots nobody claimed
 *     of a failed or cancelled region it published: skipUnclaimed).
 *   - fail: a thread holding a slot of the region, or the caller while it is in flight.
 * Worker states (design.md#waiting, #faults):
 *   starting --beginServing--> serving --(claim)--> holding --(finish)--> serving
 *   serving --park--> parked --(wake or epoch moved)--> serving
 *   any --process.exit()--> exiting (endServing: finishes its held slot, nothing else)
 *   any --crash/termination--> dead (markDead, by the supervisor)
 * Waiting on a word: spin on Atomics.load for a bounded time, then sleep in Atomics.wait.
 * Every wait re-checks its condition in a loop, because a notify from an earlier region can
 * wake a waiter whose condition has not changed yet (design.md#waiting).
 */
import {
  CTRL_BAR_COUNT,
  CTRL_BAR_GEN,
  CTRL_SINGLE,
  CTRL_WS_NEXT,
  CTRL_DEATHS,
  CTRL_DONE,
  CTRL_EPOCH,
  CTRL_ERROR,
  CTRL_LOCKS,
  CTRL_MAX_WORKER,
  CTRL_NEXT,
  CTRL_NSLOTS,
  CTRL_ONLINE,
  CTRL_REGION,
  CTRL_SLEEPERS,
  CTRL_SLOTS,
  CTRL_STATE,
  CTRL_STOPPED,
  HOLD_CLAIMING,
  LINE,
  MAX_THREADS,
  N_LOCKS,
  TEAM_CLOSING,
  TEAM_OPEN,
  deadWord,
  holdWord,
  servingWord,
  wakeWord,
  MAX_UNITS,
  KIND_REGION,
  WORKER_LOST,
  ALIVE,
  ASLEEP,
  AWAKE,
  DEAD,
  NOT_SERVING,
  SERVING,
} from './control.js';

/** Joins sleep at most this long, then look again: a death's notify just before a sleep begins is lost. */
const JOIN_SLICE_MS = 50;

/**
 * Atomics.pause() where the runtime has it (Node 24+, Deno, Bun), else nothing: a hint to the
 * CPU that this is a spin-wait (x86 PAUSE), which leaves the core's other hardware thread more
 * of the core and lowers power while spinning. Only in the spins bounded by time below: a
 * pause costs from a few to over a hundred cycles depending on the CPU, so a spin bounded by
 * a count of polls (sync.ts) would last a CPU-dependent time.
 */
const pause: () => void = (Atomics as { pause?: () => void }).pause ?? (() => {});

/**
 * How spins are bounded in time without reading the clock. A clock read costs several polls,
 * and performance.now() returns a boxed number: a heap allocation per read (three where the
 * spin keeps its deadline), so a spin that read it once per region made a warm region
 * allocate (spec/warm-region.spec.ts). So a thread measures its polls per microsecond
 * once, before its first spin (calibrate, about 50 us), and times one spin in 64: that one
 * reads the clock after 1024 polls to set its deadline, then seldom (nextCheck), and
 * corrects the rate whenever it has polled for 50 us or more. The other spins poll that
 * rate times their budget, and read no clock. A thread that is descheduled while it spins spins longer by as much: it burns no
 * core meanwhile.
 */
let pollsPerUs = 0;
let spins = 0;

/** Polls for a spin of `spinUs` microseconds, or 0 when this spin must time itself. */
function spinPolls(spinUs: number): number {
  if (pollsPerUs === 0) calibrate();
  spins = (spins + 1) | 0;
  if ((spins & 63) === 0) return 0;
  return Math.max(1024, Math.ceil(pollsPerUs * spinUs));
}

/** A thread's first spin: times polls of a word of its own for about 50 us (once per thread). */
function calibrate(): void {
  const word = new Int32Array(1);
  const t0 = performance.now();
  let polls = 0;
  let took: number;
  do {
    for (let k = 0; k < 1024; k++) {
      if (Atomics.load(word, 0) !== 0) break;
      pause();
    }
    polls += 1024;
    took = performance.now() - t0;
  } while (took < 0.05);
  pollsPerUs = polls / (took * 1000);
}

/** A timed spin ran long enough to say: `polls` polls in `tookMs` since its first clock read. */
function learnPolls(polls: number, tookMs: number): void {
  if (tookMs >= 0.05) pollsPerUs = polls / (tookMs * 1000);
}

/**
 * When a timed spin reads the clock next (in polls): after 1024 polls to set its deadline,
 * again 1024 polls later, and from then on when the rate of its polls so far says the
 * deadline has come (at least 1024 polls on).
 */
function nextCheck(polls: number, pollsTimed: number, tookMs: number, leftMs: number): number {
  if (pollsTimed <= 0 || tookMs <= 0) return polls + 1024;
  return polls + Math.max(1024, Math.ceil((pollsTimed / tookMs) * leftMs));
}

/** Spins until i32[index] !== value or `spinUs` microseconds pass. True when it changed. */
export function spinWhileEquals(i32: Int32Array, index: number, value: number, spinUs: number): boolean {
  if (spinUs <= 0) return Atomics.load(i32, index) !== value;
  const budget = spinPolls(spinUs);
  if (budget > 0) {
    for (let polls = 0; polls < budget; polls++) {
      if (Atomics.load(i32, index) !== value) return true;
      pause();
    }
    return Atomics.load(i32, index) !== value;
  }
  // Timed: the clock only once 1024 polls were not enough, then seldom (nextCheck).
  let deadline = Infinity;
  let t0 = 0;
  let check = 1024;
  for (let polls = 1; ; polls++) {
    if (Atomics.load(i32, index) !== value) return true;
    pause();
    if (polls === check) {
      const now = performance.now();
      if (deadline === Infinity) {
        deadline = now + spinUs / 1000;
        t0 = now;
        check = polls + 1024;
      } else if (now > deadline) {
        learnPolls(polls - 1024, now - t0);
        return false;
      } else {
        learnPolls(polls - 1024, now - t0);
        check = nextCheck(polls, polls - 1024, now - t0, deadline - now);
      }
    }
  }
}

/**
 * A worker's wait for the next region it is needed in: returns once CTRL_EPOCH differs from
 * `seen` (seen while spinning, or after the caller woke it) or the team is closing. The
 * worker spins on the epoch, then sleeps on its own wake word (`wake`, protocol/control.ts wakeWord),
 * so that a region wakes only the workers it uses: a worker that a region does not use may
 * sleep through it (it would only find no slot to claim). Sleepers are counted
 * (CTRL_SLEEPERS) so that the caller looks at the wake words only when someone sleeps: the
 * worker marks its wake word and counts itself in before its last look at the epoch, the
 * caller bumps the epoch before it reads the count and the words, and all are sequentially
 * consistent, so at least one of them sees the other (design.md#sleepers).
 */
export function waitForEpoch(i32: Int32Array, seen: number, spinUs: number, wake: number): void {
  if (spinWhileEquals(i32, CTRL_EPOCH, seen, spinUs)) return;
  while (Atomics.load(i32, CTRL_EPOCH) === seen && Atomics.load(i32, CTRL_STATE) === TEAM_OPEN) {
    Atomics.store(i32, wake, ASLEEP);
    Atomics.add(i32, CTRL_SLEEPERS, 1);
    if (Atomics.load(i32, CTRL_EPOCH) === seen && Atomics.load(i32, CTRL_STATE) === TEAM_OPEN) Atomics.wait(i32, wake, ASLEEP);
    Atomics.sub(i32, CTRL_SLEEPERS, 1);
    Atomics.store(i32, wake, AWAKE);
  }
}

/**
 * After publishing a region (the epoch is bumped): wakes the sleepers among the workers it
 * uses, ids 1..maxWorker, when any worker sleeps at all. The SLEEPERS load is the caller's
 * half of the Dekker pattern (design.md#sleepers); when it counted a sleeper, that sleeper's
 * earlier store to its wake word happens-before it, so a plain read of the word (a cheap
 * filter over lines that nobody writes while awake) sees the 1; the swap (Atomics.exchange
 * 1 -> 0) decides who notifies, once.
 */
export function wakeForRegion(i32: Int32Array, maxWorker: number): void {
  if (Atomics.load(i32, CTRL_SLEEPERS) === 0) return;
  for (let id = 1; id <= maxWorker; id++) {
    const w = wakeWord(id);
    if (i32[w] !== AWAKE && Atomics.exchange(i32, w, AWAKE) !== AWAKE) Atomics.notify(i32, w);
  }
}

/**
 * Wakes every worker 1..upTo that sleeps (close and recovery, after the state and the epoch
 * changed). No filter: without the SLEEPERS load there is nothing to order a plain read, so
 * every word is swapped atomically.
 */
export function wakeAll(i32: Int32Array, upTo: number): void {
  for (let id = 1; id <= upTo; id++) {
    const w = wakeWord(id);
    if (Atomics.exchange(i32, w, AWAKE) !== AWAKE) Atomics.notify(i32, w);
  }
}

/**
 * The caller's wait for `i32[index]` to reach `target` (the join countdown). Whoever makes
 * it reach the target notifies; intermediate changes may wake us early, so loop. Returns
 * false instead when `i32[watch]` moves away from `watchValue` (a worker died: whoever
 * counts the death notifies `index` too).
 */
export function waitUntilEquals(i32: Int32Array, index: number, target: number, spinUs: number, watch: number, watchValue: number): boolean {
  let v = Atomics.load(i32, index);
  if (v === target) return true;
  // Counted (spinPolls), or timed: the clock only once the first 1024 polls have not been
  // enough, then seldom (nextCheck). The death count every 1024 polls.
  const budget = spinUs > 0 ? spinPolls(spinUs) : 0;
  let deadline = Infinity;
  let t0 = 0;
  let check = budget > 0 ? -1 : 1024;
  for (let polls = 1; spinUs > 0; polls++) {
    if (polls === budget) break;
    v = Atomics.load(i32, index);
    if (v === target) return true;
    pause();
    if ((polls & 1023) === 0 && Atomics.load(i32, watch) !== watchValue) return false;
    if (polls === check) {
      const now = performance.now();
      if (deadline === Infinity) {
        deadline = now + spinUs / 1000;
        t0 = now;
        check = polls + 1024;
      } else if (now > deadline) {
        learnPolls(polls - 1024, now - t0);
        break;
      } else {
        learnPolls(polls - 1024, now - t0);
        check = nextCheck(polls, polls - 1024, now - t0, deadline - now);
      }
    }
  }
  for (;;) {
    v = Atomics.load(i32, index);
    if (v === target) return true;
    if (Atomics.load(i32, watch) !== watchValue) return false;
    // In slices: a death counted between the look at `watch` and this wait notifies before
    // the sleep begins, and that notify is lost (spec/protocol-model.spec.ts).
    Atomics.wait(i32, index, v, JOIN_SLICE_MS);
  }
}

// ---- a region's slots (design.md#claim, #join, #errors) -----------------------------------

/**
 * Opens a region whose descriptor the caller has written (design.md#publish, steps 3-5):
 * stores P in CTRL_SLOTS (a claim can succeed only after this store, so it sees the
 * descriptor), bumps the epoch, and wakes the sleepers among workers 1..maxWorker.
 */
export function openRegion(i32: Int32Array, p: number, maxWorker: number): void {
  Atomics.store(i32, CTRL_SLOTS, p);
  Atomics.add(i32, CTRL_EPOCH, 1);
  wakeForRegion(i32, maxWorker);
}

/**
 * Claims a slot of the open region: the slot number, or -1 when none is left. CTRL_SLOTS
 * counts down from P and goes negative after the last claim, so a claim can only succeed
 * after the caller stored P for the current region, and then the descriptor written before
 * that store is visible.
 */
export function claimSlot(i32: Int32Array): number {
  const left = Atomics.sub(i32, CTRL_SLOTS, 1);
  return left > 0 ? Atomics.load(i32, CTRL_NSLOTS) - left : -1;
}

/**
 * claimSlot for the caller of a synchronous region: it published P itself, so it need not
 * load CTRL_NSLOTS.
 */
export function claimOwnSlot(i32: Int32Array, p: number): number {
  const left = Atomics.sub(i32, CTRL_SLOTS, 1);
  return left > 0 ? p - left : -1;
}

/** Whether the region in flight has unclaimed slots. */
export function hasUnclaimed(i32: Int32Array): boolean {
  return Atomics.load(i32, CTRL_SLOTS) > 0;
}

/** Marks one slot finished; the thread that finishes the last one wakes the caller. */
export function finishSlot(i32: Int32Array, doneTarget: number): void {
  if (((Atomics.add(i32, CTRL_DONE, 1) + 1) | 0) === doneTarget) Atomics.notify(i32, CTRL_DONE);
}

/**
 * finishSlot for the caller of a synchronous region: it joins the region itself, and nobody
 * else waits on CTRL_DONE, so it notifies nobody.
 */
export function finishOwnSlot(i32: Int32Array): void {
  Atomics.add(i32, CTRL_DONE, 1);
}

/** Claims and finishes, unrun, every unclaimed slot: the caller only, for a failed or cancelled region it published and has not joined (design.md#faults, rule 1). */
export function skipUnclaimed(i32: Int32Array, doneTarget: number): void {
  for (let slot = claimSlot(i32); slot >= 0; slot = claimSlot(i32)) finishSlot(i32, doneTarget);
}

/** Whether the region with this done target has every slot finished. */
export function regionDone(i32: Int32Array, doneTarget: number): boolean {
  return Atomics.load(i32, CTRL_DONE) === doneTarget;
}

/** Marks slot `slot` failed (the first failure wins CTRL_ERROR) and halts the region: the other threads stop at their next chunk. */
export function failSlot(sync: Int32Array, slot: number): void {
  Atomics.compareExchange(sync, CTRL_ERROR, 0, slot + 1);
  haltRegion(sync);
}

/**
 * Marks the region failed with `code` (CANCELLED, WORKER_LOST) unless something failed
 * first, and halts it. True when this call set the mark. By a holder of a slot of the
 * region, or the caller while the region is in flight (design.md#faults, rule 2).
 */
export function failRegion(sync: Int32Array, code: number): boolean {
  const set = Atomics.compareExchange(sync, CTRL_ERROR, 0, code) === 0;
  haltRegion(sync);
  return set;
}

/** The region's failure mark: 0, 1 + the slot that failed first, CANCELLED or WORKER_LOST. */
export function regionFailure(sync: Int32Array): number {
  return Atomics.load(sync, CTRL_ERROR);
}

/**
 * A work counter value past the end of every loop (a loop has at most MAX_UNITS units, and
 * threads stop at their first grab past the end, so adding to it cannot overflow).
 */
const NEXT_HALTED = MAX_UNITS;

/**
 * After CTRL_ERROR was set (a failed or cancelled region): moves the dynamic and guided work
 * counter past every loop's end, so that grabs stop without looking at CTRL_ERROR each time,
 * and wakes barrier waiters so that they look at CTRL_ERROR and unwind. The next dynamic or
 * guided region's publish resets the counter.
 */
export function haltRegion(sync: Int32Array): void {
  Atomics.store(sync, CTRL_NEXT, NEXT_HALTED);
  Atomics.add(sync, CTRL_BAR_GEN, 1);
  Atomics.notify(sync, CTRL_BAR_GEN);
}

/**
 * For a thread of a parallel region that waits (barrier, critical section): whether a worker
 * of the region has died. It then fails the region for everyone (WORKER_LOST): it holds a
 * slot of the region, so the region cannot have ended and the mark cannot land on a later
 * one. A serial run's private words have no worker lines: nobody else can die there.
 */
export function regionMemberLost(sync: Int32Array, lostCode: number): boolean {
  if (sync.length <= CTRL_MAX_WORKER) return false;
  const last = Atomics.load(sync, CTRL_MAX_WORKER);
  for (let w = 1; w <= last; w++) {
    if (Atomics.load(sync, deadWord(w)) !== 0) {
      failRegion(sync, lostCode);
      return true;
    }
  }
  return false;
}

// ---- a worker's life (design.md#startup, #faults) ------------------------------------------

/** Worker `id` serves regions from now on: its serving word, and a wake for those waiting on starts. */
export function beginServing(i32: Int32Array, id: number): void {
  Atomics.store(i32, servingWord(id), SERVING);
  bumpOnline(i32);
}

function bumpOnline(i32: Int32Array): void {
  Atomics.add(i32, CTRL_ONLINE, 1);
  Atomics.notify(i32, CTRL_ONLINE);
}

/** A worker claims a slot, saying so in its hold word first (HOLD_CLAIMING, then the region id or 0), so a death in between is not missed. */
export function claimHeld(i32: Int32Array, id: number): number {
  const hold = holdWord(id);
  Atomics.store(i32, hold, HOLD_CLAIMING);
  const slot = claimSlot(i32);
  Atomics.store(i32, hold, slot < 0 ? 0 : (i32[CTRL_REGION] as number));
  return slot;
}

/**
 * A worker gives up its slot: finish, then hold 0 (the other order let a death between the
 * two lose the slot unnamed: spec/protocol-model.spec.ts); Pool.reap ignores stale holds.
 */
export function releaseHeld(i32: Int32Array, id: number, doneTarget: number): void {
  finishSlot(i32, doneTarget);
  Atomics.store(i32, holdWord(id), 0);
}

/**
 * A worker's exit hook (a body called process.exit()): it stops serving and, holding slot
 * `slot` (-1: none), fails and releases it, and nothing else. The region cannot end before
 * that slot does, so the finish lands on the slot's own region, while claiming more could
 * take slots of a region published after (design.md#faults, rule 1).
 */
export function endServing(i32: Int32Array, id: number, slot: number, doneTarget: number): void {
  Atomics.store(i32, servingWord(id), NOT_SERVING);
  bumpOnline(i32);
  if (slot < 0) return;
  failSlot(i32, slot);
  releaseHeld(i32, id, doneTarget);
}

/**
 * The supervisor, when worker `id` died (any way): stops it serving, marks it dead, counts
 * the death, and wakes every wait that may depend on it: joins (CTRL_DONE), starts
 * (CTRL_ONLINE), barriers and critical sections of parallel regions.
 */
export function markDead(i32: Int32Array, id: number): void {
  Atomics.store(i32, servingWord(id), NOT_SERVING);
  Atomics.store(i32, deadWord(id), DEAD);
  Atomics.add(i32, CTRL_DEATHS, 1);
  bumpOnline(i32);
  Atomics.notify(i32, CTRL_DONE);
  Atomics.notify(i32, CTRL_BAR_GEN);
  for (let k = 0; k < N_LOCKS; k++) Atomics.notify(i32, CTRL_LOCKS + k * LINE);
}

/** Deaths counted so far (the caller reaps when this moves). */
export function deaths(i32: Int32Array): number {
  return Atomics.load(i32, CTRL_DEATHS);
}

/** Whether worker `id` is marked dead. */
export function isDead(i32: Int32Array, id: number): boolean {
  return Atomics.load(i32, deadWord(id)) === DEAD;
}

/** Worker `id`'s hold word: 0, HOLD_CLAIMING, or the id of the region whose slot it holds. */
export function heldRegion(i32: Int32Array, id: number): number {
  return Atomics.load(i32, holdWord(id));
}

/** The fields of a region's descriptor that settling a death reads. */
export interface RegionRef {
  readonly id: number;
  readonly kind: number;
  readonly doneTarget: number;
  readonly maxWorker: number;
}

/** What a death means for the region in flight: nothing (it held no slot, and no slot waits for it to claim). */
export const DEATH_HARMLESS = 0;
/** It held a slot of the region, or died claiming one: that slot never finishes, so the join gives up and the team recovers. */
export const DEATH_BREAKS = 1;
/** A parallel region (which needs all of its threads at once) counted on it: the region is failed WORKER_LOST, its unclaimed slots skipped. */
export const DEATH_LOSES = 2;
/** The region failed or was cancelled and counted on it: its unclaimed slots are claimed and skipped (skipUnclaimed). */
export const DEATH_SKIPS = 3;
/** A loop still running counted on it: a replacement worker claims its slots. */
export const DEATH_REPLACE = 4;

/**
 * The caller, reaping: settles what the death of worker `id` (marked dead) means for region
 * `r` in flight (design.md#faults), and returns one of the DEATH_* verdicts. A hold naming a
 * region that is done is stale (a death between finish and clear). For DEATH_LOSES it has
 * failed the region already; the slots of DEATH_LOSES and DEATH_SKIPS are the caller's to
 * skip, and DEATH_REPLACE's replacement its to start.
 */
export function settleDeath(i32: Int32Array, id: number, r: RegionRef): number {
  const hold = heldRegion(i32, id);
  if ((hold === r.id || hold === HOLD_CLAIMING) && !regionDone(i32, r.doneTarget)) return DEATH_BREAKS;
  if (id > r.maxWorker || !hasUnclaimed(i32)) return DEATH_HARMLESS;
  if (r.kind === KIND_REGION && failRegion(i32, WORKER_LOST)) return DEATH_LOSES;
  return regionFailure(i32) !== 0 ? DEATH_SKIPS : DEATH_REPLACE;
}

/** Whether worker `id` serves regions. */
export function isServing(i32: Int32Array, id: number): boolean {
  return Atomics.load(i32, servingWord(id)) === SERVING;
}

/** The value to wait on for a change in who serves (CTRL_ONLINE). */
export function onlineStamp(i32: Int32Array): number {
  return Atomics.load(i32, CTRL_ONLINE);
}

/** The caller, before it starts worker `id` (again): its dead, hold and serving words start at 0. */
export function resetWorker(i32: Int32Array, id: number): void {
  Atomics.store(i32, deadWord(id), ALIVE);
  Atomics.store(i32, holdWord(id), 0);
  Atomics.store(i32, servingWord(id), NOT_SERVING);
}

/** The caller wakes a join that must look again (a failure recorded off the join). */
export function wakeJoin(i32: Int32Array): void {
  Atomics.notify(i32, CTRL_DONE);
}

// ---- closing and recovery (design.md#recovery) -------------------------------------------

/** The caller ends the block's service: workers leave their loop at their next look (close, recovery). */
export function closeBlock(i32: Int32Array): void {
  Atomics.store(i32, CTRL_STATE, TEAM_CLOSING);
  Atomics.add(i32, CTRL_EPOCH, 1);
  wakeAll(i32, MAX_THREADS);
}

/** Stop requests the supervisor has completed. */
export function stopsDone(i32: Int32Array): number {
  return Atomics.load(i32, CTRL_STOPPED);
}

/** The supervisor: every worker it started has exited. */
export function markStopped(i32: Int32Array): void {
  Atomics.add(i32, CTRL_STOPPED, 1);
  Atomics.notify(i32, CTRL_STOPPED);
}

/** The caller waits (blocking, at most `ms`) until stop requests done moves past `before`. True when it did. */
export function waitStopped(i32: Int32Array, before: number, ms: number): boolean {
  const give = performance.now() + ms;
  for (let left = ms; left > 0; left = give - performance.now()) {
    if (Atomics.load(i32, CTRL_STOPPED) !== before) return true;
    Atomics.wait(i32, CTRL_STOPPED, before, left);
  }
  return Atomics.load(i32, CTRL_STOPPED) !== before;
}

// ---- the caller's publish and join (design.md#publish, #join) -----------------------------

/**
 * Before opening a region (design.md#publish, step 2): resets what it uses and what is not
 * already reset (every write invalidates a line other cores hold): the work counter of
 * dynamic and guided loops, the failure mark, and a parallel region's words.
 */
export function resetForRegion(i32: Int32Array, counter: boolean, region: boolean): void {
  if (counter && Atomics.load(i32, CTRL_NEXT) !== 0) Atomics.store(i32, CTRL_NEXT, 0);
  if (Atomics.load(i32, CTRL_ERROR) !== 0) Atomics.store(i32, CTRL_ERROR, 0);
  if (region) clearRegionWords(i32);
}

/** Resets a parallel region's words: barrier count, single claims, worksharing counter, locks. */
export function clearRegionWords(i32: Int32Array): void {
  i32[CTRL_BAR_COUNT] = 0;
  i32[CTRL_SINGLE] = 0;
  i32[CTRL_WS_NEXT] = 0;
  for (let k = 0; k < N_LOCKS; k++) i32[CTRL_LOCKS + k * LINE] = 0;
}

/** Slots finished so far (CTRL_DONE): the value a join waits on. */
export function doneStamp(i32: Int32Array): number {
  return Atomics.load(i32, CTRL_DONE);
}

/** The synchronous join: true once the region completed; false as soon as a death was counted since `deathsSeen` (the caller reaps). */
export function joinSync(i32: Int32Array, doneTarget: number, spinUs: number, deathsSeen: number): boolean {
  return waitUntilEquals(i32, CTRL_DONE, doneTarget, spinUs, CTRL_DEATHS, deathsSeen);
}

/** Sleeps until CTRL_DONE moves from `stamp`, a death or a failure is signalled, or `ms` (at most JOIN_SLICE_MS) pass. */
export function waitDone(i32: Int32Array, stamp: number, ms: number): void {
  Atomics.wait(i32, CTRL_DONE, stamp, Math.min(ms, JOIN_SLICE_MS));
}

/** waitDone for the event loop, in JOIN_SLICE_MS slices: a promise when it must wait, undefined when it need not. */
export function waitDoneAsync(i32: Int32Array, stamp: number): Promise<unknown> | undefined {
  const w = Atomics.waitAsync(i32, CTRL_DONE, stamp, JOIN_SLICE_MS);
  return w.async ? w.value : undefined;
}

/** Sleeps until who serves may have changed (CTRL_ONLINE moved from `stamp`) or `ms` pass. */
export function waitOnline(i32: Int32Array, stamp: number, ms: number): void {
  Atomics.wait(i32, CTRL_ONLINE, stamp, ms);
}

/** waitOnline for the event loop. */
export function waitOnlineAsync(i32: Int32Array, stamp: number, ms: number): Promise<unknown> | undefined {
  const w = Atomics.waitAsync(i32, CTRL_ONLINE, stamp, ms);
  return w.async ? w.value : undefined;
}
