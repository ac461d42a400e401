import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  CaptureStreamParser,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV6,
  LINKTYPE_RAW,
  parseCapture,
  type Capture,
} from '../lib/capture.js';
import { BufferStateError, CaptureFormatError, InvalidArgumentError } from '../lib/errors.js';
import { Writer, pcap } from './helpers/pcap.js';
import { haveCaptures, readCapture, readManifest, readOracle } from './helpers/shared.js';

// ---------------------------------------------------------------------------
// Builders for hand-made captures

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** A payload whose bytes say which frame it is, so misplaced offsets show. */
function payload(tag: number, length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (tag * 31 + i) & 0xff);
}

function block(le: boolean, type: number, body: Uint8Array, o: { total?: number; trailing?: number } = {}): Uint8Array {
  const padded = new Writer(le).bytes(body).pad4().done();
  const total = o.total ?? 12 + padded.length;
  return new Writer(le).u32(type).u32(total).bytes(padded).u32(o.trailing ?? total).done();
}

function shb(le: boolean, o: { total?: number; trailing?: number; bom?: number; major?: number } = {}): Uint8Array {
  const body = new Writer(le)
    .u32(o.bom ?? 0x1a2b3c4d)
    .u16(o.major ?? 1)
    .u16(0)
    .u32(0xffffffff) // Section Length -1: not specified
    .u32(0xffffffff)
    .done();
  return block(le, 0x0a0d0d0a, body, o);
}

type Option = [code: number, value: Uint8Array];

function idb(le: boolean, linkType: number, snaplen: number, options: Option[] = []): Uint8Array {
  const w = new Writer(le).u16(linkType).u16(0).u32(snaplen);
  for (const [code, value] of options) w.u16(code).u16(value.length).bytes(value).pad4();
  if (options.length > 0) w.u32(0); // opt_endofopt
  return block(le, 1, w.done());
}

function tsresol(value: number): Option {
  return [9, Uint8Array.of(value)];
}

function tsoffset(le: boolean, seconds: number): Option {
  const w = new Writer(le);
  return [14, (le ? w.u32(seconds).u32(0) : w.u32(0).u32(seconds)).done()];
}

function split64(units: bigint): [number, number] {
  return [Number(units >> 32n), Number(units & 0xffffffffn)];
}

function epb(le: boolean, iface: number, units: bigint, data: Uint8Array, orig = data.length): Uint8Array {
  const [hi, lo] = split64(units);
  const body = new Writer(le).u32(iface).u32(hi).u32(lo).u32(data.length).u32(orig).bytes(data).done();
  return block(le, 6, body);
}

function obsoletePacketBlock(le: boolean, iface: number, units: bigint, data: Uint8Array, orig = data.length): Uint8Array {
  const [hi, lo] = split64(units);
  const body = new Writer(le).u16(iface).u16(0).u32(hi).u32(lo).u32(data.length).u32(orig).bytes(data).done();
  return block(le, 2, body);
}

function spb(le: boolean, orig: number, data: Uint8Array): Uint8Array {
  return block(le, 3, new Writer(le).u32(orig).bytes(data).done());
}

// ---------------------------------------------------------------------------
// Assertion helpers

function captureError(fn: () => unknown): CaptureFormatError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CaptureFormatError);
    expect((error as CaptureFormatError).code).toBe('ERR_LAGHASH_CAPTURE_FORMAT');
    return error as CaptureFormatError;
  }
  throw new Error('expected a CaptureFormatError, nothing was thrown');
}

function frameBytes(c: Capture, i: number): Uint8Array {
  return c.data.subarray(c.offsets[i]!, c.offsets[i]! + c.lengths[i]!);
}

/** Everything about the frames of several Capture results, concatenated. */
interface Frames {
  bytes: Buffer;
  lengths: number[];
  originalLengths: number[];
  linkTypes: number[];
  timestamps: number[];
}

function collect(results: Capture[]): Frames {
  const parts: Uint8Array[] = [];
  const f: Frames = { bytes: Buffer.alloc(0), lengths: [], originalLengths: [], linkTypes: [], timestamps: [] };
  for (const c of results) {
    for (let i = 0; i < c.count; i++) {
      parts.push(frameBytes(c, i));
      f.lengths.push(c.lengths[i]!);
      f.originalLengths.push(c.originalLengths[i]!);
      f.linkTypes.push(c.linkTypes[i]!);
      f.timestamps.push(c.timestamps[i]!);
    }
  }
  f.bytes = Buffer.concat(parts);
  return f;
}

