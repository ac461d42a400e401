/**
 * The generic walk against tshark: every frame of every Ethernet, Linux
 * cooked and raw-IP capture in ../shared/captures is walked by both backends,
 * and the fields laghash parsed are compared with what tshark 4.0.17
 * dissected from the same frame (oracle/<file>.tsv, see the corpus README).
 *
 * For each oracle column laghash's comma-joined list must equal a prefix of
 * tshark's: laghash may stop earlier (tshark decodes payloads laghash does not
 * walk), but what laghash reports must be what tshark saw, in the same order.
 * Every frame and field where that does not hold is a disagreement; each one
 * must be listed in test/fixtures/known-differences.tsv with its reason, and
 * every listed entry must still disagree.
 *
 * Both backends must also produce the identical raw walk record, and no walk
 * may report an end beyond the frame.
 *
 * LAGHASH_ORACLE_DUMP=<path> writes every disagreement found (listed or not)
 * to <path>, one per line, for triage.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Backend, BackendName } from '../lib/backend.js';
import { FrameBatch } from '../lib/batch.js';
import { fromRecord, type Dissection } from '../lib/dissect.js';
import { getBackend } from '../lib/native.js';
import * as S from '../lib/spec.js';
import { haveCaptures, readCapture, readManifest, readOracle } from './helpers/shared.js';

const knownUrl = new URL('fixtures/known-differences.tsv', import.meta.url);

/** Link types laghash walks (the corpus has Ethernet, SLL and raw IP). */
const WALKED = new Set([S.LINK_ETHERNET, S.LINK_SLL, S.LINK_SLL2, S.LINK_RAW, S.LINK_IPV4, S.LINK_IPV6]);

/** The oracle columns compared, in the TSV's order. */
const FIELDS = [
  'eth.src', 'eth.dst', 'eth.type', 'vlan.id', 'ieee8021ad.id', 'vlan.etype', 'mpls.label',
  'ip.src', 'ip.dst', 'ip.proto', 'ip.flags.mf', 'ip.frag_offset',
  'ipv6.src', 'ipv6.dst', 'ipv6.nxt', 'ipv6.flow', 'ipv6.fraghdr.offset', 'ipv6.fraghdr.more',
  'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'sctp.srcport', 'sctp.dstport',
] as const;
type Field = (typeof FIELDS)[number];
type Fields = Record<Field, string[]>;

// ---------------------------------------------------------------------------
// The corpus, each capture and oracle parsed once

interface Capture {
  file: string;
  batch: FrameBatch;
  /** oracle[i][c]: the cell of column FIELDS[c] for frame i + 1. */
  oracle: string[][];
}

function readOracleCells(file: string): string[][] {
  const t = readOracle(file);
  const at = FIELDS.map((f) => t.col(f));
  const number = t.col('frame.number');
  return t.rows.map((cells, n) => {
    if (Number(cells[number]) !== n + 1) throw new Error(`oracle/${file}.tsv: row ${n + 1} is frame ${cells[number]}`);
    return at.map((i) => cells[i] ?? '');
  });
}

const captures = new Map<string, Capture>();

function capture(file: string): Capture {
  let c = captures.get(file);
  if (!c) {
    const batch = FrameBatch.fromCapture(readCapture(file));
    c = { file, batch, oracle: readOracleCells(file) };
    captures.set(file, c);
  }
  return c;
}

// ---------------------------------------------------------------------------
// Walk records, one run per backend and capture

const records = new Map<string, Int32Array>();

/** The walk records of every frame of a capture, W_SLOTS slots each. */
function walkAll(backend: Backend, c: Capture): Int32Array {
  const key = `${backend.name}\t${c.file}`;
  let all = records.get(key);
  if (!all) {
    const b = c.batch;
    all = new Int32Array(b.count * S.W_SLOTS);
    for (let i = 0; i < b.count; i++) {
      const f = b.frame(i);
      backend.dissect(f, 0, f.length, b.linkTypeOf(i), all.subarray(i * S.W_SLOTS, (i + 1) * S.W_SLOTS));
    }
    records.set(key, all);
  }
  return all;
}

