#!/usr/bin/env node
/**
 * The laghash command line. Every failure is one line on stderr and a
 * non-zero exit (1: bad input, 2: bad usage); never a stack trace.
 */
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FrameBatch } from './batch.js';
import { DEFAULT_POLICIES, analyzeFilesParallel, splitPolicyList, type AnalyzeOptions, type LoadMeasure } from './analyze.js';
import { fromRecord, walkRecord, type Dissection } from './dissect.js';
import { CaptureFormatError, InvalidArgumentError, LaghashError, errorOf } from './errors.js';
import { hashBatch, selectBatch } from './hash.js';
import { formatHtml, formatText } from './report.js';
import { formatLacpCapture, lacpFromCapture } from './lacp/capture-report.js';
import { activeBackend, backendChoiceError, nativeAddonFile, nativeLoadError } from './native.js';
import { policy, policyNames } from './policy.js';
import { PORT_LIMIT, W_SLOTS } from './spec.js';

export const BUNDLED_CAPTURE = fileURLToPath(new URL('../data/gnutella.pcap', import.meta.url));
/** The capture analyze uses without one: many flows (data/README.md). */
export const BUNDLED_ANALYSIS_CAPTURE = fileURLToPath(new URL('../data/netns-mixed.pcap', import.meta.url));

class UsageError extends Error {}

const HELP = `laghash - which link of an aggregated group a frame goes out on

Usage:
  laghash analyze [CAPTURE ...] [--ports N] [--policies LIST|all] [--selectors LIST]
                  [--weights LIST] [--by frames|bytes] [--fail PORT|each|none]
                  [--json] [--report FILE.html] [--max-flows N]
  laghash hash [CAPTURE] [--policy NAME] [--ports N]
  laghash dissect [CAPTURE]
  laghash lacp CAPTURE [--json]
  laghash policies
  laghash --help | --version
  laghash COMMAND --help

CAPTURE is a pcap or pcapng file (Ethernet, Linux SLL/SLL2 or raw IP);
without one, a bundled real capture is used (analyze: data/netns-mixed.pcap,
hash and dissect: data/gnutella.pcap).

Backend: ${activeBackend.name}${nativeLoadError ? ` (native addon not loaded: ${nativeLoadError.message.split('\n')[0]})` : activeBackend.name === 'native' ? ` (${nativeAddonFile})` : ''}
Set LAGHASH_BACKEND=js to force the TypeScript backend, LAGHASH_ADDON=FILE to load that addon.`;

