/**
 * npm run bench: every suite in its own process (so one JIT state does not
 * colour another), then the table and the ratios taken in this one run.
 *
 *   node bench/run.js [--frames N] [--policies 'a;b'] [--quick]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface SuiteResult {
  backend: string;
  policy: string;
  frames: number;
  dataBytes: number;
  fps: Record<string, number>;
  /** team suite: live conversations in the same-port tables */
  live?: Record<string, number>;
  /** ratios of variants measured side by side, in the same rounds */
  ratio?: Record<string, number>;
}

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const frames = Number(opt('frames') ?? 1 << 20);
const quick = args.includes('--quick');
const policies = (opt('policies') ?? [
  'linux:layer3+4', 'rss:toeplitz', 'linux:layer2', 'linux:encap3+4', 'dpdk:l34', 'team:eth,ipv4,ipv6,l4', 'src-dst-ip-port',
].join(';')).split(';');
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

function suite(file: string, env: Record<string, string>, extra: string[]): SuiteResult {
  const outText = execFileSync(process.execPath, [here(file), '--frames', String(frames), ...(quick ? ['--time', '300'] : []), ...extra], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(outText.trim().split('\n').pop()!) as SuiteResult;
}

const M = (x: number) => (x / 1e6).toFixed(1).padStart(7);
const results: SuiteResult[] = [];
process.stderr.write(`laghash bench: ${frames} frames of the synthetic mix\n`);
const touch = suite('./touch.bench.js', {}, []);
results.push(touch);
for (const p of policies) {
  for (const b of ['native', 'js']) {
    process.stderr.write(`  ${b} ${p}\n`);
    results.push(suite('./hash.bench.js', { LAGHASH_BACKEND: b }, ['--policy', p]));
  }
}

process.stderr.write('  native teams\n');
const team = suite('./team.bench.js', { LAGHASH_BACKEND: 'native' }, ['--policy', 'linux:layer3+4']);
process.stderr.write('  analyze on a capture built from the shared corpus\n');
const analyze = JSON.parse(execFileSync(process.execPath, [here('./analyze.bench.js')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!) as
  { skipped?: string; bytes: number; frames: number; catMBps: number; oneMBps: number; onePeakMB: number; defaultMBps: number; defaultPeakMB: number };

const cols = ['batch 1', 'batch 32', 'batch 1024', 'batch 1M', 'bound 1', 'bound 32', 'select 1M'];
console.log(`\nframes per second (millions), ${frames} frames, ${(touch.dataBytes / 1e6).toFixed(0)} MB of frame data`);
console.log(`${'policy'.padEnd(28)}${'backend'.padEnd(8)}${cols.map((c) => c.padStart(11)).join('')}`);
for (const r of results)
  console.log(`${r.policy.padEnd(28)}${r.backend.padEnd(8)}${cols.map((c) => (r.fps[c] ? M(r.fps[c]).padStart(11) : '-'.padStart(11))).join('')}`);

const tf = team.fps;
console.log(`\nTeam.selectBatch, native, ${team.policy}, frames per second (millions) and share of hashBatch measured beside it (median of interleaved rounds)`);
for (const k of ['modulo', 'team', 'table', 'resilient', 'rendezvous'])
  console.log(`  ${k.padEnd(26)}${M(tf[k])}   ${team.ratio![k].toFixed(2)}`);
for (const k of ['mac', 'flow'])
  console.log(`  ${`same-port, ${k} key`.padEnd(26)}${M(tf[`same-port ${k}`])}   ${team.ratio![`same-port ${k}`].toFixed(2)}  (${team.live![k]} live conversations)`);

if (analyze.skipped) console.log(`\nlaghash analyze: skipped (${analyze.skipped})`);
else {
  console.log(`\nlaghash analyze, ${(analyze.bytes / 1e6).toFixed(0)} MB capture (${analyze.frames} frames), 4 ports, every port failed in turn`);
  console.log(`  cat FILE > /dev/null            ${analyze.catMBps.toFixed(0).padStart(6)} MB/s`);
  console.log(`  linux:layer3+4, modulo          ${analyze.oneMBps.toFixed(0).padStart(6)} MB/s   peak memory ${analyze.onePeakMB.toFixed(0)} MB`);
  console.log(`  the 8 default policies          ${analyze.defaultMBps.toFixed(0).padStart(6)} MB/s   peak memory ${analyze.defaultPeakMB.toFixed(0)} MB`);
}

const get = (policy: string, backend: string, col: string) => results.find((r) => r.policy === policy && r.backend === backend)?.fps[col] ?? NaN;
/** a ratio the suite measured side by side (interleaved rounds: rounds.ts) */
const ratio = (policy: string, backend: string, name: string) => results.find((r) => r.policy === policy && r.backend === backend)?.ratio?.[name] ?? NaN;
const ratios: [string, number, number][] = [
  ['native linux:layer3+4 (1M) / reading loop', get('linux:layer3+4', 'native', 'batch 1M') / touch.fps['batch 1M'], 0.6],
  ['TS twin / native, linux:layer3+4 (1M, side by side)', ratio('linux:layer3+4', 'native', 'js twin / batch 1M'), 0.3],
  ['native rss:toeplitz / linux:layer3+4 (1M, side by side)', ratio('rss:toeplitz', 'native', 'batch 1M / linux:layer3+4'), 0.6],
  ['native bound 32 / batch 1M, linux:layer3+4', ratio('linux:layer3+4', 'native', 'bound 32 / batch 1M'), 0.8],
  ['native selectBatch / hashBatch, linux:layer3+4', ratio('linux:layer3+4', 'native', 'select 1M / batch 1M'), 0.85],
  ...['modulo', 'team', 'table', 'resilient', 'rendezvous'].map((k): [string, number, number] => [`native Team ${k} / hashBatch`, team.ratio![k], 0.85]),
  ['native Team same-port (mac key, 1M live) / hashBatch', team.ratio!['same-port mac'], 0.5],
  ['native Team same-port (flow key, 1M live) / hashBatch', team.ratio!['same-port flow'], 0.5],
  ...(analyze.skipped ? [] : [['analyze (one policy, 4 ports) / cat', analyze.oneMBps / analyze.catMBps, 0.3] as [string, number, number]]),
];
console.log('\nratios measured in this run (target):');
for (const [name, v, target] of ratios)
  console.log(`  ${name.padEnd(56)} ${v.toFixed(2)}  (>= ${target}) ${v >= target ? 'ok' : 'BELOW TARGET'}`);

mkdirSync(here('./out'), { recursive: true });
writeFileSync(here('./out/results.json'), JSON.stringify({ frames, results, team, analyze, ratios }, null, 2));
