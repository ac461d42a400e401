/**
 * Zero-copy reader for classic pcap and pcapng captures.
 *
 * The reader never copies frame bytes: it returns the input buffer plus
 * typed arrays of offsets and lengths into it (one pass, no per-frame
 * objects). Formats are recognised from their magic numbers, not from file
 * names:
 *
 * - classic pcap (libpcap savefile): 24-byte global header (magic,
 *   version_major, version_minor, thiszone, sigfigs, snaplen, network), then
 *   records of a 16-byte header (ts_sec, ts_usec or ts_nsec, incl_len,
 *   orig_len) followed by incl_len bytes of packet data;
 * - pcapng (IETF draft "PCAP Next Generation Dump File Format"): a sequence
 *   of blocks (block type, block total length, body, block total length
 *   again), grouped in sections that each start with a Section Header Block
 *   giving that section's byte order and owning its interfaces.
 *
 * Records are numbered from 1 in messages (like Wireshark's frame.number);
 * byte offsets are counted from the start of the capture (of the stream, for
 * CaptureStreamParser).
 */

import { BufferStateError, CaptureFormatError, InvalidArgumentError } from './errors.js';
import { checkBoolean, checkTyped } from './validate.js';
import { activeBackend, backendChoiceError } from './native.js';
import { jsBackend } from './js/index.js';

/** The record loop's backend: the active one, or the TS twin when LAGHASH_BACKEND asks for one that cannot be had (reading a capture needs no addon). */
const recordLoop = backendChoiceError ? jsBackend : activeBackend;

/** LINKTYPE_ETHERNET: IEEE 802.3 Ethernet frames. */
export const LINKTYPE_ETHERNET = 1;
/** LINKTYPE_RAW: raw IPv4 or IPv6 packets, version told by the first nibble. */
export const LINKTYPE_RAW = 101;
/** LINKTYPE_LINUX_SLL: Linux "cooked" capture, version 1 (16-byte pseudo-header). */
export const LINKTYPE_LINUX_SLL = 113;
/** LINKTYPE_IPV4: raw IPv4 packets only. */
export const LINKTYPE_IPV4 = 228;
/** LINKTYPE_IPV6: raw IPv6 packets only. */
export const LINKTYPE_IPV6 = 229;
/** LINKTYPE_LINUX_SLL2: Linux "cooked" capture, version 2 (20-byte pseudo-header). */
export const LINKTYPE_LINUX_SLL2 = 276;

/** Frames of a capture, as views into `data` (nothing is copied). */
export interface Capture {
  /** Container format recognised from the magic number. */
  format: 'pcap' | 'pcapng';
  /** The bytes the frames point into: the input itself for parseCapture (same object, never copied). */
  data: Uint8Array;
  /** Number of packet records. */
  count: number;
  /** Frame i is data[offsets[i] .. offsets[i] + lengths[i]). */
  offsets: Uint32Array;
  /** Captured length of frame i (bytes present in the file). */
  lengths: Uint32Array;
  /** Length on the wire (pcap orig_len, pcapng "original packet length"). */
  originalLengths: Uint32Array;
  /** LINKTYPE_* of frame i (per interface in pcapng). */
  linkTypes: Uint16Array;
  /**
   * The single link type of all frames, or -1 when frames have several. With
   * no frames: the link type the capture declares (pcap header, or pcapng
   * interfaces when they all agree), else -1.
   */
  linkType: number;
  /** Seconds since the epoch, as precise as a double allows; NaN for pcapng Simple Packet Blocks (they carry none). */
  timestamps: Float64Array;
  /** The last record was cut short (partial header or data); frames before it are returned. */
  truncated: boolean;
  /** Human-readable, one per problem tolerated (truncated last record, caplen > snaplen, ...). */
  warnings: string[];
}

// ---------------------------------------------------------------------------
// Format constants

const PCAP_USEC_MAGIC = 0xa1b2c3d4;
const PCAP_USEC_MAGIC_SWAPPED = 0xd4c3b2a1;
const PCAP_NSEC_MAGIC = 0xa1b23c4d;
const PCAP_NSEC_MAGIC_SWAPPED = 0x4d3cb2a1;
const PCAPNG_SHB_TYPE = 0x0a0d0d0a; // a palindrome: readable before the byte order is known
const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const MAGIC_LIST = 'a1b2c3d4, d4c3b2a1, a1b23c4d, 4d3cb2a1 or 0a0d0d0a';
const MAGIC_PREFIXES = [
  [0xa1, 0xb2, 0xc3, 0xd4],
  [0xd4, 0xc3, 0xb2, 0xa1],
  [0xa1, 0xb2, 0x3c, 0x4d],
  [0x4d, 0x3c, 0xb2, 0xa1],
  [0x0a, 0x0d, 0x0d, 0x0a],
];

