// The complete incident room with two people: every change reaches the other browser within a
// second; presence shows who is here and who left; merging sends a duplicate's viewers on.
import { expect, type Page } from '@playwright/test';
import { DEMO, enter, freshRoom, person, waitForHydration, test } from './helpers';

const LIVE = { timeout: 1_000 };

// Long flows with two browsers: more than the default 30 s on a loaded 2-core machine.
test.setTimeout(60_000);

/** Iris declares a fresh incident; returns its room URL. */
function timeline(page: Page) {
  return page.getByRole('list', { name: 'Timeline' });
}

test('two responders run an incident together, each change live for the other', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic);
  const sam = await person(browser, DEMO.responder);
  const room = await freshRoom(iris.page, `Checkout errors ${Date.now()}`);
  await enter(sam.page, room);

  // Presence: both are here, on both screens.
  const irisHere = iris.page.getByRole('list', { name: 'Here now' });
  const samHere = sam.page.getByRole('list', { name: 'Here now' });
  await expect(irisHere.locator(`li[title="${DEMO.responder.name}"]`)).toBeVisible();
  await expect(irisHere.locator(`li[title="${DEMO.ic.name}"]`)).toBeVisible();
  await expect(samHere.locator(`li[title="${DEMO.ic.name}"]`)).toBeVisible();

  // Sam acknowledges: Iris sees it, and the status moves out of triage.
  await sam.page.getByRole('button', { name: 'Acknowledge', exact: true }).click();
  await expect(timeline(iris.page).getByText('acknowledged the incident')).toBeVisible(LIVE);
  const irisStatus = iris.page.getByRole('region', { name: 'Status' });
  await expect(irisStatus.getByText('Investigating', { exact: true })).toBeVisible(LIVE);
  await expect(iris.page.getByRole('button', { name: 'Acknowledge', exact: true })).toHaveCount(0);

  // Iris raises the severity, with a reason: Sam sees both.
  await iris.page.getByLabel('Severity', { exact: true }).selectOption('sev1');
  await iris.page.getByLabel('Reason for the severity change').fill('Every region now');
  await iris.page.getByRole('button', { name: 'Change severity' }).click();
  await expect(timeline(sam.page).getByText('Reason: Every region now')).toBeVisible(LIVE);
  await expect(
    sam.page.getByRole('region', { name: 'Status' }).getByText('SEV1', { exact: true }),
  ).toBeVisible(LIVE);

  // Sam assesses the impact: Iris sees it at the top of the room.
  await sam.page.getByRole('button', { name: 'Edit impact' }).click();
  await sam.page.getByLabel('All customers').check();
  await sam.page.getByLabel('What customers see').fill('“Payment failed” at checkout');
  await sam.page.getByRole('button', { name: 'Save impact' }).click();
  await expect(iris.page.getByTestId('impact-affected')).toHaveText('All customers', LIVE);
  await expect(iris.page.getByTestId('impact-text')).toHaveText('“Payment failed” at checkout', LIVE);

  // Iris links a service from the catalog: Sam sees it with its owner, runbook and contacts.
  await iris.page.getByRole('combobox', { name: 'Link a service' }).selectOption({ label: 'Payments API' });
  await iris.page.getByRole('button', { name: 'Link', exact: true }).click();
  const samServices = sam.page.getByRole('list', { name: 'Affected services' });
  await expect(samServices.getByText('Payments API')).toBeVisible(LIVE);
  await expect(samServices.getByText('Owner: Payments')).toBeVisible();
  await expect(samServices.getByRole('link', { name: 'Runbook' })).toHaveAttribute(
    'href',
    'https://runbooks.example.com/payments-api',
  );

  // Sam publishes a public update from the template: Iris sees it, and when it went out.
  await expect(iris.page.getByTestId('last-public-update')).toHaveText('none yet');
  await sam.page.getByLabel('Public (customers, status page)').check();
  await sam.page.getByRole('button', { name: 'Use the Investigating template' }).click();
  await expect(sam.page.getByLabel('Update', { exact: true })).toHaveValue(/We are investigating/);
  await sam.page.getByLabel('Update', { exact: true }).fill('We are investigating failed payments at checkout.');
  await sam.page.getByRole('button', { name: 'Publish public update' }).click();
  const irisUpdate = timeline(iris.page).locator('li[data-kind="status_update_published"]');
  await expect(irisUpdate.getByText('Public update')).toBeVisible(LIVE);
  await expect(irisUpdate.getByText('We are investigating failed payments')).toBeVisible();
  await expect(iris.page.getByTestId('last-public-update')).not.toHaveText('none yet', LIVE);
  // SEV1: the next update is due 30 minutes after this one.
  await expect(iris.page.getByTestId('next-update-due')).toHaveText(/^in (29|30)m$/);

  // Iris pins the update as a key moment: Sam sees the mark.
  await irisUpdate.getByRole('button', { name: 'Pin', exact: true }).click();
  const samUpdate = timeline(sam.page).locator('li[data-kind="status_update_published"]');
  await expect(samUpdate.getByText('Key moment')).toBeVisible(LIVE);
  // The key-moments filter shows only pinned entries.
  await sam.page.getByRole('button', { name: 'Key moments' }).click();
  await expect(timeline(sam.page).locator('li.entry')).toHaveCount(1);
  await sam.page.getByRole('button', { name: 'All', exact: true }).click();

  // Sam closes his tab: Iris sees him leave within a few seconds.
  await sam.page.close();
  await expect(irisHere.locator(`li[title="${DEMO.responder.name}"]`)).toHaveCount(0, { timeout: 5_000 });
  await expect(irisHere.locator(`li[title="${DEMO.ic.name}"]`)).toBeVisible();

  expect(iris.problems).toEqual([]);
  expect(sam.problems).toEqual([]);
});

