// SPDX-License-Identifier: BSD-2-Clause
// portkit serve in a real browser (run by tests/cli/browser.test): Debian's chromium,
// driven by playwright-core. Searches "printer" and opens 631, checks the facts of 721 and
// 793 that the seed pages tell, hovers and clicks the map, checks that no page logs a
// console error, does it again with JavaScript off, and saves screenshots at desktop and
// phone widths, light and dark, under $SHOTS.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const PORTKIT = process.env.PORTKIT;
const SHOTS = process.env.SHOTS;
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage'];
const fails = [];
function check(cond, what) {
  console.log((cond ? 'ok: ' : 'FAIL: ') + what);
  if (!cond) fails.push(what);
}

function startServer() {
  return new Promise((resolve, reject) => {
    const p = spawn(PORTKIT, ['serve', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const rl = createInterface({ input: p.stdout });
    const timer = setTimeout(() => reject(new Error('serve printed no URL')), 10000);
    rl.once('line', (line) => { clearTimeout(timer); resolve({ p, base: line.trim().replace(/\/$/, '') }); });
    p.once('exit', (code) => reject(new Error('serve exited ' + code)));
  });
}

async function browser(opts) {
  const dir = mkdtempSync(join(tmpdir(), 'pk-chromium-'));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium', headless: true, args: FLAGS, ...opts,
  });
  return { ctx, close: async () => { await ctx.close(); rmSync(dir, { recursive: true, force: true }); } };
}

// Opens url in page and returns the console errors it logged (CSP violations among them).
async function visit(page, url) {
  const errors = [];
  const onConsole = (m) => { if (m.type() === 'error') errors.push(m.text()); };
  const onError = (e) => errors.push(String(e));
  page.on('console', onConsole);
  page.on('pageerror', onError);
  const resp = await page.goto(url, { waitUntil: 'load' });
  await page.waitForTimeout(150);
  page.off('console', onConsole);
  page.off('pageerror', onError);
  return { status: resp.status(), errors };
}

async function shots(ctx, base, tag) {
  const page = await ctx.newPage();
  for (const [w, h, name] of [[1280, 900, 'desktop'], [390, 844, 'phone']]) {
    await page.setViewportSize({ width: w, height: h });
    for (const path of ['/', '/port/721', '/port/793', '/map', '/search?q=printer']) {
      await page.goto(base + path, { waitUntil: 'load' });
      if (path === '/map' && tag !== 'nojs') await page.waitForSelector('#map[data-ready="1"]', { timeout: 5000 }).catch(() => {});
      const file = `${tag}-${name}-${path.replace(/[^a-z0-9]+/gi, '_').replace(/^_|_$/g, '') || 'home'}.png`;
      await page.screenshot({ path: join(SHOTS, file), fullPage: path !== '/map' });
    }
  }
  await page.close();
}

