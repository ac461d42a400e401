/**
 * The differential comparison of the two backends on one batch (used by
 * test/differential.test.ts and test/fuzz-regressions.test.ts): every policy
 * given, hashed and selected over several port counts, the analysis summaries
 * and the walk records must agree bit for bit.
 */
import type { Backend } from '../../lib/backend.js';
import type { FrameBatch } from '../../lib/batch.js';
import { hashBatchWith, selectBatchWith } from '../../lib/hash.js';
import type { Policy } from '../../lib/policy.js';
import { SUM_WORDS, W_SLOTS } from '../../lib/spec.js';
import { toHex } from './frames.js';
import { DIFF_POLICIES } from './policies.js';

const PORTS = [1, 3, 4, 7, 4096];

/** Compare both backends on a batch; returns a description of the first disagreement, or null. */
export function firstDisagreement(nat: Backend, js: Backend, batch: FrameBatch, policies: Policy[] = DIFF_POLICIES): string | null {
  for (const p of policies) {
    const a = hashBatchWith(nat, batch, p), b = hashBatchWith(js, batch, p);
    for (let i = 0; i < batch.count; i++)
      if (a[i] !== b[i]) return `${p.name}: frame ${i} (link ${batch.linkTypeOf(i)}) ${toHex(batch.frame(i))}: native 0x${a[i].toString(16)}, js 0x${b[i].toString(16)}`;
    for (const ports of PORTS) {
      const x = selectBatchWith(nat, batch, p, { ports }), y = selectBatchWith(js, batch, p, { ports });
      for (let i = 0; i < batch.count; i++)
        if (x[i] !== y[i]) return `${p.name} % ${ports}: frame ${i} ${toHex(batch.frame(i))}: native ${x[i]}, js ${y[i]}`;
    }
  }
  const sa = new Uint32Array(batch.count * SUM_WORDS), sb = new Uint32Array(batch.count * SUM_WORDS);
  nat.summarize(batch.data, batch.offsets, batch.stride, batch.lengths, batch.linkType, batch.linkTypes, 0, batch.count, sa);
  js.summarize(batch.data, batch.offsets, batch.stride, batch.lengths, batch.linkType, batch.linkTypes, 0, batch.count, sb);
  for (let i = 0; i < sa.length; i++) {
    const f = Math.floor(i / SUM_WORDS);
    if (sa[i] !== sb[i]) return `summary word ${i % SUM_WORDS}: frame ${f} ${toHex(batch.frame(f))}: native ${sa[i]}, js ${sb[i]}`;
  }
  const ra = new Int32Array(W_SLOTS), rb = new Int32Array(W_SLOTS);
  for (let i = 0; i < batch.count; i++) {
    const f = batch.frame(i), link = batch.linkTypeOf(i);
    nat.dissect(f, 0, f.length, link, ra);
    js.dissect(f, 0, f.length, link, rb);
    for (let k = 0; k < W_SLOTS; k++)
      if (ra[k] !== rb[k]) return `walk record slot ${k}: frame ${i} (link ${link}) ${toHex(f)}: native ${ra[k]}, js ${rb[k]}`;
    if (ra[2] > f.length) return `walk end ${ra[2]} past the frame (${f.length} bytes): ${toHex(f)}`;
  }
  return null;
}
