/**
 * A worker thread of analyzeFilesParallel(): an Analyzer over the chunks the
 * main thread reads and scans, its counts sent back at the end to be merged.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Analyzer, type AnalyzerState } from './analyze.js';
import { FrameBatch } from './batch.js';
import type { Capture } from './capture.js';
import { getBackend } from './native.js';
import type { BackendName } from './backend.js';

/** A scanned chunk: the records of one buffer. */
export interface ChunkMessage {
  type: 'chunk';
  data: Uint8Array;
  offsets: Uint32Array;
  lengths: Uint32Array;
  originalLengths: Uint32Array;
  linkTypes: Uint16Array;
  linkType: number;
}

/** done: the chunk's buffer goes back to be read into again. */
export type WorkerReply =
  | { type: 'done'; data: ArrayBuffer }
  | { type: 'state'; state: AnalyzerState }
  | { type: 'error'; message: string; code?: string; frame?: number; linkType?: number };

const { options, backend } = workerData as { options: ConstructorParameters<typeof Analyzer>[0]; backend: BackendName };
const port = parentPort!;
let analyzer: Analyzer;

function reply(m: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(m, transfer);
}

try {
  analyzer = new Analyzer({ ...options, backend: getBackend(backend) });
} catch (e) {
  reply(errorReply(e));
}

port.on('message', (m: ChunkMessage | { type: 'finish' }) => {
  try {
    if (m.type === 'chunk') {
      const c: Capture = {
        format: 'pcap', data: m.data, count: m.offsets.length, offsets: m.offsets, lengths: m.lengths,
        originalLengths: m.originalLengths, linkTypes: m.linkTypes, linkType: m.linkType,
        timestamps: new Float64Array(0), truncated: false, warnings: [],
      };
      analyzer.add(FrameBatch.ofCapture(c), m.originalLengths);
      const data = m.data.buffer as ArrayBuffer;
      reply({ type: 'done', data }, [data]);
    } else {
      const state = analyzer.exportState();
      reply({ type: 'state', state }, buffersOf(state));
    }
  } catch (e) {
    reply(errorReply(e));
  }
});

/** An error as a message: its code and the extra fields of its class (frame, linkType). */
function errorReply(e: unknown): WorkerReply {
  const x = e as { message?: string; code?: string; frame?: number; linkType?: number };
  return { type: 'error', message: String(x?.message ?? e), code: x?.code, frame: x?.frame, linkType: x?.linkType };
}

/** Every typed array's buffer in a state (transferred, not copied). */
function buffersOf(v: unknown, out: ArrayBuffer[] = []): ArrayBuffer[] {
  if (ArrayBuffer.isView(v)) {
    if (v.buffer instanceof ArrayBuffer && !out.includes(v.buffer)) out.push(v.buffer);
  } else if (v && typeof v === 'object') {
    for (const x of Object.values(v)) buffersOf(x, out);
  }
  return out;
}
