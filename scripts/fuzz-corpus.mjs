#!/usr/bin/env node
// The fuzz harness's seed corpus (native/fuzz/fuzz_walk.cc): one file per
// chosen frame, each a harness input: CFG_LEN configuration bytes, then the
// frame. Frames come from the shared capture corpus (../shared/captures beside
// the repository, or /work/shared/captures) when it is there, else from the
// bundled captures (data/*.pcap) and the policy vectors of test/fixtures; the
// fuzz regressions (test/fixtures/fuzz-regressions/*.hex) are always added.
//
// Not every frame: per capture, the first frame of each walk signature (what
// the generic walk found: status, link layers, tags, labels, IP layers and
// their transports, tunnel) up to PER_SIGNATURE frames across the corpus, and
// the first frame of every capture, so
// the corpus holds every header combination the captures have without the
// hundred thousand frames of one TCP conversation. Frames are cut to
// MAX_FRAME bytes (the walk reads headers only).
//
// The configuration bytes rotate over every policy kind and selector kind,
// flags and table shapes, so every seed frame meets several of them.
//   node scripts/fuzz-corpus.mjs OUT_DIR [--bundled]   (needs dist/: npm run build:ts)
// --bundled: the bundled captures even when the shared ones are there.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

const repo = fileURLToPath(new URL('..', import.meta.url));
const PER_SIGNATURE = 3;
const MAX_FRAME = 4096;

/** CFG_LEN of the harness, read from its source so the two cannot drift apart. */
export function harnessConfigLength() {
  const src = readFileSync(join(repo, 'native/fuzz/fuzz_walk.cc'), 'utf8');
  const m = /CFG_LEN = (\d+)/.exec(src);
  if (!m) throw new Error('native/fuzz/fuzz_walk.cc: no CFG_LEN');
  return Number(m[1]);
}

/** The shared capture corpus directory, or null. */
export function sharedCaptures() {
  for (const dir of [join(repo, '../shared/captures'), '/work/shared/captures'])
    if (existsSync(join(dir, 'MANIFEST.tsv'))) return dir;
  return null;
}

/** A regression file: hex bytes (whitespace allowed), lines starting with # are comments. */
export function readHexInput(file) {
  const hex = readFileSync(file, 'utf8').split('\n').filter((l) => !l.trimStart().startsWith('#')).join('').replace(/\s/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(hex)) throw new Error(`${file}: not hex bytes`);
  return Buffer.from(hex, 'hex');
}

/** Configuration bytes for seed number i (see the C_* layout in the harness). */
function config(i, length) {
  const c = Buffer.alloc(length);
  c[0] = i % 12;                                  // policy kind
  c[1] = ((i / 12) & 15) | ((i & 1) << 4);        // F_* flags, murmur3 or XOR
  c[2] = 0xff; c[3] = 0x0f;                       // every field (team, rss and field masks)
  c.writeUInt32LE((i * 2654435761) >>> 0, 4);     // seed
  c[8] = (i % 6) | ((((i / 6) | 0) & 15) << 4);   // selector kind, SF_* flags
  c[9] = i % 5 === 0 ? 63 : 3;                    // 64 or 4 ports
  c[10] = 255;                                    // every port usable in the list
  c[11] = i & 0xff;                               // buckets
  c[12] = (i * 7) & 0xff;                         // table contents
  c[13] = 128; c[14] = 40;                        // cuts at 1/2 and ~1/6
  c[15] = 0x0f;                                   // maxidle 15, no clock step
  c[16] = i & 7;                                  // M_* modes
  return c;
}

