/**
 * Inputs the fuzz harness (native/fuzz/fuzz_walk.cc, npm run fuzz) turned up,
 * kept in test/fixtures/fuzz-regressions/*.hex: each a harness input, its
 * configuration bytes then a frame. Every one goes through both backends as
 * the harness takes it apart (the frame, its two cuts, its reply with the MACs
 * swapped) under every link type laghash walks: every differential policy,
 * hashed and selected, the walk records and the analysis summaries must agree,
 * the other selectors and a same-port team too, and nothing may throw.
 * npm run fuzz also seeds its corpus with these files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../lib/backend.js';
import { FrameBatch, SUPPORTED_LINK_TYPES } from '../lib/batch.js';
import { selectBatchWith } from '../lib/hash.js';
import { getBackend } from '../lib/native.js';
import { Team } from '../lib/team.js';
import { nativeAvailable } from './helpers/backends.js';
import { firstDisagreement } from './helpers/differential.js';
import { DIFF_POLICIES } from './helpers/policies.js';

const DIR = new URL('./fixtures/fuzz-regressions/', import.meta.url);
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.hex')).sort();
// the harness's configuration length and where it keeps the cut points (C_CUT)
const HARNESS = readFileSync(new URL('../native/fuzz/fuzz_walk.cc', import.meta.url), 'utf8');
const CFG_LEN = Number(/CFG_LEN = (\d+)/.exec(HARNESS)?.[1]);
const C_CUT = Number(/C_CUT = (\d+)/.exec(HARNESS)?.[1]);
const SELECTORS = [
  { kind: 'table', ports: 4, buckets: 8 }, { kind: 'resilient', ports: 3 }, { kind: 'rendezvous', ports: 5, buckets: 0 },
  { kind: 'rendezvous', ports: 3, weights: [1, 2, 3] }, { kind: 'team', ports: 4 },
] as const;

/** A regression file: hex bytes, lines starting with # are comments (the format scripts/fuzz-corpus.mjs reads). */
function readInput(file: string): Uint8Array {
  const hex = readFileSync(new URL(file, DIR), 'utf8').split('\n').filter((l) => !l.trimStart().startsWith('#')).join('').replace(/\s/g, '');
  expect(hex).toMatch(/^([0-9a-f]{2})+$/i);
  return Uint8Array.from(hex.match(/../g)!, (b) => parseInt(b, 16));
}

/** The frames the harness makes of an input: the frame, its two cuts, its reply. */
function harnessFrames(input: Uint8Array): Uint8Array[] {
  const frame = input.subarray(Math.min(CFG_LEN, input.length));
  const cut = (k: number) => frame.subarray(0, Math.floor((frame.length * (input[C_CUT + k] ?? 0)) / 256));
  const reply = frame.slice();
  if (reply.length >= 12) reply.set([...frame.subarray(6, 12), ...frame.subarray(0, 6)]);
  return [frame, cut(0), cut(1), reply];
}

/** Run everything else on one backend: the other selectors and a same-port team. */
function selections(backend: Backend, batch: FrameBatch): number[][] {
  const out = SELECTORS.map((s) => Array.from(selectBatchWith(backend, batch, 'src-dst-ip-port', s)));
  for (const key of ['mac', 'flow'] as const) {
    const team = new Team({ ports: ['a', 'b', 'c'], mode: 'same-port', samePort: { key, capacity: 16 } }, backend);
    team.receive(batch, Array.from({ length: batch.count }, (_, i) => i % 3));
    out.push(Array.from(team.selectBatch(batch)));
  }
  return out;
}

describe.skipIf(!nativeAvailable)(nativeAvailable ? 'fuzz regressions' : 'fuzz regressions (skipped: native addon not loaded)', () => {
  it('the harness layout is the one this test reads', () => {
    expect(CFG_LEN).toBeGreaterThan(C_CUT + 1);
    expect(FILES.length).toBeGreaterThan(0);
  });

  it.each(FILES)('%s: both backends agree on it under every link type, and nothing throws', (file) => {
    const frames = harnessFrames(readInput(file));
    const nat = getBackend('native'), js = getBackend('js');
    for (const link of SUPPORTED_LINK_TYPES) {
      const batch = FrameBatch.fromBuffers(frames, { linkType: link });
      const d = firstDisagreement(nat, js, batch, DIFF_POLICIES);
      if (d) throw new Error(`link ${link}: ${d}`);
      expect(selections(nat, batch), `link ${link}`).toEqual(selections(js, batch));
    }
  });
});
