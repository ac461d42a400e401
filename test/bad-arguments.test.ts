/**
 * Bad arguments, exhaustively: every public function, constructor and method
 * of lib/index.ts, every argument position (and every field of an options
 * object), every kind of wrong value. The table is generated: each argument
 * is described by its kind (an integer in a range, a typed array, a policy,
 * a batch, an options record, ...) and the kind yields its bad values with
 * the code the documented rules give (docs/api.md, "Argument checking"):
 *
 *   a value of the wrong type or shape (a non-integer where an integer is
 *   expected, an unknown name or option, an out array too short or of the
 *   wrong kind)                                   ERR_LAGHASH_INVALID_ARGUMENT
 *   an integer (or a number) outside its range    ERR_LAGHASH_OUT_OF_RANGE
 *   a typed array over a SharedArrayBuffer, a resizable or a detached
 *   ArrayBuffer                                   ERR_LAGHASH_BUFFER_STATE
 *   a frame outside its batch's data              ERR_LAGHASH_FRAME_BOUNDS
 *   policy names and policy options               ERR_LAGHASH_UNKNOWN_POLICY,
 *                                                 ERR_LAGHASH_INVALID_POLICY_OPTION
 *   link types, captures                          ERR_LAGHASH_UNSUPPORTED_LINK_TYPE,
 *                                                 ERR_LAGHASH_CAPTURE_FORMAT
 *
 * Every row must throw (or reject) the LaghashError subclass of that code,
 * with a message saying what was expected, and must leave the caller's arrays
 * (an out array is filled with a sentinel first) and the receiver's state as
 * they were. The table runs on both backends: lib/index.ts is imported once
 * per backend with LAGHASH_BACKEND set.
 *
 * Not in the table: the error classes' own constructors (they build errors,
 * they do not check arguments).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Backend } from '../lib/backend.js';
import { BACKEND_NAMES } from './helpers/backends.js';
import { ethIpv4Tcp } from './helpers/frames.js';
import { pcap } from './helpers/pcap.js';

type Lib = typeof import('../lib/index.js');
type Code = import('../lib/index.js').ErrorCode;
type Batch = import('../lib/index.js').FrameBatch;

/** What a row's values are built from: the library as imported for one backend. */
interface Ctx {
  L: Lib;
  backend: Backend;
  dir: string;
}

const INVALID: Code = 'ERR_LAGHASH_INVALID_ARGUMENT';
const RANGE: Code = 'ERR_LAGHASH_OUT_OF_RANGE';
const STATE: Code = 'ERR_LAGHASH_BUFFER_STATE';
const BOUNDS: Code = 'ERR_LAGHASH_FRAME_BOUNDS';
const UNKNOWN: Code = 'ERR_LAGHASH_UNKNOWN_POLICY';
const OPTION: Code = 'ERR_LAGHASH_INVALID_POLICY_OPTION';
const CAPTURE: Code = 'ERR_LAGHASH_CAPTURE_FORMAT';
const LINK: Code = 'ERR_LAGHASH_UNSUPPORTED_LINK_TYPE';
const PDU: Code = 'ERR_LAGHASH_PDU_FORMAT';

const CLASS_OF: Record<Code, keyof Lib> = {
  ERR_LAGHASH_INVALID_ARGUMENT: 'InvalidArgumentError',
  ERR_LAGHASH_OUT_OF_RANGE: 'OutOfRangeError',
  ERR_LAGHASH_FRAME_BOUNDS: 'FrameBoundsError',
  ERR_LAGHASH_UNKNOWN_POLICY: 'UnknownPolicyError',
  ERR_LAGHASH_INVALID_POLICY_OPTION: 'PolicyOptionError',
  ERR_LAGHASH_CAPTURE_FORMAT: 'CaptureFormatError',
  ERR_LAGHASH_UNSUPPORTED_LINK_TYPE: 'UnsupportedLinkTypeError',
  ERR_LAGHASH_BUFFER_STATE: 'BufferStateError',
  ERR_LAGHASH_BACKEND_UNAVAILABLE: 'BackendUnavailableError',
  ERR_LAGHASH_PDU_FORMAT: 'PduFormatError',
};

// ---- bad values, by kind ----------------------------------------------------

/** One bad value: how to build it (fresh for every use) and the code it must give. */
interface Bad {
  label: string;
  make: (c: Ctx) => unknown;
  code: Code;
  /** FrameBoundsError.frame expected. */
  frame?: number;
}
type Kind = Bad[];

const bad = (label: string, code: Code, make: (c: Ctx) => unknown, frame?: number): Bad => ({ label, make, code, frame });

/** Values of every JavaScript type; a kind drops those it accepts. */
type TypeName = 'undefined' | 'null' | 'string' | 'object' | 'array' | 'boolean' | 'bigint' | 'symbol' | 'function' | 'number';
const TYPED_VALUES: [TypeName, string, () => unknown][] = [
  ['undefined', 'undefined', () => undefined],
  ['null', 'null', () => null],
  ['string', 'a string of digits', () => '2'],
  ['string', 'an empty string', () => ''],
  ['object', 'an empty object', () => ({})],
  ['array', 'an array', () => [2]],
  ['boolean', 'true', () => true],
  ['boolean', 'false', () => false],
  ['bigint', 'a bigint', () => 2n],
  ['symbol', 'a symbol', () => Symbol('bad')],
  ['function', 'a function', () => () => 2],
];

/** Numbers that are bad somewhere: a kind keeps those outside what it accepts. */
const NUMBERS: [string, number][] = [
  ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity], ['-1', -1], ['-0.5', -0.5], ['0.5', 0.5], ['1.5', 1.5],
  ['2^31', 2 ** 31], ['2^32', 2 ** 32], ['2^32 + 1', 2 ** 32 + 1], ['2^53', 2 ** 53], ['-2^32', -(2 ** 32)],
];

/** Values of the types not accepted, all INVALID (unless code says otherwise). */
function wrongTypes(accepted: TypeName[], optional: boolean, code: Code = INVALID): Bad[] {
  return TYPED_VALUES.filter(([t]) => !accepted.includes(t) && !(optional && t === 'undefined')).map(([, l, m]) => bad(l, code, m));
}

/** An integer in [min, max]: non-integers INVALID, integers outside OUT_OF_RANGE. */
function int(min: number, max: number, optional = false): Kind {
  const nums: [string, number][] = [...NUMBERS, [`${min} - 1`, min - 1], [`${max} + 1`, max + 1]];
  const seen = new Set<number>();
  const rows = wrongTypes([], optional);
  for (const [l, v] of nums) {
    if (seen.has(v)) continue;
    seen.add(v);
    if (!Number.isInteger(v)) rows.push(bad(l, INVALID, () => v));
    else if (v < min || v > max) rows.push(bad(l, RANGE, () => v));
  }
  return rows;
}

/** A finite number in [min, max]: non-numbers and NaN INVALID, numbers outside (and infinities) OUT_OF_RANGE. */
function num(min: number, max: number, optional = false): Kind {
  const rows = wrongTypes([], optional);
  for (const [l, v] of NUMBERS) {
    if (Number.isNaN(v)) rows.push(bad(l, INVALID, () => v));
    else if (!(v >= min && v <= max)) rows.push(bad(l, RANGE, () => v));
  }
  return rows;
}

function bool(optional = false): Kind {
  return [...wrongTypes(['boolean'], optional), bad('0', INVALID, () => 0), bad('1', INVALID, () => 1)];
}

function fn(optional = false): Kind {
  return [...wrongTypes(['function'], optional), bad('1', INVALID, () => 1)];
}

/** One of some names: anything else INVALID (or code). */
function oneOf(names: readonly string[], optional = false, code: Code = INVALID): Kind {
  return [
    ...wrongTypes([], optional, code).filter((b) => b.label !== 'an empty string'),
    bad('an empty string', code, () => ''),
    bad('1', code, () => 1),
    bad('an unknown name', code, () => 'nope'),
    bad('a name in upper case', code, () => names[0].toUpperCase()),
    bad('a name with a trailing space', code, () => `${names[0]} `),
  ];
}

/** A non-empty string naming something that exists (names: the ones that do). */
function existingName(optional = false): Kind {
  return [...wrongTypes(['string'], optional), bad('an empty string', INVALID, () => ''), bad('an unknown name', INVALID, () => 'nope'), bad('1', INVALID, () => 1)];
}

type TA = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array;
type TACtor = { new (n: number): TA; new (b: ArrayBufferLike, o?: number, n?: number): TA; readonly BYTES_PER_ELEMENT: number; readonly name: string };

const RESIZABLE = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer;

/** Detach a typed array's buffer (structuredClone with transfer: Node 20 has no ArrayBuffer.prototype.transfer). */
function detach<T extends ArrayBufferView>(a: T): T {
  structuredClone(a.buffer, { transfer: [a.buffer as ArrayBuffer] });
  return a;
}

function copyInto<T extends TA>(a: T, content: TA | null): T {
  if (content) (a as unknown as { set(x: ArrayLike<number>): void }).set(content as ArrayLike<number>);
  return a;
}

/** Other typed-array kinds, per kind: a view of the right bytes but the wrong type. */
const WRONG_VIEWS: Record<string, TACtor[]> = {
  Uint8Array: [Uint8ClampedArray as unknown as TACtor, Int8Array as unknown as TACtor, Uint16Array as unknown as TACtor],
  Uint16Array: [Int16Array as unknown as TACtor, Uint32Array as unknown as TACtor, Uint8Array as unknown as TACtor],
  Uint32Array: [Int32Array as unknown as TACtor, Float32Array as unknown as TACtor, Uint16Array as unknown as TACtor],
  Float64Array: [Float32Array as unknown as TACtor, BigUint64Array as unknown as TACtor],
};

interface TypedOptions {
  optional?: boolean;
  /** The good content (variants over shared, resizable or detached buffers carry it, so only the buffer is wrong). */
  content?: (c: Ctx) => TA;
  /** Elements the argument must hold at least. */
  minLength?: number;
  length?: number;
}

