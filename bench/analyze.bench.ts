/**
 * laghash analyze throughput on a capture of at least 512 MB built from the
 * shared corpus (every Ethernet frame of its captures, repeated), beside
 * `cat FILE > /dev/null` on the same file in the same run, and the peak
 * memory of the analysis (its own process). Prints one JSON line.
 * Skips (prints {"skipped": ...}) when ../shared/captures is absent.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCapture } from '../dist/index.js';

const SHARED = fileURLToPath(new URL('../../shared/captures/', import.meta.url));
const TARGET = 512e6;
const FILE = join(tmpdir(), `laghash-bench-corpus-${TARGET / 1e6}MB.pcap`);

function build(): void {
  const records: Uint8Array[] = [];
  let size = 0;
  for (const f of readdirSync(SHARED).filter((x) => /\.pcap(ng)?$/.test(x)).sort()) {
    let c;
    try {
      c = parseCapture(new Uint8Array(readFileSync(join(SHARED, f))));
    } catch {
      continue;
    }
    for (let i = 0; i < c.count; i++) {
      if (c.linkTypes[i] !== 1) continue;
      const len = c.lengths[i];
      const r = new Uint8Array(16 + len);
      const v = new DataView(r.buffer);
      v.setUint32(0, i, true);
      v.setUint32(8, len, true);
      v.setUint32(12, Math.max(len, c.originalLengths[i]), true);
      r.set(c.data.subarray(c.offsets[i], c.offsets[i] + len), 16);
      records.push(r);
      size += r.length;
    }
  }
  const block = Buffer.concat(records);
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  const tmp = `${FILE}.${process.pid}`;
  const fd = openSync(tmp, 'w');
  writeSync(fd, header);
  for (let written = 0; written < TARGET; written += size) writeSync(fd, block);
  closeSync(fd);
  renameSync(tmp, FILE);
}

function seconds(fn: () => void, runs = 3): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9);
  }
  return best;
}

/** One analysis in its own process: seconds and peak resident memory (VmHWM). */
function analyse(policies: string): { s: number; peakMB: number; frames: number } {
  const script = `
    import { readFileSync } from 'node:fs';
    import { analyzeFiles } from ${JSON.stringify(new URL('../dist/analyze.js', import.meta.url).href)};
    const t = process.hrtime.bigint();
    const r = await analyzeFiles([${JSON.stringify(FILE)}], { policies: ${policies}, ports: 4 });
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    const hwm = Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
    console.log(JSON.stringify({ s, peakMB: hwm / 1024, frames: r.traffic.frames }));`;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(res.stderr);
  return JSON.parse(res.stdout) as { s: number; peakMB: number; frames: number };
}

if (!existsSync(join(SHARED, 'MANIFEST.tsv'))) {
  console.log(JSON.stringify({ skipped: 'the shared capture corpus (../shared/captures) is absent' }));
} else {
  if (!existsSync(FILE)) build();
  const bytes = statSync(FILE).size;
  const cat = () => execFileSync('sh', ['-c', `cat '${FILE}' > /dev/null`]);
  cat();  // warm the page cache: both read from memory
  const catS = seconds(cat);
  // the best of three, as for cat: each analysis in a fresh process, so each pays V8's warm-up
  const one = [1, 2, 3].map(() => analyse("['linux:layer3+4']")).sort((a, b) => a.s - b.s)[0];
  const all = analyse('undefined');
  console.log(JSON.stringify({
    file: FILE, bytes, frames: one.frames,
    catMBps: bytes / 1e6 / catS,
    oneMBps: bytes / 1e6 / one.s, onePeakMB: one.peakMB,
    defaultMBps: bytes / 1e6 / all.s, defaultPeakMB: all.peakMB,
  }));
}