const PCAP_HEADER_LENGTH = 24;
const PCAP_RECORD_HEADER_LENGTH = 16;
/** Larger incl_len values are corruption, not packets (libpcap's own ceiling is far lower). */
const MAX_CAPTURED_LENGTH = 256 * 1024 * 1024;
/** A packet block may add headers and options to MAX_CAPTURED_LENGTH bytes of data. */
const MAX_BLOCK_LENGTH = MAX_CAPTURED_LENGTH + 1024 * 1024;
/** Offsets are Uint32: one buffer cannot exceed this. */
const MAX_BUFFER_LENGTH = 0xffffffff;

const BLOCK_IDB = 0x00000001;
const BLOCK_PB = 0x00000002;
const BLOCK_SPB = 0x00000003;
const BLOCK_EPB = 0x00000006;

const BLOCK_NAMES: Record<number, string> = {
  [PCAPNG_SHB_TYPE]: 'Section Header Block',
  [BLOCK_IDB]: 'Interface Description Block',
  [BLOCK_PB]: 'Packet Block',
  [BLOCK_SPB]: 'Simple Packet Block',
  0x00000004: 'Name Resolution Block',
  0x00000005: 'Interface Statistics Block',
  [BLOCK_EPB]: 'Enhanced Packet Block',
};

/** Smallest legal block total length per block type (12 = type + two lengths). */
const BLOCK_MIN_LENGTH: Record<number, number> = {
  [PCAPNG_SHB_TYPE]: 28, // + byte-order magic, major, minor, section length
  [BLOCK_IDB]: 20, // + LinkType, Reserved, SnapLen
  [BLOCK_PB]: 32, // + Interface ID, Drops Count, timestamp, lengths
  [BLOCK_SPB]: 16, // + Original Packet Length
  [BLOCK_EPB]: 32, // + Interface ID, timestamp, lengths
};

const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

const TWO_POW_32 = 4294967296;

// ---------------------------------------------------------------------------
// Small helpers

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0');
}

function blockName(type: number): string {
  return BLOCK_NAMES[type] ?? `block of type 0x${hex32(type)}`;
}

/** 12 and 14 are DLT_RAW on some platforms and appear as such in files: they mean LINKTYPE_RAW. */
function normalizeLinkType(linkType: number): number {
  return linkType === 12 || linkType === 14 ? LINKTYPE_RAW : linkType;
}

/**
 * Seconds for a 64-bit count of 1/unitsPerSecond units given as two 32-bit
 * halves. The count can exceed 2^53 (nanoseconds since 1970 do), so it is
 * divided exactly in 16-bit limbs and only the final sum is rounded.
 */
function secondsFromUnits(high: number, low: number, unitsPerSecond: number): number {
  if (unitsPerSecond > TWO_POW_32) return (high * TWO_POW_32 + low) / unitsPerSecond;
  let seconds = 0;
  let remainder = 0;
  for (let shift = 48; shift >= 0; shift -= 16) {
    const limb = shift >= 32 ? (high >>> (shift - 32)) & 0xffff : (low >>> shift) & 0xffff;
    const current = remainder * 65536 + limb; // < 2^48: exact
    const quotient = Math.floor(current / unitsPerSecond);
    remainder = current - quotient * unitsPerSecond;
    seconds = seconds * 65536 + quotient;
  }
  return seconds + remainder / unitsPerSecond;
}

/** Units per second for an if_tsresol byte: 10^-v, or 2^-(v & 0x7f) when the top bit is set. */
function unitsFromTsresol(value: number): number {
  return value & 0x80 ? 2 ** (value & 0x7f) : 10 ** value;
}

/** A Uint8Array over a plain, fixed-length, live ArrayBuffer (the frames are views into it), of at most 2^32 - 1 bytes. */
function requireUint8Array(value: unknown, name: string): asserts value is Uint8Array {
  checkTyped(value, Uint8Array, name);
  if ((value as Uint8Array).length > MAX_BUFFER_LENGTH) {
    throw new InvalidArgumentError(
      `Expected ${name} to hold at most ${MAX_BUFFER_LENGTH} bytes (offsets are Uint32), got ${(value as Uint8Array).length}; use CaptureStreamParser`,
    );
  }
}

// ---------------------------------------------------------------------------
// Warnings: counted per kind so a huge capture yields a bounded list

class WarningLog {
  readonly messages: string[] = [];
  private overSnaplen = 0;
  private overSnaplenFirst = '';
  private overOriginal = 0;
  private overOriginalFirst = '';

  add(message: string): void {
    this.messages.push(message);
  }

  capturedAboveSnaplen(record: number, offset: number, captured: number, snaplen: number): void {
    if (this.overSnaplen++ === 0) {
      this.overSnaplenFirst = `record ${record} at byte offset ${offset}: ${captured} > ${snaplen}`;
    }
  }

  capturedAboveOriginal(record: number, offset: number, captured: number, original: number): void {
    if (this.overOriginal++ === 0) {
      this.overOriginalFirst = `record ${record} at byte offset ${offset}: ${captured} > ${original}`;
    }
  }