function expectSameFrames(actual: Frames, expected: Frames): void {
  expect(actual.lengths).toEqual(expected.lengths);
  expect(actual.bytes.equals(expected.bytes)).toBe(true);
  expect(actual.originalLengths).toEqual(expected.originalLengths);
  expect(actual.linkTypes).toEqual(expected.linkTypes);
  expect(actual.timestamps).toEqual(expected.timestamps);
}

/** Splits bytes at the given chunk sizes (cycled), pushes them all, then ends. */
function streamInChunks(bytes: Uint8Array, sizes: number[]): { results: Capture[]; maxCarry: number } {
  const parser = new CaptureStreamParser();
  const results: Capture[] = [];
  let maxCarry = 0;
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const chunk = bytes.subarray(at, at + sizes[k % sizes.length]!);
    at += chunk.length;
    const result = parser.push(chunk);
    if (result.data !== chunk) maxCarry = Math.max(maxCarry, result.data.length - chunk.length);
    results.push(result);
  }
  results.push(parser.end());
  return { results, maxCarry };
}

/** Deterministic PRNG (mulberry32) for reproducible "random" bytes and chunk sizes. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// A pcapng file exercising most block kinds, reused by several tests.
function mixedPcapng(): Uint8Array {
  return concat(
    shb(true),
    idb(true, 1, 0),
    idb(true, 101, 96, [tsresol(9)]),
    epb(true, 0, 1_600_000_000_123_456n, payload(1, 60)),
    block(true, 0x00000bad, Uint8Array.of(1, 2, 3, 4, 5)), // custom block: skipped
    epb(true, 1, 1_600_000_000_123_456_789n, payload(2, 41), 1500),
    shb(false),
    idb(false, 229, 64),
    spb(false, 100, payload(3, 64)),
    obsoletePacketBlock(false, 0, 1_700_000_000_000_001n, payload(4, 7)),
  );
}

// ---------------------------------------------------------------------------

describe('parseCapture: bad input', () => {
  it('rejects values that are not a Uint8Array with InvalidArgumentError', () => {
    for (const value of ['abc', 42, null, undefined, new ArrayBuffer(24), new Uint16Array(12), [0xa1, 0xb2]]) {
      let error: unknown;
      try {
        parseCapture(value as unknown as Uint8Array);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).code).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
      expect((error as Error).message).toMatch(/^Expected bytes to be a Uint8Array, got /);
    }
  });

  it('rejects empty bytes', () => {
    const error = captureError(() => parseCapture(new Uint8Array(0)));
    expect(error.message).toMatch(/Expected a pcap or pcapng capture .* got an empty input \(0 bytes\)/);
  });

  it('names the magic it expected and the one it got', () => {
    const error = captureError(() => parseCapture(Uint8Array.of(0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0)));
    expect(error.message).toBe(
      'Expected a pcap or pcapng capture (magic a1b2c3d4, d4c3b2a1, a1b23c4d, 4d3cb2a1 or 0a0d0d0a), got 0x12345678',
    );
  });

  it('rejects random bytes', () => {
    const next = prng(7);
    for (let round = 0; round < 20; round++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(next() * 200) }, () => Math.floor(next() * 256));
      if ([0xa1, 0xd4, 0x4d, 0x0a].includes(bytes[0]!)) bytes[0] = 0x5a; // keep it from starting a real magic
      captureError(() => parseCapture(bytes));
    }
  });

  it('rejects a pcap global header cut short', () => {
    const header = pcap([]);
    for (const length of [1, 3, 4, 10, 23]) {
      const error = captureError(() => parseCapture(header.subarray(0, length)));
      expect(error.message).toMatch(length < 4 ? /got only \d byte/ : /Expected a 24-byte pcap global header, got only/);
    }
  });

  it('rejects a pcap with an unknown version_major', () => {
    expect(captureError(() => parseCapture(pcap([], { major: 3 }))).message).toMatch(/version_major 2 .* got 3/);
  });

  it('rejects a pcapng Section Header Block with a bad length', () => {
    for (const total of [30, 20, 0]) {
      const error = captureError(() => parseCapture(shb(true, { total })));
      expect(error.message).toContain('byte offset 0');
      expect(error.message).toContain(`got ${total}`);
    }
  });

  it('rejects a Section Header Block with a bad byte-order magic or major version', () => {
    expect(captureError(() => parseCapture(shb(true, { bom: 0x11223344 }))).message).toMatch(/byte-order magic .* got 44332211/);
    expect(captureError(() => parseCapture(shb(true, { major: 2 }))).message).toMatch(/major version 1, got 2/);
  });

  it('rejects a pcapng SHB cut short (nothing valid seen)', () => {
    const error = captureError(() => parseCapture(shb(true).subarray(0, 20)));
    expect(error.message).toMatch(/Section Header Block .* got only 20 byte/);
  });

  it('rejects a block whose trailing length differs, naming its offset', () => {
    const bytes = concat(shb(true), block(true, 1, new Uint8Array(8), { trailing: 24 }));
    const error = captureError(() => parseCapture(bytes));
    expect(error.message).toBe(
      "pcapng block at byte offset 28: expected the Interface Description Block's trailing block total length to equal the leading one (20), got 24",
    );
  });

  it('rejects a block length that is not a multiple of 4 in the middle of the file', () => {
    const bytes = concat(shb(true), idb(true, 1, 0), block(true, 5, new Uint8Array(8), { total: 19 }), epb(true, 0, 0n, payload(0, 8)));
    expect(captureError(() => parseCapture(bytes)).message).toMatch(/byte offset 48: .* multiple of 4 .* got 19/);
  });

  it('rejects an Enhanced Packet Block for an unknown interface', () => {
    const bytes = concat(shb(true), idb(true, 1, 0), epb(true, 1, 0n, payload(0, 8)));
    expect(captureError(() => parseCapture(bytes)).message).toMatch(
      /byte offset 48: expected an interface ID below 1 .* got 1/,
    );
    // Interfaces belong to their section: a second section starts with none.
    const second = concat(shb(true), idb(true, 1, 0), shb(false), epb(false, 0, 0n, payload(0, 8)));
    expect(captureError(() => parseCapture(second)).message).toMatch(/byte offset 76: expected an interface ID below 0/);
    expect(captureError(() => parseCapture(concat(shb(true), spb(true, 4, payload(0, 4))))).message).toMatch(
      /interface ID below 0/,
    );
  });

  it('rejects an Enhanced Packet Block whose captured length overflows the block', () => {
    const good = epb(true, 0, 0n, payload(0, 8));
    new DataView(good.buffer).setUint32(20, 200, true);
    expect(captureError(() => parseCapture(concat(shb(true), idb(true, 1, 0), good))).message).toMatch(
      /Captured Packet Length to fit .* got 200/,
    );
  });

  it('rejects a pcap record with an absurd incl_len, naming record and offset', () => {
    const records = [0, 1, 2].map((i) => ({ sec: i, frac: 0, data: payload(i, 10) }));
    const bytes = pcap(records);
    new DataView(bytes.buffer).setUint32(24 + 26 + 8, 0x7fffffff, true); // record 2's incl_len
    expect(captureError(() => parseCapture(bytes)).message).toBe(
      'Expected record 2 at byte offset 50 to have incl_len at most 268435456 (256 MiB), got 2147483647: the capture is corrupt',
    );
  });
});

describe('parseCapture: known answers', () => {
  it('reads little-endian microsecond pcap', () => {
    const bytes = pcap([
      { sec: 1_600_000_000, frac: 123_456, data: payload(1, 5), orig: 60 },
      { sec: 1_600_000_001, frac: 999_999, data: payload(2, 3) },
    ]);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0xd4, 0xc3, 0xb2, 0xa1]);
    const c = parseCapture(bytes);
    expect(c.format).toBe('pcap');
    expect(c.data).toBe(bytes);
    expect(c.count).toBe(2);
    expect(Array.from(c.offsets)).toEqual([40, 61]);
    expect(Array.from(c.lengths)).toEqual([5, 3]);
    expect(Array.from(c.originalLengths)).toEqual([60, 3]);
    expect(Array.from(c.linkTypes)).toEqual([1, 1]);
    expect(c.linkType).toBe(LINKTYPE_ETHERNET);
    expect(Array.from(c.timestamps)).toEqual([1_600_000_000 + 123_456 / 1e6, 1_600_000_001 + 999_999 / 1e6]);
    expect(frameBytes(c, 0)).toEqual(payload(1, 5));
    expect(frameBytes(c, 1)).toEqual(payload(2, 3));
    expect(c.truncated).toBe(false);
    expect(c.warnings).toEqual([]);
  });

  it('reads big-endian nanosecond pcap', () => {
    const bytes = pcap([{ sec: 1_600_000_000, frac: 987_654_321, data: payload(1, 9) }], { le: false, nsec: true, linkType: 113 });
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0xa1, 0xb2, 0x3c, 0x4d]);
    const c = parseCapture(bytes);
    expect(c.count).toBe(1);
    expect(Array.from(c.offsets)).toEqual([40]);
    expect(c.linkType).toBe(113);
    expect(c.timestamps[0]).toBe(1_600_000_000 + 987_654_321 / 1e9);
    expect(Math.abs(c.timestamps[0]! - 1_600_000_000.987654321)).toBeLessThan(1e-6);
  });

  it('reads big-endian microsecond and little-endian nanosecond pcap', () => {
    const be = parseCapture(pcap([{ sec: 10, frac: 500_000, data: payload(1, 4) }], { le: false }));
    expect(be.timestamps[0]).toBe(10.5);
    const le = parseCapture(pcap([{ sec: 10, frac: 250_000_000, data: payload(1, 4) }], { nsec: true }));
    expect(le.timestamps[0]).toBe(10.25);
  });

  it('masks FCS bits off the pcap link type and maps DLT_RAW values 12 and 14 to 101', () => {
    const frames = [{ sec: 0, frac: 0, data: payload(0, 20) }];
    const withFcsBits = parseCapture(pcap(frames, { linkType: 0x30000001 }));
    expect([withFcsBits.linkType, withFcsBits.linkTypes[0]]).toEqual([1, 1]);
    expect(parseCapture(pcap(frames, { linkType: 12 })).linkType).toBe(LINKTYPE_RAW);
    expect(parseCapture(pcap(frames, { linkType: 14, le: false })).linkType).toBe(LINKTYPE_RAW);
  });

  it('accepts an empty pcap (header only)', () => {
    const c = parseCapture(pcap([], { linkType: 229 }));
    expect(c.count).toBe(0);
    expect(c.offsets.length).toBe(0);
    expect(c.linkType).toBe(LINKTYPE_IPV6);
    expect(c.truncated).toBe(false);
    expect(c.warnings).toEqual([]);
  });

  it('accepts empty pcapng sections', () => {
    const bare = parseCapture(shb(false));
    expect([bare.format, bare.count, bare.linkType, bare.truncated]).toEqual(['pcapng', 0, -1, false]);
    const withInterface = parseCapture(concat(shb(true), idb(true, 101, 0)));
    expect([withInterface.count, withInterface.linkType]).toEqual([0, 101]);
  });

  it('warns about captured lengths above the snaplen or the original length', () => {
    const c = parseCapture(
      pcap(
        [
          { sec: 0, frac: 0, data: payload(0, 50) },
          { sec: 0, frac: 0, data: payload(1, 50) },
          { sec: 0, frac: 0, data: payload(2, 10), orig: 4 },
        ],
        { snaplen: 40 },
      ),
    );
    expect(c.count).toBe(3);
    expect(c.truncated).toBe(false);
    expect(c.warnings).toEqual([
      '2 record(s) have a captured length above the snapshot length (first: record 1 at byte offset 24: 50 > 40); kept as captured',
      '1 record(s) have a captured length above the original length (first: record 3 at byte offset 156: 10 > 4); kept as captured',
    ]);
  });

  it('reads pcapng with two interfaces of different link types and timestamp resolutions', () => {
    const bytes = concat(
      shb(true), // 0..28
      idb(true, 1, 0), // 28..48, default resolution 10^-6
      idb(true, 101, 0, [tsresol(9)]), // 48..80, nanoseconds
      idb(true, 1, 0, [tsresol(0x8a), tsoffset(true, 1000)]), // 80..124, 2^-10 s, +1000 s
      epb(true, 0, 1_600_000_000_123_456n, payload(1, 60)), // 124..216, data at +28
      epb(true, 1, 1_600_000_000_123_456_789n, payload(2, 41), 1500), // 216..292
      epb(true, 2, 5n * 1024n + 512n, payload(3, 4)), // 292..328
    );
    const c = parseCapture(bytes);
    expect(c.format).toBe('pcapng');
    expect(c.data).toBe(bytes);
    expect(c.count).toBe(3);
    expect(Array.from(c.offsets)).toEqual([152, 244, 320]);
    expect(Array.from(c.lengths)).toEqual([60, 41, 4]);
    expect(Array.from(c.originalLengths)).toEqual([60, 1500, 4]);
    expect(Array.from(c.linkTypes)).toEqual([1, 101, 1]);
    expect(c.linkType).toBe(-1);
    expect(Array.from(c.timestamps)).toEqual([1_600_000_000 + 123_456 / 1e6, 1_600_000_000 + 123_456_789 / 1e9, 1005.5]);
    [payload(1, 60), payload(2, 41), payload(3, 4)].forEach((p, i) => expect(frameBytes(c, i)).toEqual(p));
    expect(c.truncated).toBe(false);
  });

  it('reads Simple Packet Blocks: interface 0, length min(original, snaplen, block space), no timestamp', () => {
    const bytes = concat(
      shb(true), // 0..28
      idb(true, 1, 64), // 28..48
      spb(true, 100, payload(1, 72)), // 48..136: the block holds more than the snaplen
      spb(true, 10, payload(2, 12)), // 136..164: original shorter than the space
      spb(true, 30, payload(3, 8)), // 164..188: only 8 bytes of room
    );
    const c = parseCapture(bytes);
    expect(Array.from(c.offsets)).toEqual([60, 148, 176]);
    expect(Array.from(c.lengths)).toEqual([64, 10, 8]);
    expect(Array.from(c.originalLengths)).toEqual([100, 10, 30]);
    expect(Array.from(c.linkTypes)).toEqual([1, 1, 1]);
    expect(c.timestamps.every(Number.isNaN)).toBe(true);
  });

  it('reads the obsolete Packet Block and skips unknown blocks', () => {
    const bytes = concat(
      shb(false), // 0..28
      idb(false, 228, 0), // 28..48
      idb(false, 1, 0), // 48..68
      block(false, 0x12345678, payload(9, 21)), // 68..104: unknown, skipped
      block(false, 5, new Uint8Array(16)), // 104..132: Interface Statistics Block, skipped
      obsoletePacketBlock(false, 1, 3_000_001n, payload(1, 14)), // 132..180
    );
    const c = parseCapture(bytes);
    expect(c.count).toBe(1);
    expect(Array.from(c.offsets)).toEqual([160]);
    expect(Array.from(c.lengths)).toEqual([14]);
    expect(Array.from(c.linkTypes)).toEqual([1]);
    expect(c.timestamps[0]).toBe(3.000001);
    expect(frameBytes(c, 0)).toEqual(payload(1, 14));
  });

  it('reads two sections with different byte orders and their own interfaces', () => {
    const bytes = mixedPcapng();
    const c = parseCapture(bytes);
    expect(c.count).toBe(4);
    // 0 SHB(28) 28 IDB(20) 48 IDB(32) 80 EPB(92) 172 custom(20) 192 EPB(76) 268 SHB 296 IDB 316 SPB(80) 396 PB(40)
    expect(Array.from(c.offsets)).toEqual([108, 220, 328, 424]);
    expect(Array.from(c.lengths)).toEqual([60, 41, 64, 7]);
    expect(Array.from(c.originalLengths)).toEqual([60, 1500, 100, 7]);
    expect(Array.from(c.linkTypes)).toEqual([1, 101, 229, 229]);
    expect(c.timestamps[0]).toBe(1_600_000_000.123456);
    expect(c.timestamps[1]).toBe(1_600_000_000 + 0.123456789);
    expect(c.timestamps[2]).toBeNaN();
    expect(c.timestamps[3]).toBe(1_700_000_000 + 1e-6);
    expect(c.warnings).toEqual([]);
  });
});

describe('parseCapture: truncation', () => {
  const records = [0, 1, 2].map((i) => ({ sec: 100 + i, frac: i, data: payload(i, 30) }));
  const whole = pcap(records); // records at 24, 70, 116; ends at 162

  it('returns the records before a record cut in its header', () => {
    const c = parseCapture(whole.subarray(0, 116 + 9));
    expect(c.count).toBe(2);
    expect(c.truncated).toBe(true);
    expect(Array.from(c.offsets)).toEqual([40, 86]);
    expect(c.warnings).toEqual([
      'Capture truncated: record 3 at byte offset 116 has only 9 of its 16 header bytes; the records before it are kept',
    ]);
  });

  it('returns the records before a record cut in its data', () => {
    const c = parseCapture(whole.subarray(0, 116 + 16 + 20));
    expect(c.count).toBe(2);
    expect(c.truncated).toBe(true);
    expect(c.warnings).toEqual([
      'Capture truncated: record 3 at byte offset 116 declares incl_len 30 but only 20 byte(s) follow its header; the records before it are kept',
    ]);
  });

  it('returns the blocks before a pcapng block cut in its header or its data', () => {
    const bytes = concat(shb(true), idb(true, 1, 0), epb(true, 0, 1n, payload(1, 10)), epb(true, 0, 2n, payload(2, 10)));
    // blocks: SHB 0, IDB 28, EPB 48 (44 bytes), EPB 92 (44 bytes)
    const inHeader = parseCapture(bytes.subarray(0, 92 + 5));
    expect([inHeader.count, inHeader.truncated]).toEqual([1, true]);
    expect(inHeader.warnings[0]).toMatch(/block at byte offset 92 has only 5 byte\(s\) of its header/);
    const inData = parseCapture(bytes.subarray(0, 92 + 30));
    expect([inData.count, inData.truncated]).toEqual([1, true]);
    expect(inData.warnings[0]).toMatch(/Enhanced Packet Block at byte offset 92 declares a block total length of 44 but only 30/);
  });
});

describe('CaptureStreamParser', () => {
  it('rejects bad chunks, use after end, and streams that never became a capture', () => {
    const parser = new CaptureStreamParser();
    expect(() => parser.push('abc' as unknown as Uint8Array)).toThrow(InvalidArgumentError);
    captureError(() => new CaptureStreamParser().push(Uint8Array.of(0x12)));
    captureError(() => new CaptureStreamParser().end());
    const partial = new CaptureStreamParser();
    expect(partial.push(pcap([]).subarray(0, 10)).count).toBe(0);
    expect(captureError(() => partial.end()).message).toMatch(/24-byte pcap global header, got only 10/);
    const ended = new CaptureStreamParser();
    ended.push(pcap([]));
    ended.end();
    expect(() => ended.push(pcap([]))).toThrow(BufferStateError);
    expect(() => ended.end()).toThrow(BufferStateError);
  });

  it('returns the chunk itself when no record straddles chunks', () => {
    const bytes = pcap([0, 1, 2].map((i) => ({ sec: i, frac: 0, data: payload(i, 30) })));
    const parser = new CaptureStreamParser();
    const first = bytes.subarray(0, 70); // header + record 1
    const second = bytes.subarray(70);
    const a = parser.push(first);
    const b = parser.push(second);
    expect(a.data).toBe(first);
    expect(b.data).toBe(second);
    expect([a.count, b.count]).toEqual([1, 2]);
    expect(Array.from(b.offsets)).toEqual([16, 62]);
    const end = parser.end();
    expect([end.count, end.truncated, end.warnings]).toEqual([0, false, []]);
  });

  it('joins only the carried-over tail with the next chunk', () => {
    const bytes = pcap([0, 1, 2].map((i) => ({ sec: i, frac: 0, data: payload(i, 30) })));
    const parser = new CaptureStreamParser();
    expect(parser.push(bytes.subarray(0, 80)).count).toBe(1); // record 2 starts at 70: 10 bytes carried
    const joined = parser.push(bytes.subarray(80));
    expect(joined.data.length).toBe(10 + bytes.length - 80);
    expect(Array.from(joined.offsets)).toEqual([16, 62]);
    expect(frameBytes(joined, 0)).toEqual(payload(1, 30));
  });

  it('does not keep references to pushed chunks (callers may reuse them)', () => {
    const bytes = mixedPcapng();
    const parser = new CaptureStreamParser();
    const scratch = new Uint8Array(13);
    const results: Capture[] = [];
    for (let at = 0; at < bytes.length; at += scratch.length) {
      const piece = bytes.subarray(at, at + scratch.length);
      scratch.set(piece);
      const result = parser.push(scratch.subarray(0, piece.length));
      // A result that views the scratch buffer is only valid until the next overwrite: keep a copy.
      results.push(result.data.buffer === scratch.buffer ? { ...result, data: result.data.slice() } : result);
    }
    results.push(parser.end());
    expectSameFrames(collect(results), collect([parseCapture(bytes)]));
  });

  it('reports truncation at end()', () => {
    const bytes = concat(shb(true), idb(true, 1, 0), epb(true, 0, 1n, payload(1, 10)), epb(true, 0, 2n, payload(2, 10)));
    const cut = bytes.subarray(0, bytes.length - 3);
    const { results } = streamInChunks(cut, [5]);
    const end = results[results.length - 1]!;
    expect(end.truncated).toBe(true);
    expect(end.warnings).toEqual(parseCapture(cut).warnings);
    expect(collect(results).lengths).toEqual([10]);
  });
});

// ---------------------------------------------------------------------------
// Real captures

/** frame.len and frame.cap_len of every frame, from tshark's oracle table. */
function readOracleLengths(file: string): { len: number[]; capLen: number[] } {
  const t = readOracle(file);
  const len = t.col('frame.len'), capLen = t.col('frame.cap_len');
  return { len: t.rows.map((r) => Number(r[len])), capLen: t.rows.map((r) => Number(r[capLen])) };
}

