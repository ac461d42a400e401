/**
 * Typed errors. Every error laghash throws is a LaghashError with a stable
 * string `code`; subclasses name the kind. Messages say what was expected and
 * what was received, e.g. "Expected ports to be an integer in 1..4096, got 0".
 *
 * Codes are public API: they do not change between minor versions.
 */

export type ErrorCode =
  | 'ERR_LAGHASH_INVALID_ARGUMENT'
  | 'ERR_LAGHASH_OUT_OF_RANGE'
  | 'ERR_LAGHASH_FRAME_BOUNDS'
  | 'ERR_LAGHASH_UNKNOWN_POLICY'
  | 'ERR_LAGHASH_INVALID_POLICY_OPTION'
  | 'ERR_LAGHASH_CAPTURE_FORMAT'
  | 'ERR_LAGHASH_UNSUPPORTED_LINK_TYPE'
  | 'ERR_LAGHASH_BUFFER_STATE'
  | 'ERR_LAGHASH_BACKEND_UNAVAILABLE'
  | 'ERR_LAGHASH_PDU_FORMAT';

/** Base class of every error laghash throws. */
export class LaghashError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An argument has the wrong type or shape (a number where a typed array was expected, ...). */
export class InvalidArgumentError extends LaghashError {
  constructor(message: string) {
    super('ERR_LAGHASH_INVALID_ARGUMENT', message);
  }
}

/** A numeric argument is outside its allowed range. */
export class OutOfRangeError extends LaghashError {
  constructor(message: string) {
    super('ERR_LAGHASH_OUT_OF_RANGE', message);
  }
}

/** A frame's offset and length do not lie inside the batch's data buffer. */
export class FrameBoundsError extends LaghashError {
  /** Index of the first frame that lies outside the buffer. */
  readonly frame: number;
  constructor(frame: number, message: string) {
    super('ERR_LAGHASH_FRAME_BOUNDS', message);
    this.frame = frame;
  }
}

/** A policy name that laghash does not know. */
export class UnknownPolicyError extends LaghashError {
  constructor(message: string) {
    super('ERR_LAGHASH_UNKNOWN_POLICY', message);
  }
}

/** A known policy with an option it does not accept or a bad option value. */
export class PolicyOptionError extends LaghashError {
  constructor(message: string) {
    super('ERR_LAGHASH_INVALID_POLICY_OPTION', message);
  }
}

/** Bytes that are not a pcap or pcapng capture, or a capture whose structure is broken. */
export class CaptureFormatError extends LaghashError {
  constructor(message: string) {
    super('ERR_LAGHASH_CAPTURE_FORMAT', message);
  }
}

/** A capture link type laghash cannot walk (not Ethernet, Linux SLL/SLL2 or raw IP). */
export class UnsupportedLinkTypeError extends LaghashError {
  readonly linkType: number;
  constructor(linkType: number, message: string) {
    super('ERR_LAGHASH_UNSUPPORTED_LINK_TYPE', message);
    this.linkType = linkType;
  }
}

/** A buffer is detached, resizable, shared, or changed size after it was bound. */
export class BufferStateError extends LaghashError {
  constructor(message: string) {
    super('ERR_LAGHASH_BUFFER_STATE', message);
  }
}

/** The requested backend cannot be used (LAGHASH_BACKEND=native without a native build). */
export class BackendUnavailableError extends LaghashError {
  constructor(message: string) {
    super('ERR_LAGHASH_BACKEND_UNAVAILABLE', message);
  }
}

/**
 * The error of a code, as its subclass: for errors that crossed a thread
 * (analysis workers send code and message). frame and linkType: the extra
 * fields of FrameBoundsError and UnsupportedLinkTypeError.
 */
export function errorOf(code: string | undefined, message: string, extra: { frame?: number; linkType?: number } = {}): LaghashError {
  switch (code) {
    case 'ERR_LAGHASH_OUT_OF_RANGE': return new OutOfRangeError(message);
    case 'ERR_LAGHASH_FRAME_BOUNDS': return new FrameBoundsError(extra.frame ?? -1, message);
    case 'ERR_LAGHASH_UNKNOWN_POLICY': return new UnknownPolicyError(message);
    case 'ERR_LAGHASH_INVALID_POLICY_OPTION': return new PolicyOptionError(message);
    case 'ERR_LAGHASH_CAPTURE_FORMAT': return new CaptureFormatError(message);
    case 'ERR_LAGHASH_UNSUPPORTED_LINK_TYPE': return new UnsupportedLinkTypeError(extra.linkType ?? -1, message);
    case 'ERR_LAGHASH_BUFFER_STATE': return new BufferStateError(message);
    case 'ERR_LAGHASH_BACKEND_UNAVAILABLE': return new BackendUnavailableError(message);
    default: return new InvalidArgumentError(message);
  }
}

/** Short printable description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') {
    const s = value.length > 40 ? `${value.slice(0, 37)}...` : value;
    return JSON.stringify(s);
  }
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'function') return 'a function';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as { length?: number }).length ?? value.byteLength}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return typeof value;
}

/** A Slow Protocols PDU (LACP, Marker) that is truncated or malformed; `field` names where. */
export class PduFormatError extends LaghashError {
  /** The field that is missing or wrong, e.g. "actor information length". */
  readonly field: string;
  constructor(field: string, message: string) {
    super('ERR_LAGHASH_PDU_FORMAT', message);
    this.field = field;
  }
}