/** A typed array of one kind over a plain, fixed-length, live ArrayBuffer. */
function typed(ctor: TACtor, o: TypedOptions = {}): Kind {
  const n = o.length ?? o.minLength ?? 4;
  const content = (c: Ctx) => (o.content ? o.content(c) : null);
  const len = (c: Ctx) => content(c)?.length ?? n;
  const rows: Bad[] = [
    ...wrongTypes([], o.optional ?? false),
    bad('a number', INVALID, () => 3),
    bad('an array of numbers', INVALID, (c) => Array.from({ length: len(c) }, () => 0)),
    bad('an ArrayBuffer', INVALID, (c) => new ArrayBuffer(len(c) * ctor.BYTES_PER_ELEMENT)),
    bad('a DataView', INVALID, (c) => new DataView(new ArrayBuffer(len(c) * ctor.BYTES_PER_ELEMENT))),
    ...(WRONG_VIEWS[ctor.name] ?? []).map((w) => bad(`a ${w.name}`, INVALID, (c) => new w(len(c)))),
    bad(`a ${ctor.name} over a SharedArrayBuffer`, STATE, (c) => copyInto(new ctor(new SharedArrayBuffer(len(c) * ctor.BYTES_PER_ELEMENT)), content(c))),
    bad(`a ${ctor.name} over a resizable ArrayBuffer`, STATE, (c) =>
      copyInto(new ctor(new RESIZABLE(len(c) * ctor.BYTES_PER_ELEMENT, { maxByteLength: 2 * len(c) * ctor.BYTES_PER_ELEMENT + 8 }), 0, len(c)), content(c))),
    bad(`a length-tracking ${ctor.name} over a resizable ArrayBuffer`, STATE, (c) =>
      copyInto(new ctor(new RESIZABLE(len(c) * ctor.BYTES_PER_ELEMENT, { maxByteLength: 2 * len(c) * ctor.BYTES_PER_ELEMENT + 8 })), content(c))),
    bad(`a detached ${ctor.name}`, STATE, (c) => detach(copyInto(new ctor(len(c)), content(c)))),
    bad(`a detached empty ${ctor.name}`, STATE, () => detach(new ctor(0))),
  ];
  if (o.minLength) {
    rows.push(bad(`a ${ctor.name} one too short`, INVALID, () => new ctor(o.minLength! - 1)));
    rows.push(bad(`a short ${ctor.name} at an offset in a longer buffer`, INVALID, () => new ctor(new ArrayBuffer(64 * ctor.BYTES_PER_ELEMENT), 8 * ctor.BYTES_PER_ELEMENT, o.minLength! - 1)));
  }
  return rows;
}

/** A record (options object): wrong types, an unknown key, and every field's bad values in an otherwise good record. */
function record(good: (c: Ctx) => Record<string, unknown>, fields: Record<string, Kind>, optional = false, unknownKey: Code | null = INVALID): Kind {
  const rows: Bad[] = [...wrongTypes(['object'], optional), bad('1', INVALID, () => 1), bad('a string', INVALID, () => 'options')];
  if (unknownKey) rows.push(bad('an unknown option', unknownKey, (c) => ({ ...good(c), bogus: 1 })));
  for (const [k, kind] of Object.entries(fields))
    for (const b of kind) rows.push({ ...b, label: `{ ${k}: ${b.label} }`, make: (c) => ({ ...good(c), [k]: b.make(c) }) });
  return rows;
}

/** An array of elements of one kind (arrayLike: array-like objects are taken too). */
function arrayOf(goodElement: (c: Ctx) => unknown, element: Kind, optional = false, extra: Bad[] = [], arrayLike = false): Kind {
  return [
    ...wrongTypes(['array'], optional),
    ...(arrayLike ? [] : [bad('an array-like object', INVALID, (c) => ({ length: 1, 0: goodElement(c) }))]),
    ...element.map((b) => ({ ...b, label: `[good, ${b.label}]`, make: (c: Ctx) => [goodElement(c), b.make(c)] })),
    ...extra,
  ];
}

// ---- fixtures -----------------------------------------------------------------

const frame = ethIpv4Tcp('10.0.0.1', '10.0.0.2', 1000, 80);
const FL = frame.length;
const SENTINEL = 0xa5a5a5a5;
const POLICY = 'linux:layer3+4';

function frames(n: number, size = n * FL): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < n; i++) data.set(frame, i * FL);
  return data;
}

/** Two good frames; perFrame: a Uint16Array of link types; strided: a strided batch. */
function goodBatch(c: Ctx, how: 'packed' | 'perFrame' | 'strided' = 'packed'): Batch {
  if (how === 'strided') return c.L.FrameBatch.strided(frames(2), FL, Uint32Array.of(FL, FL));
  return c.L.FrameBatch.packed(frames(2), Uint32Array.of(0, FL), Uint32Array.of(FL, FL), how === 'perFrame' ? { linkType: Uint16Array.of(1, 1) } : {});
}

function packed(c: Ctx, size: number, offsets: number[], lengths: number[]): Batch {
  return c.L.FrameBatch.packed(frames(1, size), Uint32Array.from(offsets), Uint32Array.from(lengths));
}

function captureBytes(linkType = 1): Uint8Array {
  return pcap([{ sec: 1, frac: 0, data: frame }, { sec: 2, frac: 0, data: frame }], { linkType });
}

/** A batch argument: anything but a FrameBatch, batches whose arrays were detached, and (bounds) frames outside data. */
function batchKind(bounds: boolean): Kind {
  const rows: Bad[] = [
    ...wrongTypes([], false),
    bad('1', INVALID, () => 1),
    bad('a FrameBatch look-alike', INVALID, (c) => ({ ...goodBatch(c) })),
    bad('a Uint8Array', INVALID, () => frame.slice()),
  ];
  for (const how of ['packed', 'perFrame', 'strided'] as const)
    for (const k of ['data', 'offsets', 'lengths', 'linkTypes'] as const) {
      if ((k === 'offsets' && how === 'strided') || (k === 'linkTypes' && how !== 'perFrame')) continue;
      rows.push(bad(`a ${how} FrameBatch whose ${k} was detached`, STATE, (c) => {
        const b = goodBatch(c, how);
        detach(b[k]!);
        return b;
      }));
    }
  if (bounds)
    rows.push(
      bad('a frame past the end of data', BOUNDS, (c) => packed(c, 120, [0, 100], [FL, 60]), 1),
      bad('a frame whose offset + length passes 2^32', BOUNDS, (c) => packed(c, 200, [0, 0xffffffff], [FL, 2]), 1),
      bad('a frame of length 2^32 - 1', BOUNDS, (c) => packed(c, 200, [0, 10], [FL, 0xffffffff]), 1),
      bad('an empty frame past the end', BOUNDS, (c) => packed(c, 200, [201, 0], [0, 10]), 0),
      bad('the third of three frames past the end', BOUNDS, (c) => packed(c, 150, [0, 60, 100], [60, 60, 60]), 2),
      bad('a strided frame past the end', BOUNDS, (c) => c.L.FrameBatch.strided(frames(1, 200), 100, Uint32Array.of(60, 60, 60)), 2),
      bad('a strided frame at 2^32 (i * stride passes 32 bits)', BOUNDS, (c) => c.L.FrameBatch.strided(frames(1, 200), 2 ** 31, Uint32Array.of(FL, 0, 0)), 1),
    );
  return rows;
}

/** A policy argument: a name, options or a compiled policy. */
function policyKind(): Kind {
  return [
    ...wrongTypes(['string', 'object', 'array'], false),
    ...NUMBERS.slice(0, 4).map(([l, v]) => bad(l, INVALID, () => v)),
    bad('an array', INVALID, () => ['linux:layer2']),
    bad('an empty object', INVALID, () => ({})),
    bad('options with a numeric name', INVALID, () => ({ name: 1 })),
    bad('an empty string', UNKNOWN, () => ''),
    bad('an unknown name', UNKNOWN, () => 'nope'),
    bad('linux:layer9', UNKNOWN, () => 'linux:layer9'),
    bad('a name in upper case', UNKNOWN, () => 'LINUX:LAYER2'),
    bad('a name with a leading space', UNKNOWN, () => ' linux:layer2'),
    bad('options with an unknown name', UNKNOWN, () => ({ name: 'nope' })),
    bad('a name with an unknown option', OPTION, () => 'linux:layer2?bogus=1'),
    bad('options with an unknown option', OPTION, () => ({ name: 'linux:layer2', bogus: 1 })),
    bad('team: without fields', OPTION, () => 'team:'),
    bad('a forged compiled policy with an unknown name', UNKNOWN, () => ({ name: 'nope', family: 'linux', symmetric: true, spec: new Uint32Array(8), tables: null })),
    bad('a forged compiled policy without a name', INVALID, () => ({ family: 'linux', symmetric: true, spec: new Uint32Array(1), tables: null })),
    bad('a forged compiled policy with a garbage spec', UNKNOWN, () => ({ name: 'bogus', family: 'fields', symmetric: false, spec: Uint32Array.of(0xffff, 0xffff, 0xffff), tables: null })),
  ];
}

const VLAN = ['offloaded', 'inband'];
const TUNNEL = ['outer', 'inner'];

