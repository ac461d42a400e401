/**
 * The classic pcap record loop (native/capture.h and its TS twin,
 * lib/js/capture.ts): both backends fill the same slots with the same values
 * and stop at the same record, on every shared pcap capture and on random,
 * cut and corrupted record streams; neither reads past the bytes it is given.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../lib/backend.js';
import { getBackend } from '../lib/native.js';
import { backends, nativeAvailable } from './helpers/backends.js';
import { concat } from './helpers/frames.js';
import { haveCaptures, readCapture, readManifest } from './helpers/shared.js';

interface Out {
  next: number;
  odd: boolean;
  offsets: number[];
  lengths: number[];
  originals: number[];
  timestamps: number[];
}

/** One call on fresh arrays of `slots` entries, pre-filled so that slots left alone show. */
function run(be: Backend, bytes: Uint8Array, p: number, le: boolean, units: number, max: number, slots: number, start: number, end: number, snap = max): Out {
  const off = new Uint32Array(slots).fill(0xdeadbeef), len = new Uint32Array(slots).fill(7), orig = new Uint32Array(slots).fill(9);
  const ts = new Float64Array(slots).fill(-1);
  const r = be.pcapRecords(bytes, p, le, units, max, snap, off, len, orig, ts, start, end);
  const odd = r >= 2 ** 32, next = odd ? r - 2 ** 32 : r;
  return { next, odd, offsets: Array.from(off), lengths: Array.from(len), originals: Array.from(orig), timestamps: Array.from(ts) };
}

/** A record stream: headers in byte order le, each incl_len as drawn (which may lie), data of the stated length. */
const records = fc.array(
  fc.record({
    sec: fc.nat(), frac: fc.nat(), orig: fc.nat(),
    captured: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.nat()),
    data: fc.integer({ min: 0, max: 300 }),
  }),
  { maxLength: 40 },
);

interface Rec {
  sec: number;
  frac: number;
  orig: number;
  captured: number;
  data: number;
}

function stream(recs: Rec[], le: boolean, honest: boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const r of recs) {
    const n = honest ? r.data : Math.min(r.data, 300);
    const h = new DataView(new ArrayBuffer(16));
    h.setUint32(0, r.sec, le);
    h.setUint32(4, r.frac, le);
    h.setUint32(8, honest ? n : r.captured, le);
    h.setUint32(12, r.orig, le);
    parts.push(new Uint8Array(h.buffer), new Uint8Array(n).fill(0xa5));
  }
  return concat(...parts);
}

describe.each(backends())('pcap record loop (%s)', (_name, be) => {

  it('reads records, stops before a cut one, and fills only the slots it was given', () => {
    const le = true, bytes = stream([
      { sec: 10, frac: 500000, orig: 60, captured: 0, data: 4 },
      { sec: 11, frac: 1, orig: 8, captured: 0, data: 8 },
      { sec: 12, frac: 0, orig: 3, captured: 0, data: 3 },
    ], le, true);
    const r = run(be, bytes, 0, le, 1e6, 262144, 5, 1, 5);
    expect(r.next).toBe(4);
    expect(r.odd).toBe(false);
    expect(r.offsets).toEqual([0xdeadbeef, 16, 36, 60, 0xdeadbeef]);
    expect(r.lengths).toEqual([7, 4, 8, 3, 7]);
    expect(r.originals).toEqual([9, 60, 8, 3, 9]);
    expect(r.timestamps).toEqual([-1, 10.5, 11 + 1 / 1e6, 12, -1]);
    // cut short: the last record's data is one byte short, so it is not taken
    expect(run(be, bytes.subarray(0, bytes.length - 1), 0, le, 1e6, 262144, 5, 0, 5).next).toBe(2);
    // no more slots: stops after two
    expect(run(be, bytes, 0, le, 1e6, 262144, 5, 0, 2).next).toBe(2);
    // an incl_len above the cap stops it there
    expect(run(be, bytes, 0, le, 1e6, 7, 5, 0, 5).next).toBe(1);
    // odd: an incl_len above the snapshot length, or above the record's orig_len
    expect(run(be, bytes, 0, le, 1e6, 262144, 5, 0, 5, 7).odd).toBe(true);
    expect(run(be, bytes, 0, le, 1e6, 262144, 5, 0, 5, 8).odd).toBe(false);
    const short = stream([{ sec: 0, frac: 0, orig: 3, captured: 0, data: 4 }], le, true);
    expect(run(be, short, 0, le, 1e6, 262144, 1, 0, 1)).toMatchObject({ next: 1, odd: true });
    // from a later record, big-endian headers read as such
    const be_ = stream([{ sec: 1, frac: 2, orig: 5, captured: 0, data: 5 }], false, true);
    expect(run(be, be_, 0, false, 1e9, 262144, 1, 0, 1)).toMatchObject({ next: 1, offsets: [16], lengths: [5], originals: [5], timestamps: [1 + 2 / 1e9] });
  });

  it('refuses slots or a start outside its arrays and bytes', () => {
    const b = new Uint8Array(64), a = new Uint32Array(4), t = new Float64Array(4);
    expect(() => be.pcapRecords(b, 65, true, 1e6, 100, 100, a, a, a, t, 0, 4)).toThrow(TypeError);
    expect(() => be.pcapRecords(b, 0, true, 1e6, 100, 100, a, a, a, t, 0, 5)).toThrow(TypeError);
    expect(() => be.pcapRecords(b, 0, true, 1e6, 100, 100, a, a, a, t, 3, 2)).toThrow(TypeError);
    expect(() => be.pcapRecords(b, 0, true, 1e6, 100, 100, a, a, a, new Float64Array(3), 0, 4)).toThrow(TypeError);
  });
});

