import { expect } from '@playwright/test';
import { declare, DEMO, liveBadge, person, roomShown, test, waitForHydration, watchConsole } from './helpers';
import { OwnServer } from './own-server';

test('two people in one incident room see each other’s work live', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic);
  const sam = await person(browser, DEMO.responder);
  await waitForHydration(iris.page);
  await waitForHydration(sam.page);

  // Iris declares; the incident appears in Sam's list without a reload.
  const title = `Database latency ${Date.now()}`;
  await declare(iris.page, title, 'sev1');
  await expect(sam.page.getByRole('link', { name: title })).toBeVisible({ timeout: 1_000 });

  // Iris lands in the new room; Sam follows the link.
  await roomShown(iris.page);
  const roomUrl = iris.page.url();
  await expect(iris.page.getByRole('heading', { level: 1 })).toHaveText(title);
  await sam.page.getByRole('link', { name: title }).click();
  await sam.page.waitForURL(roomUrl);
  await expect(sam.page.getByRole('heading', { level: 1 })).toHaveText(title);
  await waitForHydration(iris.page);
  await waitForHydration(sam.page);

  // A note posted by Iris appears in Sam's timeline within a second, rendered from Markdown.
  const samTimeline = sam.page.getByRole('list', { name: 'Timeline' });
  await iris.page.getByLabel('Add a note (Markdown)').fill('Failover to the **replica** started');
  await iris.page.getByRole('button', { name: 'Post note' }).click();
  await expect(samTimeline.getByText('Failover to the')).toBeVisible({ timeout: 1_000 });
  await expect(samTimeline.locator('strong', { hasText: 'replica' })).toBeVisible();
  // The newest entry first (the list's first item is its day's heading).
  const entries = samTimeline.getByRole('listitem').filter({ hasNot: sam.page.getByRole('heading') });
  await expect(entries.first()).toContainText(DEMO.ic.name);
  // The composer is cleared for the next note.
  await expect(iris.page.getByLabel('Add a note (Markdown)')).toHaveValue('');

  // A status change by Sam appears for Iris within a second.
  await sam.page.getByLabel('Move to').selectOption('investigating');
  await sam.page.getByRole('button', { name: 'Change status' }).click();
  const irisStatus = iris.page.getByRole('region', { name: 'Status' });
  await expect(irisStatus.getByText('Investigating', { exact: true })).toBeVisible({ timeout: 1_000 });
  await expect(
    iris.page.getByRole('list', { name: 'Timeline' }).getByText('changed the status from'),
  ).toBeVisible({ timeout: 1_000 });
  // Iris's status menu now offers the moves allowed from Investigating.
  await expect(iris.page.getByLabel('Move to').locator('option')).toHaveText([
    'Identified',
    'Monitoring',
    'Resolved',
  ]);

  // Every timeline entry shows its time, under a heading with its date.
  await expect(samTimeline.locator('time').first()).toHaveText(/^\d{2}:\d{2}:\d{2}$/);
  await expect(samTimeline.getByRole('heading', { level: 3 }).first()).toHaveText(
    /^[A-Z][a-z]+day \d{1,2} [A-Z][a-z]+ \d{4}$/,
  );

  expect(iris.problems).toEqual([]);
  expect(sam.problems).toEqual([]);
});

test('a stale status change is refused and the room refreshes to the latest', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic);
  const riley = await person(browser, DEMO.responder2);
  // Riley's live stream is cut, so her view goes stale.
  await riley.page.context().route('**/api/v1/stream**', (route) => route.abort());

  const title = `Stale view ${Date.now()}`;
  await waitForHydration(iris.page);
  await declare(iris.page, title, 'sev3');
  await roomShown(iris.page);
  const roomUrl = iris.page.url();

  await riley.page.goto(roomUrl);
  // Hydrated (the badge is driven by the wasm), but not live.
  await expect(liveBadge(riley.page)).toHaveText('Reconnecting…', { timeout: 20_000 });

  await waitForHydration(iris.page);
  await iris.page.getByLabel('Move to').selectOption('identified');
  await iris.page.getByRole('button', { name: 'Change status' }).click();
  await expect(iris.page.getByRole('region', { name: 'Status' }).getByText('Identified', { exact: true })).toBeVisible();

  // Riley still sees Triage and tries to move it: refused with a clear message, view refreshed.
  const rileyStatus = riley.page.getByRole('region', { name: 'Status' });
  await expect(rileyStatus.getByText('Triage', { exact: true })).toBeVisible();
  await riley.page.getByLabel('Move to').selectOption('investigating');
  await riley.page.getByRole('button', { name: 'Change status' }).click();
  await expect(riley.page.getByRole('alert')).toContainText('Someone else changed this incident');
  await expect(rileyStatus.getByText('Identified', { exact: true })).toBeVisible();

  // Her next try, from the fresh view, works.
  await riley.page.getByLabel('Move to').selectOption('monitoring');
  await riley.page.getByRole('button', { name: 'Change status' }).click();
  await expect(rileyStatus.getByText('Monitoring', { exact: true })).toBeVisible();
  await expect(riley.page.getByRole('alert')).toHaveCount(0);

  expect(iris.problems).toEqual([]);
  // Riley's console shows the blocked stream and the refused change (the point of this test),
  // nothing else.
  expect(
    riley.problems.filter(
      (p) => !p.includes('/api/v1/stream') && !/status of 409 .*\/fn\/status/.test(p),
    ),
  ).toEqual([]);
});