/** One policy option's bad values (all ERR_LAGHASH_INVALID_POLICY_OPTION). */
function optionKind(kind: 'enum' | 'list' | 'nonEmptyList' | 'seed' | 'bool' | 'key', names: readonly string[] = []): Kind {
  const all = (k: Kind) => k.map((b) => ({ ...b, code: OPTION }));
  switch (kind) {
    case 'enum': return oneOf(names, true, OPTION);
    case 'list':
    case 'nonEmptyList':
      return [
        ...all(wrongTypes(['array'], true)),
        bad('a comma-separated string', OPTION, () => names.slice(0, 2).join(',')),
        bad('a list with an unknown name', OPTION, () => [names[0], 'nope']),
        bad('a list with a number', OPTION, () => [names[0], 1]),
        bad('a list with null', OPTION, () => [null]),
        ...(kind === 'nonEmptyList' ? [bad('an empty list', OPTION, () => [])] : []),
      ];
    case 'seed': return all(int(0, 0xffffffff, true));
    case 'bool': return all(bool(true));
    case 'key': return [
      ...all(wrongTypes(['string'], true)),
      bad('an odd number of hex digits', OPTION, () => 'abc'),
      bad('non-hex text', OPTION, () => 'zz'.repeat(40)),
      bad('a 39-byte key', OPTION, () => new Uint8Array(39)),
      bad('a 39-byte hex key', OPTION, () => '00'.repeat(39)),
      bad('a Uint16Array key', OPTION, () => new Uint16Array(40)),
      bad('an array of bytes', OPTION, () => Array(40).fill(1)),
    ];
  }
}

const TEAM_FIELDS = ['eth', 'vlan', 'ipv4', 'ipv6', 'ip', 'l3', 'tcp', 'udp', 'sctp', 'l4'];
const FIELD_NAMES = ['src-mac', 'dst-mac', 'ether-type', 'vlan', 'mpls-label', 'tunnel-id', 'src-ip', 'dst-ip', 'ip-proto', 'flow-label', 'src-port', 'dst-port'];
const FIELD_OPTIONS: Record<string, Kind> = {
  hash: optionKind('enum', ['murmur3', 'xor']), seed: optionKind('seed'), symmetric: optionKind('bool'),
  tunnel: optionKind('enum', TUNNEL), l2Fallback: optionKind('bool'),
};

/** Every policy family with the options it takes. */
const POLICY_OPTIONS: [string, Record<string, unknown>, Record<string, Kind>][] = [
  ['linux:layer3+4', {}, { vlan: optionKind('enum', VLAN) }],
  ['dpdk:l34', {}, {}],
  ['team', {}, { fields: optionKind('nonEmptyList', TEAM_FIELDS), vlan: optionKind('enum', VLAN) }],
  ['rss:toeplitz', {}, { key: optionKind('key'), l4: optionKind('list', ['tcp', 'udp', 'sctp']), tunnel: optionKind('enum', TUNNEL) }],
  ['src-dst-ip-port', {}, FIELD_OPTIONS],
  ['fields', { fields: ['src-ip'] }, { fields: optionKind('nonEmptyList', FIELD_NAMES), ...FIELD_OPTIONS }],
];

/** policy(options) and policy('name?query'): every option's bad values. */
function policyOptionRows(): Bad[] {
  const rows: Bad[] = [bad('fields without its fields option', OPTION, () => ({ name: 'fields' })), bad('"fields" without fields', OPTION, () => 'fields')];
  for (const [name, base, options] of POLICY_OPTIONS) {
    rows.push(bad(`${name} with an unknown option`, OPTION, () => ({ name, ...base, bogus: 1 })));
    rows.push(bad(`${name}?bogus=1`, OPTION, () => `${name}?${new URLSearchParams({ ...(base as Record<string, string>), bogus: '1' })}`));
    for (const [k, kind] of Object.entries(options))
      for (const b of kind) {
        rows.push({ ...b, label: `{ name: ${name}, ${k}: ${b.label} }`, make: (c) => ({ name, ...base, [k]: b.make(c) }) });
        // the same value in the query form, where a query can spell it
        const v = b.make(null as unknown as Ctx);
        const spelled = typeof v === 'string' ? v !== '' && !['fields', 'l4', 'seed'].includes(k)
          : typeof v === 'number' ? k === 'seed'
          : Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string');
        if (spelled)
          rows.push({ ...b, label: `${name}?${k}=${String(v)}`, make: () => `${name}?${new URLSearchParams({ ...(base as Record<string, string>), [k]: String(v) })}` });
      }
  }
  return rows;
}

/** A selector for selectBatch and bindBatch: { ports: n } or { kind, ports, weights?, buckets? }. */
function selectorKind(optional: boolean): Kind {
  const kinds = ['modulo', 'team', 'table', 'resilient', 'rendezvous'];
  const weights: Kind = [
    ...wrongTypes(['array'], true),
    bad('too few weights', INVALID, () => [1]),
    bad('too many weights', INVALID, () => [1, 1, 1]),
    ...int(1, 0xffff).filter((b) => b.label !== 'undefined').map((b) => ({ ...b, label: `[1, ${b.label}]`, make: (c: Ctx) => [1, b.make(c)] })),
  ];
  const ports: Kind = [
    ...int(1, 4096),
    bad('an empty list of names', INVALID, () => []),
    bad('a list with a number', INVALID, () => ['a', 1]),
    bad('duplicate names', INVALID, () => ['a', 'a']),
    bad('4097 names', INVALID, () => Array.from({ length: 4097 }, (_, i) => `p${i}`)),
  ];
  return [
    ...record(() => ({ ports: 2 }), { ports: int(1, 4096).filter((b) => b.label !== 'undefined' && b.label !== 'an array') }, optional),
    bad('an empty object', INVALID, () => ({})),
    ...record(() => ({ kind: 'table', ports: 2 }), {
      kind: oneOf(kinds).filter((b) => b.label !== 'undefined'),  // { ports: 2 } alone is modulo
      ports,
      weights,
      buckets: [...int(1, 65536, true), bad('3 (not a power of two)', RANGE, () => 3)],
      idleTimer: int(0, 0x7fffffff, true),
      unbalancedTimer: int(0, 0x7fffffff, true),
    }, optional).filter((b) => !TYPED_VALUES.some(([, l]) => l === b.label) && b.label !== '1' && b.label !== 'a string'),
    bad('{ kind: rendezvous, buckets: 3 }', RANGE, () => ({ kind: 'rendezvous', ports: 2, buckets: 3 })),
    bad('{ kind: resilient, buckets: 0 }', RANGE, () => ({ kind: 'resilient', ports: 2, buckets: 0 })),
    bad('{ kind: modulo, weights: [1, 2] }', INVALID, () => ({ kind: 'modulo', ports: 2, weights: [1, 2] })),
    bad('{ kind: team, weights: [2, 1] }', INVALID, () => ({ kind: 'team', ports: 2, weights: [2, 1] })),
  ];
}

/** A Team's or analyze's selector: a kind or { kind, buckets?, idleTimer?, unbalancedTimer? }. */
function teamSelectorKind(optional: boolean): Kind {
  const kinds = ['modulo', 'team', 'table', 'resilient', 'rendezvous'];
  return [
    ...oneOf(kinds, optional).filter((b) => b.label !== 'an empty object'),
    ...record(() => ({ kind: 'table' }), {
      kind: oneOf(kinds),
      buckets: [...int(1, 65536, true), bad('3 (not a power of two)', RANGE, () => 3)],
      idleTimer: int(0, 0x7fffffff, true),
      unbalancedTimer: int(0, 0x7fffffff, true),
    }, optional).filter((b) => !TYPED_VALUES.some(([, l]) => l === b.label) && b.label !== '1' && b.label !== 'a string'),
    bad('an empty object', INVALID, () => ({})),
    bad('{ kind: table, ports: 2 }', INVALID, () => ({ kind: 'table', ports: 2 })),
  ];
}

/** A link type argument: a number laghash walks. */
function linkTypeKind(optional: boolean): Kind {
  return [
    ...wrongTypes([], optional),
    ...NUMBERS.map(([l, v]) => bad(l, LINK, () => v)),
    bad('0 (BSD loopback)', LINK, () => 0),
    bad('65537 (1 + 2^16)', LINK, () => 65537),
    bad('2^32 + 1', LINK, () => 2 ** 32 + 1),
  ];
}

// ---- LACP fixtures
const MAC = '02:00:00:00:00:01';
const INFO = { systemPriority: 1, system: '02:00:00:00:00:02', key: 1, portPriority: 1, port: 1, state: 0x3d };

function lacpdu(): Uint8Array {
  const f = new Uint8Array(124);
  f.set([0x01, 0x80, 0xc2, 0, 0, 2, 0x02, 0, 0, 0, 0, 2, 0x88, 0x09, 1, 1, 1, 20], 0);
  f.set([2, 20], 36);
  f.set([3, 16], 56);
  return f;
}

function macKind(optional: boolean): Kind {
  return [...wrongTypes(['string'], optional), bad('a short MAC', INVALID, () => '02:00'), bad('a MAC with a bad digit', INVALID, () => '02:00:00:00:00:0g')];
}

function infoKind(): Kind {
  return record(() => ({ ...INFO }), {
    systemPriority: int(0, 0xffff), system: macKind(false), key: int(0, 0xffff), portPriority: int(0, 0xffff), port: int(0, 0xffff), state: int(0, 0xff),
  });
}

function lacpEnv(c: Ctx): Env {
  return { lacp: new c.L.Lacp({ system: MAC, ports: ['a', 'b'], clock: () => 0 }) };
}

function lacpState(env: Env): unknown {
  return JSON.parse(JSON.stringify((env.lacp as InstanceType<Lib['Lacp']>).status()));
}

// ---- the public API, argument by argument -------------------------------------

interface Param {
  name: string;
  good: (c: Ctx, env: Env) => unknown;
  kind: Kind;
}
type Env = Record<string, unknown>;

interface Spec {
  name: string;
  /** The receiver and anything else the call needs, fresh for every row. */
  env?: (c: Ctx) => Env;
  params: Param[];
  call: (c: Ctx, env: Env, args: unknown[]) => unknown;
  /** Bad receivers (a bound batch with a detached array, an ended parser, ...). */
  receivers?: { label: string; env: (c: Ctx) => Env; code: Code; frame?: number }[];
  /** The receiver's observable state: unchanged by a call that throws. */
  state?: (env: Env) => unknown;
}

