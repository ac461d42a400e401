/**
 * The public types, as a TypeScript user meets them: what the functions
 * return, the shapes of options, events and reports, the error classes and
 * their code union, and misuse the types must reject (each
 * `@ts-expect-error` line fails the type check when it stops being an error).
 *
 * A type test (.test-d.ts): checked by `tsc -p test/tsconfig.json`, which
 * npm test runs first (pretest) over every test file; vitest does not run it
 * (the values below are only declared).
 */
import { describe, expectTypeOf, it } from 'vitest';
import {
  Analyzer,
  BROADCAST,
  BackendUnavailableError,
  BoundBatch,
  BufferStateError,
  CaptureFormatError,
  CaptureScanner,
  CaptureStreamParser,
  FrameBatch,
  FrameBoundsError,
  InvalidArgumentError,
  LaghashError,
  NO_PORT,
  OutOfRangeError,
  PolicyOptionError,
  Team,
  UnknownPolicyError,
  UnsupportedLinkTypeError,
  analyzeCaptures,
  analyzeFiles,
  backend,
  backendError,
  bindBatch,
  dissect,
  formatHtml,
  formatText,
  hashBatch,
  parseCapture,
  policy,
  selectBatch,
  type AnalysisReport,
  type AnalyzeOptions,
  type BackendName,
  type BatchOptions,
  type BindOptions,
  type Capture,
  type ChangeEvent,
  type ChangeType,
  type ConfigResult,
  type ConversationStats,
  type Dissection,
  type ErrorCode,
  type FailureFigures,
  type IpLayer,
  type Policy,
  type PolicyFamily,
  type PolicyOptions,
  type PortFigures,
  type PortStats,
  type SelectorKind,
  type SelectorLike,
  type TeamMode,
  type TeamOptions,
  type TeamPort,
  type TrafficFigures,
  type WalkStatus,
} from '../lib/index.js';

declare const batch: FrameBatch;
declare const bytes: Uint8Array;
declare const team: Team;
declare const report: AnalysisReport;