test('bad input is explained on screen and nothing is created', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic);
  const page = iris.page;
  await waitForHydration(page);
  const rowsBefore = await page.locator('table.incidents tbody tr').count();

  await page.getByText('Declare an incident', { exact: true }).click();
  await page.getByRole('button', { name: 'Declare incident' }).click();
  await expect(page.getByRole('alert')).toHaveText('Title must not be empty (1–200 characters).');
  await page.getByLabel('Title', { exact: true }).fill('x'.repeat(201));
  await page.getByRole('button', { name: 'Declare incident' }).click();
  await expect(page.getByRole('alert')).toHaveText('Title is too long: 201 characters, the limit is 200.');
  await expect(page).toHaveURL(/\/incidents$/);
  await expect(page.locator('table.incidents tbody tr')).toHaveCount(rowsBefore);

  // An empty note in a room.
  await page.locator('table.incidents tbody tr a').first().click();
  await roomShown(page);
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Post note' }).click();
  await expect(page.getByRole('alert')).toContainText('Note must not be empty');

  // The browser logs each refused request (422); nothing else may appear.
  expect(iris.problems.filter((p) => !/status of 422 .*\/fn\/(declare|note)/.test(p))).toEqual([]);
  expect(iris.problems.length).toBe(3);
});

test('a stakeholder sees everything and no controls to change it', async ({ browser }) => {
  const stella = await person(browser, DEMO.stakeholder);
  const page = stella.page;
  await waitForHydration(page);
  // The header shows the account once: in the bar when wide, in the menu when narrow.
  await expect(page.getByText('read-only', { exact: true }).filter({ visible: true })).toBeVisible();
  await expect(page.getByText('Declare an incident')).toHaveCount(0);
  await expect(page.locator('table.incidents tbody tr').first()).toBeVisible();

  await page.locator('table.incidents tbody tr a').first().click();
  await roomShown(page);
  await waitForHydration(page);
  await expect(page.getByRole('list', { name: 'Timeline' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Post note' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Change status' })).toHaveCount(0);
  for (const control of ['Acknowledge', 'Change severity', 'Edit impact', 'Link', 'Pin', 'Edit']) {
    await expect(page.getByRole('button', { name: control, exact: true })).toHaveCount(0);
  }
  await expect(page.getByRole('form', { name: 'Write a status update' })).toHaveCount(0);
  // Reading is still everything: impact, services, updates, timestamps.
  await expect(page.getByRole('region', { name: 'Impact' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Timestamps' })).toBeVisible();
  expect(stella.problems).toEqual([]);
});

test('signing in with a wrong password says so, and signing out ends the session', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/incidents');
  await expect(page).toHaveURL(/\/login\?next=%2Fincidents$/);
  await page.getByLabel('Email', { exact: true }).fill(DEMO.manager.email);
  await page.getByLabel('Password', { exact: true }).fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');

  await page.getByLabel('Password', { exact: true }).fill(DEMO.manager.password);
  await page.getByLabel('Email', { exact: true }).fill(DEMO.manager.email);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/incidents$/);
  await expect(page.getByText(DEMO.manager.name).filter({ visible: true })).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/login$/);
  await page.goto('/incidents');
  await expect(page).toHaveURL(/\/login/);
  expect(problems).toEqual([]);
});

test('after a dropped connection (a server restart) the room catches up on what it missed', async ({
  browser,
}) => {
  // Its own server, so restarting it disturbs no other test.
  const server = await OwnServer.start();
  try {
    const iris = await person(browser, DEMO.ic, server.url);
    const sue = await person(browser, DEMO.support, server.url);
    await waitForHydration(iris.page);
    const title = `Flaky network ${Date.now()}`;
    await declare(iris.page, title, 'sev2');
    await roomShown(iris.page);
    const id = iris.page.url().split('/').pop();
    await sue.page.goto(iris.page.url());
    await waitForHydration(sue.page);

    // The server goes away: the badge says so.
    await server.stop();
    await expect(liveBadge(sue.page)).toHaveText('Reconnecting…');

    // It comes back on the same address and data; at once, two notes are posted.
    await server.restart();
    for (const body of ['First after the restart', 'Second after the restart']) {
      const res = await iris.page.context().request.post(`${server.url}/api/v1/incidents/${id}/notes`, {
        data: { body },
      });
      expect(res.status()).toBe(201);
    }

    // Sue's room reconnects by itself and shows both, once each, without a reload.
    const sueTimeline = sue.page.getByRole('list', { name: 'Timeline' });
    await expect(liveBadge(sue.page)).toHaveText('Live', { timeout: 15_000 });
    await expect(sueTimeline.getByText('First after the restart')).toHaveCount(1);
    await expect(sueTimeline.getByText('Second after the restart')).toHaveCount(1);

    // Only the refused reconnection attempts while the server was down.
    const unexpected = (p: string) => !p.includes('/api/v1/stream') && !p.includes('ERR_CONNECTION_REFUSED');
    expect(iris.problems.filter(unexpected)).toEqual([]);
    expect(sue.problems.filter(unexpected)).toEqual([]);
  } finally {
    await server.stop();
    server.remove();
  }
});