const p = (name: string, good: Param['good'], kind: Kind): Param => ({ name, good, kind });
const out32 = (n = 4) => new Uint32Array(n).fill(SENTINEL);
const out16 = (n = 4) => new Uint16Array(n).fill(SENTINEL & 0xffff);
/** Out arrays: each frame needs its slot; the bad batches hold at most 3 frames. */
const outKind = (ctor: TACtor) => typed(ctor, { optional: true, minLength: 2 });

function teamEnv(c: Ctx, options: Record<string, unknown> = {}): Env {
  return { team: new c.L.Team({ ports: ['a', 'b'], mode: 'balance', policy: POLICY, selector: 'table', ...options }) };
}

function teamState(env: Env): unknown {
  const t = env.team as InstanceType<Lib['Team']>;
  return JSON.parse(JSON.stringify({
    ports: t.ports, stats: t.portStats(), buckets: t.bucketPorts(), bytes: t.bucketBytes() && Array.from(t.bucketBytes()!),
    conv: t.conversations(), active: t.activePort,
  }));
}

function analyzerState(env: Env): unknown {
  const a = env.analyzer as InstanceType<Lib['Analyzer']>;
  const r = a.report();
  return JSON.parse(JSON.stringify({ ...r, memory: null }));
}

const ANALYZE_OPTIONS: import('../lib/index.js').AnalyzeOptions = { ports: 2, policies: ['linux:layer3+4'], selectors: ['modulo'], fail: 'each' };

function analyzeOptionsKind(optional: boolean): Kind {
  return record(() => ({ ...ANALYZE_OPTIONS }), {
    ports: int(1, 32, true),
    weights: [
      ...wrongTypes(['array'], true),
      bad('an empty list', INVALID, () => []),
      bad('33 weights', INVALID, () => Array(33).fill(1)),
      bad('3 weights for 2 ports', INVALID, () => [1, 1, 1]),
      ...int(1, 0xffff).filter((b) => b.label !== 'an array').map((b) => ({ ...b, label: `[1, ${b.label}]`, make: (c: Ctx) => [1, b.make(c)] })),
    ],
    policies: [
      ...wrongTypes(['array', 'string'], true),
      bad('a policy name (not a list)', INVALID, () => 'linux:layer2'),
      bad('an empty list', INVALID, () => []),
      ...policyKind().map((b) => ({ ...b, label: `[${b.label}]`, make: (c: Ctx) => [b.make(c)] })),
    ],
    selectors: [
      ...wrongTypes(['array'], true),
      bad('a selector name (not a list)', INVALID, () => 'modulo'),
      bad('an empty list', INVALID, () => []),
      ...teamSelectorKind(false).map((b) => ({ ...b, label: `[${b.label}]`, make: (c: Ctx) => [b.make(c)] })),
    ],
    by: oneOf(['bytes', 'frames'], true),
    fail: [
      ...oneOf(['each', 'none'], true).filter((b) => b.label !== 'an array'),
      ...int(0, 1).filter((b) => b.label !== 'an array').map((b) => ({ ...b, label: `[${b.label}]`, make: (c: Ctx) => [b.make(c)] })),
    ],
    maxFlows: int(1, 2 ** 31 - 1, true),
    backend: [...wrongTypes([], true), bad('an object without the backend functions', INVALID, () => ({ name: 'js' }))],
  }, optional);
}

function reportKind(): Kind {
  const good = (c: Ctx) => c.L.analyzeCaptures([{ file: 'x.pcap', bytes: captureBytes() }], ANALYZE_OPTIONS) as unknown as Record<string, unknown>;
  const list = (wrong: unknown) => [...wrongTypes(['array'], false), bad(`a list of ${typeof wrong}s`, INVALID, () => [wrong])];
  const lists: [string, unknown][] = [['results', 1], ['inputs', 1], ['weights', 'w'], ['warnings', 1]];
  return [
    ...wrongTypes(['object'], false),
    bad('an empty object', INVALID, () => ({})),
    ...lists.flatMap(([k, wrong]) => list(wrong).map((b) => ({ ...b, label: `{ ${k}: ${b.label} }`, make: (c: Ctx) => ({ ...good(c), [k]: b.make(c) }) }))),
    ...wrongTypes(['object'], false).map((b) => ({ ...b, label: `{ traffic: ${b.label} }`, make: (c: Ctx) => ({ ...good(c), traffic: b.make(c) }) })),
    bad('{ results: [a result without ports] }', INVALID, (c) => {
      const r = good(c);
      return { ...r, results: [{ ...(r.results as object[])[0], ports: undefined }] };
    }),
  ];
}

