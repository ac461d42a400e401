/**
 * The memory baseline: a plain native loop that reads the first 64 bytes of
 * every frame of the mix (every header the policies read for common frames),
 * with the same prefetch as the hash loops, and does nothing else.
 */
import { Bench } from 'tinybench';
import { getBackend } from '../dist/native.js';
import { loadMix } from './mix.js';

const frames = Number(process.argv[process.argv.indexOf('--frames') + 1] || 1 << 20);
const mix = loadMix(frames);
const native = getBackend('native');
const bench = new Bench({ time: 1500, iterations: 5, warmupTime: 200, warmupIterations: 2 });
let sink = 0;
bench.add('read 64 B', () => {
  sink ^= native.touch(mix.data, mix.offsets, 0, mix.lengths, 1, null, 0, mix.count, 64);
});
await bench.run();
const r = bench.tasks[0].result;
if (r.state !== 'completed') throw new Error(r.state);
process.stdout.write(JSON.stringify({ backend: 'native', policy: 'read-64B', frames: mix.count, dataBytes: mix.data.length, fps: { 'batch 1M': mix.count / (r.latency.p50! / 1000) }, sink }) + '\n');
