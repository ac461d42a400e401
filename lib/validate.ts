/**
 * Argument checks shared by the public functions: typed errors with clear
 * messages. The rules (docs/api.md, "Argument checking"):
 *
 *   a value of the wrong type or shape          InvalidArgumentError
 *   a number of the right kind outside its range OutOfRangeError
 *   a typed array over a shared, resizable or
 *   detached buffer                              BufferStateError
 *
 * `undefined` stands for an option left out; `null` is a wrong value like any
 * other.
 */
import { BufferStateError, InvalidArgumentError, OutOfRangeError, describe } from './errors.js';

type TypedArrayCtor =
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Uint32ArrayConstructor
  | Int32ArrayConstructor
  | Float64ArrayConstructor;

/**
 * True when buf was detached (transferred). ArrayBuffer.prototype.detached
 * exists from Node 22; before it, a detached buffer reads as empty, and only
 * an empty one needs the slower test: a view cannot be made over a detached
 * buffer.
 */
export function isDetached(buf: ArrayBufferLike): boolean {
  const d = (buf as { detached?: boolean }).detached;
  if (typeof d === 'boolean') return d;
  if (buf.byteLength !== 0) return false;
  try {
    new Uint8Array(buf);
    return false;
  } catch {
    return true;
  }
}

/**
 * The state problem of a typed array's buffer (shared, resizable, detached),
 * or null. Shared buffers are refused (another thread could change frame
 * bounds while a call reads them), so are resizable ones (they can shrink
 * under a bound batch), so are detached ones (their memory is gone).
 */
export function bufferProblem(value: ArrayBufferView): string | null {
  const buf = value.buffer as ArrayBufferLike & { resizable?: boolean };
  if (typeof SharedArrayBuffer !== 'undefined' && buf instanceof SharedArrayBuffer) return 'a SharedArrayBuffer';
  if (buf.resizable === true) return 'a resizable ArrayBuffer';
  if (isDetached(buf)) return 'a detached ArrayBuffer';
  return null;
}

/** A typed array of the given kind over a plain, fixed-length, live ArrayBuffer. */
export function checkTyped<T extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array>(
  value: unknown,
  ctor: TypedArrayCtor,
  what: string,
): T {
  if (!(value instanceof ctor)) throw new InvalidArgumentError(`Expected ${what} to be a ${ctor.name}, got ${describe(value)}`);
  const problem = bufferProblem(value);
  if (problem) throw new BufferStateError(`Expected ${what} over a plain, fixed-length, live ArrayBuffer, got one over ${problem}`);
  return value as T;
}

/** An integer in [min, max]. */
export function checkInt(value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new InvalidArgumentError(`Expected ${what} to be an integer in ${min}..${max}, got ${describe(value)}`);
  if (value < min || value > max) throw new OutOfRangeError(`Expected ${what} to be an integer in ${min}..${max}, got ${value}`);
  return value;
}

/** A number (not NaN) in [min, max] (finite when max is). */
export function checkNumber(value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || Number.isNaN(value))
    throw new InvalidArgumentError(`Expected ${what} to be a number in ${min}..${max}, got ${describe(value)}`);
  if (!(value >= min && value <= max)) throw new OutOfRangeError(`Expected ${what} to be a number in ${min}..${max}, got ${value}`);
  return value;
}

export function checkBoolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new InvalidArgumentError(`Expected ${what} to be true or false, got ${describe(value)}`);
  return value;
}

export function checkString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new InvalidArgumentError(`Expected ${what} to be a string, got ${describe(value)}`);
  return value;
}

export function checkFunction<F extends (...args: never[]) => unknown>(value: unknown, what: string): F {
  if (typeof value !== 'function') throw new InvalidArgumentError(`Expected ${what} to be a function, got ${describe(value)}`);
  return value as F;
}

/** One of some names. */
export function checkOneOf<T extends string>(value: unknown, names: readonly T[], what: string): T {
  if (typeof value !== 'string' || !names.includes(value as T))
    throw new InvalidArgumentError(`Expected ${what} to be one of ${names.join(', ')}, got ${describe(value)}`);
  return value as T;
}

/** A plain object (not null, not an array, not a function). */
export function checkObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new InvalidArgumentError(`Expected ${what} to be an object, got ${describe(value)}`);
  return value as Record<string, unknown>;
}

/** An options object (checkObject) that has no key but the allowed ones: a misspelt option is an error, not a silent default. */
export function checkOptions(value: unknown, allowed: readonly string[], what: string): Record<string, unknown> {
  const o = checkObject(value, what);
  for (const k of Object.keys(o))
    if (!allowed.includes(k))
      throw new InvalidArgumentError(`Expected ${what} among ${allowed.join(', ')}, got an unknown option ${JSON.stringify(k)}`);
  return o;
}

/** An array (a real one: array-likes are not taken where a list is expected). */
export function checkArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError(`Expected ${what} to be an array, got ${describe(value)}`);
  return value;
}

const BACKEND_FUNCTIONS = ['hash', 'select', 'selectHashes', 'tally', 'accumulate', 'summarize', 'learn', 'touch', 'placeTable', 'dissect', 'murmur3', 'bind'];

/** A backend object (the `backend` arguments tests and benchmarks pass): one with every backend function. */
export function checkBackend<B>(value: unknown, what = 'backend'): B {
  const o = value as Record<string, unknown> | null;
  if (o === null || typeof o !== 'object' || BACKEND_FUNCTIONS.some((f) => typeof o[f] !== 'function'))
    throw new InvalidArgumentError(`Expected ${what} to be a laghash backend (an object with ${BACKEND_FUNCTIONS.join(', ')}), got ${describe(value)}`);
  return value as B;
}