function specs(): Spec[] {
  const batch = p('batch', (c) => goodBatch(c), batchKind(true));
  const policyParam = p('policy', () => POLICY, policyKind());
  const team = (mode: string, extra: Record<string, unknown> = {}): Spec['env'] => (c) => teamEnv(c, { mode, selector: mode === 'balance' || mode === 'lacp' ? 'table' : undefined, ...extra });
  const bound = (c: Ctx, b: Batch, selector?: unknown) => {
    const bb = c.L.bindBatch(b, POLICY, selector ? { selector: selector as { ports: number } } : {});
    bb.out.fill(SENTINEL);
    return { bound: bb, batch: b };
  };
  const list: Spec[] = [
    // ---- FrameBatch
    {
      name: 'FrameBatch.packed',
      params: [
        p('data', () => frames(2), typed(Uint8Array)),
        p('offsets', () => Uint32Array.of(0, FL), [...typed(Uint32Array, { content: () => Uint32Array.of(0, FL) }), bad('one more offset than lengths', INVALID, () => Uint32Array.of(0, FL, 0))]),
        p('lengths', () => Uint32Array.of(FL, FL), [...typed(Uint32Array, { content: () => Uint32Array.of(FL, FL) }), bad('one fewer length than offsets', INVALID, () => Uint32Array.of(FL))]),
        p('options', () => ({}), record(() => ({}), {
          linkType: [
            ...linkTypeKind(true),
            ...typed(Uint16Array, { content: () => Uint16Array.of(1, 1) }).filter((b) => TYPED_VALUES.every(([, l]) => l !== b.label) && b.label !== 'a number'),
            bad('a Uint16Array of the wrong length', INVALID, () => Uint16Array.of(1)),
            bad('a Uint16Array with an unsupported link type', LINK, () => Uint16Array.of(1, 0)),
          ],
        }, true)),
      ],
      call: (c, _e, a) => c.L.FrameBatch.packed(...(a as Parameters<Lib['FrameBatch']['packed']>)),
    },
    {
      name: 'FrameBatch.strided',
      params: [
        p('data', () => frames(2), typed(Uint8Array)),
        p('stride', () => FL, int(1, 0xffffffff)),
        p('lengths', () => Uint32Array.of(FL, FL), typed(Uint32Array, { content: () => Uint32Array.of(FL, FL) })),
        p('options', () => ({}), record(() => ({}), { linkType: linkTypeKind(true) }, true)),
      ],
      call: (c, _e, a) => c.L.FrameBatch.strided(...(a as Parameters<Lib['FrameBatch']['strided']>)),
    },
    {
      name: 'FrameBatch.fromBuffers',
      params: [
        p('frames', () => [frame.slice(), frame.slice()], arrayOf(() => frame.slice(), typed(Uint8Array, { content: () => frame }), false, [
          bad('an array-like of length -1', INVALID, () => ({ length: -1 })),
          bad('an array-like of length 1.5', INVALID, () => ({ length: 1.5 })),
          bad('an array-like of length 2^32', INVALID, () => ({ length: 2 ** 32 })),
          bad('an array-like of length NaN', INVALID, () => ({ length: NaN })),
          bad('a string', INVALID, () => 'frames'),
        ], true)),
        p('options', () => ({}), record(() => ({}), { linkType: linkTypeKind(true) }, true)),
      ],
      call: (c, _e, a) => c.L.FrameBatch.fromBuffers(...(a as Parameters<Lib['FrameBatch']['fromBuffers']>)),
    },
    {
      name: 'FrameBatch.fromCapture',
      params: [p('bytes', () => captureBytes(), [...typed(Uint8Array, { content: () => captureBytes() }), bad('bytes that are not a capture', CAPTURE, () => new Uint8Array(64))])],
      call: (c, _e, a) => c.L.FrameBatch.fromCapture(a[0] as Uint8Array),
    },
    {
      name: 'FrameBatch.ofCapture',
      params: [p('capture', (c) => c.L.parseCapture(captureBytes()), record((c) => ({ ...c.L.parseCapture(captureBytes()) }), {
        data: typed(Uint8Array, { content: () => captureBytes() }),
        offsets: [...typed(Uint32Array, { content: () => Uint32Array.of(40, 40 + 16 + FL) }), bad('three offsets for two frames', INVALID, () => Uint32Array.of(40, 40, 40))],
        lengths: [...typed(Uint32Array, { content: () => Uint32Array.of(FL, FL) }), bad('one length for two frames', INVALID, () => Uint32Array.of(FL))],
        linkTypes: [...typed(Uint16Array, { content: () => Uint16Array.of(1, 1) }), bad('one link type for two frames', INVALID, () => Uint16Array.of(1))],
        count: [...int(0, 0xffffffff), bad('3 (more than the frames)', INVALID, () => 3)],
        linkType: int(-1, 0xffff),
      }, false, null))],
      call: (c, _e, a) => c.L.FrameBatch.ofCapture(a[0] as import('../lib/index.js').Capture),
    },
    {
      name: 'batch.frame',
      env: (c) => ({ batch: goodBatch(c) }),
      params: [p('i', () => 1, int(0, 1))],
      call: (_c, e, a) => (e.batch as Batch).frame(a[0] as number),
      receivers: [
        { label: 'a batch whose second frame lies past the end', env: (c) => ({ batch: packed(c, 120, [0, 100], [FL, 60]) }), code: BOUNDS, frame: 1 },
        { label: 'a batch whose second frame passes 2^32', env: (c) => ({ batch: packed(c, 200, [0, 0xffffffff], [FL, 2]) }), code: BOUNDS, frame: 1 },
        { label: 'a batch whose data was detached', env: (c) => ({ batch: (() => { const b = goodBatch(c); detach(b.data); return b; })() }), code: STATE },
        { label: 'a batch whose offsets were detached', env: (c) => ({ batch: (() => { const b = goodBatch(c); detach(b.offsets!); return b; })() }), code: STATE },
      ],
    },
    {
      name: 'batch.linkTypeOf',
      env: (c) => ({ batch: goodBatch(c, 'perFrame') }),
      params: [p('i', () => 1, int(0, 1))],
      call: (_c, e, a) => (e.batch as Batch).linkTypeOf(a[0] as number),
      receivers: [{ label: 'a batch whose link types were detached', env: (c) => ({ batch: (() => { const b = goodBatch(c, 'perFrame'); detach(b.linkTypes!); return b; })() }), code: STATE }],
    },
    // ---- hashing and selecting
    {
      name: 'hashBatch',
      params: [batch, policyParam, p('out', () => out32(), outKind(Uint32Array))],
      call: (c, _e, a) => c.L.hashBatch(...(a as Parameters<Lib['hashBatch']>)),
    },
    {
      name: 'selectBatch',
      params: [batch, policyParam, p('selector', () => ({ ports: 2 }), selectorKind(false)), p('out', () => out16(), outKind(Uint16Array))],
      call: (c, _e, a) => c.L.selectBatch(...(a as Parameters<Lib['selectBatch']>)),
    },
    {
      name: 'bindBatch',
      params: [
        p('batch', (c) => goodBatch(c), batchKind(false)),
        policyParam,
        p('options', () => ({ out: out32() }), record(() => ({ out: out32() }), { out: outKind(Uint32Array) }, true)),
      ],
      call: (c, _e, a) => c.L.bindBatch(...(a as [Batch, string])),
    },
    {
      name: 'bindBatch with a selector',
      params: [
        p('options', () => ({ selector: { ports: 2 }, out: out16() }), record(() => ({ selector: { ports: 2 }, out: out16() }), {
          out: outKind(Uint16Array), selector: selectorKind(true),
        }, true)),
      ],
      call: (c, _e, a) => c.L.bindBatch(goodBatch(c), POLICY, a[0] as { selector: { ports: number } }),
    },
    {
      name: 'new BoundBatch',
      params: [
        p('backend', (c) => c.backend, [...wrongTypes([], false), bad('an object without bind()', INVALID, () => ({ name: 'js' }))]),
        p('batch', (c) => goodBatch(c), batchKind(false)),
        policyParam,
        p('options', () => ({}), record(() => ({}), { out: outKind(Uint32Array) }, true)),
      ],
      call: (c, _e, a) => new c.L.BoundBatch(...(a as [Backend, Batch, string])),
    },
    {
      name: 'bound.run',
      env: (c) => bound(c, goodBatch(c)),
      params: [p('start', () => 0, int(0, 0)), p('count', () => 2, int(0, 2))],
      call: (_c, e, a) => (e.bound as InstanceType<Lib['BoundBatch']>).run(a[0] as number, a[1] as number),
      receivers: [
        ...(['data', 'offsets', 'lengths'] as const).map((k) => ({
          label: `a bound batch whose ${k} was detached after binding`, code: STATE,
          env: (c: Ctx) => { const e = bound(c, goodBatch(c)); detach(e.batch[k]!); return e; },
        })),
        { label: 'a bound batch whose link types were detached after binding', code: STATE, env: (c) => { const e = bound(c, goodBatch(c, 'perFrame')); detach(e.batch.linkTypes!); return e; } },
        { label: 'a strided bound batch whose data was detached after binding', code: STATE, env: (c) => { const e = bound(c, goodBatch(c, 'strided')); detach(e.batch.data); return e; } },
        { label: 'a bound batch whose out was detached after binding', code: STATE, env: (c) => { const e = bound(c, goodBatch(c)); detach(e.bound.out); return e; } },
        { label: 'a bound selecting batch whose out was detached after binding', code: STATE, env: (c) => { const e = bound(c, goodBatch(c), { ports: 2 }); detach(e.bound.out); return e; } },
        { label: 'a bound batch whose second offset was moved past the end', code: BOUNDS, frame: 1, env: (c) => { const e = bound(c, goodBatch(c)); e.batch.offsets![1] = 1000; return e; } },
        { label: 'a bound batch whose second offset was moved to 2^32 - 1', code: BOUNDS, frame: 1, env: (c) => { const e = bound(c, goodBatch(c)); e.batch.offsets![1] = 0xffffffff; return e; } },
        { label: 'a bound batch whose second length was set to 2^32 - 1', code: BOUNDS, frame: 1, env: (c) => { const e = bound(c, goodBatch(c)); e.batch.lengths[1] = 0xffffffff; return e; } },
      ],
    },
    // ---- policies
    {
      name: 'policy',
      params: [p('nameOrOptions', () => POLICY, [...policyKind(), ...policyOptionRows()])],
      call: (c, _e, a) => c.L.policy(a[0] as string),
    },
    // ---- dissect
    {
      name: 'dissect',
      params: [p('frame', () => frame.slice(), typed(Uint8Array, { content: () => frame })), p('linkType', () => 1, linkTypeKind(true))],
      call: (c, _e, a) => c.L.dissect(a[0] as Uint8Array, a[1] as number),
    },
    // ---- captures
    {
      name: 'parseCapture',
      params: [p('bytes', () => captureBytes(), [...typed(Uint8Array, { content: () => captureBytes() }), bad('bytes that are not a capture', CAPTURE, () => new Uint8Array(64))])],
      call: (c, _e, a) => c.L.parseCapture(a[0] as Uint8Array),
    },
    {
      name: 'CaptureStreamParser#push',
      env: (c) => ({ parser: new c.L.CaptureStreamParser() }),
      params: [p('chunk', () => captureBytes(), [...typed(Uint8Array, { content: () => captureBytes() }), bad('bytes that are not a capture', CAPTURE, () => new Uint8Array(64))])],
      call: (_c, e, a) => (e.parser as InstanceType<Lib['CaptureStreamParser']>).push(a[0] as Uint8Array),
      receivers: [{ label: 'an ended parser', code: STATE, env: (c) => { const parser = new c.L.CaptureStreamParser(); parser.push(captureBytes()); parser.end(); return { parser }; } }],
    },
    {
      name: 'CaptureStreamParser#end',
      env: (c) => { const parser = new c.L.CaptureStreamParser(); parser.push(captureBytes()); return { parser }; },
      params: [],
      call: (_c, e) => (e.parser as InstanceType<Lib['CaptureStreamParser']>).end(),
      receivers: [{ label: 'an ended parser', code: STATE, env: (c) => { const parser = new c.L.CaptureStreamParser(); parser.push(captureBytes()); parser.end(); return { parser }; } }],
    },
    {
      name: 'CaptureScanner#scan',
      env: (c) => ({ scanner: new c.L.CaptureScanner() }),
      params: [
        p('buf', () => captureBytes(), [...typed(Uint8Array, { content: () => captureBytes() }), bad('bytes that are not a capture', CAPTURE, () => new Uint8Array(64))]),
        p('reuse', () => false, bool(true)),
      ],
      call: (_c, e, a) => (e.scanner as InstanceType<Lib['CaptureScanner']>).scan(a[0] as Uint8Array, a[1] as boolean),
    },
    {
      name: 'CaptureScanner#finish',
      env: (c) => { const scanner = new c.L.CaptureScanner(); scanner.scan(captureBytes()); return { scanner }; },
      params: [p('rest', () => new Uint8Array(0), typed(Uint8Array, { content: () => new Uint8Array(4) }))],
      call: (_c, e, a) => (e.scanner as InstanceType<Lib['CaptureScanner']>).finish(a[0] as Uint8Array),
    },
    // ---- Team
    {
      name: 'new Team',
      params: [
        p('options', () => ({ ports: ['a', 'b'], selector: 'table' }), record(() => ({ ports: ['a', 'b'], selector: 'table', primary: 'a' }), {
          ports: [
            ...wrongTypes(['array'], false),
            bad('a list with a duplicate name', INVALID, () => ['a', 'a']),
            bad('a list with an empty name', INVALID, () => ['a', '']),
            ...wrongTypes(['string', 'object'], false).map((b) => ({ ...b, label: `['a', ${b.label}]`, make: (c: Ctx) => ['a', b.make(c)] })),
            ...record(() => ({ name: 'b' }), {
              name: [...wrongTypes(['string'], false), bad('an empty string', INVALID, () => '')],
              weight: int(1, 0xffff, true), up: bool(true), distributing: bool(true),
            }).filter((b) => b.label !== 'a string' && b.label !== 'a string of digits').map((b) => ({ ...b, label: `['a', ${b.label}]`, make: (c: Ctx) => ['a', b.make(c)] })),
            bad('4097 ports', RANGE, () => Array.from({ length: 4097 }, (_, i) => `p${i}`)),
          ],
          mode: oneOf(['balance', 'lacp', 'active-backup', 'round-robin', 'broadcast', 'same-port'], true),
          policy: policyKind().filter((b) => b.label !== 'undefined'),
          selector: teamSelectorKind(true),
          primary: existingName(true),
          reselect: oneOf(['always', 'better', 'failure'], true),
          packetsPerPort: int(1, 0xffffffff, true),
          clock: fn(true),
        })),
        p('backend', (c) => c.backend, [...wrongTypes([], true), bad('an object without the backend functions', INVALID, () => ({ name: 'js' }))]),
      ],
      call: (c, _e, a) => new c.L.Team(a[0] as import('../lib/index.js').TeamOptions, a[1] as never),
    },
    {
      name: 'new Team (mode-specific options)',
      params: [p('options', () => ({ ports: ['a', 'b'], mode: 'same-port', samePort: {} }), [
        ...record(() => ({ ports: ['a', 'b'], mode: 'same-port' }), {
          samePort: record(() => ({}), {
            key: oneOf(['mac', 'flow'], true),
            capacity: [...int(8, 1 << 24, true), bad('12 (not a power of two)', RANGE, () => 12)],
            maxIdle: int(0, 0x7fffffff, true),
          }, true),
        }).filter((b) => b.label.startsWith('{ samePort')),
        bad('a selector in active-backup mode', INVALID, () => ({ ports: ['a'], mode: 'active-backup', selector: 'table' })),
        bad('a selector in same-port mode', INVALID, () => ({ ports: ['a'], mode: 'same-port', selector: 'modulo' })),
      ])],
      call: (c, _e, a) => new c.L.Team(a[0] as import('../lib/index.js').TeamOptions),
    },
    {
      name: 'team.port',
      env: (c) => teamEnv(c),
      params: [p('id', () => 0, wrongTypes([], false).concat(NUMBERS.filter(([, v]) => !Number.isInteger(v)).map(([l, v]) => bad(l, INVALID, () => v))))],
      call: (_c, e, a) => (e.team as InstanceType<Lib['Team']>).port(a[0] as number),
      state: teamState,
    },
    ...['balance', 'lacp', 'active-backup', 'round-robin', 'broadcast', 'same-port'].map((mode): Spec => ({
      name: `team.selectBatch (${mode})`,
      env: team(mode),
      params: [p('batch', (c) => goodBatch(c), batchKind(true)), p('out', () => out16(), outKind(Uint16Array))],
      call: (_c, e, a) => (e.team as InstanceType<Lib['Team']>).selectBatch(a[0] as Batch, a[1] as Uint16Array),
      state: teamState,
    })),
    {
      name: 'team.select',
      env: (c) => teamEnv(c),
      params: [p('frame', () => frame.slice(), typed(Uint8Array, { content: () => frame })), p('linkType', () => 1, linkTypeKind(true))],
      call: (_c, e, a) => (e.team as InstanceType<Lib['Team']>).select(a[0] as Uint8Array, a[1] as number),
      state: teamState,
    },
    ...['balance', 'same-port'].map((mode): Spec => ({
      name: `team.receive (${mode})`,
      env: team(mode),
      params: [
        p('batch', (c) => goodBatch(c), batchKind(true)),
        p('arrival', () => Uint16Array.of(0, 1, 0), [
          ...typed(Uint16Array, { minLength: 2, content: () => Uint16Array.of(0, 1, 0) }).filter((b) => b.label !== 'an array of numbers'),
          bad('a port id that is not in the team', INVALID, () => Uint16Array.of(0, 7, 0)),
          bad('an array with a string', INVALID, () => [0, 'x', 0]),
          bad('an array with 1.5', INVALID, () => [0, 1.5, 0]),
          bad('an array with -1', INVALID, () => [0, -1, 0]),
          bad('an array with 65536 (0 modulo 2^16)', INVALID, () => [0, 65536, 0]),
          bad('an array with NaN', INVALID, () => [0, NaN, 0]),
          bad('an array with null', INVALID, () => [0, null, 0]),
          bad('an array too short', INVALID, () => [0]),
          bad('an array-like object', INVALID, () => ({ length: 3, 0: 0, 1: 1, 2: 0 })),
        ]),
      ],
      call: (_c, e, a) => (e.team as InstanceType<Lib['Team']>).receive(a[0] as Batch, a[1] as Uint16Array),
      state: teamState,
    })),
    {
      name: 'team.setPortUp',
      env: (c) => teamEnv(c),
      params: [p('name', () => 'a', existingName()), p('up', () => false, bool())],
      call: (_c, e, a) => (e.team as InstanceType<Lib['Team']>).setPortUp(a[0] as string, a[1] as boolean),
      state: teamState,
    },
    {
      name: 'team.setDistributing',
      env: team('lacp'),
      params: [p('name', () => 'a', existingName()), p('distributing', () => true, bool())],
      call: (_c, e, a) => (e.team as InstanceType<Lib['Team']>).setDistributing(a[0] as string, a[1] as boolean),
      state: teamState,
    },
    {
      name: 'team.addPort',
      env: (c) => teamEnv(c, { ports: ['a', 'b', 'c', 'd'] }),
      params: [p('port', () => 'e', [
        ...wrongTypes(['string', 'object'], false),
        bad('an empty name', INVALID, () => ''),
        bad('the name of a port already there', INVALID, () => 'a'),
        ...record(() => ({ name: 'e' }), {
          name: [...wrongTypes(['string'], false), bad('an empty string', INVALID, () => ''), bad('a name already there', INVALID, () => 'a')],
          weight: int(1, 0xffff, true), up: bool(true), distributing: bool(true),
        }).filter((b) => b.label !== 'a string' && b.label !== 'a string of digits'),
      ])],
      call: (_c, e, a) => (e.team as InstanceType<Lib['Team']>).addPort(a[0] as string),
      state: teamState,
      receivers: [{ label: 'a team of 4096 ports', code: RANGE, env: (c) => teamEnv(c, { ports: Array.from({ length: 4096 }, (_, i) => `p${i}`), selector: 'modulo' }) }],
    },
    {
      name: 'team.removePort',
      env: (c) => teamEnv(c),
      params: [p('name', () => 'a', existingName())],
      call: (_c, e, a) => (e.team as InstanceType<Lib['Team']>).removePort(a[0] as string),
      state: teamState,
    },
    {
      name: 'team.setWeight',
      env: (c) => teamEnv(c),
      params: [p('name', () => 'a', existingName()), p('weight', () => 3, int(1, 0xffff))],
      call: (_c, e, a) => (e.team as InstanceType<Lib['Team']>).setWeight(a[0] as string, a[1] as number),
      state: teamState,
    },
    {
      name: 'team.on',
      env: (c) => teamEnv(c),
      params: [p('event', () => 'change', oneOf(['change'])), p('listener', () => () => undefined, fn())],
      call: (_c, e, a) => (e.team as InstanceType<Lib['Team']>).on(a[0] as 'change', a[1] as () => void),
      state: teamState,
    },
    {
      name: 'team.rebalance',
      env: (c) => teamEnv(c),
      params: [p('options', () => ({}), record(() => ({}), { minBytes: num(0, Number.MAX_VALUE, true) }, true))],
      call: (_c, e, a) => (e.team as InstanceType<Lib['Team']>).rebalance(a[0] as object),
      state: teamState,
      receivers: [
        { label: 'a team with the modulo selector', code: INVALID, env: (c) => teamEnv(c, { selector: 'modulo' }) },
        { label: 'a team in active-backup mode', code: INVALID, env: (c) => teamEnv(c, { mode: 'active-backup', selector: undefined }) },
      ],
    },
    // ---- LACP and the Slow Protocols codec
    {
      name: 'new Lacp',
      params: [p('options', () => ({ system: MAC, ports: ['a', 'b'] }), record(() => ({ system: MAC, ports: ['a', 'b'] }), {
        system: [...macKind(false), bad('a group address (the ports send from it)', INVALID, () => '01:00:5e:00:00:01')],
        systemPriority: int(0, 0xffff, true),
        ports: [
          ...wrongTypes(['array'], false),
          bad('an empty list', INVALID, () => []),
          bad('a list with a duplicate name', INVALID, () => ['a', 'a']),
          bad('a list with an empty name', INVALID, () => ['a', '']),
          ...record(() => ({ name: 'b' }), {
            name: [...wrongTypes(['string'], false), bad('an empty string', INVALID, () => '')],
            mac: [...macKind(true), bad('a group address', INVALID, () => '03:00:00:00:00:01')], number: int(1, 0xffff, true), priority: int(0, 0xffff, true), key: int(0, 0xffff, true),
            speed: num(Number.MIN_VALUE, Number.MAX_VALUE, true).concat([bad('0', RANGE, () => 0)]), up: bool(true),
          }).filter((b) => !['a string', 'a string of digits', 'an empty string'].includes(b.label)).map((b) => ({ ...b, label: `['a', ${b.label}]`, make: (c: Ctx) => ['a', b.make(c)] })),
          bad('two ports with one number', INVALID, () => ['a', { name: 'b', number: 1 }]),
        ],
        key: int(0, 0xffff, true),
        rate: oneOf(['fast', 'slow'], true),
        activity: oneOf(['active', 'passive'], true),
        aggregatorSelection: oneOf(['stable', 'bandwidth', 'count'], true),
        noPartner: oneOf(['standard', 'fallback-ab', 'manual'], true),
        team: [...wrongTypes([], true), bad('a team in mode balance', INVALID, (c) => new c.L.Team({ ports: ['a', 'b'] })),
          bad('a team whose ports differ', INVALID, (c) => new c.L.Team({ ports: ['a', 'c'], mode: 'lacp' }))],
        markers: [...wrongTypes(['boolean', 'object'], true), bad('true without a team', INVALID, () => true), bad('{} without a team', INVALID, () => ({}))],
        clock: fn(true),
        timers: record(() => ({}), Object.fromEntries(['fastPeriodic', 'slowPeriodic', 'shortTimeout', 'longTimeout', 'churnDetection', 'aggregateWait'].map((k) => [k, int(1, 0x7fffffff, true)])), true),
      }))],
      call: (c, _e, a) => new c.L.Lacp(a[0] as import('../lib/index.js').LacpOptions),
    },
    {
      name: 'new Lacp (markers)',
      params: [p('options', (c) => ({ system: MAC, team: new c.L.Team({ ports: ['a', 'b'], mode: 'lacp' }), markers: { timeout: 50 } }), [
        ...record((c) => ({ system: MAC, team: new c.L.Team({ ports: ['a', 'b'], mode: 'lacp' }) }), {
          markers: record(() => ({ timeout: 50 }), { timeout: int(1, 0x7fffffff, true) }, true),
        }).filter((b) => b.label.startsWith('{ markers') && b.label !== '{ markers: true }' && b.label !== '{ markers: false }'),
      ])],
      call: (c, _e, a) => new c.L.Lacp(a[0] as import('../lib/index.js').LacpOptions),
    },
    {
      name: 'lacp.receive',
      env: lacpEnv,
      params: [p('port', () => 'a', existingName()), p('frame', () => lacpdu(), typed(Uint8Array, { content: () => lacpdu() }))],
      call: (_c, e, a) => (e.lacp as InstanceType<Lib['Lacp']>).receive(a[0] as string, a[1] as Uint8Array),
      state: lacpState,
    },
    {
      name: 'lacp.setPortUp',
      env: lacpEnv,
      params: [p('port', () => 'a', existingName()), p('up', () => false, bool())],
      call: (_c, e, a) => (e.lacp as InstanceType<Lib['Lacp']>).setPortUp(a[0] as string, a[1] as boolean),
      state: lacpState,
    },
    {
      name: 'lacp.setRate',
      env: lacpEnv,
      params: [p('rate', () => 'fast', oneOf(['fast', 'slow']))],
      call: (_c, e, a) => (e.lacp as InstanceType<Lib['Lacp']>).setRate(a[0] as 'fast'),
      state: lacpState,
    },
    {
      name: 'lacp.setActivity',
      env: lacpEnv,
      params: [p('activity', () => 'passive', oneOf(['active', 'passive']))],
      call: (_c, e, a) => (e.lacp as InstanceType<Lib['Lacp']>).setActivity(a[0] as 'passive'),
      state: lacpState,
    },
    {
      name: 'lacp.setSystemPriority',
      env: lacpEnv,
      params: [p('priority', () => 7, int(0, 0xffff))],
      call: (_c, e, a) => (e.lacp as InstanceType<Lib['Lacp']>).setSystemPriority(a[0] as number),
      state: lacpState,
    },
    {
      name: 'lacp.setPortKey',
      env: lacpEnv,
      params: [p('port', () => 'a', existingName()), p('key', () => 7, int(0, 0xffff))],
      call: (_c, e, a) => (e.lacp as InstanceType<Lib['Lacp']>).setPortKey(a[0] as string, a[1] as number),
      state: lacpState,
    },
    {
      name: 'lacp.setPortPriority',
      env: lacpEnv,
      params: [p('port', () => 'a', existingName()), p('priority', () => 7, int(0, 0xffff))],
      call: (_c, e, a) => (e.lacp as InstanceType<Lib['Lacp']>).setPortPriority(a[0] as string, a[1] as number),
      state: lacpState,
    },
    {
      name: 'lacp.on',
      env: lacpEnv,
      params: [p('event', () => 'send', oneOf(['send', 'state', 'release'])), p('listener', () => () => undefined, fn())],
      call: (_c, e, a) => (e.lacp as InstanceType<Lib['Lacp']>).on(a[0] as 'send', a[1] as () => void),
      state: lacpState,
    },
    {
      name: 'formatLacpStatus',
      params: [p('status', (c) => new c.L.Lacp({ system: MAC, ports: ['a'], clock: () => 0 }).status(), [
        ...wrongTypes(['object'], false),
        bad('a status without ports', INVALID, (c) => ({ ...new c.L.Lacp({ system: MAC, ports: ['a'], clock: () => 0 }).status(), ports: undefined })),
        bad('a port without its actor', INVALID, (c) => {
          const st = new c.L.Lacp({ system: MAC, ports: ['a'], clock: () => 0 }).status();
          return { ...st, ports: [{ ...st.ports[0], actor: null }] };
        }),
      ])],
      call: (c, _e, a) => c.L.formatLacpStatus(a[0] as never),
    },
    {
      name: 'encodeLacpdu',
      params: [
        p('source', () => MAC, [...macKind(false), bad('a group address', INVALID, () => '01:00:5e:00:00:01')]),
        p('pdu', () => ({ actor: INFO, partner: INFO, collectorMaxDelay: 0 }), record(() => ({ actor: INFO, partner: INFO, collectorMaxDelay: 0 }), {
          actor: infoKind(), partner: infoKind(), collectorMaxDelay: int(0, 0xffff),
        })),
      ],
      call: (c, _e, a) => c.L.encodeLacpdu(a[0] as string, a[1] as never),
    },
    {
      name: 'encodeMarker',
      params: [
        p('source', () => MAC, macKind(false)),
        p('pdu', () => ({ type: 'marker-information', requesterPort: 1, requesterSystem: MAC, transactionId: 1 }),
          record(() => ({ type: 'marker-information', requesterPort: 1, requesterSystem: MAC, transactionId: 1 }), {
            type: oneOf(['marker-information', 'marker-response']), requesterPort: int(0, 0xffff), requesterSystem: macKind(false), transactionId: int(0, 0xffffffff),
          })),
      ],
      call: (c, _e, a) => c.L.encodeMarker(a[0] as string, a[1] as never),
    },
    {
      name: 'decodeSlowFrame',
      params: [p('frame', () => lacpdu(), [
        ...typed(Uint8Array, { content: () => lacpdu() }).filter((b) => b.code !== INVALID || !b.label.includes('one too short')),
        bad('a truncated LACPDU', PDU, () => lacpdu().subarray(0, 40)),
        bad('a frame of another ethertype', PDU, () => frame.slice()),
        bad('an unknown subtype', PDU, () => Uint8Array.from(lacpdu(), (x, i) => (i === 14 ? 10 : x))),
      ])],
      call: (c, _e, a) => c.L.decodeSlowFrame(a[0] as Uint8Array),
    },
    {
      name: 'stateFromByte',
      params: [p('byte', () => 0x3d, int(0, 0xff))],
      call: (c, _e, a) => c.L.stateFromByte(a[0] as number),
    },
    {
      name: 'stateNames',
      params: [p('byte', () => 0x3d, int(0, 0xff))],
      call: (c, _e, a) => c.L.stateNames(a[0] as number),
    },
    {
      name: 'stateToByte',
      params: [p('state', () => ({ activity: true }), record(() => ({ activity: true }), Object.fromEntries(
        ['activity', 'timeout', 'aggregation', 'synchronization', 'collecting', 'distributing', 'defaulted', 'expired'].map((k) => [k, bool(true)]),
      )))],
      call: (c, _e, a) => c.L.stateToByte(a[0] as never),
    },
    {
      name: 'team.holdMoves',
      env: (c) => teamEnv(c),
      params: [p('on', () => true, bool())],
      call: (_c, e, a) => (e.team as InstanceType<Lib['Team']>).holdMoves(a[0] as boolean),
      state: teamState,
      receivers: [{ label: 'a team in round-robin mode', code: INVALID, env: (c) => teamEnv(c, { mode: 'round-robin', selector: undefined }) }],
    },
    {
      name: 'team.release',
      env: (c) => teamEnv(c),
      params: [p('hold', () => 1, int(1, Number.MAX_SAFE_INTEGER)), p('reason', () => 'why', [...wrongTypes(['string'], true)])],
      call: (_c, e, a) => (e.team as InstanceType<Lib['Team']>).release(a[0] as number, a[1] as string),
      state: teamState,
    },
    {
      name: 'team.on (release)',
      env: (c) => teamEnv(c),
      params: [p('event', () => 'release', oneOf(['change', 'release'])), p('listener', () => () => undefined, fn())],
      call: (_c, e, a) => (e.team as InstanceType<Lib['Team']>).on(a[0] as 'release', a[1] as () => void),
      state: teamState,
    },
    // ---- analysis
    {
      name: 'new Analyzer',
      params: [p('options', () => ({ ...ANALYZE_OPTIONS }), analyzeOptionsKind(true))],
      call: (c, _e, a) => new c.L.Analyzer(a[0] as import('../lib/index.js').AnalyzeOptions),
    },
    {
      name: 'analyzer.add',
      env: (c) => ({ analyzer: new c.L.Analyzer(ANALYZE_OPTIONS) }),
      params: [p('batch', (c) => goodBatch(c), batchKind(true)), p('wire', () => Uint32Array.of(FL, FL, FL), typed(Uint32Array, { optional: true, minLength: 2, content: () => Uint32Array.of(FL, FL, FL) }))],
      call: (_c, e, a) => (e.analyzer as InstanceType<Lib['Analyzer']>).add(a[0] as Batch, a[1] as Uint32Array),
      state: analyzerState,
    },
    {
      name: 'analyzer.report',
      env: (c) => ({ analyzer: new c.L.Analyzer(ANALYZE_OPTIONS) }),
      params: [p('inputs', () => [], arrayOf(() => ({ file: 'a', frames: 1, bytes: 1, truncated: false, warnings: [] }), [
        ...wrongTypes(['object'], false),
        ...record(() => ({ file: 'a', frames: 1, bytes: 1, truncated: false, warnings: [] }), {
          file: wrongTypes(['string'], false), frames: num(0, Number.MAX_VALUE), bytes: num(0, Number.MAX_VALUE), truncated: bool(),
          warnings: [...wrongTypes(['array'], false), bad('a list with a number', INVALID, () => [1])],
        }, false, null),
      ], true))],
      call: (_c, e, a) => (e.analyzer as InstanceType<Lib['Analyzer']>).report(a[0] as []),
      state: analyzerState,
    },
    {
      name: 'analyzer.mergeState',
      env: (c) => ({ analyzer: new c.L.Analyzer(ANALYZE_OPTIONS) }),
      params: [p('state', (c) => new c.L.Analyzer(ANALYZE_OPTIONS).exportState(), [
        ...record((c) => ({ ...new c.L.Analyzer(ANALYZE_OPTIONS).exportState() }), {
          totals: typed(Float64Array, { length: 6 }).concat([bad('5 totals', INVALID, () => new Float64Array(5))]),
          peakBytes: num(0, Number.MAX_VALUE),
          counters: [...wrongTypes(['array'], false), bad('no counters', INVALID, () => []), bad('a list with a number', INVALID, () => [1])],
          macPairs: [...wrongTypes(['object'], false), bad('an empty object', INVALID, () => ({}))],
          flows: [...wrongTypes(['object', 'null'], false), bad('an empty object', INVALID, () => ({}))],
          approx: [...wrongTypes(['object', 'null'], false), bad('an empty object', INVALID, () => ({}))],
        }, false, null),
        bad('the state of an analyzer with other options', INVALID, (c) => new c.L.Analyzer({ ...ANALYZE_OPTIONS, policies: ['dpdk:l34', 'dpdk:l2'] }).exportState()),
        bad('the state of an analyzer with more ports', INVALID, (c) => new c.L.Analyzer({ ...ANALYZE_OPTIONS, ports: 3 }).exportState()),
      ])],
      call: (_c, e, a) => (e.analyzer as InstanceType<Lib['Analyzer']>).mergeState(a[0] as never),
      state: analyzerState,
    },
    {
      name: 'analyzeCaptures',
      params: [
        p('captures', () => [{ file: 'a.pcap', bytes: captureBytes() }], arrayOf(() => ({ file: 'a.pcap', bytes: captureBytes() }), [
          ...record(() => ({ file: 'b.pcap', bytes: captureBytes() }), {
            file: [...wrongTypes(['string'], false)],
            bytes: [...typed(Uint8Array, { content: () => captureBytes() }), bad('bytes that are not a capture', CAPTURE, () => new Uint8Array(64)),
              bad('a capture of link type 0', LINK, () => captureBytes(0))],
          }, false, null),
        ])),
        p('options', () => ({ ...ANALYZE_OPTIONS }), analyzeOptionsKind(true)),
      ],
      call: (c, _e, a) => c.L.analyzeCaptures(a[0] as [], a[1] as object),
    },
    {
      name: 'analyzeFiles',
      params: [
        p('files', (c) => [join(c.dir, 'a.pcap')], arrayOf((c) => join(c.dir, 'a.pcap'), [
          ...wrongTypes(['string'], false),
          bad('a file that does not exist', CAPTURE, (c) => join(c.dir, 'missing.pcap')),
          bad('a directory', CAPTURE, (c) => c.dir),
          bad('a file that is not a capture', CAPTURE, (c) => join(c.dir, 'zeros.bin')),
          bad('a capture of link type 0', LINK, (c) => join(c.dir, 'loopback.pcap')),
        ], false, [bad('a file name (not a list)', INVALID, (c) => join(c.dir, 'a.pcap'))])),
        p('options', () => ({ ...ANALYZE_OPTIONS }), analyzeOptionsKind(true)),
        p('stream', () => ({}), record(() => ({}), { chunkBytes: int(1, 2 ** 30, true), onProgress: fn(true) }, true)),
      ],
      call: (c, _e, a) => c.L.analyzeFiles(a[0] as string[], a[1] as object, a[2] as object),
    },
    {
      // the same checks, then worker threads (one on a small input: the files are checked before any starts)
      name: 'analyzeFilesParallel',
      params: [
        p('files', (c) => [join(c.dir, 'a.pcap')], arrayOf((c) => join(c.dir, 'a.pcap'), [
          ...wrongTypes(['string'], false),
          bad('a file that does not exist', CAPTURE, (c) => join(c.dir, 'missing.pcap')),
          bad('a file that is not a capture', CAPTURE, (c) => join(c.dir, 'zeros.bin')),
        ], false, [bad('a file name (not a list)', INVALID, (c) => join(c.dir, 'a.pcap'))])),
        p('options', () => ({ ...ANALYZE_OPTIONS }), analyzeOptionsKind(true)),
        p('stream', () => ({}), record(() => ({}), { chunkBytes: int(1, 2 ** 30, true), onProgress: fn(true), threads: int(1, 64, true) }, true)),
      ],
      call: (c, _e, a) => c.L.analyzeFilesParallel(a[0] as string[], a[1] as object, a[2] as object),
    },
    {
      name: 'formatText',
      params: [p('report', (c) => c.L.analyzeCaptures([{ file: 'x.pcap', bytes: captureBytes() }], ANALYZE_OPTIONS), reportKind())],
      call: (c, _e, a) => c.L.formatText(a[0] as never),
    },
    {
      name: 'formatHtml',
      params: [p('report', (c) => c.L.analyzeCaptures([{ file: 'x.pcap', bytes: captureBytes() }], ANALYZE_OPTIONS), reportKind())],
      call: (c, _e, a) => c.L.formatHtml(a[0] as never),
    },
  ];
  return list;
}