describe('public types', () => {
  it('hashBatch, selectBatch and bindBatch return the typed arrays the docs name', () => {
    expectTypeOf(hashBatch).returns.toEqualTypeOf<Uint32Array>();
    expectTypeOf(selectBatch).returns.toEqualTypeOf<Uint16Array>();
    expectTypeOf(hashBatch).parameter(2).toEqualTypeOf<Uint32Array | undefined>();
    expectTypeOf(selectBatch).parameter(3).toEqualTypeOf<Uint16Array | undefined>();
    expectTypeOf(selectBatch).parameter(2).toEqualTypeOf<SelectorLike>();
    // bindBatch: ports (Uint16Array) with a selector, hashes (Uint32Array) without
    expectTypeOf(bindBatch(batch, 'dpdk:l34')).toEqualTypeOf<BoundBatch<Uint32Array>>();
    expectTypeOf(bindBatch(batch, 'dpdk:l34', { selector: { ports: 4 } })).toEqualTypeOf<BoundBatch<Uint16Array>>();
    expectTypeOf(bindBatch(batch, 'dpdk:l34').run(0, 1)).toEqualTypeOf<Uint32Array>();
    expectTypeOf(bindBatch(batch, 'dpdk:l34', { selector: { kind: 'table', ports: ['a', 'b'] } }).out).toEqualTypeOf<Uint16Array>();
    expectTypeOf<BindOptions['out']>().toEqualTypeOf<Uint32Array | Uint16Array | undefined>();
  });

  it('FrameBatch: constructors, fields and options', () => {
    expectTypeOf(FrameBatch.packed).returns.toEqualTypeOf<FrameBatch>();
    expectTypeOf(FrameBatch.packed).parameters.toEqualTypeOf<[Uint8Array, Uint32Array, Uint32Array, BatchOptions?]>();
    expectTypeOf(FrameBatch.strided).parameter(1).toBeNumber();
    expectTypeOf(FrameBatch.fromCapture(bytes)).toEqualTypeOf<FrameBatch>();
    expectTypeOf<BatchOptions>().toEqualTypeOf<{ linkType?: number | Uint16Array }>();
    expectTypeOf(batch.offsets).toEqualTypeOf<Uint32Array | null>();
    expectTypeOf(batch.linkTypes).toEqualTypeOf<Uint16Array | null>();
    expectTypeOf(batch.capture).toEqualTypeOf<Capture | null>();
    expectTypeOf(batch.frame(0)).toEqualTypeOf<Uint8Array>();
    expectTypeOf(parseCapture(bytes)).toEqualTypeOf<Capture>();
    expectTypeOf<Capture['format']>().toEqualTypeOf<'pcap' | 'pcapng'>();
    expectTypeOf(new CaptureScanner().scan(bytes)).toEqualTypeOf<{ capture: Capture; consumed: number }>();
    expectTypeOf(new CaptureStreamParser().push).returns.toEqualTypeOf<Capture>();
  });

  it('Policy and its options', () => {
    expectTypeOf(policy).returns.toEqualTypeOf<Policy>();
    expectTypeOf(policy).parameter(0).toEqualTypeOf<string | PolicyOptions | Policy>();
    expectTypeOf<Policy['family']>().toEqualTypeOf<PolicyFamily>();
    expectTypeOf<PolicyFamily>().toEqualTypeOf<'linux' | 'dpdk' | 'team' | 'rss' | 'fields'>();
    expectTypeOf<Policy>().toHaveProperty('symmetric').toEqualTypeOf<boolean>();
    expectTypeOf<Policy>().toHaveProperty('tables').toEqualTypeOf<Uint32Array | null>();
    expectTypeOf({ name: 'src-dst-ip-port', hash: 'xor', seed: 7 } as const).toExtend<PolicyOptions>();
    expectTypeOf({ name: 'rss:toeplitz', key: bytes, l4: ['tcp'] } as const).toExtend<PolicyOptions>();
  });

  it('Team: modes, ports, change reports and counters', () => {
    expectTypeOf<TeamMode>().toEqualTypeOf<'balance' | 'lacp' | 'active-backup' | 'round-robin' | 'broadcast' | 'same-port'>();
    expectTypeOf<TeamOptions['selector']>().toEqualTypeOf<SelectorKind | import('../lib/index.js').SelectorOptions | undefined>();
    expectTypeOf(team.selectBatch(batch)).toEqualTypeOf<Uint16Array>();
    expectTypeOf(team.select(bytes)).toBeNumber();
    expectTypeOf(team.ports).toEqualTypeOf<TeamPort[]>();
    expectTypeOf(team.port(0)).toEqualTypeOf<TeamPort | undefined>();
    expectTypeOf(team.activePort).toEqualTypeOf<TeamPort | null>();
    expectTypeOf(team.setPortUp('a', false)).toEqualTypeOf<ChangeEvent | null>();
    expectTypeOf(team.rebalance()).toEqualTypeOf<ChangeEvent | null>();
    expectTypeOf(team.on('change', () => undefined)).toEqualTypeOf<() => void>();
    team.on('change', (e) => expectTypeOf(e).toEqualTypeOf<ChangeEvent>());
    team.on('release', (e) => expectTypeOf(e).toEqualTypeOf<import('../lib/index.js').ReleaseEvent>());
    expectTypeOf<ChangeEvent['hold']>().toEqualTypeOf<{ id: number; from: string[] } | undefined>();
    expectTypeOf(team.holdStats()).toEqualTypeOf<import('../lib/index.js').HoldStats>();
    // @ts-expect-error: no such event
    team.on('moved', () => undefined);
    expectTypeOf<ChangeEvent['type']>().toEqualTypeOf<ChangeType>();
    expectTypeOf<ChangeType>().toEqualTypeOf<'down' | 'up' | 'add' | 'remove' | 'weight' | 'distributing' | 'rebalance' | 'upkeep' | 'active'>();
    expectTypeOf<ChangeEvent['buckets']>().toEqualTypeOf<{ bucket: number; from: string | null; to: string | null }[]>();
    expectTypeOf<ChangeEvent['shares']>().toEqualTypeOf<{ from: string | null; to: string | null; share: number }[]>();
    expectTypeOf(team.portStats()).toEqualTypeOf<PortStats[]>();
    expectTypeOf(team.conversations()).toEqualTypeOf<ConversationStats | null>();
    expectTypeOf(team.bucketBytes()).toEqualTypeOf<Float64Array | null>();
    expectTypeOf(team.bucketPorts()).toEqualTypeOf<(string | null)[] | null>();
    expectTypeOf(NO_PORT).toBeNumber();
    expectTypeOf(BROADCAST).toExtend<number>();
  });

  it('dissect', () => {
    expectTypeOf(dissect(bytes)).toEqualTypeOf<Dissection>();
    expectTypeOf<Dissection['status']>().toEqualTypeOf<WalkStatus>();
    expectTypeOf<Dissection['ip']>().toEqualTypeOf<IpLayer[]>();
    expectTypeOf<IpLayer['version']>().toEqualTypeOf<4 | 6>();
    expectTypeOf<IpLayer['kind']>().toEqualTypeOf<'outer' | 'tunnelled' | 'quoted'>();
    expectTypeOf<Dissection['tunnel']>().toEqualTypeOf<{ type: import('../lib/index.js').TunnelType; id: number | null } | null>();
  });

  it('analysis reports', () => {
    expectTypeOf(analyzeFiles).returns.toEqualTypeOf<Promise<AnalysisReport>>();
    expectTypeOf(analyzeCaptures).returns.toEqualTypeOf<AnalysisReport>();
    expectTypeOf(new Analyzer().report()).toEqualTypeOf<AnalysisReport>();
    expectTypeOf(formatText).parameters.toEqualTypeOf<[AnalysisReport]>();
    expectTypeOf(formatHtml).returns.toBeString();
    expectTypeOf(report.results).toEqualTypeOf<ConfigResult[]>();
    expectTypeOf(report.traffic).toEqualTypeOf<TrafficFigures>();
    expectTypeOf<ConfigResult['ports']>().toEqualTypeOf<PortFigures[]>();
    expectTypeOf<ConfigResult['failures']>().toEqualTypeOf<FailureFigures[]>();
    expectTypeOf<AnalysisReport['by']>().toEqualTypeOf<'frames' | 'bytes'>();
    expectTypeOf<AnalyzeOptions['fail']>().toEqualTypeOf<'each' | 'none' | readonly number[] | undefined>();
  });

  it('errors: classes, the code union, extra fields; the backend', () => {
    expectTypeOf<ErrorCode>().toEqualTypeOf<
      | 'ERR_LAGHASH_INVALID_ARGUMENT'
      | 'ERR_LAGHASH_OUT_OF_RANGE'
      | 'ERR_LAGHASH_FRAME_BOUNDS'
      | 'ERR_LAGHASH_UNKNOWN_POLICY'
      | 'ERR_LAGHASH_INVALID_POLICY_OPTION'
      | 'ERR_LAGHASH_CAPTURE_FORMAT'
      | 'ERR_LAGHASH_UNSUPPORTED_LINK_TYPE'
      | 'ERR_LAGHASH_BUFFER_STATE'
      | 'ERR_LAGHASH_BACKEND_UNAVAILABLE'
      | 'ERR_LAGHASH_PDU_FORMAT'
    >();
    expectTypeOf<LaghashError['code']>().toEqualTypeOf<ErrorCode>();
    expectTypeOf(InvalidArgumentError).instance.toExtend<LaghashError>();
    expectTypeOf(OutOfRangeError).instance.toExtend<LaghashError>();
    expectTypeOf(FrameBoundsError).instance.toExtend<LaghashError>();
    expectTypeOf(UnknownPolicyError).instance.toExtend<LaghashError>();
    expectTypeOf(PolicyOptionError).instance.toExtend<LaghashError>();
    expectTypeOf(CaptureFormatError).instance.toExtend<LaghashError>();
    expectTypeOf(UnsupportedLinkTypeError).instance.toExtend<LaghashError>();
    expectTypeOf(BufferStateError).instance.toExtend<LaghashError>();
    expectTypeOf(BackendUnavailableError).instance.toExtend<LaghashError>();
    expectTypeOf(new FrameBoundsError(1, 'x')).toExtend<{ readonly code: ErrorCode; readonly frame: number }>();
    expectTypeOf<LaghashError>().toExtend<Error>();
    expectTypeOf<FrameBoundsError['frame']>().toBeNumber();
    expectTypeOf<UnsupportedLinkTypeError['linkType']>().toBeNumber();
    expectTypeOf(backend).toEqualTypeOf<BackendName>();
    expectTypeOf<BackendName>().toEqualTypeOf<'native' | 'js'>();
    expectTypeOf(backendError).toEqualTypeOf<Error | null>();
  });

  it('LACP: options, status, events and the codec', () => {
    const L = import('../lib/index.js');
    type Lib = Awaited<typeof L>;
    type Lacp = InstanceType<Lib['Lacp']>;
    expectTypeOf<ReturnType<Lacp['status']>>().toEqualTypeOf<import('../lib/index.js').LacpStatus>();
    expectTypeOf<import('../lib/index.js').LacpPortStatus['mux']>().toEqualTypeOf<'detached' | 'waiting' | 'attached' | 'collecting' | 'distributing'>();
    expectTypeOf<import('../lib/index.js').LacpPortStatus['rx']>().toEqualTypeOf<'initialize' | 'port-disabled' | 'expired' | 'defaulted' | 'current'>();
    expectTypeOf<ReturnType<Lacp['receive']>>().toEqualTypeOf<'lacp' | 'marker-information' | 'marker-response' | null>();
    expectTypeOf<ReturnType<Lib['encodeLacpdu']>>().toEqualTypeOf<Uint8Array>();
    expectTypeOf<ReturnType<Lib['decodeSlowFrame']>['pdu']>().toEqualTypeOf<import('../lib/index.js').SlowPdu>();
    expectTypeOf<import('../lib/index.js').LacpOptions['rate']>().toEqualTypeOf<'fast' | 'slow' | undefined>();
    expectTypeOf<import('../lib/index.js').LacpOptions['noPartner']>().toEqualTypeOf<'standard' | 'fallback-ab' | 'manual' | undefined>();
    const misuse = (lacp: Lacp) => {
      // @ts-expect-error rate is fast or slow
      lacp.setRate('medium');
      // @ts-expect-error send listeners take (port, frame)
      lacp.on('send', (port: number) => port);
      // @ts-expect-error a frame is a Uint8Array
      lacp.receive('a', [1, 2]);
    };
    expectTypeOf(misuse).toBeFunction();
    expectTypeOf<InstanceType<Lib['PduFormatError']>['field']>().toBeString();
  });

  it('misuse does not type-check', () => {
    // never called: only the type checker reads these lines
    const misuse = () => {
      // @ts-expect-error a policy is a name, options or a compiled policy, not a number
      hashBatch(batch, 42);
      // @ts-expect-error hashes go to a Uint32Array
      hashBatch(batch, 'dpdk:l34', new Uint16Array(4));
      // @ts-expect-error ports go to a Uint16Array
      selectBatch(batch, 'dpdk:l34', { ports: 4 }, new Uint32Array(4));
      // @ts-expect-error a port count is a number
      selectBatch(batch, 'dpdk:l34', { ports: '4' });
      // @ts-expect-error selectBatch needs a selector
      selectBatch(batch, 'dpdk:l34');
      // @ts-expect-error a bound batch without a selector gives hashes, not ports
      const ports: Uint16Array = bindBatch(batch, 'dpdk:l34').out;
      // @ts-expect-error offsets are a Uint32Array, not a number[]
      FrameBatch.packed(bytes, [0], new Uint32Array(1));
      // @ts-expect-error a link type is a number or a Uint16Array
      FrameBatch.packed(bytes, new Uint32Array(1), new Uint32Array(1), { linkType: 'ethernet' });
      // @ts-expect-error vlan is 'offloaded' or 'inband'
      policy({ name: 'linux:layer3+4', vlan: 'maybe' });
      // @ts-expect-error DPDK policies take no options
      policy({ name: 'dpdk:l34', vlan: 'inband' });
      // @ts-expect-error fields of the field policies are named
      policy({ name: 'fields', fields: ['src-ip', 'nope'] });
      // @ts-expect-error an unknown mode
      new Team({ ports: ['a'], mode: 'lacpp' });
      // @ts-expect-error weights are numbers
      new Team({ ports: [{ name: 'a', weight: '1' }] });
      // @ts-expect-error a Team needs ports
      new Team({ mode: 'balance' });
      // @ts-expect-error only 'change' events
      team.on('changed', () => undefined);
      // @ts-expect-error the listener gets a ChangeEvent
      team.on('change', (e: number) => e);
      // @ts-expect-error up is a boolean
      team.setPortUp('a', 'yes');
      // @ts-expect-error files are a list
      void analyzeFiles('trace.pcap');
      // @ts-expect-error by is 'bytes' or 'frames'
      new Analyzer({ by: 'packets' });
      // @ts-expect-error a link type is a number
      dissect(bytes, '1');
      // @ts-expect-error formatText takes an AnalysisReport
      formatText({});
      // @ts-expect-error not a code laghash throws
      const code: ErrorCode = 'ERR_LAGHASH_NOPE';
      // @ts-expect-error error codes are read-only
      new InvalidArgumentError('x').code = 'ERR_LAGHASH_OUT_OF_RANGE';
      return [ports, code];
    };
    expectTypeOf(misuse).toBeFunction();
  });
});