const COMMAND_HELP: Record<string, string> = {
  analyze: `laghash analyze [CAPTURE ...] [options]

Which distribution spreads this traffic best over N links, and what moves
when a link fails. Every policy and selector side by side: load per port
(share), imbalance (busiest port over its fair share), Jain's fairness
index, flows per port, idle ports; for each failed port, the share of flows
and load that change port against the ideal (only the failed port's). Then a
verdict and warnings where the traffic itself limits balance. Several
captures are analysed as one traffic; large ones are read in chunks.

  --ports N           ports of the aggregate, 1..32 (default 4)
  --weights LIST      per-port weights, e.g. 10,10,25,25 (sets the port count)
  --policies LIST     policies to compare, comma-separated (use ; when a
                      policy's options hold commas), or all (default:
                      ${DEFAULT_POLICIES.join(', ')})
  --selectors LIST    modulo, team, table, resilient, rendezvous; a bucket
                      count after a colon, e.g. table:8 (default modulo, or
                      table when the weights differ)
  --by frames|bytes   what load is (default bytes, as on the wire)
  --fail PORT|each|none
                      which ports to fail, one at a time (default each)
  --max-flows N       count flows exactly up to N (default 1000000), then
                      estimate (HyperLogLog, 0.81% standard error)
  --json              every figure as JSON on stdout
  --report FILE.html  also write a self-contained HTML report`,
  hash: `laghash hash [CAPTURE] [--policy NAME] [--ports N]

Prints a header line and one line per frame: the frame number (1-based, as
tshark numbers frames), the policy's 32-bit hash as 0x and 8 hex digits, and
the port (hash modulo N, as Linux bonding, DPDK and the team driver choose).

  --policy NAME   a policy name, optionally with options as a query, e.g.
                  linux:layer3+4, team:eth,ipv4,ipv6, rss:toeplitz,
                  src-dst-ip-port?hash=xor (default: linux:layer2, the
                  Linux bonding default). See: laghash policies
  --ports N       number of ports, 1..${PORT_LIMIT} (default: 2)`,
  dissect: `laghash dissect [CAPTURE]

Prints a header line and one line per frame with the fields laghash parsed.
Columns hold comma-joined values, outermost first (like tshark's -E
occurrence=a); "-" when absent. Columns: frame, status, eth.dst, eth.src,
eth.type, vlan (TPID:VID), mpls.label, ip.version, ip.src, ip.dst, ip.proto,
ip.frag (more:offset), src.port, dst.port, icmp (type:code[:id]), tunnel.`,
  lacp: `laghash lacp CAPTURE [--json]

LACP as the capture shows it: every Slow Protocols frame (LACPDUs and
Marker PDUs) grouped by the port that sent it (source MAC), with the last
actor and partner information (system priority and id, key, port priority
and number, state bits by name), how often the port sends (fast: every
second; slow: every 30 s), every change of its actor state, the aggregates
the actors declare, and each marker with its response and latency.
Malformed PDUs are listed with the field that is wrong.

  --json   the same as JSON on stdout`,
  policies: `laghash policies

Lists the policy names laghash knows.`,
};

/** A buffered writer to stdout that respects backpressure. */
class Out {
  private chunks: string[] = [];
  private size = 0;
  async line(s: string): Promise<void> {
    this.chunks.push(s);
    this.size += s.length + 1;
    if (this.size > 1 << 16) await this.flush();
  }
  async flush(): Promise<void> {
    if (!this.chunks.length) return;
    const text = this.chunks.join('\n') + '\n';
    this.chunks = [];
    this.size = 0;
    if (!process.stdout.write(text)) await new Promise<void>((r) => process.stdout.once('drain', () => r()));
  }
}

function loadBatch(file: string | undefined): FrameBatch {
  const path = file ?? BUNDLED_CAPTURE;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new CaptureFormatError(`${path}: cannot read (${err.code ?? err.message}); expected a readable capture file`);
  }
  try {
    const batch = FrameBatch.fromCapture(bytes);
    for (const w of batch.capture?.warnings ?? []) process.stderr.write(`laghash: ${path}: warning: ${w}\n`);
    return batch;
  } catch (e) {
    if (e instanceof LaghashError) throw errorOf(e.code, `${path}: ${e.message}`, e as { frame?: number; linkType?: number });
    throw e;
  }
}

function hex32(h: number): string {
  return '0x' + (h >>> 0).toString(16).padStart(8, '0');
}

async function cmdHash(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { policy: { type: 'string' }, ports: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) return void console.log(COMMAND_HELP.hash);
  if (positionals.length > 1) throw new UsageError(`hash takes one capture file, got ${positionals.length}`);
  const ports = values.ports === undefined ? 2 : Number(values.ports);
  if (!Number.isInteger(ports) || ports < 1 || ports > PORT_LIMIT)
    throw new UsageError(`Expected --ports to be an integer in 1..${PORT_LIMIT}, got ${JSON.stringify(values.ports)}`);
  const pol = policy(values.policy ?? 'linux:layer2');
  const batch = loadBatch(positionals[0]);
  const hashes = hashBatch(batch, pol);
  const sel = selectBatch(batch, pol, { ports });
  const out = new Out();
  await out.line('frame\thash\tport');
  for (let i = 0; i < batch.count; i++) await out.line(`${i + 1}\t${hex32(hashes[i])}\t${sel[i]}`);
  await out.flush();
}

function list(values: (string | number | undefined | null)[]): string {
  const v = values.filter((x) => x !== undefined && x !== null);
  return v.length ? v.join(',') : '-';
}