// ---- the table ---------------------------------------------------------------

interface Row {
  id: string;
  spec: Spec;
  /** Argument position (-1: a bad receiver). */
  arg: number;
  bad: Bad;
}

function table(): Row[] {
  const rows: Row[] = [];
  for (const spec of specs()) {
    spec.params.forEach((param, k) => {
      for (const b of param.kind) rows.push({ id: `${spec.name}(${param.name} = ${b.label}) -> ${b.code}`, spec, arg: k, bad: b });
    });
    for (const r of spec.receivers ?? [])
      rows.push({ id: `${spec.name} on ${r.label} -> ${r.code}`, spec, arg: -1, bad: { label: r.label, code: r.code, frame: r.frame, make: r.env } });
  }
  return rows;
}

/** Every typed array a value holds (the value, a batch's arrays, an object's or array's values, two levels deep). */
function arraysIn(v: unknown, depth = 2, acc: ArrayBufferView[] = []): ArrayBufferView[] {
  if (ArrayBuffer.isView(v)) acc.push(v);
  else if (v && typeof v === 'object' && depth > 0 && (Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype || v.constructor?.name === 'FrameBatch' || v.constructor?.name === 'BoundBatch'))
    for (const x of Object.values(v)) arraysIn(x, depth - 1, acc);
  return acc;
}