const manifest = readManifest();

const STREAMED = [
  'tcpdump_pptp.pcap', // big-endian
  'tcpdump_tcp-handshake-nano.pcap', // nanosecond, Linux SLL
  'tcpdump_msnlb2.pcapng',
  'zeek_tunnels_geneve-truncated.pcapng',
  'tcpdump_ipv6_jumbogram_1.pcap', // one 65 KB record
  'tcpdump_of13_ericsson.pcapng',
  'arkime_arkime_synthetic.pcap',
  'ndpi_alexa-app.pcapng',
];

const ORACLE_CHECKED = [
  'generated_netns_mixed_traffic.pcap',
  'zeek_echo-connections.pcap',
  'ndpi_alexa-app.pcapng',
  'tcpdump_of13_ericsson.pcapng',
  'tcpdump_tcp-handshake-nano.pcap',
  'tcpdump_pptp.pcap',
  'ndpi_gnutella.pcap', // has a frame with cap_len < len
  'tcpdump_aoe-oobr-1.pcap', // cap_len > len
];

describe.skipIf(!haveCaptures)(
  `real captures in ../shared/captures${haveCaptures ? '' : ' (skipped: the directory is absent)'}`,
  () => {
    it('lists captures in MANIFEST.tsv', () => {
      expect(manifest.length).toBeGreaterThan(0);
    });

    it.each(manifest.map((row) => [row.file, row] as const))('%s: frame count and link types match the manifest', (_, row) => {
      const bytes = readCapture(row.file);
      const c = parseCapture(bytes);
      expect(c.data).toBe(bytes);
      expect(c.format).toBe(row.format.startsWith('pcapng') ? 'pcapng' : 'pcap');
      expect(c.count).toBe(row.frames);
      expect(c.linkType).toBe(row.linkType);
      expect(c.truncated).toBe(false);
      const wrong = Array.from(c.linkTypes).findIndex((t) => t !== row.linkType);
      expect(wrong).toBe(-1);
      for (let i = 0; i < c.count; i++) {
        if (c.offsets[i]! + c.lengths[i]! > bytes.length) throw new Error(`frame ${i} lies outside the buffer`);
      }
    });

    it.each(ORACLE_CHECKED)('%s: lengths match the tshark oracle for every frame', (file) => {
      const c = parseCapture(readCapture(file));
      const oracle = readOracleLengths(file);
      expect(oracle.len.length).toBe(c.count);
      expect(Array.from(c.originalLengths)).toEqual(oracle.len);
      expect(Array.from(c.lengths)).toEqual(oracle.capLen);
    });

    it.each(STREAMED)('%s: streaming in chunks gives the same frames as parseCapture', (file) => {
      const bytes = readCapture(file);
      const whole = parseCapture(bytes);
      const expected = collect([whole]);
      const largestFrame = Math.max(0, ...whole.lengths);
      const next = prng(bytes.length);
      const randomSizes = Array.from({ length: 97 }, () => 1 + Math.floor(next() * 3000));
      const chunkings = [[7], [100], [4096], randomSizes];
      if (bytes.length <= 130_000) chunkings.unshift([1]);
      for (const sizes of chunkings) {
        const { results, maxCarry } = streamInChunks(bytes, sizes);
        expectSameFrames(collect(results), expected);
        expect(results.every((r) => r.format === whole.format)).toBe(true);
        expect(results[results.length - 1]!.truncated).toBe(false);
        // the carried-over tail never exceeds one record (frame + its header/padding/options)
        expect(maxCarry).toBeLessThanOrEqual(largestFrame + 256);
      }
    }, 60_000);
  },
);