export function dissectRow(n: number, d: Dissection): string {
  return [
    n,
    d.status,
    list(d.eth.map((e) => e.dst)),
    list(d.eth.map((e) => e.src)),
    list(d.eth.map((e) => (e.type === null ? null : '0x' + e.type.toString(16).padStart(4, '0')))),
    list(d.vlans.map((t) => `0x${t.tpid.toString(16)}:${t.vid}`)),
    list(d.mpls.map((m) => m.label)),
    list(d.ip.map((l) => l.version)),
    list(d.ip.map((l) => l.src)),
    list(d.ip.map((l) => l.dst)),
    list(d.ip.map((l) => l.protocol ?? l.next)),
    list(d.ip.map((l) => (l.fragment ? `${l.fragment.more ? 1 : 0}:${l.fragment.offset}` : '0:0'))),
    list(d.ip.map((l) => l.srcPort)),
    list(d.ip.map((l) => l.dstPort)),
    list(d.ip.map((l) => (l.icmp ? `${l.icmp.type}:${l.icmp.code}${l.icmp.id === undefined ? '' : ':' + l.icmp.id}` : undefined))),
    d.tunnel ? `${d.tunnel.type}${d.tunnel.id === null ? '' : ':' + d.tunnel.id}` : '-',
  ].join('\t');
}

async function cmdDissect(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  if (values.help) return void console.log(COMMAND_HELP.dissect);
  if (positionals.length > 1) throw new UsageError(`dissect takes one capture file, got ${positionals.length}`);
  const batch = loadBatch(positionals[0]);
  const out = new Out();
  await out.line(['frame', 'status', 'eth.dst', 'eth.src', 'eth.type', 'vlan', 'mpls.label', 'ip.version', 'ip.src', 'ip.dst', 'ip.proto', 'ip.frag', 'src.port', 'dst.port', 'icmp', 'tunnel'].join('\t'));
  const rec = new Int32Array(W_SLOTS);
  for (let i = 0; i < batch.count; i++) {
    const f = batch.frame(i);
    await out.line(dissectRow(i + 1, fromRecord(f, walkRecord(activeBackend, f, batch.linkTypeOf(i), rec))));
  }
  await out.flush();
}

async function cmdLacp(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } }, allowPositionals: true });
  if (values.help) return void console.log(COMMAND_HELP.lacp);
  if (positionals.length !== 1) throw new UsageError(`lacp takes one capture file, got ${positionals.length}`);
  const report = lacpFromCapture(loadBatch(positionals[0]));
  process.stdout.write(values.json ? JSON.stringify(report, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n' : formatLacpCapture(report, positionals[0]));
}

function intOption(v: string | undefined, name: string, lo: number, hi: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < lo || n > hi) throw new UsageError(`Expected --${name} to be an integer in ${lo}..${hi}, got ${JSON.stringify(v)}`);
  return n;
}

function selectorList(v: string): AnalyzeOptions['selectors'] {
  return v.split(',').map((tok) => {
    const [kind, buckets, ...rest] = tok.trim().split(':');
    if (rest.length || !['modulo', 'team', 'table', 'resilient', 'rendezvous'].includes(kind))
      throw new UsageError(`Expected --selectors to list modulo, team, table, resilient or rendezvous (with :BUCKETS), got ${JSON.stringify(tok)}`);
    const b = buckets === undefined ? undefined : intOption(buckets, 'selectors bucket count', 0, 65536);
    return { kind: kind as 'modulo', ...(b === undefined ? {} : { buckets: b }) };
  });
}

