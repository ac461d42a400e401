#!/usr/bin/env node
/**
 * The laghash command line. Every failure is one line on stderr and a
 * non-zero exit (1: bad input, 2: bad usage); never a stack trace.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FrameBatch } from './batch.js';
import { fromRecord, walkRecord, type Dissection } from './dissect.js';
import { LaghashError } from './errors.js';
import { hashBatch, selectBatch } from './hash.js';
import { activeBackend, nativeLoadError } from './native.js';
import { policy, policyNames } from './policy.js';
import { PORT_LIMIT, W_SLOTS } from './spec.js';

export const BUNDLED_CAPTURE = fileURLToPath(new URL('../data/gnutella.pcap', import.meta.url));

class UsageError extends Error {}

const HELP = `laghash - which link of an aggregated group a frame goes out on

Usage:
  laghash hash [CAPTURE] [--policy NAME] [--ports N]
  laghash dissect [CAPTURE]
  laghash policies
  laghash --help | --version
  laghash COMMAND --help

CAPTURE is a pcap or pcapng file (Ethernet, Linux SLL/SLL2 or raw IP);
without one, a bundled real capture (data/gnutella.pcap) is used.

Backend: ${activeBackend.name}${nativeLoadError ? ` (native addon not loaded: ${nativeLoadError.message.split('\n')[0]})` : ''}
Set LAGHASH_BACKEND=js to force the TypeScript backend.`;

const COMMAND_HELP: Record<string, string> = {
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
    throw new LaghashError('ERR_LAGHASH_CAPTURE_FORMAT', `${path}: cannot read (${err.code ?? err.message})`);
  }
  try {
    const batch = FrameBatch.fromCapture(bytes);
    for (const w of batch.capture?.warnings ?? []) process.stderr.write(`laghash: ${path}: warning: ${w}\n`);
    return batch;
  } catch (e) {
    if (e instanceof LaghashError) throw new LaghashError(e.code, `${path}: ${e.message}`);
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

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
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
      case 'hash':
        await cmdHash(rest);
        return 0;
      case 'dissect':
        await cmdDissect(rest);
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
