/**
 * FrameBatch: a set of frames as views into one byte buffer. Frame i is
 * data[offset(i) .. offset(i) + lengths[i]), offset(i) = offsets[i] (packed)
 * or i * stride (strided). Nothing is copied except by fromBuffers(), the
 * convenience for an array of separate buffers.
 *
 * The caller keeps ownership of the arrays and may rewrite offsets, lengths
 * and data between calls (a ring); during a call they must not be detached
 * or resized (they cannot be: JavaScript does not run during a call).
 */
import { parseCapture, type Capture } from './capture.js';
import { BufferStateError, FrameBoundsError, InvalidArgumentError, OutOfRangeError, UnsupportedLinkTypeError, describe } from './errors.js';
import { first_bad_frame } from './js/batch.js';
import * as S from './spec.js';
import { checkInt, checkObject, checkOptions, checkTyped, isDetached } from './validate.js';

/** Link types laghash walks: Ethernet, raw IP (101, 228, 229), Linux SLL (113) and SLL2 (276). */
export const SUPPORTED_LINK_TYPES: readonly number[] = [S.LINK_ETHERNET, S.LINK_RAW, S.LINK_SLL, S.LINK_IPV4, S.LINK_IPV6, S.LINK_SLL2];

export interface BatchOptions {
  /** LINKTYPE_* of every frame (a number) or of each frame (a Uint16Array). Default 1, Ethernet. */
  linkType?: number | Uint16Array;
}

/** Largest frame count: offsets and lengths are u32 arrays. */
export const MAX_FRAMES = 0xffffffff;

export class FrameBatch {
  /** The bytes the frames live in. */
  readonly data: Uint8Array;
  /** Start of each frame, or null for a strided batch. */
  readonly offsets: Uint32Array | null;
  /** Distance between frames of a strided batch (0 for packed). */
  readonly stride: number;
  /** Length of each frame. */
  readonly lengths: Uint32Array;
  /** Number of frames. */
  readonly count: number;
  /** The link type of every frame, or -1 when linkTypes says per frame. */
  readonly linkType: number;
  /** Per-frame link types, or null when they are all linkType. */
  readonly linkTypes: Uint16Array | null;
  /** The capture the batch came from (fromCapture), else null. */
  readonly capture: Capture | null;

  private constructor(
    data: Uint8Array, offsets: Uint32Array | null, stride: number, lengths: Uint32Array, count: number,
    linkType: number, linkTypes: Uint16Array | null, capture: Capture | null,
  ) {
    this.data = data;
    this.offsets = offsets;
    this.stride = stride;
    this.lengths = lengths;
    this.count = count;
    this.linkType = linkType;
    this.linkTypes = linkTypes;
    this.capture = capture;
  }

  /** Frames at given offsets and lengths in data (offsets.length === lengths.length). */
  static packed(data: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, options: BatchOptions = {}): FrameBatch {
    checkTyped(data, Uint8Array, 'data');
    checkTyped(offsets, Uint32Array, 'offsets');
    checkTyped(lengths, Uint32Array, 'lengths');
    if (offsets.length !== lengths.length)
      throw new InvalidArgumentError(`Expected offsets and lengths of the same length, got ${offsets.length} and ${lengths.length}`);
    const [link, links] = linkOption(options, lengths.length);
    return new FrameBatch(data, offsets, 0, lengths, lengths.length, link, links, null);
  }

  /** Frame i at i * stride, of length lengths[i] (at most stride); count = lengths.length. */
  static strided(data: Uint8Array, stride: number, lengths: Uint32Array, options: BatchOptions = {}): FrameBatch {
    checkTyped(data, Uint8Array, 'data');
    checkInt(stride, 1, 0xffffffff, 'stride');
    checkTyped(lengths, Uint32Array, 'lengths');
    const [link, links] = linkOption(options, lengths.length);
    return new FrameBatch(data, null, stride, lengths, lengths.length, link, links, null);
  }

  /** Copy separate frames into one buffer (convenient, slower: prefer packed views). */
  static fromBuffers(frames: ArrayLike<Uint8Array>, options: BatchOptions = {}): FrameBatch {
    const length = frames !== null && typeof frames === 'object' ? (frames as ArrayLike<Uint8Array>).length : undefined;
    if (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || length > MAX_FRAMES)
      throw new InvalidArgumentError(`Expected an array of Uint8Array frames, got ${describe(frames)}`);
    const n = length;
    let total = 0;
    for (let i = 0; i < n; i++) total += checkTyped<Uint8Array>(frames[i], Uint8Array, `frame ${i}`).length;
    if (total > MAX_FRAMES) throw new OutOfRangeError(`Expected frames of at most ${MAX_FRAMES} bytes in all (offsets are Uint32), got ${total}`);
    const data = new Uint8Array(total), offsets = new Uint32Array(n), lengths = new Uint32Array(n);
    let at = 0;
    for (let i = 0; i < n; i++) {
      data.set(frames[i], at);
      offsets[i] = at;
      lengths[i] = frames[i].length;
      at += frames[i].length;
    }
    const [link, links] = linkOption(options, n);
    return new FrameBatch(data, offsets, 0, lengths, n, link, links, null);
  }

  /** Every frame of a pcap or pcapng capture, as views into its bytes. */
  static fromCapture(bytes: Uint8Array): FrameBatch {
    const c = parseCapture(bytes);
    return FrameBatch.ofCapture(c);
  }