  list(): string[] {
    const out = this.messages.slice();
    if (this.overSnaplen > 0) {
      out.push(
        `${this.overSnaplen} record(s) have a captured length above the snapshot length (first: ${this.overSnaplenFirst}); kept as captured`,
      );
    }
    if (this.overOriginal > 0) {
      out.push(
        `${this.overOriginal} record(s) have a captured length above the original length (first: ${this.overOriginalFirst}); kept as captured`,
      );
    }
    return out;
  }
}

// ---------------------------------------------------------------------------
// Output: typed arrays grown geometrically, no per-frame objects

class FrameSink {
  count = 0;
  /** Whether the last pcapRecords() took a record with a captured length above snap or above its original length. */
  oddRecords = false;
  private capacity: number;
  private offsets: Uint32Array;
  private lengths: Uint32Array;
  private originalLengths: Uint32Array;
  private linkTypes: Uint16Array;
  private timestamps: Float64Array;
  private firstLinkType = -1;
  private mixedLinkTypes = false;

  constructor(estimate: number) {
    this.capacity = Math.max(4, estimate);
    this.offsets = new Uint32Array(this.capacity);
    this.lengths = new Uint32Array(this.capacity);
    this.originalLengths = new Uint32Array(this.capacity);
    this.linkTypes = new Uint16Array(this.capacity);
    this.timestamps = new Float64Array(this.capacity);
  }

  add(offset: number, length: number, originalLength: number, linkType: number, timestamp: number): void {
    if (this.count === this.capacity) this.grow();
    const i = this.count++;
    this.offsets[i] = offset;
    this.lengths[i] = length;
    this.originalLengths[i] = originalLength;
    this.linkTypes[i] = linkType;
    this.timestamps[i] = timestamp;
    if (i === 0) this.firstLinkType = linkType;
    else if (linkType !== this.firstLinkType) this.mixedLinkTypes = true;
  }

  /**
   * Classic pcap records from byte p of bytes while whole ones remain, their
   * headers in byte order le (link type and warnings are the caller's: see
   * scanPcapRecords). Stops at a cut record or an incl_len above maxCaptured;
   * returns the position after the last record added; oddRecords says whether
   * one of them has an incl_len above snap or above its orig_len. The loop is the
   * backend's (native/capture.h, or its TS twin), which never reads past bytes.
   */
  pcapRecords(bytes: Uint8Array, p: number, le: boolean, units: number, maxCaptured: number, snap: number): number {
    this.oddRecords = false;
    for (;;) {
      if (this.count === this.capacity) this.grow();
      const from = this.count, cap = this.capacity;
      let i = recordLoop.pcapRecords(bytes, p, le, units, maxCaptured, snap, this.offsets, this.lengths, this.originalLengths, this.timestamps, from, cap);
      if (i >= 2 ** 32) {
        this.oddRecords = true;
        i -= 2 ** 32;
      }
      if (i > from) p = this.offsets[i - 1] + this.lengths[i - 1];
      this.count = i;
      if (i < cap) return p;
    }
  }

  /** Link type of entries [from, count) (all one). */
  setLinkType(from: number, linkType: number): void {
    if (from >= this.count) return;
    this.linkTypes.fill(linkType, from, this.count);
    if (from === 0) this.firstLinkType = linkType;
    else if (linkType !== this.firstLinkType) this.mixedLinkTypes = true;
  }

  /** The entries' captured and original lengths (for checks after a bulk add). */
  get lengthsView(): Uint32Array {
    return this.lengths;
  }

  get originalLengthsView(): Uint32Array {
    return this.originalLengths;
  }

  get offsetsView(): Uint32Array {
    return this.offsets;
  }

  private grow(): void {
    this.capacity *= 2;
    this.offsets = enlarge(this.offsets, new Uint32Array(this.capacity));
    this.lengths = enlarge(this.lengths, new Uint32Array(this.capacity));
    this.originalLengths = enlarge(this.originalLengths, new Uint32Array(this.capacity));
    this.linkTypes = enlarge(this.linkTypes, new Uint16Array(this.capacity));
    this.timestamps = enlarge(this.timestamps, new Float64Array(this.capacity));
  }

  /** Empty again, keeping the arrays. */
  reset(): this {
    this.count = 0;
    this.firstLinkType = -1;
    this.mixedLinkTypes = false;
    return this;
  }

  /** views: the arrays as views (reused later), else fitted to the count. */
  toCapture(state: ReaderState, data: Uint8Array, truncated: boolean, log: WarningLog, views = false): Capture {
    const n = this.count;
    let linkType: number;
    if (n === 0) linkType = state.declaredLinkType;
    else linkType = this.mixedLinkTypes ? -1 : this.firstLinkType;
    const cut = <T extends Uint32Array | Uint16Array | Float64Array>(a: T): T => (views ? (a.subarray(0, n) as T) : fit(a, n));
    return {
      format: state.format ?? 'pcap',
      data,
      count: n,
      offsets: cut(this.offsets),
      lengths: cut(this.lengths),
      originalLengths: cut(this.originalLengths),
      linkTypes: cut(this.linkTypes),
      linkType,
      timestamps: cut(this.timestamps),
      truncated,
      warnings: log.list(),
    };
  }
}