test('authors edit and delete their own notes; a bad timestamp is refused with the rule', async ({
  browser,
}) => {
  const iris = await person(browser, DEMO.ic);
  const sam = await person(browser, DEMO.responder);
  const room = await freshRoom(iris.page, `Notes ${Date.now()}`, 'sev3');
  await enter(sam.page, room);

  await iris.page.getByLabel('Add a note (Markdown)').fill('Cache hit rate fell to 10%');
  await iris.page.getByRole('button', { name: 'Post note' }).click();
  const samNote = timeline(sam.page).locator('li[data-kind="note_added"]');
  await expect(samNote).toContainText('Cache hit rate fell to 10%', LIVE);
  // Not Sam's note: he can pin it, not edit it.
  await expect(samNote.getByRole('button', { name: 'Edit', exact: true })).toHaveCount(0);

  const irisNote = timeline(iris.page).locator('li[data-kind="note_added"]');
  await irisNote.getByRole('button', { name: 'Edit', exact: true }).click();
  await irisNote.getByLabel('Note text').fill('Cache hit rate fell to **5%**');
  await irisNote.getByRole('button', { name: 'Save note' }).click();
  await expect(samNote.locator('strong', { hasText: '5%' })).toBeVisible(LIVE);
  await expect(samNote.getByText('(edited)')).toBeVisible();

  await irisNote.getByRole('button', { name: 'Delete', exact: true }).click();
  await irisNote.getByRole('button', { name: 'Confirm delete' }).click();
  await expect(samNote.getByText('Note deleted by its author.')).toBeVisible(LIVE);

  // Acknowledged before detected breaks the order: refused, and the message names the rule.
  await iris.page.getByRole('button', { name: 'Acknowledge', exact: true }).click();
  await expect(iris.page.locator('[data-milestone="acknowledged"] time')).toBeVisible();
  const detected = await iris.page.locator('[data-milestone="detected"] time').getAttribute('datetime');
  const earlier = new Date(Date.parse(detected!) - 60_000).toISOString().slice(0, 19);
  await iris.page.getByRole('button', { name: 'Edit acknowledged' }).click();
  await iris.page.getByLabel('Acknowledged (UTC)').fill(earlier);
  await iris.page.getByLabel('Reason', { exact: true }).fill('Paged before the alert fired?');
  await iris.page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(iris.page.getByRole('region', { name: 'Timestamps' }).getByRole('alert')).toContainText(
    'Acknowledged',
  );
  await expect(iris.page.getByRole('region', { name: 'Timestamps' }).getByRole('alert')).toContainText(
    'cannot be before detected',
  );
  // Nothing changed: the timestamp is as it was.
  await iris.page.getByRole('button', { name: 'Cancel' }).click();
  await expect(timeline(sam.page).locator('li[data-kind="timestamp_changed"]')).toHaveCount(0);

  // Iris's console shows the refused change (the point of the last step), nothing else.
  expect(iris.problems.filter((p) => !/status of 422 .*\/fn\/act/.test(p))).toEqual([]);
  expect(sam.problems).toEqual([]);
});