// ---------------------------------------------------------------------------
// tshark's lists from a Dissection

const TPID_8021Q = 0x8100, TPID_8021AD = 0x88a8, TPID_QINQ_OLD = 0x9100;
/**
 * Where tshark puts a tag: 0x88a8 in ieee8021ad.id; 0x8100 in vlan.id, and
 * 0x9100 too, since Wireshark's VLAN dissector also registers its "802.1QinQ
 * ethertype" preference, 0x9100 by default. (The corpus has no 0x9100 tag to
 * show it: this follows the dissector's default.)
 */
const isVlan = (tpid: number): boolean => tpid === TPID_8021Q || tpid === TPID_QINQ_OLD;
const isTpid = (t: number): boolean => isVlan(t) || t === TPID_8021AD;
const hex4 = (v: number): string => `0x${v.toString(16).padStart(4, '0')}`;
const be16 = (f: Uint8Array, o: number): number => (f[o]! << 8) | f[o + 1]!;

/**
 * vlan.etype: the ethertype after each VLAN tag. The record keeps the tags,
 * not where they are, so follow each Ethernet header's (or the cooked
 * header's) tag run in the bytes; tags elsewhere (behind GRE) add nothing.
 */
function vlanEtypes(f: Uint8Array, d: Dissection): string[] {
  // [where the first tag starts, the type that announced it]
  const runs: [number, number][] = d.eth.map((e) => [e.offset + 14, e.type ?? 0]);
  if (d.linkType === S.LINK_SLL) runs.unshift([16, d.etherType ?? 0]);
  if (d.linkType === S.LINK_SLL2) runs.unshift([20, d.etherType ?? 0]);
  const out: string[] = [];
  let tag = 0;
  for (const [start, first] of runs) {
    let type = first;
    for (let at = start; isTpid(type) && tag < d.vlans.length && d.vlans[tag]!.tpid === type; at += 4, tag++) {
      const t = d.vlans[tag]!;
      if (at + 2 > f.length || be16(f, at) !== ((t.pcp << 13) | (t.dei << 12) | t.vid)) return out;  // not this run's tag
      const next = at + 4 <= f.length ? be16(f, at + 2) : -1;
      if (isVlan(type) && next >= 0x0600) out.push(hex4(next));
      type = next;
    }
  }
  return out;
}

function laghashFields(f: Uint8Array, d: Dissection): Fields {
  const v4 = d.ip.filter((l) => l.version === 4);
  const v6 = d.ip.filter((l) => l.version === 6);
  const frag6 = v6.filter((l) => l.fragment?.header);
  const ports = (protos: number[]) => d.ip.filter((l) => l.protocol !== null && protos.includes(l.protocol) && l.srcPort !== undefined);
  const tcp = ports([6]), udp = ports([17, 136]), sctp = ports([132]);
  return {
    'eth.src': d.eth.map((e) => e.src),
    'eth.dst': d.eth.map((e) => e.dst),
    'eth.type': d.eth.filter((e) => e.type !== null).map((e) => hex4(e.type!)),
    'vlan.id': d.vlans.filter((t) => isVlan(t.tpid)).map((t) => String(t.vid)),
    'ieee8021ad.id': d.vlans.filter((t) => t.tpid === TPID_8021AD).map((t) => String(t.vid)),
    'vlan.etype': vlanEtypes(f, d),
    'mpls.label': d.mpls.map((m) => String(m.label)),
    'ip.src': v4.map((l) => l.src),
    'ip.dst': v4.map((l) => l.dst),
    'ip.proto': v4.map((l) => String(l.next)),
    'ip.flags.mf': v4.map((l) => (l.fragment?.more ? '1' : '0')),
    'ip.frag_offset': v4.map((l) => String(l.fragment?.offset ?? 0)),
    'ipv6.src': v6.map((l) => l.src),
    'ipv6.dst': v6.map((l) => l.dst),
    'ipv6.nxt': v6.map((l) => String(l.next)),
    'ipv6.flow': v6.map((l) => `0x${l.flowLabel!.toString(16).padStart(6, '0')}`),
    'ipv6.fraghdr.offset': frag6.map((l) => String(l.fragment!.offset)),
    'ipv6.fraghdr.more': frag6.map((l) => (l.fragment!.more ? '1' : '0')),
    'tcp.srcport': tcp.map((l) => String(l.srcPort)),
    'tcp.dstport': tcp.map((l) => String(l.dstPort)),
    'udp.srcport': udp.map((l) => String(l.srcPort)),
    'udp.dstport': udp.map((l) => String(l.dstPort)),
    'sctp.srcport': sctp.map((l) => String(l.srcPort)),
    'sctp.dstport': sctp.map((l) => String(l.dstPort)),
  };
}