function enlarge<T extends Uint32Array | Uint16Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** Exactly n entries: a view when at most half the array would be spare, else a copy that releases it. */
function fit<T extends Uint32Array | Uint16Array | Float64Array>(array: T, n: number): T {
  return (array.length === n ? array : array.length <= 2 * n + 64 ? array.subarray(0, n) : array.slice(0, n)) as T;
}

// ---------------------------------------------------------------------------
// Reader state, kept across the chunks of a stream

/** What an Interface Description Block says about its packets. */
interface InterfaceInfo {
  linkType: number;
  snaplen: number;
  unitsPerSecond: number;
  /** if_tsoffset: seconds to add to every timestamp of this interface. */
  offsetSeconds: number;
}

class ReaderState {
  format: 'pcap' | 'pcapng' | undefined;
  /** readFileHeader has finished: the whole magic number (and, for pcap, the global header) was read. */
  fileHeaderRead = false;
  /** The file header (pcap) or a complete first Section Header Block (pcapng) was read. */
  started = false;
  littleEndian = false;
  // classic pcap, from the global header
  unitsPerSecond = 1e6;
  snaplen = 0;
  linkType = -1;
  // pcapng, per section
  interfaces: InterfaceInfo[] = [];
  /** pcap header link type, or the one link type of every pcapng interface seen (-1 if several or none). */
  declaredLinkType = -1;
  private declaredAny = false;
  /** Packet records read so far (for messages). */
  records = 0;
  /** Absolute stream offset of byte 0 of the buffer being scanned. */
  base = 0;

  declareLinkType(linkType: number): void {
    if (!this.declaredAny) this.declaredLinkType = linkType;
    else if (this.declaredLinkType !== linkType) this.declaredLinkType = -1;
    this.declaredAny = true;
  }
}

// ---------------------------------------------------------------------------
// File header

function magicError(got: string): CaptureFormatError {
  return new CaptureFormatError(`Expected a pcap or pcapng capture (magic ${MAGIC_LIST}), got ${got}`);
}

/** Throws unless the first (fewer than 4) bytes could still begin a known magic number. */
function checkMagicPrefix(buf: Uint8Array): void {
  const fits = MAGIC_PREFIXES.some((magic) => {
    for (let i = 0; i < buf.length; i++) if (buf[i] !== magic[i]) return false;
    return true;
  });
  if (!fits) {
    const shown = Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('');
    throw magicError(`0x${shown} (${buf.length} byte${buf.length === 1 ? '' : 's'})`);
  }
}

/**
 * Recognises the magic number and, for pcap, reads the global header.
 * Returns the offset where records or blocks start, or -1 when more bytes are needed.
 */
function readFileHeader(state: ReaderState, buf: Uint8Array, view: DataView): number {
  if (buf.length < 4) {
    checkMagicPrefix(buf);
    // The first byte already tells the formats apart (only the pcapng magic starts with 0a).
    if (buf.length > 0) state.format = buf[0] === 0x0a ? 'pcapng' : 'pcap';
    return -1;
  }
  const magic = view.getUint32(0, false);
  switch (magic) {
    case PCAPNG_SHB_TYPE:
      state.format = 'pcapng';
      state.fileHeaderRead = true;
      return 0; // the Section Header Block is read as a block
    case PCAP_USEC_MAGIC:
    case PCAP_NSEC_MAGIC:
    case PCAP_USEC_MAGIC_SWAPPED:
    case PCAP_NSEC_MAGIC_SWAPPED:
      state.format = 'pcap';
      return readPcapHeader(state, buf, view, magic);
    default:
      throw magicError(`0x${hex32(magic)}`);
  }
}

function readPcapHeader(state: ReaderState, buf: Uint8Array, view: DataView, magic: number): number {
  if (buf.length < PCAP_HEADER_LENGTH) return -1;
  const le = magic === PCAP_USEC_MAGIC_SWAPPED || magic === PCAP_NSEC_MAGIC_SWAPPED;
  const versionMajor = view.getUint16(4, le);
  if (versionMajor !== 2) {
    throw new CaptureFormatError(
      `Expected pcap version_major 2 in the global header, got ${versionMajor} (version ${versionMajor}.${view.getUint16(6, le)})`,
    );
  }
  state.littleEndian = le;
  state.unitsPerSecond = magic === PCAP_NSEC_MAGIC || magic === PCAP_NSEC_MAGIC_SWAPPED ? 1e9 : 1e6;
  state.snaplen = view.getUint32(16, le);
  // The "network" field's top bits may carry FCS length information: the link type is the low 16 bits.
  state.linkType = normalizeLinkType(view.getUint32(20, le) & 0xffff);
  state.declareLinkType(state.linkType);
  state.started = true;
  state.fileHeaderRead = true;
  return PCAP_HEADER_LENGTH;
}

