// The room by keyboard: a skip link first, `n` for the note box, Ctrl+Enter to post, `?` for the
// keys; and after every action focus stays on a control, never the page body.
import { expect, type Page } from '@playwright/test';
import { DEMO, enter, freshRoom, person, waitForHydration, test } from './helpers';

// Long flows on a loaded 2-core machine.
test.setTimeout(60_000);

function timeline(page: Page) {
  return page.getByRole('list', { name: 'Timeline' });
}

/** What has focus: a tag and its text, or "body" when focus fell to the page. */
async function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'body';
    return `${el.tagName.toLowerCase()}:${(el.textContent || '').trim().slice(0, 40)}`;
  });
}

/** Focus is on a control (or the changed element) once the action has settled. */
async function expectFocusKept(page: Page): Promise<void> {
  // Give the action time to land, then focus must be somewhere other than the body.
  await page.waitForTimeout(600);
  await expect.poll(() => focused(page)).not.toBe('body');
}

test('the skip link, n, Ctrl+Enter and ? work from the keyboard', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic);
  const page = iris.page;
  const room = await freshRoom(page, `Keys ${Date.now()}`, 'sev3');
  await page.goto(room);
  await waitForHydration(page);

  // The first Tab offers the skip link; it takes focus to the timeline.
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to the timeline' });
  await expect(skip).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Timeline', exact: true })).toBeFocused();

  // `n` focuses the note box; typed there, `n` is a letter.
  await page.keyboard.press('n');
  const note = page.getByLabel('Add a note (Markdown)');
  await expect(note).toBeFocused();
  await page.keyboard.type('Rolled back the deploy, now watching');
  await expect(note).toHaveValue('Rolled back the deploy, now watching');

  // Ctrl+Enter posts it.
  await page.keyboard.press('Control+Enter');
  await expect(timeline(page).locator('li[data-kind="note_added"]')).toContainText('Rolled back the deploy');
  await expect(note).toHaveValue('');

  // ... and a status update from its box.
  const update = page.getByLabel('Update', { exact: true });
  await update.fill('Internal: rollback under way.');
  await update.press('Control+Enter');
  await expect(timeline(page).locator('li[data-kind="status_update_published"]')).toContainText(
    'rollback under way',
  );

  // `?` lists the keys in a dialog; Escape closes it and focus returns where it was.
  await page.getByRole('button', { name: 'Notes', exact: true }).focus();
  await page.keyboard.press('?');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Write a note');
  await expect(dialog).toContainText('Ctrl');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: 'Notes', exact: true })).toBeFocused();
  // Its Close button does the same.
  await page.keyboard.press('?');
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: 'Notes', exact: true })).toBeFocused();

  expect(iris.problems).toEqual([]);
});

test('focus stays on a control after every action in the room', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic);
  const page = iris.page;
  await freshRoom(page, `Focus ${Date.now()}`, 'sev3');

  // Acknowledge.
  await page.getByRole('button', { name: 'Acknowledge', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Acknowledge', exact: true })).toHaveCount(0);
  await expectFocusKept(page);

  // A status change.
  await page.getByLabel('Move to').selectOption('identified');
  await page.getByRole('button', { name: 'Change status' }).click();
  await expect(page.getByRole('region', { name: 'Status' }).getByText('Identified', { exact: true })).toBeVisible();
  await expectFocusKept(page);

  // A severity change.
  await page.getByLabel('Severity', { exact: true }).selectOption('sev2');
  await page.getByPlaceholder('Why? (required)').fill('More customers affected');
  await page.getByRole('button', { name: 'Change severity' }).click();
  await expect(timeline(page).locator('li[data-kind="severity_changed"]')).toHaveCount(1);
  await expectFocusKept(page);

  // A note.
  await page.getByLabel('Add a note (Markdown)').fill('Looking at the load balancer');
  await page.getByRole('button', { name: 'Post note' }).click();
  const entry = timeline(page).locator('li[data-kind="note_added"]');
  await expect(entry).toContainText('Looking at the load balancer');
  await expectFocusKept(page);

  // Pinning it: the entry is drawn anew; focus stays in it.
  await entry.getByRole('button', { name: 'Pin', exact: true }).click();
  await expect(entry.getByText('Key moment')).toBeVisible();
  await expectFocusKept(page);
  expect(await focused(page)).toBe('button:Unpin');

  // Editing it.
  await entry.getByRole('button', { name: 'Edit', exact: true }).click();
  await entry.getByLabel('Note text').fill('Looking at the load balancer, then DNS');
  await entry.getByRole('button', { name: 'Save note' }).click();
  await expect(entry.getByText('(edited)')).toBeVisible();
  await expectFocusKept(page);

  // Deleting it: focus goes to the entry that changed.
  await entry.getByRole('button', { name: 'Delete', exact: true }).click();
  await entry.getByRole('button', { name: 'Confirm delete' }).click();
  await expect(entry.getByText('Note deleted by its author.')).toBeVisible();
  await expectFocusKept(page);

  // A status update.
  await page.getByLabel('Update', { exact: true }).fill('Internal: DNS next.');
  await page.getByRole('button', { name: 'Post internal update' }).click();
  await expect(timeline(page).locator('li[data-kind="status_update_published"]')).toHaveCount(1);
  await expectFocusKept(page);

  // A role change through the Move to… menu, and relieving.
  const roster = page.getByTestId('roster');
  await roster.locator('li.card', { hasText: DEMO.support.name }).getByRole('button', { name: 'Move to…' }).click();
  await page.getByRole('list', { name: 'Move to' }).getByRole('button', { name: 'Customer Support Lead' }).click();
  const lead = page
    .getByTestId('role-customer_support_lead')
    .locator('ul.holders > li.card', { hasText: DEMO.support.name });
  await expect(lead).toBeVisible();
  await expectFocusKept(page);
  await lead.getByRole('button', { name: 'Move to…' }).click();
  await page.getByRole('button', { name: 'Relieve (back to People)' }).click();
  await expect(lead).toHaveCount(0);
  await expectFocusKept(page);

  expect(iris.problems).toEqual([]);
});