test('merging a duplicate tells its viewers and links it from the survivor', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic);
  const sam = await person(browser, DEMO.responder);
  const survivorUrl = await freshRoom(iris.page, `Payments down ${Date.now()}`, 'sev1');
  const survivor = survivorUrl.split('/').pop()!;
  await iris.page.goto('/incidents');
  const dupTitle = `Cannot pay ${Date.now()}`;
  const dupUrl = await freshRoom(iris.page, dupTitle, 'sev2');
  const dup = dupUrl.split('/').pop()!;
  await enter(sam.page, dupUrl);

  await iris.page.getByText('Merge as duplicate…').click();
  await iris.page.getByLabel('Duplicate of').fill(`INC-${survivor}`);
  await iris.page.getByRole('button', { name: 'Merge', exact: true }).click();

  // Sam, in the duplicate, is told at once and can no longer change it.
  const banner = sam.page.getByTestId('merged-banner');
  await expect(banner).toBeVisible(LIVE);
  await expect(banner.getByRole('link', { name: `INC-${survivor}` })).toBeVisible();
  await expect(sam.page.getByRole('button', { name: 'Post note' })).toHaveCount(0);

  // The survivor's timeline links the duplicate.
  await banner.getByRole('link', { name: `INC-${survivor}` }).click();
  await sam.page.waitForURL(survivorUrl);
  const entry = timeline(sam.page).locator('li[data-kind="duplicate_merged"]');
  await expect(entry.getByRole('link', { name: `INC-${dup}` })).toBeVisible();
  await expect(entry).toContainText(dupTitle);

  expect(iris.problems).toEqual([]);
  expect(sam.problems).toEqual([]);
});

test('the incidents list filters, searches and counts, live', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic);
  const sam = await person(browser, DEMO.responder);
  await waitForHydration(sam.page);
  const counts = sam.page.getByRole('list', { name: 'Incidents by status' });
  const triage = counts.locator('button[data-status="triage"] .n');
  const before = Number(await triage.textContent());

  const title = `Filter me ${Date.now()}`;
  await freshRoom(iris.page, title, 'sev4');
  // Sam's counts and list follow live.
  await expect(triage).toHaveText(String(before + 1), LIVE);
  await expect(sam.page.getByRole('link', { name: title })).toBeVisible(LIVE);

  // Search by title; filter by severity.
  const filters = sam.page.getByRole('search', { name: 'Filter incidents' });
  await filters.getByLabel('Search').fill(title);
  await expect(sam.page.locator('table.incidents tbody tr')).toHaveCount(1);
  await filters.getByLabel('Search').fill('');
  await filters.getByLabel('Severity').selectOption('sev1');
  await expect(sam.page.getByRole('link', { name: title })).toHaveCount(0);
  await filters.getByLabel('Severity').selectOption('');
  // "Mine": Sam has not touched it.
  await filters.getByLabel('Mine').check();
  await expect(sam.page.getByRole('link', { name: title })).toHaveCount(0);
  await filters.getByLabel('Mine').uncheck();
  await expect(sam.page.getByRole('link', { name: title })).toBeVisible();

  expect(iris.problems).toEqual([]);
  expect(sam.problems).toEqual([]);
});

test('the service catalog: add a service, fix a bad runbook link, edit it', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic);
  const page = iris.page;
  await page.goto('/services');
  // Nothing is live here: once hydrated, the page closes the stream and hides the badge.
  await expect(page.getByTestId('live-badge')).toHaveClass(/idle/, { timeout: 20_000 });
  const name = `Ledger ${Date.now()}`;
  await page.getByText('Add a service', { exact: true }).click();
  const form = page.getByRole('form', { name: 'Add a service' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Owner team').fill('Finance');
  await form.getByLabel('Tier').selectOption('1');
  await form.getByLabel('Runbook link').fill('javascript:alert(1)');
  await form.getByRole('button', { name: 'Add service' }).click();
  await expect(form.getByRole('alert')).toContainText('must be a web address');
  await form.getByLabel('Runbook link').fill('https://runbooks.example.com/ledger');
  await form.getByRole('button', { name: 'Add service' }).click();
  const row = page.getByRole('row', { name: new RegExp(name) });
  await expect(row).toContainText('Finance');
  await expect(row.getByRole('link', { name: 'Runbook' })).toHaveAttribute('href', 'https://runbooks.example.com/ledger');

  await row.getByRole('button', { name: `Edit ${name}` }).click();
  const edit = page.getByRole('form', { name: 'Edit service' });
  await edit.getByLabel('Owner team').fill('Finance Platform');
  await edit.getByRole('button', { name: 'Save service' }).click();
  await expect(page.getByRole('row', { name: new RegExp(name) })).toContainText('Finance Platform');

  // The room offers it for linking.
  await page.goto('/incidents');
  await waitForHydration(page);
  await page.locator('table.incidents tbody tr a').first().click();
  await waitForHydration(page);
  await expect(page.getByRole('combobox', { name: 'Link a service' }).locator('option', { hasText: name })).toHaveCount(1);

  expect(iris.problems.filter((p) => !/status of 422 .*\/fn\/save-service/.test(p))).toEqual([]);
});