// ---------------------------------------------------------------------------
// Classic pcap records

/** Reads every complete record from p on; returns the offset of the first incomplete one. */
function scanPcapRecords(state: ReaderState, buf: Uint8Array, view: DataView, start: number, sink: FrameSink, log: WarningLog): number {
  const before = sink.count, snaplen = state.snaplen;
  const cap = snaplen === 0 ? MAX_CAPTURED_LENGTH : snaplen;
  const p = sink.pcapRecords(buf, start, state.littleEndian, state.unitsPerSecond, MAX_CAPTURED_LENGTH, cap);
  sink.setLinkType(before, state.linkType);
  // the records the bulk loop saw with lengths above the snapshot or the original length, said
  const len = sink.lengthsView, orig = sink.originalLengthsView, off = sink.offsetsView;
  if (sink.oddRecords) for (let i = before; i < sink.count; i++) {
    const l = len[i];
    if (l <= cap && l <= orig[i]) continue;
    const record = state.records + 1 + (i - before), at = state.base + off[i] - PCAP_RECORD_HEADER_LENGTH;
    if (snaplen !== 0 && l > snaplen) log.capturedAboveSnaplen(record, at, l, snaplen);
    if (l > orig[i]) log.capturedAboveOriginal(record, at, l, orig[i]);
  }
  state.records += sink.count - before;
  if (view.byteLength - p >= PCAP_RECORD_HEADER_LENGTH) {
    const captured = view.getUint32(p + 8, state.littleEndian); // incl_len
    if (captured > MAX_CAPTURED_LENGTH) {
      throw new CaptureFormatError(
        `Expected record ${state.records + 1} at byte offset ${state.base + p} to have incl_len at most ${MAX_CAPTURED_LENGTH} (256 MiB), got ${captured}: the capture is corrupt`,
      );
    }
  }
  return p;
}

// ---------------------------------------------------------------------------
// pcapng blocks

function blockError(state: ReaderState, p: number, message: string): CaptureFormatError {
  return new CaptureFormatError(`pcapng block at byte offset ${state.base + p}: ${message}`);
}

/** Reads the Section Header Block's byte-order magic; it decides how the rest of the section is read. */
function sectionByteOrder(state: ReaderState, view: DataView, p: number): boolean {
  const magic = view.getUint32(p + 8, false);
  if (magic === PCAPNG_BYTE_ORDER_MAGIC) return false;
  if (magic === 0x4d3c2b1a) return true;
  throw blockError(
    state,
    p,
    `expected the Section Header Block byte-order magic 1a2b3c4d or 4d3c2b1a, got ${hex32(magic)}`,
  );
}

function checkBlockLength(state: ReaderState, p: number, type: number, total: number): void {
  const min = BLOCK_MIN_LENGTH[type] ?? 12;
  if (total % 4 !== 0 || total < min || total > MAX_BLOCK_LENGTH) {
    throw blockError(
      state,
      p,
      `expected the ${blockName(type)}'s block total length to be a multiple of 4 in ${min}..${MAX_BLOCK_LENGTH}, got ${total}`,
    );
  }
}

/**
 * Reads every complete block from p on; returns the offset of the first
 * incomplete one. A block is complete when its whole declared length is present.
 */
function scanPcapngBlocks(state: ReaderState, view: DataView, start: number, sink: FrameSink, log: WarningLog): number {
  const n = view.byteLength;
  let p = start;
  while (n - p >= 8) {
    // A Section Header Block (its type reads the same in both byte orders) starts a section and sets
    // its byte order; readFileHeader made sure the first block is one.
    if (view.getUint32(p, false) === PCAPNG_SHB_TYPE) {
      if (n - p < 12) break;
      state.littleEndian = sectionByteOrder(state, view, p);
    }
    const le = state.littleEndian;
    const type = view.getUint32(p, le);
    const total = view.getUint32(p + 4, le);
    checkBlockLength(state, p, type, total);
    if (total > n - p) break;
    const trailing = view.getUint32(p + total - 4, le);
    if (trailing !== total) {
      throw blockError(
        state,
        p,
        `expected the ${blockName(type)}'s trailing block total length to equal the leading one (${total}), got ${trailing}`,
      );
    }
    readBlock(state, view, p, type, total, sink, log);
    p += total;
  }
  return p;
}