function bytesOf(a: ArrayBufferView): number[] {
  try {
    return Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  } catch {
    return [];  // detached
  }
}

const ROWS = table();

async function load(name: string): Promise<Ctx> {
  vi.stubEnv('LAGHASH_BACKEND', name);
  vi.resetModules();
  try {
    const L = await import('../lib/index.js');
    const N = await import('../lib/native.js');
    expect(L.backend).toBe(name);
    return { L, backend: N.getBackend(name as 'js' | 'native'), dir: '' };
  } finally {
    vi.unstubAllEnvs();
  }
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'laghash-args-'));
  writeFileSync(join(dir, 'a.pcap'), captureBytes());
  writeFileSync(join(dir, 'loopback.pcap'), captureBytes(0));
  writeFileSync(join(dir, 'zeros.bin'), new Uint8Array(64));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function outcome(fnc: () => unknown): Promise<unknown> {
  try {
    const r = fnc();
    if (r instanceof Promise) await r;
  } catch (e) {
    return e;
  }
  return null;
}

it('the table covers every public function, constructor and method', () => {
  const names = new Set(ROWS.map((r) => r.spec.name.split(' ')[0]));
  for (const n of ['FrameBatch.packed', 'FrameBatch.strided', 'FrameBatch.fromBuffers', 'FrameBatch.fromCapture', 'FrameBatch.ofCapture', 'batch.frame', 'batch.linkTypeOf',
    'hashBatch', 'selectBatch', 'bindBatch', 'new', 'bound.run', 'policy', 'dissect', 'parseCapture', 'CaptureStreamParser#push', 'CaptureStreamParser#end',
    'CaptureScanner#scan', 'CaptureScanner#finish', 'team.port', 'team.selectBatch', 'team.select', 'team.receive', 'team.setPortUp', 'team.setDistributing',
    'team.addPort', 'team.removePort', 'team.setWeight', 'team.on', 'team.rebalance', 'analyzer.add', 'analyzer.report', 'analyzer.mergeState',
    'analyzeCaptures', 'analyzeFiles', 'formatText', 'formatHtml'])
    expect(names.has(n), n).toBe(true);
  // every function and class lib/index.ts exports is in the table (error classes build errors and are left out)
  return import('../lib/index.js').then((L) => {
    const exported = Object.entries(L).filter(([k, v]) => typeof v === 'function' && !k.endsWith('Error')).map(([k]) => k);
    const specNames = specs().map((s) => s.name).join(' ');
    for (const k of exported) expect(specNames.includes(k) || specNames.toLowerCase().includes(k.toLowerCase()), k).toBe(true);
    expect(ROWS.length).toBeGreaterThan(1500);
  });
});

