#!/usr/bin/env node
// `npm run test:leak [-- --frames N] [-- --no-lsan]`: does the native backend
// leak over a long run?
//
// 1. RSS: the batch entry points over N frames (default 10,000,000) of the
//    bundled capture data/netns-mixed.pcap, with the package's own addon:
//    every pass over the batch runs hashBatch and selectBatch (policies and
//    selectors in turn), a new bindBatch run 32 frames at a time, BIND_CHURN
//    more bindBatch objects made, run and dropped (the addon allocates one
//    C++ object per bind, freed by a finalizer), Team.selectBatch of a
//    balance team (a port fails and recovers now and then) and of a same-port
//    team with Team.receive, and every ANALYZE_EVERY passes analyzeCaptures
//    (summaries, what-if tallies and the exact flow table: accumulate). Each
//    pass ends with a turn of the event loop, where Node runs N-API
//    finalizers (a synchronous loop of binds keeps each bind's small native
//    record, not its arrays, until it yields: native/addon.cc). The
//    resident set is sampled after garbage collection every SAMPLE_EVERY
//    passes after the first WARMUP of them (V8's heap and the allocator settle
//    by then); the median of the last third of the samples may not exceed that
//    of the first third by more than BOUND_MB. About 100 passes lie between
//    the two: 24 million frames through the entry points and 200,000 binds,
//    so a leak of a byte per frame, or of a bind's native record (about 200
//    bytes), fails it.
// 2. LeakSanitizer (unless --no-lsan): the same loop over LSAN_FRAMES frames in
//    a child process on the ASan build of the addon (scripts/asan-addon.mjs)
//    with detect_leaks=1. Node and V8 leave allocations at exit that are not
//    ours, nor is what V8 allocates for the functions and references the addon
//    asks it for; a leak report fails the check when the allocation was made
//    by the addon's own code (laghash.node, native/).
// Prints the figures (RSS at start, after warm-up, at the end, the range of the
// samples and the two medians; the LeakSanitizer count) and exits 1 when either
// check fails.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const repo = fileURLToPath(new URL('..', import.meta.url));
const BOUND_MB = 16;
const WARMUP = 0.4;
const SAMPLE_EVERY = 5;
const BIND_CHURN = 2000;
const ANALYZE_EVERY = 25;
const LSAN_FRAMES = 1_000_000;

const { values } = parseArgs({ options: { frames: { type: 'string' }, 'no-lsan': { type: 'boolean' }, child: { type: 'boolean' } } });
const frames = Number(values.frames ?? 10_000_000);
if (!Number.isInteger(frames) || frames < 1) {
  console.error(`test:leak: expected --frames to be a positive integer, got ${JSON.stringify(values.frames)}`);
  process.exit(2);
}
if (typeof globalThis.gc !== 'function') {
  console.error('test:leak: run with node --expose-gc (npm run test:leak does)');
  process.exit(2);
}

const L = await import(pathToFileURL(join(repo, 'dist/index.js')).href);
if (L.backend !== 'native') {
  console.error(`test:leak: the native backend did not load (${L.backendError?.message}); this checks the addon`);
  process.exit(2);
}
const captureFile = join(repo, 'data/netns-mixed.pcap');
const capture = new Uint8Array(readFileSync(captureFile));
const batch = L.FrameBatch.fromCapture(capture);
const n = batch.count;

const POLICIES = ['linux:layer3+4', 'linux:encap3+4', 'linux:layer2+3', 'dpdk:l34', 'team:eth,vlan,ipv4,ipv6,l4', 'rss:toeplitz',
  'src-dst-ip-port?symmetric=1', 'fields?fields=src-mac,dst-mac,vlan,tunnel-id,src-ip,dst-ip,src-port,dst-port&tunnel=inner']
  .map((p) => L.policy(p));
const SELECTORS = [{ ports: 4 }, { kind: 'table', ports: 4, buckets: 256 }, { kind: 'resilient', ports: 3 },
  { kind: 'rendezvous', ports: 5, weights: [1, 2, 3, 4, 5] }, { kind: 'rendezvous', ports: 4, buckets: 0 }, { kind: 'team', ports: 4 }];
const hashes = new Uint32Array(n), ports = new Uint16Array(n);
const balance = new L.Team({ ports: ['eth0', 'eth1', 'eth2', 'eth3'], policy: 'linux:layer3+4', selector: 'table' });
const samePort = new L.Team({ ports: ['eth0', 'eth1'], mode: 'same-port', samePort: { key: 'flow', capacity: 4096 } });
const arrival = Uint16Array.from({ length: n }, (_, i) => i & 1);

/** One pass over the batch through every entry point; returns frames analysed besides. */
function pass(k) {
  const p = POLICIES[k % POLICIES.length];
  L.hashBatch(batch, p, hashes);
  L.selectBatch(batch, p, SELECTORS[k % SELECTORS.length], ports);
  const bound = L.bindBatch(batch, p, k & 1 ? { selector: { ports: 3 } } : {});
  for (let s = 0; s < n; s += 32) bound.run(s, Math.min(32, n - s));
  for (let j = 0; j < BIND_CHURN; j++) L.bindBatch(batch, p, j & 1 ? { selector: { ports: 2 } } : {}).run(j % n, 1);
  if (k % 7 === 3) balance.setPortUp('eth2', false);
  if (k % 7 === 5) balance.setPortUp('eth2', true);
  balance.selectBatch(batch, ports);
  samePort.receive(batch, arrival);
  samePort.selectBatch(batch, ports);
  if (k % ANALYZE_EVERY === 0) return L.analyzeCaptures([{ file: captureFile, bytes: capture }]).traffic.frames;
  return 0;
}

