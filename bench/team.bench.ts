/**
 * Teams on the active backend (LAGHASH_BACKEND picks it): Team.selectBatch
 * with each selector over the whole synthetic mix, beside hashBatch with the
 * same policy in the same process; and same-port mode over a mix of one
 * conversation per frame (1M live conversations once the first pass has
 * filled the table), beside hashBatch over that same mix.
 * Tasks run in interleaved rounds (rounds.ts). Prints one JSON line: frames
 * per second of each variant, and each one's share of hashBatch.
 */
import { backend, FrameBatch, hashBatch, policy, Team, type SelectorOptions } from '../dist/index.js';
import { loadMix } from './mix.js';
import { medians, ratioOf, runRounds, type Task } from './rounds.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const pol = policy(arg('policy', 'linux:layer3+4'));
const frames = Number(arg('frames', String(1 << 20)));
const timeMs = Number(arg('time', '1500'));

const mix = loadMix(frames);
const whole = FrameBatch.packed(mix.data, mix.offsets, mix.lengths);
const conv = loadMix(frames, true);
const convBatch = FrameBatch.packed(conv.data, conv.offsets, conv.lengths);
const out32 = new Uint32Array(Math.max(mix.count, conv.count));
const out16 = new Uint16Array(Math.max(mix.count, conv.count));

const tasks: Task[] = [];
function add(name: string, units: number, fn: () => void): void {
  tasks.push({ name, units, fn });
}

const ports = [{ name: 'eth0', weight: 10 }, { name: 'eth1', weight: 10 }, { name: 'eth2', weight: 25 }, { name: 'eth3', weight: 25 }];
const equal = ports.map((p) => p.name);
const selectors: [string, SelectorOptions, boolean][] = [
  ['modulo', { kind: 'modulo' }, false],
  ['team', { kind: 'team' }, false],
  ['table', { kind: 'table', buckets: 256 }, true],
  ['resilient', { kind: 'resilient', buckets: 128 }, true],
  ['rendezvous', { kind: 'rendezvous' }, true],
];

add('hash', mix.count, () => hashBatch(whole, pol, out32));
for (const [name, selector, weighted] of selectors) {
  const team = new Team({ ports: weighted ? ports : equal, policy: pol, selector });
  add(name, mix.count, () => team.selectBatch(whole, out16));
}

const live: Record<string, number> = {};
add('hash (conversations)', conv.count, () => hashBatch(convBatch, pol, out32));
for (const key of ['mac', 'flow'] as const) {
  const team = new Team({ mode: 'same-port', ports: equal, policy: pol, samePort: { key, capacity: 1 << 22 } });
  team.selectBatch(convBatch, out16);  // fill the table: one conversation per frame
  live[key] = team.conversations()!.live;
  add(`same-port ${key}`, conv.count, () => team.selectBatch(convBatch, out16));
}

const rounds = await runRounds(tasks, timeMs);
/** share of hashBatch with the same frames, per selector (the rounds' median) */
const ratio: Record<string, number> = {};
for (const { name } of tasks)
  if (!name.startsWith('hash')) ratio[name] = ratioOf(rounds, name, name.startsWith('same-port') ? 'hash (conversations)' : 'hash');
process.stdout.write(JSON.stringify({ backend: `${backend} team`, policy: pol.name, frames: mix.count, dataBytes: mix.data.length, live, fps: medians(rounds), ratio }) + '\n');
