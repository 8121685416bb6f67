// The first visit: the bundle comes compressed, under names that carry its content's hash and
// may be cached for good; pages are never cached; and until the wasm has loaded, the room's
// controls say they are not ready yet (and take no clicks), on a throttled network too.
import { expect, type Page } from '@playwright/test';
import { declare, DEMO, roomShown, signIn, test, waitForHydrated, waitForHydration, watchConsole } from './helpers';

const IMMUTABLE = 'public, max-age=31536000, immutable';
/**
 * scripts/build.sh names each file of the bundle <name>.<hex digits of its SHA-256>.<ext>: the
 * main module sitrep.*, the chunks of the wasm chunk_<n>.* and split_<screen>.*, and their
 * loader __wasm_split.* (22 digits: the length of the placeholder it replaces).
 */
const MAIN = /^\/pkg\/sitrep\.[0-9a-f]{20}\.(js|wasm|css)$/;
const CHUNK = /^\/pkg\/(chunk_\d+|split_[a-z0-9_]+)\.[0-9a-f]{20}\.wasm$/;
const LOADER = /^\/pkg\/__wasm_split\.[0-9a-f]{22}\.js$/;

/** A fresh incident's room (so the test's note lands in a room of its own). */
async function newRoom(page: Page, title: string): Promise<string> {
  await signIn(page, DEMO.ic);
  await waitForHydration(page);
  await declare(page, title, 'sev3');
  await roomShown(page);
  return new URL(page.url()).pathname;
}

test('the bundle is served compressed under hashed names, cached for good; pages are not', async ({
  page,
  request,
}) => {
  const room = await newRoom(page, `First load ${Date.now()}`);
  const fetched = new Set<string>();
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/pkg/')) fetched.add(path);
  });
  const response = await page.goto(room);
  expect(response?.status()).toBe(200);
  // The page holds what one person may see: no cache keeps it, let alone for good.
  expect(response?.headers()['cache-control']).toBe('no-store');
  await waitForHydrated(page);

  // What the room downloads: the main module, the chunks' loader and the room's chunks (not the
  // other screens'), every one named in the page's preloads, so that they come at once.
  const assets = [...fetched];
  const named = new Set((await response!.text()).match(/\/pkg\/[^"'?#\s]+/g) ?? []);
  expect(assets.filter((a) => !named.has(a))).toEqual([]);
  expect([...named].filter((a) => a.endsWith('.wasm') && !fetched.has(a))).toEqual([]);
  // A page streamed as it renders (the list) names its screen's chunks too.
  const list = await (await page.request.get('/incidents')).text();
  expect(list).toMatch(/rel="preload"[^>]*split___incidents_view|split___incidents_view[^>]*rel="preload"/);
  expect(list).not.toContain('split___room_view');
  const main = assets.filter((a) => MAIN.test(a));
  expect(main.map((a) => a.split('.').pop()).sort()).toEqual(['css', 'js', 'wasm']);
  expect(assets.filter((a) => LOADER.test(a))).toHaveLength(1);
  const chunks = assets.filter((a) => CHUNK.test(a));
  expect(chunks.filter((a) => a.includes('split___room_view'))).toHaveLength(1);
  expect(chunks.filter((a) => /split___(incidents|sla|tokens|services|roles|login)_view/.test(a))).toEqual([]);
  expect(main.length + 1 + chunks.length).toBe(assets.length);
  for (const asset of assets) {
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

test("a screen downloads its own chunk, and another screen's when the app first goes there", async ({
  page,
}) => {
  const room = await newRoom(page, `Chunks ${Date.now()}`);
  const fetched: string[] = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/pkg/')) fetched.push(path);
  });
  await page.goto(room);
  await waitForHydrated(page);
  expect(fetched.some((p) => p.includes('split___room_view'))).toBe(true);
  expect(fetched.filter((p) => p.includes('split___sla_view'))).toEqual([]);

  // The header's link is followed in the page (no reload); the SLA screen's chunk comes then,
  // and while it is on its way (held back a second here) the bar at the top says so.
  await page.route(/split___sla_view/, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await route.continue();
  });
  const progress = page.locator('.route-progress');
  await expect(progress).not.toHaveClass(/active/);
  await page.getByRole('link', { name: 'SLA policy' }).first().click();
  await expect(progress).toHaveClass(/active/);
  await expect(page.getByRole('heading', { name: 'SLA policy', level: 1 })).toBeVisible();
  await expect(progress).not.toHaveClass(/active/);
  expect(fetched.filter((p) => p.includes('split___sla_view'))).toHaveLength(1);
  expect(fetched.filter((p) => MAIN.test(p) && p.endsWith('.wasm'))).toHaveLength(1);
});

test("a tab opened before a deploy loads the page afresh when a screen's chunk is gone", async ({ page }) => {
  const room = await newRoom(page, `Deploy ${Date.now()}`);
  await page.goto(room);
  await waitForHydrated(page);
  // The SLA screen's chunk of the build this tab has is no longer on the server, once.
  let refused = 0;
  await page.route(/split___sla_view/, async (route) => {
    if (refused++ === 0) return route.fulfill({ status: 404, body: 'gone' });
    return route.continue();
  });
  const documents: string[] = [];
  page.on('request', (r) => {
    if (r.resourceType() === 'document') documents.push(new URL(r.url()).pathname);
  });
  await page.getByRole('link', { name: 'SLA policy' }).first().click();
  await expect(page.getByRole('heading', { name: 'SLA policy', level: 1 })).toBeVisible();
  await waitForHydrated(page);
  expect(refused).toBeGreaterThan(1);
  expect(documents).toEqual(['/settings/sla']);
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
