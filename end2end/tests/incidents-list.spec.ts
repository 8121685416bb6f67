// The incidents list asks the server for a page at a time: filters live in the address, "Load
// more" appends the next page, and another browser's changes move rows in and out live, with the
// counts by status following. On a server of its own, so the counts are this spec's alone.
import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { OwnServer } from './own-server';
import { DEMO, person, waitForHydration, test } from './helpers';

const LIVE = { timeout: 3_000 };

test.setTimeout(90_000);

let server: OwnServer;

test.beforeAll(async () => {
  server = await OwnServer.start();
});

test.afterAll(async () => {
  await server?.stop();
  server?.remove();
});

async function declareByApi(request: APIRequestContext, title: string, severity: string): Promise<number> {
  const res = await request.post('/api/v1/incidents', { data: { title, severity } });
  expect(res.status()).toBe(201);
  return (await res.json()).id;
}

async function versionOf(request: APIRequestContext, id: number): Promise<number> {
  return (await (await request.get(`/api/v1/incidents/${id}`)).json()).version;
}

function count(page: Page, status: string) {
  return page.getByRole('list', { name: 'Incidents by status' }).locator(`button[data-status="${status}"] .n`);
}

function rows(page: Page) {
  return page.locator('table.incidents tbody tr');
}

async function rowIds(page: Page): Promise<string[]> {
  return rows(page).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-incident-id') ?? ''));
}

test('the open list follows another browser: rows come, change and go, counts follow', async ({ browser }) => {
  const sam = await person(browser, DEMO.responder, server.url);
  const iris = await person(browser, DEMO.ic, server.url);
  await waitForHydration(sam.page);
  const triageBefore = Number(await count(sam.page, 'triage').textContent());
  const resolvedBefore = Number(await count(sam.page, 'resolved').textContent());

  // Sam is in the search box (typing nothing yet): live rows must not take the focus away.
  const search = sam.page.getByRole('search', { name: 'Filter incidents' }).getByLabel('Search');
  await search.focus();

  const id = await declareByApi(iris.page.request, `Live list ${Date.now()}`, 'sev3');
  const row = sam.page.locator(`tr[data-incident-id="${id}"]`);
  await expect(row).toBeVisible(LIVE);
  await expect(rows(sam.page).first()).toHaveAttribute('data-incident-id', String(id));
  await expect(count(sam.page, 'triage')).toHaveText(String(triageBefore + 1), LIVE);
  await expect(search).toBeFocused();

  // Iris raises the severity: Sam's row follows.
  const raised = await iris.page.request.post(`/api/v1/incidents/${id}/severity`, {
    data: { severity: 'sev1', reason: 'all regions', expected_version: await versionOf(iris.page.request, id) },
  });
  expect(raised.status()).toBe(200);
  await expect(row.locator('.badge.sev')).toHaveClass(/\bsev1\b/, LIVE);

  // Iris resolves it: the open list drops it; the counts move from triage to resolved.
  const resolved = await iris.page.request.post(`/api/v1/incidents/${id}/status`, {
    data: { status: 'resolved', expected_version: await versionOf(iris.page.request, id) },
  });
  expect(resolved.status()).toBe(200);
  await expect(row).toHaveCount(0, LIVE);
  await expect(count(sam.page, 'triage')).toHaveText(String(triageBefore), LIVE);
  await expect(count(sam.page, 'resolved')).toHaveText(String(resolvedBefore + 1), LIVE);

  // Reopened, it comes back (fetched: it was not on the page).
  const reopened = await iris.page.request.post(`/api/v1/incidents/${id}/status`, {
    data: { status: 'investigating', expected_version: await versionOf(iris.page.request, id) },
  });
  expect(reopened.status()).toBe(200);
  await expect(row).toBeVisible(LIVE);
  await expect(count(sam.page, 'investigating')).not.toHaveText('0', LIVE);

  expect(sam.problems).toEqual([]);
  expect(iris.problems).toEqual([]);
});