/** A progress bar on stderr while reading, when stderr is a terminal. */
function progress(): { update: (done: number, total: number) => void; clear: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, clear: () => {} };
  let last = 0;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const f = total ? done / total : 1, width = 30, filled = Math.round(f * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(100 * f).toFixed(0).padStart(3)}% ${(done / 1e6).toFixed(0)}/${(total / 1e6).toFixed(0)} MB`);
    },
    clear() {
      if (last) process.stderr.write('\r\x1b[K');
    },
  };
}

async function cmdAnalyze(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ports: { type: 'string' }, weights: { type: 'string' }, policies: { type: 'string' }, selectors: { type: 'string' },
      by: { type: 'string' }, fail: { type: 'string' }, json: { type: 'boolean' }, report: { type: 'string' },
      'max-flows': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) return void console.log(COMMAND_HELP.analyze);
  const o: AnalyzeOptions = {};
  o.ports = intOption(values.ports, 'ports', 1, 32);
  if (values.weights !== undefined) o.weights = values.weights.split(',').map((w) => intOption(w, 'weights', 1, 65535)!);
  if (o.weights && o.ports !== undefined && o.weights.length !== o.ports)
    throw new UsageError(`Expected --weights to list ${o.ports} weights (--ports ${o.ports}), got ${o.weights.length}`);
  if (values.policies !== undefined) o.policies = values.policies.trim() === 'all' ? 'all' : splitPolicyList(values.policies);
  if (values.selectors !== undefined) o.selectors = selectorList(values.selectors);
  if (values.by !== undefined) {
    if (values.by !== 'frames' && values.by !== 'bytes') throw new UsageError(`Expected --by frames or bytes, got ${JSON.stringify(values.by)}`);
    o.by = values.by as LoadMeasure;
  }
  const ports = o.weights?.length ?? o.ports ?? 4;
  if (values.fail !== undefined)
    o.fail = values.fail === 'each' || values.fail === 'none' ? values.fail : values.fail.split(',').map((p) => intOption(p, 'fail', 0, ports - 1)!);
  o.maxFlows = intOption(values['max-flows'], 'max-flows', 1, 2 ** 31 - 1);
  const files = positionals.length ? positionals : [BUNDLED_ANALYSIS_CAPTURE];
  const bar = progress();
  let report;
  try {
    report = await analyzeFilesParallel(files, o, { onProgress: bar.update });
  } finally {
    bar.clear();
  }
  if (values.report !== undefined) {
    try {
      writeFileSync(values.report, formatHtml(report));
    } catch (e) {
      throw new InvalidArgumentError(`${values.report}: cannot write the report (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); expected a writable path`);
    }
  }
  const out = new Out();
  await out.line(values.json ? JSON.stringify(report, null, 2) : formatText(report).trimEnd());
  if (values.report !== undefined && !values.json) await out.line(`report: ${values.report}`);
  await out.flush();
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    const computes = ['analyze', 'hash', 'dissect'].includes(cmd ?? '') && !rest.includes('--help') && !rest.includes('-h');
    if (computes && backendChoiceError) throw backendChoiceError;
    if (computes && nativeLoadError && activeBackend.name === 'js' && !process.env.LAGHASH_BACKEND)
      process.stderr.write(`laghash: note: the native addon is not available (${nativeLoadError.message.split('\n')[0]}); using the TypeScript backend (same results, slower)\n`);
    switch (cmd) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        console.log(rest[0] && COMMAND_HELP[rest[0]] ? COMMAND_HELP[rest[0]] : HELP);
        return 0;
      case '--version':
      case '-v':
        console.log(version());
        return 0;
      case 'analyze':
        await cmdAnalyze(rest);
        return 0;
      case 'hash':
        await cmdHash(rest);
        return 0;
      case 'dissect':
        await cmdDissect(rest);
        return 0;
      case 'lacp':
        await cmdLacp(rest);
        return 0;
      case 'policies':
        if (rest.includes('--help') || rest.includes('-h')) console.log(COMMAND_HELP.policies);
        else console.log([...policyNames, 'team:<fields>'].join('\n'));
        return 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(cmd)}; run laghash --help`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof LaghashError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`laghash: ${(e as Error).message}\n`);
      return e instanceof LaghashError ? 1 : 2;
    }
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') return 0;
    process.stderr.write(`laghash: internal error: ${(e as Error).message}\n`);
    return 1;
  }
}

const invoked = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === realpathSync(process.argv[1]);
if (invoked) {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
