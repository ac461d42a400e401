/**
 * The HTML report, opened in a real browser: headless Chromium (Debian's
 * chromium package; .ci/run installs it) loads the page from disk; the chart
 * and both tables must be rendered, nothing fetched from anywhere, no console
 * errors. The browser is started here and stopped by its process id.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { AnalysisReport } from '../lib/analyze.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const CANDIDATES = [process.env.LAGHASH_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const chromium = CANDIDATES.find((p): p is string => !!p && existsSync(p));
if (!chromium && process.env.CI) throw new Error('CI must have Chromium for the report test (.ci/run installs Debian\'s chromium)');

const dir = mkdtempSync(join(tmpdir(), 'laghash-report-'));
let browser: Browser | null = null;
let pid: number | undefined;

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');  // gone already after close(); this is the guarantee
      } catch {
        // no such process
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

describe.skipIf(!chromium || !existsSync(CLI))(
  chromium ? 'the HTML report in headless Chromium' : 'the HTML report in headless Chromium (skipped: no Chromium; set LAGHASH_CHROMIUM or install chromium)',
  () => {
    it('renders the chart, the tables and the verdict, with no fetches and no console errors', async () => {
      const html = join(dir, 'report.html');
      const args = ['analyze', '--json', '--report', html, '--selectors', 'modulo,table,rendezvous', '--weights', '1,1,2,2'];
      const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout) as AnalysisReport;

      browser = await puppeteer.launch({
        executablePath: chromium,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
      });
      pid = browser.process()?.pid;
      expect(pid).toBeGreaterThan(0);
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warn') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${(e as Error).message}`));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) problems.push(`fetch: ${r.url()}`);
      });
      page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
      await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });

      const dom = await page.evaluate(() => {
        const bars = [...document.querySelectorAll('svg.chart rect.bar')] as SVGRectElement[];
        return {
          title: document.title,
          bars: bars.length,
          drawn: bars.filter((b) => b.getBoundingClientRect().height > 0).length,
          barWidth: bars.reduce((s, b) => s + b.getBoundingClientRect().width, 0),
          svgBox: (() => {
            const r = document.querySelector('svg.chart')!.getBoundingClientRect();
            return { w: r.width, h: r.height };
          })(),
          labels: [...document.querySelectorAll('svg.chart text.label')].map((t) => t.textContent),
          rows: [...document.querySelectorAll('table.results tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
          best: document.querySelector('table.results tr.best td')?.textContent,
          failureRows: document.querySelectorAll('table.failures tbody tr').length,
          failureCols: document.querySelectorAll('table.failures thead th').length,
          verdict: document.querySelector('.verdict')?.textContent,
        };
      });
      expect(problems).toEqual([]);
      expect(dom.title).toBe('laghash analyze');
      const n = report.results.length, ports = report.ports;
      expect(dom.bars).toBe(n * ports);
      expect(dom.svgBox.w).toBeGreaterThan(500);
      expect(dom.svgBox.h).toBeGreaterThan(n * 20);
      // every bar row spans the whole width (the shares add up to 1); idle ports draw nothing
      expect(dom.barWidth).toBeCloseTo(560 * n, 0);
      expect(dom.drawn).toBe(report.results.reduce((s, r) => s + r.ports.filter((p) => p.share > 0).length, 0));
      expect(dom.labels).toEqual(report.results.map((r) => `${r.policy} ${r.selector}`));
      expect(dom.rows.map((r) => [r[0], r[2], r[3]])).toEqual(report.results.map((r) => [r.policy, r.imbalance.toFixed(2), r.jain.toFixed(3)]));
      expect(dom.best).toBe(report.results[report.best].policy);
      expect(dom.failureRows).toBe(n);
      expect(dom.failureCols).toBe(2 + ports);
      expect(dom.verdict).toBe(report.verdict);
      const png = await page.screenshot({ fullPage: true });
      expect(png.length).toBeGreaterThan(20_000);
    }, 60_000);
  },
);
