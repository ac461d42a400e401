/** Argument checks shared by the public functions: typed errors with clear messages. */
import { BufferStateError, InvalidArgumentError, OutOfRangeError, describe } from './errors.js';

type TypedArrayCtor = Uint8ArrayConstructor | Uint16ArrayConstructor | Uint32ArrayConstructor | Int32ArrayConstructor;

/**
 * A typed array of the given kind over a plain, fixed-length ArrayBuffer.
 * Shared buffers are refused (another thread could change frame bounds while
 * a call reads them), so are resizable ones (they can shrink under a bound
 * batch).
 */
export function checkTyped<T extends Uint8Array | Uint16Array | Uint32Array | Int32Array>(
  value: unknown,
  ctor: TypedArrayCtor,
  what: string,
): T {
  if (!(value instanceof ctor)) throw new InvalidArgumentError(`Expected ${what} to be a ${ctor.name}, got ${describe(value)}`);
  const buf = value.buffer as ArrayBufferLike & { resizable?: boolean; detached?: boolean };
  if (typeof SharedArrayBuffer !== 'undefined' && buf instanceof SharedArrayBuffer)
    throw new BufferStateError(`Expected ${what} over an ArrayBuffer, got one over a SharedArrayBuffer`);
  if (buf.resizable === true) throw new BufferStateError(`Expected ${what} over a fixed-length ArrayBuffer, got a resizable one`);
  if (buf.detached === true) throw new BufferStateError(`Expected ${what} over a live ArrayBuffer, got a detached one`);
  return value as T;
}

/** An integer in [min, max]. */
export function checkInt(value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new InvalidArgumentError(`Expected ${what} to be an integer in ${min}..${max}, got ${describe(value)}`);
  if (value < min || value > max) throw new OutOfRangeError(`Expected ${what} to be an integer in ${min}..${max}, got ${value}`);
  return value;
}

export function checkObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new InvalidArgumentError(`Expected ${what} to be an object, got ${describe(value)}`);
  return value as Record<string, unknown>;
}