/** What the walk found in a frame, as a string (frames alike in it are alike to the walk). */
function signature(backend, S, frame, link, record) {
  backend.dissect(frame, 0, frame.length, link, record);
  const r = record, parts = [r[S.W_STATUS], r[S.W_FLAGS], r[S.W_ETHERTYPE], r[S.W_L3TYPE], r[S.W_NETH], r[S.W_NVLAN], r[S.W_NMPLS],
    r[S.W_PPPOE] >= 0, r[S.W_TUNNEL], r[S.W_NIP]];
  for (let i = 0; i < r[S.W_NIP]; i++) {
    const L = S.W_IP + i * S.IP_SLOTS;
    parts.push(r[L + S.I_KIND], r[L + S.I_VERSION], r[L + S.I_NEXT], r[L + S.I_PROTO], r[L + S.I_L4FLAGS], r[L + S.I_FRAG] & 0xffff);
  }
  return parts.join(',');
}

/**
 * Write the seed corpus into dir (emptied first). Returns what it holds:
 * { files, frames, source } (source: 'shared' or 'bundled').
 */
export async function buildSeedCorpus(dir, { bundled = false } = {}) {
  const dist = (f) => pathToFileURL(join(repo, 'dist', f)).href;
  if (!existsSync(join(repo, 'dist/index.js'))) throw new Error('dist/ is not built: run npm run build:ts');
  const { FrameBatch } = await import(dist('index.js'));
  const { getBackend } = await import(dist('native.js'));
  const S = await import(dist('spec.js'));
  const backend = getBackend('js');  // the walk record is the same in both backends
  const cfgLen = harnessConfigLength();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  const record = new Int32Array(S.W_SLOTS);
  const seen = new Map();  // signature -> frames kept
  let i = 0, frames = 0;
  const write = (frame) => {
    const input = Buffer.concat([config(i++, cfgLen), frame.subarray(0, MAX_FRAME)]);
    writeFileSync(join(dir, createHash('sha1').update(input).digest('hex')), input);
  };
  const keep = (frame, link, first) => {
    frames++;
    const sig = signature(backend, S, frame, link, record);
    const n = seen.get(sig) ?? 0;
    if (n >= PER_SIGNATURE && !first) return;
    seen.set(sig, n + 1);
    write(frame);
  };

  const shared = bundled ? null : sharedCaptures();
  const captures = shared
    ? readdirSync(shared).filter((f) => /\.pcap(ng)?$/.test(f)).sort().map((f) => join(shared, f))
    : readdirSync(join(repo, 'data')).filter((f) => f.endsWith('.pcap')).sort().map((f) => join(repo, 'data', f));
  for (const file of captures) {
    let batch;
    try {
      batch = FrameBatch.fromCapture(new Uint8Array(readFileSync(file)));
    } catch (e) {
      console.warn(`fuzz-corpus: skipped ${file}: ${e.message}`);
      continue;
    }
    for (let f = 0; f < batch.count; f++) keep(batch.frame(f), batch.linkTypeOf(f), f === 0);
  }
  if (!shared) {
    const vectors = JSON.parse(readFileSync(join(repo, 'test/fixtures/policy-vectors.json'), 'utf8'));
    for (const v of vectors) if (typeof v.frame === 'string') keep(Buffer.from(v.frame, 'hex'), v.linkType ?? 1, false);
  }
  // the regressions are whole harness inputs already
  const reg = join(repo, 'test/fixtures/fuzz-regressions');
  if (existsSync(reg))
    for (const f of readdirSync(reg).filter((x) => x.endsWith('.hex'))) {
      const input = readHexInput(join(reg, f));
      writeFileSync(join(dir, `regression-${f.replace(/\.hex$/, '')}`), input);
    }
  return { files: readdirSync(dir).length, frames, source: shared ? 'shared' : 'bundled' };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [out, flag] = process.argv.slice(2);
  if (!out || (flag !== undefined && flag !== '--bundled')) {
    console.error('usage: fuzz-corpus.mjs OUT_DIR [--bundled]');
    process.exit(2);
  }
  const r = await buildSeedCorpus(out, { bundled: flag === '--bundled' });
  console.log(`fuzz-corpus: ${r.files} seeds from ${r.frames} frames (${r.source} captures) in ${out}`);
}