function readBlock(
  state: ReaderState,
  view: DataView,
  p: number,
  type: number,
  total: number,
  sink: FrameSink,
  log: WarningLog,
): void {
  switch (type) {
    case PCAPNG_SHB_TYPE:
      readSectionHeader(state, view, p);
      break;
    case BLOCK_IDB:
      readInterfaceDescription(state, view, p, total, log);
      break;
    case BLOCK_EPB:
      readPacket(state, view, p, total, view.getUint32(p + 8, state.littleEndian), sink, log);
      break;
    case BLOCK_PB:
      // Obsolete Packet Block: 16-bit Interface ID then 16-bit Drops Count, otherwise laid out like an EPB.
      readPacket(state, view, p, total, view.getUint16(p + 8, state.littleEndian), sink, log);
      break;
    case BLOCK_SPB:
      readSimplePacket(state, view, p, total, sink);
      break;
    default:
      break; // every other block (NRB, ISB, DSB, custom, ...) is skipped by its length
  }
}

function readSectionHeader(state: ReaderState, view: DataView, p: number): void {
  const le = state.littleEndian;
  const major = view.getUint16(p + 12, le);
  if (major !== 1) {
    throw blockError(state, p, `expected Section Header Block major version 1, got ${major}.${view.getUint16(p + 14, le)}`);
  }
  state.interfaces = []; // Interface IDs are numbered per section
  state.started = true;
}

function readInterfaceDescription(state: ReaderState, view: DataView, p: number, total: number, log: WarningLog): void {
  const le = state.littleEndian;
  const info: InterfaceInfo = {
    linkType: normalizeLinkType(view.getUint16(p + 8, le)),
    snaplen: view.getUint32(p + 12, le),
    unitsPerSecond: 1e6, // if_tsresol default: 10^-6
    offsetSeconds: 0,
  };
  readInterfaceOptions(state, view, p, p + 16, p + total - 4, info, log);
  state.interfaces.push(info);
  state.declareLinkType(info.linkType);
}

/** Walks the IDB options (code, length, value padded to 32 bits) for if_tsresol and if_tsoffset. */
function readInterfaceOptions(
  state: ReaderState,
  view: DataView,
  block: number,
  start: number,
  end: number,
  info: InterfaceInfo,
  log: WarningLog,
): void {
  const le = state.littleEndian;
  let q = start;
  while (end - q >= 4) {
    const code = view.getUint16(q, le);
    const length = view.getUint16(q + 2, le);
    if (code === OPT_ENDOFOPT) return;
    if (length > end - q - 4) {
      log.add(
        `Interface Description Block at byte offset ${state.base + block}: option ${code} at byte offset ${state.base + q} declares ${length} bytes but only ${end - q - 4} remain in the block; later options ignored`,
      );
      return;
    }
    if (code === OPT_IF_TSRESOL && length >= 1) info.unitsPerSecond = unitsFromTsresol(view.getUint8(q + 4));
    if (code === OPT_IF_TSOFFSET && length >= 8) info.offsetSeconds = readInt64(view, q + 4, le);
    q += 4 + ((length + 3) & ~3);
  }
}

function readInt64(view: DataView, p: number, le: boolean): number {
  const high = view.getInt32(le ? p + 4 : p, le);
  const low = view.getUint32(le ? p : p + 4, le);
  return high * TWO_POW_32 + low;
}

function interfaceFor(state: ReaderState, p: number, id: number): InterfaceInfo {
  const info = state.interfaces[id];
  if (info === undefined) {
    throw blockError(
      state,
      p,
      `expected an interface ID below ${state.interfaces.length} (the section's Interface Description Blocks so far), got ${id}`,
    );
  }
  return info;
}

/** Enhanced Packet Block and obsolete Packet Block: timestamp, Captured and Original Packet Length, data. */
function readPacket(
  state: ReaderState,
  view: DataView,
  p: number,
  total: number,
  interfaceId: number,
  sink: FrameSink,
  log: WarningLog,
): void {
  const le = state.littleEndian;
  const info = interfaceFor(state, p, interfaceId);
  const captured = view.getUint32(p + 20, le);
  if (captured > total - 32) {
    throw blockError(
      state,
      p,
      `expected the Captured Packet Length to fit in the ${blockName(view.getUint32(p, le))} (at most ${total - 32} bytes), got ${captured}`,
    );
  }
  const original = view.getUint32(p + 24, le);
  const record = ++state.records;
  if (info.snaplen !== 0 && captured > info.snaplen) log.capturedAboveSnaplen(record, state.base + p, captured, info.snaplen);
  if (captured > original) log.capturedAboveOriginal(record, state.base + p, captured, original);
  const seconds = secondsFromUnits(view.getUint32(p + 12, le), view.getUint32(p + 16, le), info.unitsPerSecond);
  sink.add(p + 28, captured, original, info.linkType, seconds + info.offsetSeconds);
}

/** Simple Packet Block: interface 0, no timestamp; captured length = min(original, snaplen, space in the block). */
function readSimplePacket(state: ReaderState, view: DataView, p: number, total: number, sink: FrameSink): void {
  const info = interfaceFor(state, p, 0);
  const original = view.getUint32(p + 8, state.littleEndian);
  let captured = Math.min(original, total - 16);
  if (info.snaplen !== 0) captured = Math.min(captured, info.snaplen);
  state.records++;
  sink.add(p + 12, captured, original, info.linkType, Number.NaN);
}