  /**
   * A batch over an already parsed capture (parseCapture, CaptureScanner,
   * CaptureStreamParser). Its link types are taken as they are: frames of a
   * link type laghash does not walk hash to 0.
   */
  static ofCapture(capture: Capture): FrameBatch {
    const c = checkObject(capture, 'capture') as unknown as Capture;
    checkTyped(c.data, Uint8Array, 'capture.data');
    checkTyped(c.offsets, Uint32Array, 'capture.offsets');
    checkTyped(c.lengths, Uint32Array, 'capture.lengths');
    checkTyped(c.linkTypes, Uint16Array, 'capture.linkTypes');
    const count = checkInt(c.count, 0, MAX_FRAMES, 'capture.count');
    const linkType = checkInt(c.linkType, -1, 0xffff, 'capture.linkType');
    if (c.offsets.length !== count || c.lengths.length !== count || c.linkTypes.length !== count)
      throw new InvalidArgumentError(
        `Expected capture.offsets, lengths and linkTypes to hold capture.count (${count}) values, got ${c.offsets.length}, ${c.lengths.length} and ${c.linkTypes.length}`,
      );
    const uniform = linkType >= 0;
    return new FrameBatch(c.data, c.offsets, 0, c.lengths, count, uniform ? linkType : -1, uniform ? null : c.linkTypes, capture);
  }

  /** The bytes of frame i (a view, not a copy). */
  frame(i: number): Uint8Array {
    checkBatch(this);
    checkInt(i, 0, this.count - 1, 'frame index');
    const off = this.offsets ? this.offsets[i] : i * this.stride;
    const len = this.lengths[i];
    if (off + len > this.data.length) throw boundsError(this, i);
    return this.data.subarray(off, off + len);
  }

  /** The link type of frame i. */
  linkTypeOf(i: number): number {
    checkBatch(this);
    checkInt(i, 0, this.count - 1, 'frame index');
    return this.linkTypes ? this.linkTypes[i] : this.linkType;
  }
}

/**
 * A FrameBatch whose arrays are all still there: the caller owns them and may
 * have transferred (detached) one since the batch was made; a detached array
 * reads as empty, which no call may take for the frames it held.
 */
export function checkBatch(batch: unknown, what = 'batch'): FrameBatch {
  if (!(batch instanceof FrameBatch)) throw new InvalidArgumentError(`Expected ${what} to be a FrameBatch, got ${describe(batch)}`);
  const n = batch.count, offsets = batch.offsets, links = batch.linkTypes;
  // the common case in a few compares: a detached array has length 0
  if (batch.data.length > 0 && n > 0 && batch.lengths.length === n && (offsets === null || offsets.length === n) && (links === null || links.length === n))
    return batch;
  for (const [name, a] of [['data', batch.data], ['offsets', offsets], ['lengths', batch.lengths], ['link types', links]] as const) {
    if (a !== null && isDetached(a.buffer))
      throw new BufferStateError(`Expected the ${name} of ${what} to be live, got a detached array (it was transferred after the batch was made)`);
  }
  if (batch.lengths.length !== n || (offsets !== null && offsets.length !== n) || (links !== null && links.length !== n))
    throw new BufferStateError(`Expected the arrays of ${what} to hold its ${n} frames, got arrays of another length`);
  return batch;
}

/** The error for frame i of batch lying outside its data buffer. */
export function boundsError(batch: FrameBatch, i: number): FrameBoundsError {
  const off = batch.offsets ? batch.offsets[i] : i * batch.stride;
  return new FrameBoundsError(i, `Expected every frame inside the data buffer (${batch.data.length} bytes); frame ${i} has offset ${off} and length ${batch.lengths[i]}`);
}

/** Throws FrameBoundsError for the first frame of [start, start + count) outside the data buffer (for the paths that do not call a backend). */
export function checkBounds(batch: FrameBatch, start = 0, count = batch.count): void {
  const bad = first_bad_frame(batch, start, count);
  if (bad >= 0) throw boundsError(batch, bad);
}

function linkOption(options: BatchOptions, count: number): [number, Uint16Array | null] {
  checkOptions(options, ['linkType'], 'options');
  const lt = options.linkType;
  if (lt === undefined) return [S.LINK_ETHERNET, null];
  if (typeof lt === 'number') return [checkLinkType(lt), null];
  const links = checkTyped<Uint16Array>(lt, Uint16Array, 'options.linkType');
  if (links.length !== count)
    throw new InvalidArgumentError(`Expected one link type per frame (${count}), got ${links.length}`);
  for (let i = 0; i < links.length; i++) checkLinkType(links[i]);
  return [-1, links];
}

/** A link type laghash walks: a number that is not one is UnsupportedLinkTypeError, anything else InvalidArgumentError. */
export function checkLinkType(lt: unknown, what = 'a link type'): number {
  if (typeof lt !== 'number')
    throw new InvalidArgumentError(`Expected ${what} laghash walks (a number: ${SUPPORTED_LINK_TYPES.join(', ')}), got ${describe(lt)}`);
  if (!SUPPORTED_LINK_TYPES.includes(lt))
    throw new UnsupportedLinkTypeError(lt, `Expected ${what} laghash walks (${SUPPORTED_LINK_TYPES.join(', ')}), got ${describe(lt)}`);
  return lt;
}