async function withJs(base) {
  const { ctx, close } = await browser({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  let v = await visit(page, base + '/');
  check(v.status === 200 && v.errors.length === 0, '/ loads without console errors ' + v.errors.join(' | '));
  await page.fill('main form.search input[name=q]', 'printer');
  await Promise.all([page.waitForURL(/\/search\?q=printer/), page.press('main form.search input[name=q]', 'Enter')]);
  const link631 = page.locator('ol.results a[href="/port/631"]').first();
  check(await link631.count() === 1, 'searching "printer" lists port 631');
  await Promise.all([page.waitForURL(/\/port\/631$/), link631.click()]);
  const text631 = await page.locator('main').innerText();
  check(/Port 631/.test(text631) && /\bipp\b/.test(text631) && /\bipps\b/.test(text631),
    'port 631 page: ipp and ipps');
  check(/CUPS/.test(text631), 'port 631 page: the CUPS note');

  v = await visit(page, base + '/port/721');
  const t721 = await page.locator('main').innerText();
  const block721 = await page.locator('section.block').innerText();
  check(v.errors.length === 0, '/port/721 without console errors');
  check(/no IANA assignment/.test(t721) && /Windows NT 3\.5/.test(t721) && /721-731/.test(t721),
    '721: unassigned, Windows NT 3.5 took 721-731');
  check(/729/.test(block721) && /netviewdm1/.test(block721) && /IBM NetView DM\/6000/.test(block721),
    '721: the block shows 729-731 assigned to IBM NetView DM/6000');

  v = await visit(page, base + '/port/793');
  const t793 = await page.locator('main').innerText();
  check(v.errors.length === 0, '/port/793 without console errors');
  check(/block 788-799/.test(t793) && /The block 788-799/.test(t793), '793: the block 788-799');
  check(/unauthorized use on port 796, a neighbour in the block 788-799, not on 793/.test(t793) &&
    /about port 796/.test(t793), '793: unauthorized use said to be about 796');

  v = await visit(page, base + '/map');
  await page.waitForSelector('#map[data-ready="1"] canvas', { timeout: 10000 });
  check(v.errors.length === 0, '/map without console errors ' + v.errors.join(' | '));
  const box = await page.locator('#map canvas').boundingBox();
  // Port 22 is the 23rd cell of the first row of 256.
  await page.mouse.move(box.x + (22.5 / 256) * box.width, box.y + (0.5 / 256) * box.height);
  const tip = page.locator('#map-tip');
  await tip.waitFor({ state: 'visible', timeout: 3000 });
  const tipText = await tip.innerText();
  check(/Port 22 ssh/.test(tipText), 'hovering the map names the port: ' + tipText);
  await Promise.all([page.waitForURL(/\/port\/22$/), page.mouse.click(box.x + (22.5 / 256) * box.width, box.y + (0.5 / 256) * box.height)]);
  check(/Port 22/.test(await page.locator('h1').innerText()), 'clicking the map opens the port page');
  v = await visit(page, base + '/map?lo=512&hi=767');
  await page.waitForSelector('#map[data-ready="1"] canvas', { timeout: 10000 });
  const zb = await page.locator('#map canvas').boundingBox();
  // 256 ports, 16 to a row: port 631 is row 7, column 7.
  await page.mouse.move(zb.x + (7.5 / 16) * zb.width, zb.y + (7.5 / 16) * zb.height);
  check(/Port 631 ipp/.test(await tip.innerText()), 'the zoomed map (512-767) names 631');
  await page.close();
  await close();
}

async function withoutJs(base) {
  const { ctx, close } = await browser({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
  const page = await ctx.newPage();
  let v = await visit(page, base + '/');
  await page.fill('main form.search input[name=q]', 'printer');
  await Promise.all([page.waitForURL(/\/search\?q=printer/), page.press('main form.search input[name=q]', 'Enter')]);
  check(await page.locator('ol.results a[href="/port/631"]').count() >= 1, 'no JavaScript: search works');
  v = await visit(page, base + '/port/721');
  check(/Windows NT 3\.5/.test(await page.locator('main').innerText()), 'no JavaScript: the port page');
  v = await visit(page, base + '/map');
  const w = await page.locator('#map img').evaluate((img) => img.complete ? img.naturalWidth : 0);
  check(w === 256, 'no JavaScript: the map is a picture (256 ports a row)');
  check(await page.locator('nav.grid a').count() === 256, 'no JavaScript: a grid of 256 blocks');
  await Promise.all([page.waitForURL(/\/map\?lo=512&hi=767/), page.locator('nav.grid a[href="/map?lo=512&hi=767"]').click()]);
  await Promise.all([page.waitForURL(/\/port\/631$/), page.locator('nav.grid a[href="/port/631"]').click()]);
  check(/Port 631/.test(await page.locator('h1').innerText()), 'no JavaScript: block, then port, then its page');
  await page.close();
  await shots(ctx, base, 'nojs');
  await close();
}

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  const { p, base } = await startServer();
  try {
    await withJs(base);
    await withoutJs(base);
    for (const scheme of ['light', 'dark']) {
      const { ctx, close } = await browser({ colorScheme: scheme });
      await shots(ctx, base, scheme);
      await close();
    }
    console.log('screenshots in ' + SHOTS);
  } finally {
    p.kill('SIGTERM');
  }
  if (fails.length) {
    console.log(fails.length + ' failed');
    process.exit(1);
  }
  console.log('1 passed, 0 failed');
}

main().catch((e) => { console.log('FAIL: ' + (e.stack || e)); process.exit(1); });