/** laghash's list is a prefix of tshark's (so its first value, when it has one, is tshark's first). */
function isPrefix(ours: string[], theirs: string[]): boolean {
  if (ours.length > theirs.length) return false;
  for (let i = 0; i < ours.length; i++) if (ours[i] !== theirs[i]) return false;
  return true;
}

interface Disagreement {
  file: string;
  frame: number;
  field: Field;
  laghash: string;
  tshark: string;
  status: string;
}

function compare(backend: Backend, c: Capture): Disagreement[] {
  const all = walkAll(backend, c);
  const out: Disagreement[] = [];
  for (let i = 0; i < c.batch.count; i++) {
    const f = c.batch.frame(i);
    const d = fromRecord(f, all.subarray(i * S.W_SLOTS, (i + 1) * S.W_SLOTS));
    const ours = laghashFields(f, d);
    const row = c.oracle[i]!;
    FIELDS.forEach((field, col) => {
      const theirs = row[col] === '' ? [] : row[col]!.split(',');
      if (!isPrefix(ours[field], theirs))
        out.push({ file: c.file, frame: i + 1, field, laghash: ours[field].join(','), tshark: row[col]!, status: d.status });
    });
  }
  return out;
}

// ---------------------------------------------------------------------------
// The checked-in list of known differences

interface Known {
  file: string;
  frame: number | '*';
  field: string;
  reason: string;
  line: number;
}

function readKnown(): Known[] {
  if (!existsSync(knownUrl)) return [];
  const lines = readFileSync(knownUrl, 'utf8').split('\n');
  if (lines[0] !== 'file\tframe\tfield\treason') throw new Error('known-differences.tsv: the header must be file, frame, field, reason');
  const out: Known[] = [];
  lines.slice(1).forEach((line, n) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const [file, frame, field, reason] = line.split('\t');
    const where = `known-differences.tsv line ${n + 2}`;
    if (!file || !frame || !field || !reason || reason.trim().length < 10) throw new Error(`${where}: needs file, frame, field and a reason`);
    if (frame !== '*' && !/^[1-9][0-9]*$/.test(frame)) throw new Error(`${where}: frame must be a number or *`);
    if (field !== '*' && !(FIELDS as readonly string[]).includes(field)) throw new Error(`${where}: unknown field ${field}`);
    out.push({ file, frame: frame === '*' ? '*' : Number(frame), field, reason, line: n + 2 });
  });
  return out;
}

const covers = (k: Known, d: Disagreement): boolean =>
  k.file === d.file && (k.frame === '*' || k.frame === d.frame) && (k.field === '*' || k.field === d.field);

const show = (d: Disagreement): string =>
  `${d.file}\t${d.frame}\t${d.field}\tlaghash=${d.laghash || '(none)'}\ttshark=${d.tshark || '(none)'}\t[${d.status}]`;

// ---------------------------------------------------------------------------

const manifest = haveCaptures ? readManifest().filter((r) => WALKED.has(r.linkType)) : [];
const known = haveCaptures ? readKnown() : [];

