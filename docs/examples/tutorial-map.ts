// Tutorial step 3: Pool(2).map(fxnSer, range(10)), then close the pool.
//
//   node build/docs/examples/tutorial-map.js
import { Team } from 'parafor';

const pool = new Team({ numThreads: 2 });
const range10 = Array.from({ length: 10 }, (_, i) => i);
// fn(item, index, shared) runs on the team's threads; the results come back in order.
const squares = await pool.parallelMap(range10, (x) => x * x);
console.log(JSON.stringify(squares));
// pool.close(): the workers exit. (Idle workers sleep and never keep a process alive, so a
// short script may skip this; `await using pool = new Team(...)` closes it at scope end.)
await pool.close();
console.log(`closed: ${pool.closed}`);
