/**
 * laghash: which link of an aggregated group a frame goes out on.
 *
 * The public surface only; see docs/api.md.
 */
import { activeBackend, backendChoiceError, nativeLoadError } from './native.js';

export { FrameBatch, SUPPORTED_LINK_TYPES, type BatchOptions } from './batch.js';
export {
  hashBatch,
  selectBatch,
  bindBatch,
  BoundBatch,
  type BindOptions,
  type ModuloSelector,
  type StaticSelector,
  type SelectorLike,
  type PolicyLike,
} from './hash.js';
export {
  policy,
  policyNames,
  FIELD_SETS,
  TEAM_DEFAULT_FIELDS,
  type Policy,
  type PolicyName,
  type PolicyOptions,
  type PolicyFamily,
  type LinuxPolicyName,
  type LinuxPolicyOptions,
  type DpdkPolicyName,
  type DpdkPolicyOptions,
  type TeamField,
  type TeamPolicyOptions,
  type ToeplitzPolicyOptions,
  type FieldName,
  type FieldSetName,
  type FieldPolicyOptions,
  type VlanMode,
  type TunnelMode,
} from './policy.js';
export {
  Team,
  NO_PORT,
  BROADCAST,
  HOLD,
  type TeamMode,
  type Reselect,
  type TeamOptions,
  type TeamPortOptions,
  type TeamPort,
  type SamePortOptions,
  type ChangeType,
  type ChangeEvent,
  type PortStats,
  type ConversationStats,
  type RebalanceOptions,
  type ReleaseEvent,
  type HoldStats,
} from './team.js';
export type { SelectorKind, SelectorOptions } from './selectors.js';
export { MICROSOFT_RSS_KEY, SYMMETRIC_RSS_KEY } from './toeplitz.js';
export {
  dissect,
  type Dissection,
  type WalkStatus,
  type EthernetHeader,
  type VlanTag,
  type MplsEntry,
  type IpLayer,
  type TunnelType,
} from './dissect.js';
export { parseCapture, CaptureStreamParser, CaptureScanner, type Capture } from './capture.js';
export {
  Analyzer,
  analyzeFiles,
  analyzeFilesParallel,
  analyzeCaptures,
  DEFAULT_POLICIES,
  ALL_POLICIES,
  type AnalyzeOptions,
  type StreamOptions,
  type ParallelOptions,
  type AnalysisReport,
  type ConfigResult,
  type PortFigures,
  type FailureFigures,
  type TrafficFigures,
  type LoadMeasure,
} from './analyze.js';
export { formatText, formatHtml } from './report.js';
export {
  LaghashError,
  InvalidArgumentError,
  OutOfRangeError,
  FrameBoundsError,
  UnknownPolicyError,
  PolicyOptionError,
  CaptureFormatError,
  UnsupportedLinkTypeError,
  BufferStateError,
  BackendUnavailableError,
  PduFormatError,
  type ErrorCode,
} from './errors.js';
export type { BackendName } from './backend.js';

/** The backend in use: 'native' (the addon) or 'js' (the TypeScript twin). */
export const backend = activeBackend.name;

/**
 * Why the native addon did not load, or null when it did; with LAGHASH_BACKEND
 * asking for what cannot be had, that (every call then throws it).
 */
export const backendError: Error | null = backendChoiceError ?? nativeLoadError;
export {
  Lacp,
  formatLacpStatus,
  DEFAULT_TIMERS,
  MAX_TX_PER_PERIOD,
  type LacpOptions,
  type LacpPortOptions,
  type LacpRate,
  type LacpActivity,
  type AggregatorSelection,
  type NoPartner,
  type LacpTimers,
  type LacpStatus,
  type LacpPortStatus,
  type LacpPortCounters,
  type LacpStateEvent,
  type LacpReleaseEvent,
  type RxState,
  type MuxState,
  type PeriodicState,
  type Selected,
} from './lacp/lacp.js';
export {
  encodeLacpdu,
  encodeMarker,
  decodeSlowFrame,
  stateFromByte,
  stateToByte,
  stateNames,
  STATE,
  SLOW_PROTOCOLS_ETHERTYPE,
  SLOW_PROTOCOLS_MAC,
  SLOW_FRAME_LENGTH,
  type LacpInfo,
  type Lacpdu,
  type MarkerPdu,
  type SlowPdu,
  type SlowFrame,
  type PortState,
  type StateBit,
} from './lacp/codec.js';