function nativeProblem(): string | null {
  try {
    getBackend('native');
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
const nativeMissing = nativeProblem();

const BACKENDS: [BackendName, string | null][] = [
  ['native', nativeMissing],
  ['js', null],
];

describe.skipIf(!haveCaptures)(
  `walk vs the tshark oracle on ../shared/captures${haveCaptures ? '' : ' (skipped: the directory is absent)'}`,
  () => {
    beforeAll(() => {
      for (const row of manifest) capture(row.file);
    });

    it('the corpus has captures laghash walks, and every listed difference names one of them', () => {
      expect(manifest.length).toBeGreaterThan(0);
      const files = new Set(manifest.map((r) => r.file));
      const strays = known.filter((k) => !files.has(k.file)).map((k) => `line ${k.line}: ${k.file}`);
      expect(strays).toEqual([]);
      for (const k of known) {
        if (k.frame !== '*') expect(k.frame, `line ${k.line}`).toBeLessThanOrEqual(capture(k.file).batch.count);
      }
    });

    describe.each(BACKENDS.map(([name, missing]) => [missing ? `${name} (skipped: ${missing})` : name, name, missing] as const))(
      '%s backend',
      (_, name, missing) => {
        it.skipIf(missing !== null)('walks every frame within its bounds', () => {
          const backend = getBackend(name);
          const beyond: string[] = [];
          let frames = 0;
          for (const row of manifest) {
            const c = capture(row.file);
            const all = walkAll(backend, c);
            for (let i = 0; i < c.batch.count; i++) {
              frames++;
              const end = all[i * S.W_SLOTS + S.W_END]!;
              if (end < 0 || end > c.batch.lengths[i]!) beyond.push(`${c.file} frame ${i + 1}: end ${end} > ${c.batch.lengths[i]}`);
            }
          }
          expect(beyond).toEqual([]);
          expect(frames).toBeGreaterThan(0);
          console.info(`dissect-oracle (${name}): ${frames} frames in ${manifest.length} captures`);
        });

        it.skipIf(missing !== null)('agrees with tshark on every frame, except the listed differences', () => {
          const backend = getBackend(name);
          const found: Disagreement[] = [];
          for (const row of manifest) found.push(...compare(backend, capture(row.file)));
          if (process.env.LAGHASH_ORACLE_DUMP) writeFileSync(process.env.LAGHASH_ORACLE_DUMP, found.map(show).join('\n') + '\n');
          const unlisted = found.filter((d) => !known.some((k) => covers(k, d)));
          const stale = known.filter((k) => !found.some((d) => covers(k, d)));
          const frames = new Set(found.map((d) => `${d.file}\t${d.frame}`)).size;
          console.info(`dissect-oracle (${name}): ${found.length} disagreements in ${frames} frames, ${unlisted.length} of them not listed`);
          // One assertion, so a failure shows both lists.
          expect({
            [`disagreements not in known-differences.tsv (${unlisted.length}, first 50)`]: unlisted.slice(0, 50).map(show),
            'entries in known-differences.tsv that no longer disagree': stale.map((k) => `line ${k.line}: ${k.file}\t${k.frame}\t${k.field}`),
          }).toEqual({
            [`disagreements not in known-differences.tsv (${unlisted.length}, first 50)`]: [],
            'entries in known-differences.tsv that no longer disagree': [],
          });
        });
      },
    );

    it.skipIf(nativeMissing !== null)(
      `native and js produce identical walk records${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`,
      () => {
        const native = getBackend('native'), js = getBackend('js');
        const differ: string[] = [];
        for (const row of manifest) {
          const c = capture(row.file);
          const a = walkAll(native, c), b = walkAll(js, c);
          for (let i = 0; i < c.batch.count && differ.length < 20; i++) {
            for (let s = 0; s < S.W_SLOTS; s++) {
              if (a[i * S.W_SLOTS + s] !== b[i * S.W_SLOTS + s]) {
                differ.push(`${c.file} frame ${i + 1}: slot ${s} native ${a[i * S.W_SLOTS + s]} js ${b[i * S.W_SLOTS + s]}`);
                break;
              }
            }
          }
        }
        expect(differ).toEqual([]);
      },
    );
  },
);
