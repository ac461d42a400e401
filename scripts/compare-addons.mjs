#!/usr/bin/env node
// node scripts/compare-addons.mjs A.node B.node [CAPTURE ...]
// Do two builds of the addon (node-gyp's and cmake-js's, say) give the same
// results? Each is loaded in its own process through LAGHASH_ADDON (with
// LAGHASH_BACKEND=native), which checks in its memory map that it is that file,
// then digests, for every capture (default: the bundled ones), the hash of every
// frame under every policy (and a few option variants), the ports of every
// selector kind, a Team's ports and change reports, every frame's dissection and
// the analysis report. Prints whether the files are byte-identical and the
// digests; exits 1 when any digest differs. Needs dist/ (npm run build:ts).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** In the child: the digests of everything laghash computes on the captures, with the loaded addon. */
async function digests(captures) {
  const l = await import(pathToFileURL(join(root, 'dist/index.js')).href);
  if (l.backend !== 'native' || l.backendError) throw new Error(`expected the native backend, got ${l.backend}: ${l.backendError?.message}`);
  const wanted = realpathSync(process.env.LAGHASH_ADDON);
  const mapped = [...new Set(readFileSync('/proc/self/maps', 'utf8').split('\n').map((s) => /\s(\/\S+\.node)$/.exec(s)?.[1]).filter(Boolean))];
  if (!mapped.includes(wanted)) throw new Error(`${wanted} is not mapped; mapped: ${mapped.join(', ') || 'none'}`);
  const policies = [
    ...l.ALL_POLICIES, 'linux:layer3+4?vlan=inband', 'linux:encap3+4?vlan=inband', 'team:eth,vlan,ip,l4',
    'src-dst-ip-port?hash=xor', 'src-dst-ip-port?symmetric=true&seed=7', 'rss:toeplitz?tunnel=inner',
    { name: 'rss:toeplitz', key: l.SYMMETRIC_RSS_KEY }, { name: 'fields', fields: ['vlan', 'mpls-label', 'tunnel-id', 'flow-label', 'src-port'] },
  ];
  const selectors = [
    { ports: 5 }, { kind: 'team', ports: 3 }, { kind: 'table', ports: 3, buckets: 8 }, { kind: 'resilient', ports: 5 },
    { kind: 'rendezvous', ports: 4, weights: [10, 10, 25, 25] }, { kind: 'rendezvous', ports: 3, buckets: 0 },
  ];
  const out = {};
  for (const file of captures) {
    const bytes = readFileSync(file);
    const batch = l.FrameBatch.fromCapture(bytes);
    const h = createHash('sha256');
    const add = (x) => h.update(ArrayBuffer.isView(x) ? new Uint8Array(x.buffer, x.byteOffset, x.byteLength) : JSON.stringify(x));
    for (const p of policies) {
      add(l.hashBatch(batch, p));
      for (const s of selectors) add(l.selectBatch(batch, p, s));
    }
    for (let i = 0; i < batch.count; i++) add(l.dissect(batch.frame(i), batch.linkTypeOf(i)));
    const team = new l.Team({ ports: ['a', 'b', { name: 'c', weight: 3 }], policy: 'linux:layer3+4', selector: 'table', clock: () => 0 });
    add(team.selectBatch(batch));
    add(team.setPortUp('b', false));
    add(team.selectBatch(batch));
    add(team.rebalance({ minBytes: 0 }));
    add(team.portStats());
    add(l.analyzeCaptures([{ file, bytes }], { policies: 'all', selectors: ['modulo', 'team', 'table', 'resilient', 'rendezvous'] }));
    out[file] = { frames: batch.count, sha256: h.digest('hex') };
  }
  return { addon: wanted, digests: out };
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  process.stdout.write(JSON.stringify(await digests(args.slice(1))));
  process.exit(0);
}
if (args.length < 2) {
  console.error('usage: node scripts/compare-addons.mjs A.node B.node [CAPTURE ...]');
  process.exit(2);
}
const [a, b] = args.slice(0, 2).map((f) => resolve(f));
const dataDir = join(root, 'data');
const captures = args.length > 2 ? args.slice(2).map((f) => resolve(f))
  : readdirSync(dataDir).filter((f) => f.endsWith('.pcap')).sort().map((f) => join(dataDir, f));

const runs = [a, b].map((addon) => {
  const env = { ...process.env, LAGHASH_ADDON: addon, LAGHASH_BACKEND: 'native' };
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', ...captures], { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    console.error(`compare-addons: with ${addon}: ${r.stderr.split('\n').find((line) => /^\w*Error\b/.test(line)) ?? r.stderr}`);
    process.exit(1);
  }
  return JSON.parse(r.stdout);
});
const same = Buffer.compare(readFileSync(a), readFileSync(b)) === 0;
console.log(`compare-addons: ${a} and ${b} are ${same ? 'byte-identical files' : 'different files'}`);
let differ = 0;
for (const file of captures) {
  const [x, y] = runs.map((r) => r.digests[file]);
  const ok = x.sha256 === y.sha256;
  if (!ok) differ++;
  console.log(`  ${ok ? 'same' : 'DIFFERENT'}  ${file} (${x.frames} frames) ${x.sha256.slice(0, 16)}${ok ? '' : ` vs ${y.sha256.slice(0, 16)}`}`);
}
if (differ) {
  console.error(`compare-addons: the two addons disagree on ${differ} of ${captures.length} captures`);
  process.exit(1);
}
console.log(`compare-addons: identical results on ${captures.length} captures (every policy, selector, dissection, a Team, the analysis)`);
