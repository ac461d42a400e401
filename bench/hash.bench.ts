/**
 * One policy on the active backend (LAGHASH_BACKEND picks it), over the
 * synthetic mix, at batch sizes 1, 32, 1024 and the whole mix through
 * hashBatch, plus the bound form at 1 and 32, selectBatch on the whole mix,
 * and beside it linux:layer3+4 on the whole mix (another policy) or the
 * TypeScript twin (native, linux:layer3+4), in interleaved rounds
 * (rounds.ts). Prints one JSON line: frames per second of each variant, and
 * the ratios of variants measured side by side.
 * Run by run.ts, one process per (backend, policy).
 */
import { backend, bindBatch, FrameBatch, hashBatch, policy, selectBatch } from '../dist/index.js';
import { hashBatchWith } from '../dist/hash.js';
import { getBackend } from '../dist/native.js';
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
const out32 = new Uint32Array(mix.count);
const out16 = new Uint16Array(mix.count);

/** Batches of `size` frames covering the first `cover` frames. */
function slices(size: number, cover: number): FrameBatch[] {
  const list: FrameBatch[] = [];
  for (let s = 0; s + size <= cover; s += size)
    list.push(FrameBatch.packed(mix.data, mix.offsets.subarray(s, s + size), mix.lengths.subarray(s, s + size)));
  return list;
}

const tasks: Task[] = [];
function add(name: string, units: number, fn: () => void): void {
  tasks.push({ name, units, fn });
}

add('batch 1M', mix.count, () => hashBatch(whole, pol, out32));
for (const size of [1024, 32, 1]) {
  const cover = size === 1 ? Math.min(mix.count, 1 << 16) : mix.count;
  const list = slices(size, cover);
  const sub = new Uint32Array(size);
  add(`batch ${size}`, list.length * size, () => {
    for (let i = 0; i < list.length; i++) hashBatch(list[i], pol, sub);
  });
}
const bound = bindBatch(whole, pol, { out: out32 });
for (const size of [32, 1]) {
  const cover = size === 1 ? Math.min(mix.count, 1 << 18) : mix.count - (mix.count % size);
  add(`bound ${size}`, cover, () => {
    for (let s = 0; s < cover; s += size) bound.run(s, size);
  });
}
add('select 1M', mix.count, () => selectBatch(whole, pol, { ports: 4 }, out16));

// the policy beside linux:layer3+4 in the same rounds, for its ratio to it
const REFERENCE = 'linux:layer3+4';
if (pol.name !== REFERENCE) {
  const ref = policy(REFERENCE);
  add('reference 1M', mix.count, () => hashBatch(whole, ref, out32));
}
// native, linux:layer3+4: the TypeScript twin beside it, for the twin's ratio to native
const twin = backend === 'native' && pol.name === REFERENCE;
if (twin) {
  const js = getBackend('js');
  add('js twin 1M', mix.count, () => hashBatchWith(js, whole, pol, out32));
}
const rounds = await runRounds(tasks, timeMs);
const ratio: Record<string, number> = {
  'bound 32 / batch 1M': ratioOf(rounds, 'bound 32', 'batch 1M'),
  'select 1M / batch 1M': ratioOf(rounds, 'select 1M', 'batch 1M'),
};
if (pol.name !== REFERENCE) ratio[`batch 1M / ${REFERENCE}`] = ratioOf(rounds, 'batch 1M', 'reference 1M');
if (twin) ratio['js twin / batch 1M'] = ratioOf(rounds, 'js twin 1M', 'batch 1M');
process.stdout.write(JSON.stringify({ backend, policy: pol.name, frames: mix.count, dataBytes: mix.data.length, fps: medians(rounds), ratio }) + '\n');