test('a long timeline shows its latest page and loads older entries on demand', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic);
  const url = await freshRoom(iris.page, `Long night ${Date.now()}`, 'sev2');
  const id = url.split('/').pop()!;
  for (let n = 1; n <= 60; n++) {
    const res = await iris.page.request.post(`/api/v1/incidents/${id}/notes`, {
      data: { body: `Long entry ${n}` },
    });
    expect(res.status()).toBe(201);
  }
  await enter(iris.page, url);
  const list = timeline(iris.page);
  const entries = list.locator('li[data-event-id]');
  // The declaration and 60 notes: the room opens on the latest 50.
  await expect(list.getByText('Long entry 60', { exact: true })).toBeVisible();
  await expect(entries).toHaveCount(50);
  await expect(list.getByText('Long entry 10', { exact: true })).toHaveCount(0);

  // Scrolling to the end of the timeline brings the older ones, and there are no more.
  const older = iris.page.getByRole('button', { name: 'Show older entries' });
  await older.scrollIntoViewIfNeeded();
  await expect(entries).toHaveCount(61);
  await expect(list.getByText('Long entry 1', { exact: true })).toBeVisible();
  await expect(list.locator('li[data-kind="incident_declared"]')).toHaveCount(1);
  await expect(older).toHaveCount(0);

  // New entries still arrive live, at the top.
  await iris.page.request.post(`/api/v1/incidents/${id}/notes`, { data: { body: 'Long entry 61' } });
  await expect(entries.first()).toContainText('Long entry 61', LIVE);
  await expect(entries).toHaveCount(62);
  expect(iris.problems).toEqual([]);
});

test('the merge picker finds an open incident by its title and merges into it', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic);
  const word = `Zebra${Date.now()}`;
  const survivorUrl = await freshRoom(iris.page, `Checkout ${word} outage`, 'sev1');
  const survivor = survivorUrl.split('/').pop()!;
  await iris.page.goto('/incidents');
  await freshRoom(iris.page, `Cannot pay ${word}`, 'sev2');

  await iris.page.getByText('Merge as duplicate…').click();
  const picker = iris.page.getByRole('combobox', { name: 'Duplicate of' });
  await picker.pressSequentially(word.toLowerCase());
  // Both titles match; the room's own incident is not offered.
  const choices = iris.page.getByRole('listbox', { name: 'Open incidents' });
  await expect(choices).toBeVisible();
  await expect(choices.getByRole('option')).toHaveCount(1);
  await expect(choices.getByRole('option')).toContainText(`INC-${survivor}`);
  await expect(choices.getByRole('option')).toContainText(`Checkout ${word} outage`);

  // Picked with the keyboard.
  await picker.press('ArrowDown');
  await expect(choices.getByRole('option').first()).toHaveAttribute('aria-selected', 'true');
  await expect(picker).toHaveAttribute('aria-activedescendant', 'merge-option-0');
  await picker.press('Enter');
  await expect(picker).toHaveValue(`INC-${survivor}`);
  await expect(choices).toBeHidden();

  await iris.page.getByRole('button', { name: 'Merge', exact: true }).click();
  const banner = iris.page.getByTestId('merged-banner');
  await expect(banner).toBeVisible(LIVE);
  await expect(banner.getByRole('link', { name: `INC-${survivor}` })).toBeVisible();
  expect(iris.problems).toEqual([]);
});