const mb = (b) => Math.round((b / 1048576) * 10) / 10;
/** The resident set after two full collections with a turn of the event loop between (finalizers, array buffer frees). */
async function rss() {
  globalThis.gc();
  await nextTurn();
  globalThis.gc();
  return process.memoryUsage().rss;
}

const passes = Math.ceil(frames / n);
if (values.child) {
  // the LeakSanitizer run: just the loop (the parent reads the sanitizer's report), on the addon it was given
  const { nativeAddonFile } = await import(pathToFileURL(join(repo, 'dist/native.js')).href);
  if (!nativeAddonFile || nativeAddonFile !== resolve(process.env.LAGHASH_ADDON ?? '')) {
    console.error(`test:leak: expected the addon ${process.env.LAGHASH_ADDON}, loaded ${nativeAddonFile}`);
    process.exit(2);
  }
  for (let k = 0; k < passes; k++) {
    pass(k);
    await nextTurn();
  }
  console.log(`test:leak: ${passes * n} frames through the sanitized addon`);
  process.exit(0);
}

// 1. RSS
const warm = Math.max(1, Math.round(passes * WARMUP));
const start = await rss();
const samples = [];
let warmRss = 0, analysed = 0;
const t = Date.now();
console.log(`test:leak: ${passes} passes over ${n} frames (${passes * n} frames per entry point), RSS sampled every ${SAMPLE_EVERY}, warm-up ${warm}`);
for (let k = 0; k < passes; k++) {
  analysed += pass(k);
  await nextTurn();  // N-API finalizers (the bind records') run on the event loop, as in any Node program
  if (k + 1 === warm) warmRss = await rss();
  if (k + 1 > warm && ((k + 1 - warm) % SAMPLE_EVERY === 0 || k + 1 === passes)) {
    const r = await rss();
    samples.push(r);
    if (samples.length % 5 === 0 || k + 1 === passes) console.log(`  pass ${k + 1}: RSS ${mb(r)} MB`);
  }
}
const seconds = (Date.now() - t) / 1000;
const end = samples[samples.length - 1];
// a leak raises the floor: compare the medians of the first and the last third of the samples
// (single samples jump by tens of MB while the allocator and V8 return memory at their own pace)
const third = Math.max(1, Math.floor(samples.length / 3));
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const early = median(samples.slice(0, third)), late = median(samples.slice(-third));
const growth = late - early;
const ok = growth <= BOUND_MB * 1048576;
console.log(`test:leak: RSS start ${mb(start)} MB, after warm-up ${mb(warmRss)} MB, end ${mb(end)} MB ` +
  `(samples ${mb(Math.min(...samples))}..${mb(Math.max(...samples))} MB); median of the first third ${mb(early)} MB, ` +
  `of the last ${mb(late)} MB: growth ${mb(growth)} MB (bound ${BOUND_MB} MB) ${ok ? 'OK' : 'FAILED'}; ` +
  `${passes * n} frames per entry point, ${passes * (BIND_CHURN + 1)} binds, ${analysed} frames analysed, in ${seconds.toFixed(1)} s`);

// 2. LeakSanitizer on the ASan build
let lsanOk = true;
if (!values['no-lsan']) {
  const { asanEnv, buildAsanAddon } = await import('./asan-addon.mjs');
  const build = buildAsanAddon();
  const t2 = Date.now();
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', '--frames', String(LSAN_FRAMES)], {
    env: asanEnv(build, { leaks: true }), encoding: 'utf8', maxBuffer: 1 << 28,
  });
  // LeakSanitizer's report: blocks of "Direct leak ..." / "Indirect leak ..." followed by their stacks
  const reports = (r.stderr ?? '').split(/\n(?=(?:Direct|Indirect) leak of )/).filter((b) => /^(Direct|Indirect) leak of /.test(b));
  // ours: the allocation was made by the addon's own code (the first frame after the allocator);
  // V8's bookkeeping for the functions and references the addon asks it for is V8's
  const allocator = /asan_|libasan|libsanitizer|libclang_rt|operator new|\bmalloc\b|\bcalloc\b|\brealloc\b/;
  const allocatedBy = (b) => b.split('\n').filter((l) => /^\s+#\d+ /.test(l)).find((l) => !allocator.test(l)) ?? '';
  const ours = reports.filter((b) => /laghash\.node|native\/\w+\.(h|cc)/.test(allocatedBy(b)));
  lsanOk = ours.length === 0 && (r.status === 0 || reports.length > 0);
  if (!lsanOk && ours.length === 0) console.error(r.stderr?.slice(-4000));
  for (const b of ours) console.error(b.split('\n').slice(0, 20).join('\n'));
  console.log(`test:leak: LeakSanitizer over ${Math.ceil(LSAN_FRAMES / n) * n} frames on the ASan addon: ${ours.length} leaks allocated by the addon ` +
    `(${reports.length} reports in all: Node's and V8's own at exit) ${lsanOk ? 'OK' : 'FAILED'} in ${((Date.now() - t2) / 1000).toFixed(1)} s`);
}
process.exit(ok && lsanOk ? 0 : 1);
