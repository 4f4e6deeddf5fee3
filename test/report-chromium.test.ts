// Renders a training report in headless Chromium (Debian's `chromium`) and checks the screenshot:
// a PNG of the window's size, with ink where an empty page has none and the plots' line colours.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeTrainingReport } from '../dist/index.js';
import { decodePng, pngHeader } from './png.js';
import { fakeHistory } from './report-fixtures.js';

const CHROMIUM = 'chromium';
const probe = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8', timeout: 30_000 });
const hasChromium = probe.status === 0;
if (!hasChromium)
  console.warn(`skipping the headless Chromium screenshot of the training report: '${CHROMIUM}' is not on PATH (apt-get install chromium)`);

const [WIDTH, HEIGHT] = [1200, 1600];
const dir = mkdtempSync(path.join(tmpdir(), 'recforge-report-shot-'));

/** Screenshots `file` at WIDTH × HEIGHT into a PNG and returns its bytes. */
function screenshot(file: string, name: string): Buffer {
  const png = path.join(dir, `${name}.png`);
  const r = spawnSync(CHROMIUM, ['--headless', '--disable-gpu', '--no-sandbox', `--user-data-dir=${path.join(dir, `profile-${name}`)}`,
    `--screenshot=${png}`, `--window-size=${WIDTH},${HEIGHT}`, pathToFileURL(file).href], { encoding: 'utf8', timeout: 90_000 });
  expect(r.status, `${r.stderr}${r.error?.message ?? ''}`).toBe(0);
  return readFileSync(png);
}

/** Share of pixels that are not (near) white, and how many are close to an RGB colour. */
function ink(png: Buffer, colour?: [number, number, number]): { share: number; colourPixels: number } {
  const { rgba, width, height } = decodePng(png);
  let dark = 0, match = 0;
  for (let o = 0; o < rgba.length; o += 4) {
    if (rgba[o] < 240 || rgba[o + 1] < 240 || rgba[o + 2] < 240) dark++;
    if (colour && Math.abs(rgba[o] - colour[0]) < 24 && Math.abs(rgba[o + 1] - colour[1]) < 24 && Math.abs(rgba[o + 2] - colour[2]) < 24) match++;
  }
  return { share: dark / (width * height), colourPixels: match };
}

describe.skipIf(!hasChromium)('the training report in headless Chromium', () => {
  it('renders plots: a full-size PNG with the series colours, unlike an empty page', async () => {
    const report = path.join(dir, 'report.html'), empty = path.join(dir, 'empty.html');
    await writeTrainingReport(report, fakeHistory(30, [4, 8, 16]), { model: 'mrl', dim: 16, levels: [4, 8, 16], note: '<b>escaped</b>' });
    writeFileSync(empty, '<!DOCTYPE html><html><body></body></html>\n');
    const shot = screenshot(report, 'report'), blank = screenshot(empty, 'empty');
    for (const png of [shot, blank]) expect(pngHeader(png)).toMatchObject({ width: WIDTH, height: HEIGHT });
    const [a, b] = [ink(shot, [0x00, 0x72, 0xb2]), ink(blank, [0x00, 0x72, 0xb2])];
    expect(b.share).toBeLessThan(0.001);           // the empty page is white
    expect(a.share).toBeGreaterThan(0.01);         // text, axes, grid and lines (about 3 % of the window)
    expect(a.colourPixels).toBeGreaterThan(500);   // the first series' blue (loss line, d = 4 lines, legends)
    expect(b.colourPixels).toBe(0);
    expect(statSync(path.join(dir, 'report.png')).size).toBeGreaterThan(4 * statSync(path.join(dir, 'empty.png')).size);
  }, 180_000);
});