// ---------------------------------------------------------------------------
// Driving a scan over one buffer

/** Reads everything complete in buf; returns how many bytes were consumed (the rest is an incomplete record). */
function scanBuffer(state: ReaderState, buf: Uint8Array, sink: FrameSink, log: WarningLog): number {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = 0;
  if (!state.fileHeaderRead) {
    p = readFileHeader(state, buf, view);
    if (p < 0) return 0;
  }
  return state.format === 'pcap'
    ? scanPcapRecords(state, buf, view, p, sink, log)
    : scanPcapngBlocks(state, view, p, sink, log);
}

/**
 * Explains bytes left over at the end of the input. Throws CaptureFormatError
 * when not even the file header was complete; otherwise returns the truncation warning.
 */
function describeLeftover(state: ReaderState, rest: Uint8Array): string {
  const at = state.base;
  if (state.format === undefined || (!state.fileHeaderRead && rest.length < 4)) {
    throw magicError(rest.length === 0 ? 'an empty input (0 bytes)' : `only ${rest.length} byte(s)`);
  }
  const view = new DataView(rest.buffer, rest.byteOffset, rest.byteLength);
  if (state.format === 'pcap') {
    if (!state.started) {
      throw new CaptureFormatError(
        `Expected a ${PCAP_HEADER_LENGTH}-byte pcap global header, got only ${rest.length} byte(s): the capture is cut short`,
      );
    }
    if (rest.length < PCAP_RECORD_HEADER_LENGTH) {
      return `Capture truncated: record ${state.records + 1} at byte offset ${at} has only ${rest.length} of its ${PCAP_RECORD_HEADER_LENGTH} header bytes; the records before it are kept`;
    }
    const declared = view.getUint32(8, state.littleEndian);
    return `Capture truncated: record ${state.records + 1} at byte offset ${at} declares incl_len ${declared} but only ${rest.length - PCAP_RECORD_HEADER_LENGTH} byte(s) follow its header; the records before it are kept`;
  }
  const declared = rest.length >= 12 || (rest.length >= 8 && view.getUint32(0, false) !== PCAPNG_SHB_TYPE)
    ? view.getUint32(4, state.littleEndian)
    : -1;
  if (!state.started) {
    throw new CaptureFormatError(
      `Expected a complete pcapng Section Header Block at byte offset 0${declared >= 0 ? ` (${declared} bytes)` : ''}, got only ${rest.length} byte(s): the capture is cut short`,
    );
  }
  if (declared < 0) {
    return `Capture truncated: the block at byte offset ${at} has only ${rest.length} byte(s) of its header; the blocks before it are kept`;
  }
  return `Capture truncated: the ${blockName(view.getUint32(0, state.littleEndian))} at byte offset ${at} declares a block total length of ${declared} but only ${rest.length} byte(s) are present; the blocks before it are kept`;
}

// ---------------------------------------------------------------------------
// Public entry points

/**
 * Parse a whole capture held in memory (classic pcap or pcapng, recognised
 * from its magic number). Frames are views into `bytes`, which is returned
 * as `data` without copying. A record cut short at the very end sets
 * `truncated` and adds a warning; the records before it are returned.
 *
 * @throws InvalidArgumentError when bytes is not a Uint8Array.
 * @throws CaptureFormatError when the bytes are not a capture, or its structure is broken
 *   (bad block lengths, packets for undeclared interfaces, absurd record lengths).
 */
export function parseCapture(bytes: Uint8Array): Capture {
  requireUint8Array(bytes, 'bytes');
  const state = new ReaderState();
  const sink = new FrameSink((bytes.length >>> 9) + 16);
  const log = new WarningLog();
  const consumed = scanBuffer(state, bytes, sink, log);
  const truncated = consumed < bytes.length || !state.started;
  if (truncated) {
    state.base = consumed;
    log.add(describeLeftover(state, bytes.subarray(consumed)));
  }
  return sink.toCapture(state, bytes, truncated, log);
}

const EMPTY = new Uint8Array(0);

/**
 * Streaming parser for captures larger than memory: feed chunks in order;
 * each call returns the complete records found so far in a Capture whose
 * `data` is a buffer holding them (the chunk itself when no record straddles
 * the previous chunk, otherwise a buffer that joins the carried-over tail
 * and the chunk: copy only that carried-over part plus this chunk, never the
 * whole history). Memory stays bounded by the largest chunk plus one record.
 * `end()` returns what is left and flags truncation.
 *
 * Each result holds only the records completed by that call, and the
 * warnings raised by it. Chunks are not retained after push() returns
 * except for the copied tail, so a caller may reuse its chunk buffer.
 */
/**
 * Incremental reading for callers that keep their own read buffer (bounded
 * memory, nothing copied): scan(buf) returns the records complete in buf and
 * the bytes they took; the caller keeps buf[consumed ..] at the front of its
 * next buffer and scans again; finish(rest) ends the input.
 */
