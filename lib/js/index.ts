/** The TypeScript twin as a Backend: the same contract as native/addon.cc. */
import type { Backend } from '../backend.js';
import { first_bad_frame, hash_batch, learn_batch, select_batch, summary_batch, touch_batch, type Frames } from './batch.js';
import { pcap_records } from './capture.js';
import { walk } from './frame.js';
import { murmur3_bytes } from './murmur3.js';
import { policy_decode, type Policy } from './policy.js';
import { KEYS_HEAD, flow_accumulate, queues_room } from './flows.js';
import { select_hash, selector_decode, type Selector } from './select.js';
import { SK_SAME_PORT, SUM_WORDS } from '../spec.js';

function decodePolicy(spec: Uint32Array, tables: Uint32Array | null): Policy {
  const p = policy_decode(spec, tables);
  if (!p) throw new TypeError('policy spec');
  return p;
}

function decodeSelector(spec: Uint32Array, table: Uint32Array, stats: Float64Array | null): Selector {
  const s = selector_decode(spec, table, stats);
  if (!s) throw new TypeError('selector spec');
  return s;
}

function frames(data: Uint8Array, offsets: Uint32Array | null, stride: number, lengths: Uint32Array, link: number, links: Uint16Array | null): Frames {
  return { data, offsets, stride, lengths, links, link, view: null };
}

export const jsBackend: Backend = {
  name: 'js',
  hash(data, offsets, stride, lengths, link, links, start, count, spec, tables, out) {
    const p = decodePolicy(spec, tables);
    const b = frames(data, offsets, stride, lengths, link, links);
    const bad = first_bad_frame(b, start, count);
    if (bad < 0) hash_batch(p, b, start, count, out);
    return bad;
  },
  select(data, offsets, stride, lengths, link, links, start, count, spec, tables, selSpec, selTable, stats, out) {
    const p = decodePolicy(spec, tables);
    const s = decodeSelector(selSpec, selTable, stats);
    const b = frames(data, offsets, stride, lengths, link, links);
    const bad = first_bad_frame(b, start, count);
    if (bad < 0) select_batch(p, s, b, start, count, out);
    return bad;
  },
  summarize(data, offsets, stride, lengths, link, links, start, count, out) {
    if ((start + count) * SUM_WORDS > out.length) throw new TypeError('out length');
    const b = frames(data, offsets, stride, lengths, link, links);
    const bad = first_bad_frame(b, start, count);
    if (bad < 0) summary_batch(b, start, count, out);
    return bad;
  },
  accumulate(table, configs, summary, wire, n, start, count, ports, moved, queues, totals) {
    const [slots, index, keys] = table;
    const shape = slots.length >= 2 && (slots.length & (slots.length - 1)) === 0 && index.length === slots.length && keys.length < slots.length &&
      table[3].length >= keys.length && table[4].length >= keys.length && table[5].length >= keys.length &&
      table[6].length >= keys.length * configs && table[7].length >= keys.length * configs && table[8].length >= 1 && table[8][0] <= keys.length;
    if (!shape || configs === 0 || start + count > n || summary.length < n * SUM_WORDS || wire.length < n ||
        ports.length < configs * n || moved.length < configs * n || queues.length < KEYS_HEAD + 8 * n || !queues_room(queues, n, count) ||
        totals.length < 6)
      throw new TypeError('accumulate arguments');
    return flow_accumulate(table, configs, summary, wire, n, start, count, ports, moved, queues, totals);
  },
  tally(hashes, wire, start, count, states, ports, moved, counters) {
    if (!Array.isArray(states) || states.length < 2 || states.length % 2 || states.length > 66) throw new TypeError('states');
    const sels = [];
    for (let k = 0; k < states.length; k += 2) {
      const s = decodeSelector(states[k], states[k + 1], null);
      if (s.kind === SK_SAME_PORT || (sels.length && (s.kind !== sels[0].kind || s.ports !== sels[0].ports)))
        throw new TypeError('tally needs hash selectors of one kind and port count');
      sels.push(s);
    }
    if (sels[0].ports > 64) throw new TypeError('tally: too many ports');
    const fails = sels.length - 1, P = sels[0].ports, end = start + count;
    if (end > hashes.length || end > wire.length || end > ports.length || end > moved.length || counters.length < 2 * P + 2 * fails)
      throw new TypeError('range');
    for (let i = start; i < end; i++) {
      const h = hashes[i], len = wire[i], p = select_hash(sels[0], h, 0);
      ports[i] = p;
      if (p < P) {
        counters[p] += 1;
        counters[P + p] += len;
      }
      let m = 0;
      for (let k = 0; k < fails; k++)
        if (select_hash(sels[k + 1], h, 0) !== p) {
          m |= 1 << k;
          counters[2 * P + k] += 1;
          counters[2 * P + fails + k] += len;
        }
      moved[i] = m;
    }
  },
  selectHashes(hashes, start, count, selSpec, selTable, out) {
    const s = decodeSelector(selSpec, selTable, null);
    if (s.kind === SK_SAME_PORT) throw new TypeError('selectHashes needs a hash selector');
    if (start + count > hashes.length || start + count > out.length) throw new TypeError('range');
    for (let i = start; i < start + count; i++) out[i] = select_hash(s, hashes[i], 0);
  },
  learn(data, offsets, stride, lengths, link, links, start, count, selSpec, selTable, stats, arrival) {
    const s = decodeSelector(selSpec, selTable, stats);
    if (s.kind !== SK_SAME_PORT) throw new TypeError('learn needs a same-port selector');
    const b = frames(data, offsets, stride, lengths, link, links);
    const bad = first_bad_frame(b, start, count);
    if (bad < 0) learn_batch(s, b, start, count, arrival);
    return bad;
  },
  placeTable() {
    return 0;
  },
  touch(data, offsets, stride, lengths, link, links, start, count, bytes) {
    return touch_batch(frames(data, offsets, stride, lengths, link, links), start, count, bytes);
  },
  dissect(data, offset, length, link, out) {
    walk(data, offset, length, link, out, true);
  },
  pcapRecords(bytes, p, le, units, maxCaptured, snap, offsets, lengths, originals, timestamps, start, end) {
    if (bytes.length > 0xffffffff || p > bytes.length || start > end || end > offsets.length || end > lengths.length ||
        end > originals.length || end > timestamps.length)
      throw new TypeError('pcapRecords range');
    return pcap_records(bytes, p, le, units, maxCaptured, snap, offsets, lengths, originals, timestamps, start, end);
  },
  murmur3(bytes, seed) {
    return murmur3_bytes(bytes, seed);
  },
  bind(data, offsets, stride, lengths, link, links, spec, tables, selSpec, selTable, stats, out) {
    const p = decodePolicy(spec, tables);
    const b = frames(data, offsets, stride, lengths, link, links);
    if (selSpec && selTable) {
      decodeSelector(selSpec, selTable, stats);
      const o = out as Uint16Array;
      return (start, count) => {
        const s = decodeSelector(selSpec, selTable, stats);  // the spec is read again: the caller moves the clock
        const bad = first_bad_frame(b, start, count);
        if (bad < 0) select_batch(p, s, b, start, count, o);
        return bad;
      };
    }
    const o = out as Uint32Array;
    return (start, count) => {
      const bad = first_bad_frame(b, start, count);
      if (bad < 0) hash_batch(p, b, start, count, o);
      return bad;
    };
  },
};