// ---------------------------------------------------------------------------
// Properties

const recordArb = fc.record({
  sec: fc.nat({ max: 0xffffffff }),
  frac: fc.nat({ max: 999_999 }),
  data: fc.uint8Array({ maxLength: 200 }),
});

const pcapArb = fc
  .record({ le: fc.boolean(), nsec: fc.boolean(), linkType: fc.constantFrom(1, 101, 113, 228, 229, 276), records: fc.array(recordArb, { maxLength: 20 }) })
  .map(({ le, nsec, linkType, records }) => ({ records, bytes: pcap(records, { le, nsec, linkType }), nsec, linkType }));

const pcapngArb = fc
  .record({
    le: fc.boolean(),
    interfaces: fc.array(fc.record({ linkType: fc.constantFrom(1, 101, 113, 229), resolution: fc.constantFrom(6, 9, 0x8a, 3) }), {
      minLength: 1,
      maxLength: 4,
    }),
    packets: fc.array(fc.record({ iface: fc.nat(), units: fc.bigInt({ min: 0n, max: 1n << 62n }) /* seconds stay below 2^53 */, data: fc.uint8Array({ maxLength: 150 }) }), {
      maxLength: 20,
    }),
  })
  .map(({ le, interfaces, packets }) => {
    const blocks = [shb(le), ...interfaces.map((i) => idb(le, i.linkType, 0, [tsresol(i.resolution)]))];
    for (const p of packets) blocks.push(epb(le, p.iface % interfaces.length, p.units, p.data));
    return { bytes: concat(...blocks), packets: packets.map((p) => ({ ...p, iface: p.iface % interfaces.length })), interfaces };
  });