export class CaptureScanner {
  private readonly state = new ReaderState();
  private sink: FrameSink | null = null;

  /**
   * reuse: the returned capture's arrays are views that the next scan() overwrites
   * (no allocation per call); else they are the caller's to keep.
   * @throws CaptureFormatError as soon as the bytes seen are not a capture or are broken.
   */
  scan(buf: Uint8Array, reuse = false): { capture: Capture; consumed: number } {
    requireUint8Array(buf, 'buf');
    checkBoolean(reuse, 'reuse');
    const sink = reuse && this.sink ? this.sink.reset() : new FrameSink((buf.length >>> 7) + 16);
    if (reuse) this.sink = sink;
    const log = new WarningLog();
    const consumed = scanBuffer(this.state, buf, sink, log);
    this.state.base += consumed;
    return { capture: sink.toCapture(this.state, buf, false, log, reuse), consumed };
  }

  /**
   * The end of the input; rest is what the last scan() left (a cut record).
   * @throws CaptureFormatError if nothing valid was ever seen (no complete file header).
   */
  finish(rest: Uint8Array): Capture {
    requireUint8Array(rest, 'rest');
    const log = new WarningLog();
    const truncated = rest.length > 0 || !this.state.started;
    if (truncated) log.add(describeLeftover(this.state, rest));
    return new FrameSink(0).toCapture(this.state, rest, truncated, log);
  }
}

export class CaptureStreamParser {
  private readonly scanner = new CaptureScanner();
  /** Carried-over bytes of an incomplete record live in pending[0 .. pendingLength). */
  private pending: Uint8Array = EMPTY;
  private pendingLength = 0;
  private ended = false;

  /** Create a parser awaiting the first chunk of a capture. */
  constructor() {}

  /**
   * Feed the next chunk; returns the records it completes (may be count 0).
   * Before the first byte arrives, `format` is a 'pcap' placeholder.
   *
   * @throws InvalidArgumentError when chunk is not a Uint8Array.
   * @throws CaptureFormatError as soon as the bytes seen are not a capture or are broken.
   * @throws BufferStateError after end().
   */
  push(chunk: Uint8Array): Capture {
    this.requireOpen('push');
    requireUint8Array(chunk, 'chunk');
    const buf = this.pendingLength === 0 ? chunk : this.appendToPending(chunk);
    const { capture, consumed } = this.scanner.scan(buf);
    this.carryOver(buf, consumed, buf === chunk);
    return capture;
  }

  /**
   * Finish the stream: returns a Capture with no new records whose `data` is
   * the incomplete tail (if any), with `truncated` and a warning when bytes
   * were left over.
   *
   * @throws CaptureFormatError if nothing valid was ever seen (no complete file header).
   * @throws BufferStateError when called twice.
   */
  end(): Capture {
    this.requireOpen('end');
    this.ended = true;
    const rest = this.pending.subarray(0, this.pendingLength);
    this.pending = EMPTY;
    this.pendingLength = 0;
    return this.scanner.finish(rest);
  }

  private requireOpen(method: string): void {
    if (this.ended) {
      throw new BufferStateError(`Expected ${method}() on an open CaptureStreamParser, got one whose end() was already called`);
    }
  }

  /** Appends chunk after the carried-over bytes, growing geometrically so byte-sized chunks stay linear. */
  private appendToPending(chunk: Uint8Array): Uint8Array {
    const needed = this.pendingLength + chunk.length;
    if (needed > MAX_BUFFER_LENGTH) {
      throw new InvalidArgumentError(
        `Expected the carried-over tail plus chunk to fit in ${MAX_BUFFER_LENGTH} bytes, got ${needed}; push smaller chunks`,
      );
    }
    if (needed > this.pending.length) {
      const grown = new Uint8Array(Math.min(MAX_BUFFER_LENGTH, Math.max(needed, this.pending.length * 2)));
      grown.set(this.pending.subarray(0, this.pendingLength));
      this.pending = grown;
    }
    this.pending.set(chunk, this.pendingLength);
    this.pendingLength = needed;
    return this.pending.subarray(0, needed);
  }

  /**
   * Keeps the unconsumed tail of buf. Bytes already handed out in a Capture
   * are never written again: the tail moves to a fresh buffer unless nothing
   * was consumed from the pending buffer (appends then land after them).
   */
  private carryOver(buf: Uint8Array, consumed: number, bufIsChunk: boolean): void {
    const rest = buf.length - consumed;
    if (!bufIsChunk && consumed === 0) return; // pending already holds exactly buf
    if (rest === 0) {
      this.pending = EMPTY;
      this.pendingLength = 0;
      return;
    }
    this.pending = new Uint8Array(Math.max(rest * 2, 64));
    this.pending.set(buf.subarray(consumed));
    this.pendingLength = rest;
  }
}