describe.each(BACKEND_NAMES)('bad arguments (%s)', (name) => {
  let c: Ctx;
  beforeAll(async () => {
    c = { ...(await load(name)), dir };
  });

  it.each(specs().map((s) => [s.name, s] as const))('%s: the good arguments work', async (_n, spec) => {
    const env = spec.env?.(c) ?? {};
    const args = spec.params.map((q) => q.good(c, env));
    expect(await outcome(() => spec.call(c, env, args))).toBeNull();
  });

  it.each(ROWS.map((r) => [r.id, r] as const))('%s', async (_id, row) => {
    const { spec, arg, bad: b } = row;
    const env = arg < 0 ? (b.make(c) as Env) : spec.env?.(c) ?? {};
    const args = spec.params.map((q, k) => (k === arg ? b.make(c) : q.good(c, env)));
    const arrays = [...arraysIn(args), ...arraysIn(env)];
    const before = arrays.map(bytesOf);
    const state = spec.state ? JSON.stringify(spec.state(env)) : null;
    const err = await outcome(() => spec.call(c, env, args));
    expect(err, 'no error thrown').not.toBeNull();
    expect(err).toBeInstanceOf(c.L.LaghashError);
    const e = err as InstanceType<Lib['LaghashError']> & { frame?: number };
    expect(e.code).toBe(b.code);
    expect(e).toBeInstanceOf(c.L[CLASS_OF[b.code]] as unknown as typeof Error);
    expect(e.name).toBe(CLASS_OF[b.code]);
    expect(e.message).toMatch(/expect/i);
    if (b.frame !== undefined) expect(e.frame).toBe(b.frame);
    // nothing written into the caller's arrays (out arrays hold the sentinel), nothing changed in the receiver
    expect(arrays.map(bytesOf)).toEqual(before);
    if (spec.state) expect(JSON.stringify(spec.state(env))).toBe(state);
  });
});
