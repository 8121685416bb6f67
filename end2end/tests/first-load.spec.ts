// The first visit: the bundle comes compressed, under names that carry its content's hash and
// may be cached for good; pages are never cached; and until the wasm has loaded, the room's
// controls say they are not ready yet (and take no clicks), on a throttled network too.
import { expect, type Page } from '@playwright/test';
import { DEMO, declare, signIn, test, waitForHydrated, waitForHydration, watchConsole } from './helpers';

const IMMUTABLE = 'public, max-age=31536000, immutable';
/** scripts/build.sh names the bundle sitrep.<20 hex digits of its SHA-256>.<ext>. */
const HASHED = /^\/pkg\/sitrep\.[0-9a-f]{20}\.(js|wasm|css)$/;

/** A fresh incident's room (so the test's note lands in a room of its own). */
async function newRoom(page: Page, title: string): Promise<string> {
  await signIn(page, DEMO.ic);
  await waitForHydration(page);
  await declare(page, title, 'sev3');
  await page.waitForURL(/\/incidents\/\d+$/);
  return new URL(page.url()).pathname;
}

test('the bundle is served compressed under hashed names, cached for good; pages are not', async ({
  page,
  request,
}) => {
  const room = await newRoom(page, `First load ${Date.now()}`);
  const response = await page.goto(room);
  expect(response?.status()).toBe(200);
  // The page holds what one person may see: no cache keeps it, let alone for good.
  expect(response?.headers()['cache-control']).toBe('no-store');

  const html = await response!.text();
  const assets = [...new Set(html.match(/\/pkg\/[^"'?#\s]+/g) ?? [])];
  expect(assets.map((a) => a.split('.').pop()).sort()).toEqual(['css', 'js', 'wasm']);
  for (const asset of assets) {
    expect(asset).toMatch(HASHED);
    for (const encoding of ['br', 'gzip']) {
      const res = await request.get(asset, { headers: { 'Accept-Encoding': encoding } });
      expect(res.status(), `${asset} (${encoding})`).toBe(200);
      expect(res.headers()['content-encoding'], `${asset} (${encoding})`).toBe(encoding);
      expect(res.headers()['cache-control'], `${asset} (${encoding})`).toBe(IMMUTABLE);
      expect(res.headers()['vary'], `${asset} (${encoding})`).toMatch(/accept-encoding/i);
    }
    const plain = await request.get(asset, { headers: { 'Accept-Encoding': 'identity' } });
    expect(plain.status()).toBe(200);
    expect(plain.headers()['content-encoding']).toBeUndefined();
  }

  // Pages signed out are not cached either, and the icon (no hash in its name) is revalidated.
  const login = await request.get('/login');
  expect(login.headers()['cache-control']).toBe('no-store');
  const icon = await request.get('/favicon.svg');
  expect(icon.headers()['cache-control']).toBe('no-cache');
});

test('on a 20 Mbit/s network the room says its controls are not ready, then they work', async ({ page }) => {
  const problems = watchConsole(page);
  const room = await newRoom(page, `Slow network ${Date.now()}`);

  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 20,
    downloadThroughput: 20_000_000 / 8,
    uploadThroughput: 20_000_000 / 8,
  });
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  // The wasm is held back until the page has been looked at, so "before hydration" is seen
  // whatever this machine's speed.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\/pkg\/[^/]+\.wasm$/, async (route) => {
    await held;
    await route.continue();
  });

  await page.goto(room, { waitUntil: 'domcontentloaded' });
  const html = page.locator('html');
  const pending = page.getByTestId('hydration-pending');
  const noteBox = page.getByLabel('Add a note (Markdown)');
  const post = page.getByRole('button', { name: 'Post note' });
  const pointerEvents = (l: typeof post) => l.evaluate((el) => getComputedStyle(el).pointerEvents);

  // Before: the page is there, its controls say they are not ready and take no clicks.
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(html).not.toHaveAttribute('data-hydrated');
  await expect(pending).toBeVisible();
  await expect(pending).toHaveText(/controls work in a moment/);
  expect(await pointerEvents(noteBox)).toBe('none');
  expect(await pointerEvents(post)).toBe('none');
  await expect(post.click({ timeout: 500 })).rejects.toThrow(/Timeout/);

  // After: the notice is gone and the controls work.
  release();
  await waitForHydrated(page);
  await expect(pending).toBeHidden();
  expect(await pointerEvents(post)).toBe('auto');
  await noteBox.fill('Posted once the page had loaded');
  await post.click();
  await expect(page.getByRole('list', { name: 'Timeline' }).getByText('Posted once the page had loaded')).toBeVisible();
  await expect(noteBox).toHaveValue('');
  expect(problems).toEqual([]);
});
