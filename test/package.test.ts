/**
 * npm pack holds what an install needs and nothing else: the compiled library
 * with its types, the native sources and binding.gyp (a source build), the
 * install hook, the bundled captures with their provenance, README, LICENSE;
 * prebuilds when built. Every file the package points to, and every import in
 * it, is in the pack.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('..', import.meta.url));
const built = existsSync(new URL('../dist/index.js', import.meta.url));

const ALLOWED = [
  /^package\.json$/, /^README\.md$/, /^LICENSE$/, /^binding\.gyp$/, /^scripts\/install\.mjs$/,
  /^dist\/[\w/-]+\.(js|d\.ts)$/, /^native\/\w+\.(h|cc)$/, /^data\/[\w-]+\.pcap$/, /^data\/README\.md$/, /^prebuilds\/[\w-]+\/[\w.@-]+\.node$/,
];
const REQUIRED = [
  'package.json', 'README.md', 'LICENSE', 'binding.gyp', 'scripts/install.mjs', 'native/addon.cc', 'native/spec.h',
  'dist/index.js', 'dist/index.d.ts', 'dist/cli.js', 'dist/analyze-worker.js', 'data/netns-mixed.pcap', 'data/gnutella.pcap', 'data/README.md',
];

describe.skipIf(!built)(built ? 'the npm package' : 'the npm package (skipped: dist not built)', () => {
  it('holds what an install needs and nothing else', () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repo, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path).sort();
    expect(files.filter((f) => !ALLOWED.some((re) => re.test(f)))).toEqual([]);
    expect(REQUIRED.filter((f) => !files.includes(f))).toEqual([]);
    // every native source the build compiles, and every compiled module, is there
    const nativeSources = readFileSync(new URL('../native/addon.cc', import.meta.url), 'utf8').match(/#include "([\w.]+)"/g)!;
    for (const inc of nativeSources) expect(files).toContain(`native/${/"(.+)"/.exec(inc)![1]}`);
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      main: string; types: string; bin: Record<string, string>; exports: Record<string, Record<string, string>>;
    };
    for (const target of [pkg.main, pkg.types, ...Object.values(pkg.bin), ...Object.values(pkg.exports['.'])])
      expect(files).toContain(target.replace(/^\.\//, ''));
    for (const f of files.filter((x) => x.endsWith('.js') && x.startsWith('dist/'))) {
      const text = readFileSync(new URL(`../${f}`, import.meta.url), 'utf8');
      for (const m of text.matchAll(/(?:from|import\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = new URL(m[1], new URL(`file:///${f}`)).pathname.slice(1);
        expect([f, files.includes(target)]).toEqual([f, true]);
      }
    }
  });
});