describe.skipIf(!nativeAvailable)(nativeAvailable ? 'pcap record loop: native and TypeScript agree' : 'pcap record loop: native and TypeScript agree (skipped: native addon not loaded)', () => {
  const nat = nativeAvailable ? getBackend('native') : (null as unknown as Backend);
  const js = getBackend('js');

  it('on random record streams, honest, lying, cut and shifted, read from inside a larger buffer', () => {
    fc.assert(
      fc.property(records, fc.boolean(), fc.boolean(), fc.nat(), fc.nat(), fc.constantFrom(1e6, 1e9), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 400 }),
        (recs, le, honest, cut, shift, units, max, slots, snap) => {
          const s = stream(recs, le, honest);
          const end = s.length - (s.length ? cut % (s.length + 1) : 0);
          // the bytes a call may see are [0, end) of a view with a non-zero byte offset, between
          // bytes that would make records if they were read
          const host = new Uint8Array(end + 64).fill(0x01);
          host.set(s.subarray(0, end), 32);
          const view = host.subarray(32, 32 + end);
          const p = end ? shift % (end + 1) : 0;
          const start = slots ? shift % slots : 0;
          const a = run(nat, view, p, le, units, max, slots, start, slots, snap);
          expect(a).toEqual(run(js, view, p, le, units, max, slots, start, slots, snap));
          // the same result from an exact copy: nothing past the view was read
          expect(a).toEqual(run(nat, view.slice(), p, le, units, max, slots, start, slots, snap));
          // odd exactly when a record taken is above snap or above its original length
          const taken = a.lengths.slice(start, a.next), origs = a.originals.slice(start, a.next);
          expect(a.odd).toBe(taken.some((l, k) => l > snap || l > origs[k]));
        }),
      { numRuns: 2000 },
    );
  });

  it.skipIf(!haveCaptures)(haveCaptures ? 'on every shared classic pcap capture' : 'on every shared classic pcap capture (skipped: ../shared/captures is absent)', () => {
    let files = 0;
    for (const row of readManifest()) {
      if (!row.format.startsWith('pcap (')) continue;
      const bytes = readCapture(row.file);
      const magic = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
      const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
      const units = magic === 0xa1b23c4d || magic === 0x4d3cb2a1 ? 1e9 : 1e6;
      const slots = (bytes.length >>> 4) + 1;
      const a = run(nat, bytes, 24, le, units, 262144, slots, 0, slots);
      expect(a, row.file).toEqual(run(js, bytes, 24, le, units, 262144, slots, 0, slots));
      // the count tshark gives (the corpus README's frames column)
      expect(a.next, row.file).toBe(row.frames);
      files++;
    }
    expect(files).toBeGreaterThan(200);
  }, 120_000);
});