test('filters live in the address: a link or a reload shows the same list', async ({ browser }) => {
  const sam = await person(browser, DEMO.responder, server.url);
  const page = sam.page;
  const sev2 = await declareByApi(page.request, `Filter sev2 ${Date.now()}`, 'sev2');
  const sev4 = await declareByApi(page.request, `Filter sev4 ${Date.now()}`, 'sev4');

  // Rendered on the server for the address, before any script runs.
  await page.goto('/incidents?severity=sev4');
  await expect(page.locator(`tr[data-incident-id="${sev4}"]`)).toBeVisible();
  await expect(page.locator(`tr[data-incident-id="${sev2}"]`)).toHaveCount(0);
  for (const badge of await rows(page).locator('.badge.sev').all()) {
    await expect(badge).toHaveClass(/\bsev4\b/);
  }
  await waitForHydration(page);
  const filters = page.getByRole('search', { name: 'Filter incidents' });
  await expect(filters.getByLabel('Severity')).toHaveValue('sev4');

  // Another severity: the address and the list follow.
  await filters.getByLabel('Severity').selectOption('sev2');
  await expect(page).toHaveURL(/[?&]severity=sev2(&|$)/);
  await expect(page.locator(`tr[data-incident-id="${sev2}"]`)).toBeVisible();
  await expect(page.locator(`tr[data-incident-id="${sev4}"]`)).toHaveCount(0);

  // A search, typed: one request once typing pauses, in the address too.
  await filters.getByLabel('Search').pressSequentially(`INC-${sev2}`);
  await expect(page).toHaveURL(new RegExp(`[?&]q=INC-${sev2}(&|$)`));
  await expect(rows(page)).toHaveCount(1);
  await expect(filters.getByLabel('Search')).toBeFocused();

  await page.reload();
  await waitForHydration(page);
  await expect(rows(page)).toHaveCount(1);
  await expect(page.locator(`tr[data-incident-id="${sev2}"]`)).toBeVisible();
  await expect(filters.getByLabel('Search')).toHaveValue(`INC-${sev2}`);

  // A status count filters by its status, and says so.
  await page.goto('/incidents');
  await waitForHydration(page);
  const triage = page.getByRole('list', { name: 'Incidents by status' }).locator('button[data-status="triage"]');
  await triage.click();
  await expect(page).toHaveURL(/[?&]status=triage(&|$)/);
  await expect(triage).toHaveAttribute('aria-pressed', 'true');
  await expect(filters.getByLabel('Status')).toHaveValue('triage');
  for (const badge of await rows(page).locator('.badge.status').all()) {
    await expect(badge).toHaveClass(/\btriage\b/);
  }

  // An address no list can answer is explained, not a blank page.
  await page.goto('/incidents?sort=sideways');
  await expect(page.getByText('is not a sort order')).toBeVisible();

  expect(sam.problems.filter((p) => !/status of 400/.test(p))).toEqual([]);
});

test('"Load more" appends the next page, without repeating a row, until the last', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic, server.url);
  const page = iris.page;
  for (let i = 0; i < 4; i++) {
    await declareByApi(page.request, `Paged ${i} ${Date.now()}`, 'sev3');
  }
  await page.goto('/incidents?status=all&limit=3');
  await waitForHydration(page);
  const counts = page.getByRole('list', { name: 'Incidents by status' }).locator('.n');
  const total = (await counts.allTextContents()).reduce((sum, n) => sum + Number(n.replace(/\D/g, '')), 0);
  expect(total).toBeGreaterThan(6);

  const line = page.locator('p.result-count');
  await expect(rows(page)).toHaveCount(3);
  await expect(line).toHaveText('3 shown · more below');
  const more = page.getByRole('button', { name: 'Load more' });
  await more.click();
  await expect(rows(page)).toHaveCount(6);
  await expect(line).toHaveText('6 shown · more below');

  for (let shown = 6; shown < total; shown += 3) {
    await more.click();
    await expect(rows(page)).toHaveCount(Math.min(shown + 3, total));
  }
  await expect(more).toHaveCount(0);
  await expect(line).toHaveText(`${total} incidents`);
  // The button went with the last page: the focus moved on to the first row it brought.
  await expect(rows(page).nth(Math.floor((total - 1) / 3) * 3).getByRole('link')).toBeFocused();
  const ids = await rowIds(page);
  expect(new Set(ids).size).toBe(total);
  // Newest first, as the first page was.
  const numbers = ids.map(Number);
  expect(numbers).toEqual([...numbers].sort((a, b) => b - a));

  expect(iris.problems).toEqual([]);
});
