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
import { FrameBoundsError, InvalidArgumentError, UnsupportedLinkTypeError, describe } from './errors.js';
import * as S from './spec.js';
import { checkInt, checkObject, checkTyped } from './validate.js';

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
    if (frames === null || typeof frames !== 'object' || typeof (frames as ArrayLike<Uint8Array>).length !== 'number')
      throw new InvalidArgumentError(`Expected an array of Uint8Array frames, got ${describe(frames)}`);
    const n = frames.length;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const f = frames[i];
      if (!(f instanceof Uint8Array)) throw new InvalidArgumentError(`Expected frame ${i} to be a Uint8Array, got ${describe(f)}`);
      total += f.length;
    }
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

  /** A batch over an already parsed capture. */
  static ofCapture(c: Capture): FrameBatch {
    const uniform = c.linkType >= 0;
    return new FrameBatch(c.data, c.offsets, 0, c.lengths, c.count, uniform ? c.linkType : -1, uniform ? null : c.linkTypes, c);
  }

  /** The bytes of frame i (a view, not a copy). */
  frame(i: number): Uint8Array {
    checkInt(i, 0, this.count - 1, 'frame index');
    const off = this.offsets ? this.offsets[i] : i * this.stride;
    const len = this.lengths[i];
    if (off + len > this.data.length)
      throw new FrameBoundsError(i, `Frame ${i} (offset ${off}, length ${len}) ends past the data buffer (${this.data.length} bytes)`);
    return this.data.subarray(off, off + len);
  }

  /** The link type of frame i. */
  linkTypeOf(i: number): number {
    return this.linkTypes ? this.linkTypes[i] : this.linkType;
  }
}

function linkOption(options: BatchOptions, count: number): [number, Uint16Array | null] {
  checkObject(options, 'options');
  const lt = options.linkType;
  if (lt === undefined) return [S.LINK_ETHERNET, null];
  if (typeof lt === 'number') return [checkLinkType(lt), null];
  const links = checkTyped<Uint16Array>(lt, Uint16Array, 'options.linkType');
  if (links.length !== count)
    throw new InvalidArgumentError(`Expected one link type per frame (${count}), got ${links.length}`);
  for (let i = 0; i < links.length; i++) checkLinkType(links[i]);
  return [-1, links];
}

export function checkLinkType(lt: number): number {
  if (typeof lt !== 'number' || !SUPPORTED_LINK_TYPES.includes(lt))
    throw new UnsupportedLinkTypeError(
      typeof lt === 'number' ? lt : -1,
      `Expected a link type laghash walks (${SUPPORTED_LINK_TYPES.join(', ')}), got ${describe(lt)}`,
    );
  return lt;
}
