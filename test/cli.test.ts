/**
 * The command line, run as a user runs it (node dist/cli.js): output format,
 * agreement with the library, and one-line errors with non-zero exits.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FrameBatch } from '../lib/batch.js';
import { BUNDLED_CAPTURE } from '../lib/cli.js';
import { hashBatch } from '../lib/hash.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const built = existsSync(CLI);

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe.skipIf(!built)(built ? 'laghash command line' : 'laghash command line (skipped: dist/cli.js not built; run npm run build:ts)', () => {
  it('hash prints frame, hash and port for every frame, as the library computes them', () => {
    const r = run('hash', BUNDLED_CAPTURE, '--policy', 'linux:layer3+4', '--ports', '3');
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe('frame\thash\tport');
    const batch = FrameBatch.fromCapture(readFileSync(BUNDLED_CAPTURE));
    const h = hashBatch(batch, 'linux:layer3+4');
    expect(lines.length).toBe(batch.count + 1);
    for (let i = 0; i < batch.count; i++) {
      const [n, hash, port] = lines[i + 1].split('\t');
      expect(Number(n)).toBe(i + 1);
      expect(hash).toMatch(/^0x[0-9a-f]{8}$/);
      expect(parseInt(hash, 16)).toBe(h[i]);
      expect(Number(port)).toBe(h[i] % 3);
    }
  });

  it('without a capture, hash and dissect use the bundled one', () => {
    expect(run('hash').out.split('\n').length).toBe(3905 + 2);
    const d = run('dissect');
    expect(d.code).toBe(0);
    const lines = d.out.trimEnd().split('\n');
    expect(lines[0].split('\t').slice(0, 4)).toEqual(['frame', 'status', 'eth.dst', 'eth.src']);
    expect(lines[2].split('\t')).toEqual([
      '2', 'ok', '33:33:ff:a4:e1:08', '08:00:27:e6:e5:59', '0x86dd', '-', '-', '6', '::', 'ff02::1:ffa4:e108', '58', '0:0', '-', '-', '135:0', '-',
    ]);
  });

  it('help, version and policies', () => {
    expect(run('--help').out).toMatch(/Usage:/);
    expect(run('hash', '--help').out).toMatch(/--policy NAME/);
    expect(run('--version').out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(run('policies').out).toMatch(/linux:layer3\+4/);
  });

  it('bad input is one line on stderr and a non-zero exit, never a stack trace', () => {
    for (const [args, code, msg] of [
      [['hash', '/nonexistent.pcap'], 1, /cannot read/],
      [['hash', fileURLToPath(new URL('../package.json', import.meta.url))], 1, /Expected a pcap or pcapng capture/],
      [['hash', '--ports', '0'], 2, /--ports/],
      [['hash', '--ports', 'x'], 2, /--ports/],
      [['hash', '--policy', 'nope'], 1, /Unknown policy "nope"/],
      [['hash', '--bogus'], 2, /Unknown option/],
      [['frobnicate'], 2, /unknown command/],
    ] as [string[], number, RegExp][]) {
      const r = run(...args);
      expect([args, r.code]).toEqual([args, code]);
      expect(r.err).toMatch(msg);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });
});
