// Shared helpers for the end-to-end tests: Debian's Chromium driven by playwright-core.
//
// Playwright's own browser download cannot work here (no network but package registries),
// so we launch /usr/bin/chromium (Debian packages chromium + chromium-driver, installed by
// `cargo xtask setup`). Each launch gets a fresh, empty user-data-dir that is removed on close.
import { chromium } from 'playwright-core';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file lives in <root>/e2e/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where screenshots go: <root>/artifacts/screens/ (git-ignored). */
export const screensDir = path.join(repoRoot, 'artifacts', 'screens');

export const chromiumPath = process.env.QD_CHROMIUM ?? '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps trying to reach Google's hosts,
// which this machine's closed network refuses.
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Base URL of the served game, from QD_BASE_URL (set by `cargo xtask test`), without a
 * trailing slash. Defaults to the address `cargo xtask run` serves on.
 */
export function baseUrl() {
  return (process.env.QD_BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
}

/**
 * Launches Chromium with a fresh temporary profile.
 * Returns { context, page, close }; `close()` shuts the browser and deletes the profile.
 */
export async function launch({ viewport = { width: 1280, height: 800 } } = {}) {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'qd-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: chromiumArgs,
      viewport,
    });
  } catch (err) {
    await rm(userDataDir, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const close = async () => {
    await context.close().catch(() => {});
    await rm(userDataDir, { recursive: true, force: true });
  };
  return { context, page, close };
}

/**
 * Records uncaught page errors and console errors, so tests can assert the app ran cleanly
 * (a Rust panic in the wasm shows up as a console error).
 */
export function collectErrors(page) {
  const errors = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
  });
  return errors;
}

/** Saves a full-page screenshot to artifacts/screens/<name>.png and returns its path. */
export async function screenshot(page, name) {
  await mkdir(screensDir, { recursive: true });
  const file = path.join(screensDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * The distinct Latin-letter words visible on `page` (what a Japanese screen should not
 * show), outside the elements matching `skip` (code, ids, what users wrote…) and leaving
 * out the words `allowed(word)` accepts (product names, ids). A number with its unit
 * ("10s") is one token.
 */
export async function latinWords(page, { skip, allowed }) {
  const text = await page.evaluate((skip) => {
    const out = [];
    const walk = (node) => {
      if (node.nodeType === Node.TEXT_NODE) { out.push(node.textContent); return; }
      if (node.nodeType !== Node.ELEMENT_NODE || node.matches(skip)) return;
      const style = getComputedStyle(node);
      if (style.display === 'none' || style.visibility === 'hidden') return;
      for (const c of node.childNodes) walk(c);
    };
    walk(document.body);
    return out.join(' ');
  }, skip);
  const words = text.match(/[0-9]*[A-Za-z_][\w\-./…]*[\w…]|[0-9]*[A-Za-z]/g) ?? [];
  return [...new Set(words.filter((w) => !allowed(w)))];
}