function unitsPerSecond(resolution: number): number {
  return resolution & 0x80 ? 2 ** (resolution & 0x7f) : 10 ** resolution;
}

describe('properties', () => {
  it('pcap: every built record comes back exactly', () => {
    fc.assert(
      fc.property(pcapArb, ({ records, bytes, nsec, linkType }) => {
        const c = parseCapture(bytes);
        expect(c.count).toBe(records.length);
        records.forEach((r, i) => {
          expect(frameBytes(c, i)).toEqual(r.data);
          expect(c.linkTypes[i]).toBe(linkType);
          expect(c.timestamps[i]).toBe(r.sec + r.frac / (nsec ? 1e9 : 1e6));
        });
      }),
    );
  });

  it('pcapng: every built packet comes back with its interface and an exact-as-possible timestamp', () => {
    fc.assert(
      fc.property(pcapngArb, ({ bytes, packets, interfaces }) => {
        const c = parseCapture(bytes);
        expect(c.count).toBe(packets.length);
        packets.forEach((p, i) => {
          const iface = interfaces[p.iface]!;
          expect(frameBytes(c, i)).toEqual(p.data);
          expect(c.linkTypes[i]).toBe(iface.linkType);
          const units = BigInt(unitsPerSecond(iface.resolution));
          const expected = Number(p.units / units) + Number(p.units % units) / Number(units);
          expect(c.timestamps[i]).toBe(expected);
        });
      }),
    );
  });

  it('a capture cut anywhere after its header yields a prefix of its frames', () => {
    fc.assert(
      fc.property(fc.oneof(pcapArb, pcapngArb), fc.double({ min: 0, max: 1, noNaN: true }), ({ bytes }, where) => {
        const whole = parseCapture(bytes);
        const headerEnd = whole.format === 'pcap' ? 24 : 28;
        const cut = headerEnd + Math.floor(where * (bytes.length - headerEnd));
        const c = parseCapture(bytes.subarray(0, cut));
        expect(c.count).toBeLessThanOrEqual(whole.count);
        expect(Array.from(c.offsets)).toEqual(Array.from(whole.offsets.subarray(0, c.count)));
        const atBoundary = cut === bytes.length || (c.count < whole.count && whole.offsets[c.count]! - (whole.format === 'pcap' ? 16 : 28) === cut);
        if (whole.format === 'pcap') expect(c.truncated).toBe(!atBoundary);
        if (c.truncated) expect(c.warnings.some((w) => w.startsWith('Capture truncated'))).toBe(true);
      }),
    );
  });

  it('corrupted bytes give frames inside the buffer or a CaptureFormatError, and streaming agrees', () => {
    fc.assert(
      fc.property(
        fc.oneof(pcapArb, pcapngArb),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
        ({ bytes }, edits, sizes) => {
          const broken = bytes.slice();
          for (const [where, value] of edits) broken[Math.floor(where * broken.length)] = value;
          let whole: Capture | CaptureFormatError;
          try {
            whole = parseCapture(broken);
          } catch (error) {
            expect(error).toBeInstanceOf(CaptureFormatError);
            whole = error as CaptureFormatError;
          }
          let streamed: Capture[] | CaptureFormatError;
          try {
            streamed = streamInChunks(broken, sizes).results;
          } catch (error) {
            expect(error).toBeInstanceOf(CaptureFormatError);
            streamed = error as CaptureFormatError;
          }
          if (whole instanceof CaptureFormatError) {
            expect(streamed).toBeInstanceOf(CaptureFormatError);
            return;
          }
          expect(streamed).not.toBeInstanceOf(CaptureFormatError);
          for (let i = 0; i < whole.count; i++) {
            expect(whole.offsets[i]! + whole.lengths[i]!).toBeLessThanOrEqual(broken.length);
          }
          expectSameFrames(collect(streamed as Capture[]), collect([whole]));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('streaming built captures in random chunks gives the same frames as parseCapture', () => {
    fc.assert(
      fc.property(fc.oneof(pcapArb, pcapngArb), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 10 }), ({ bytes }, sizes) => {
        expectSameFrames(collect(streamInChunks(bytes, sizes).results), collect([parseCapture(bytes)]));
      }),
    );
  });
});
