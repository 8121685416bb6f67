// On-screen defects a person meets: the room, the incidents list and the sign-in page pass
// axe-core; focus stays on a control after Acknowledge; countdowns say their unit and their
// deadline; radio buttons sit beside their labels; the role catalog moves a role down.
import AxeBuilder from '@axe-core/playwright';
import { expect, type Locator, type Page } from '@playwright/test';
import { DEMO, freshRoom, person, waitForHydration, waitForHydrationWithoutStream, test } from './helpers';

test.setTimeout(60_000);

/** axe-core's violations on the page as it is, one line each (rule, impact, the elements). */
async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

/** A fresh SEV1 room, hydrated and live, declared through the form. */
async function sev1Room(page: Page, title: string): Promise<void> {
  await page.goto('/incidents');
  await freshRoom(page, title, 'sev1');
}

/** A deadline as the tooltip writes it: `14:05`, or `Wed 2 Dec 14:05` on another day. */
const DUE = String.raw`(?:[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} )?\d{2}:\d{2}`;

function countdown(page: Page, kind: string): Locator {
  return page.getByRole('list', { name: 'SLA clocks' }).getByTestId(`clock-${kind}`);
}

test('the room, the incidents list and the sign-in page pass axe-core', async ({ browser, page }) => {
  await page.goto('/login');
  expect(await violations(page)).toEqual([]);

  const iris = await person(browser, DEMO.ic);
  await waitForHydration(iris.page);
  expect(await violations(iris.page)).toEqual([]);

  // A room with something on its timeline: a note and a public update.
  await sev1Room(iris.page, `Axe room ${Date.now()}`);
  await iris.page.getByLabel('Add a note (Markdown)').fill('Looking at the **load balancer**.');
  await iris.page.getByRole('button', { name: 'Post note' }).click();
  const timeline = iris.page.getByRole('list', { name: 'Timeline' });
  await expect(timeline.locator('.entry.note')).toHaveCount(1);
  await iris.page.getByText('Public (customers, status page)').click();
  await iris.page.getByLabel('Update', { exact: true }).fill('We are looking into failed checkouts.');
  await iris.page.getByRole('button', { name: 'Publish public update' }).click();
  await expect(timeline.locator('.entry.update')).toHaveCount(1);
  expect(await violations(iris.page)).toEqual([]);

  // The impact form open, too.
  await iris.page.getByRole('button', { name: 'Edit impact' }).click();
  await expect(iris.page.getByRole('form', { name: 'Edit impact' })).toBeVisible();
  expect(await violations(iris.page)).toEqual([]);
  // And in dark mode (its own colours: contrast).
  await iris.page.emulateMedia({ colorScheme: 'dark' });
  expect(await violations(iris.page)).toEqual([]);
  expect(iris.problems).toEqual([]);
});

test('after Acknowledge the focus stays on a control, not the page body', async ({ browser }) => {
  const { page, problems } = await person(browser, DEMO.ic);
  await sev1Room(page, `Focus after ack ${Date.now()}`);
  const ack = page.getByRole('button', { name: 'Acknowledge', exact: true });
  await ack.focus();
  await page.keyboard.press('Enter');
  await expect(ack).toHaveCount(0);
  await expect(countdown(page, 'acknowledge')).toHaveCount(0);
  // On to the next thing a responder does: the status.
  await expect(page.getByLabel('Move to', { exact: true })).toBeFocused();
  expect(await page.evaluate(() => document.activeElement?.tagName)).not.toBe('BODY');
  expect(problems).toEqual([]);
});

test('countdowns say their unit at a glance, and their deadline in the tooltip', async ({ browser }) => {
  const { page, problems } = await person(browser, DEMO.ic);
  await sev1Room(page, `Countdown format ${Date.now()}`);
  // SEV1: acknowledge in 5 minutes (mm:ss), resolve in 4 hours (hours and minutes, not 3:59).
  const ack = countdown(page, 'acknowledge');
  const resolve = countdown(page, 'resolve');
  await expect(ack.locator('time')).toHaveText(/^0[3-5]:\d{2}$/);
  await expect(resolve.locator('time')).toHaveText(/^[34]h \d{2}m$/);
  await expect(ack).toHaveAttribute(
    'title',
    new RegExp(`^Acknowledge due ${DUE} UTC, in [3-5] minutes \\(target 5 min\\)$`),
  );
  await expect(resolve).toHaveAttribute(
    'title',
    new RegExp(`^Resolve due ${DUE} UTC, in [34] hours \\d+ minutes? \\(target 4 h\\)$`),
  );
  // Screen readers hear the same words, not "three colon fifty-nine".
  await expect(resolve.locator('.visually-hidden')).toHaveText(new RegExp(`due ${DUE} UTC, in [34] hours`));
  await expect(resolve.locator('time')).toHaveAttribute('aria-hidden', 'true');

  // The incidents list shows the same format.
  const id = page.url().split('/').pop();
  await page.goto('/incidents');
  await waitForHydration(page);
  const row = page.locator(`tr[data-incident-id="${id}"]`);
  await expect(row.getByTestId('clock-resolve').locator('time')).toHaveText(/^[34]h \d{2}m$/);
  await expect(row.getByTestId('clock-resolve')).toHaveAttribute(
    'title',
    new RegExp(`^Resolve due ${DUE} UTC, in `),
  );
  expect(problems).toEqual([]);
});

test('radio buttons sit beside their labels, on one line', async ({ browser }) => {
  const { page, problems } = await person(browser, DEMO.ic);
  await sev1Room(page, `Radios ${Date.now()}`);
  await page.getByRole('button', { name: 'Edit impact' }).click();
  const groups = [
    page.getByRole('group', { name: 'Customers affected' }),
    page.getByRole('group', { name: 'Audience' }),
  ];
  for (const group of groups) {
    const labels = group.locator('label.radio');
    expect(await labels.count()).toBeGreaterThan(1);
    for (const label of await labels.all()) {
      const radio = label.locator('input[type="radio"]');
      const r = (await radio.boundingBox())!;
      const l = (await label.boundingBox())!;
      const line = await label.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight));
      const text = (await label.textContent())?.trim();
      // The button is its own small size, and the label's words are on one line beside it.
      expect(r.width, text).toBeLessThan(30);
      expect(l.height, text).toBeLessThan(line * 1.5);
      expect(r.y, text).toBeGreaterThanOrEqual(l.y - 1);
      expect(r.y + r.height, text).toBeLessThanOrEqual(l.y + l.height + 1);
    }
  }
  expect(problems).toEqual([]);
});

test('an admin moves a role down the catalog', async ({ browser }) => {
  const { page, problems } = await person(browser, DEMO.ic);
  await page.goto('/settings/roles');
  await waitForHydrationWithoutStream(page);
  const rows = page.getByRole('form', { name: 'Roles' }).locator('li.role-row');
  const labels = async () => rows.evaluateAll((els) => els.map((el) => el.getAttribute('aria-label')));
  const before = await labels();
  expect(before.length).toBeGreaterThan(2);
  const down = rows.first().getByRole('button', { name: 'Move down' });
  await expect(down).toHaveText('Move down');
  await expect(down).toBeEnabled();
  await down.click();
  expect(await labels()).toEqual([before[1], before[0], ...before.slice(2)]);
  // The last role has nowhere to go; the first none to go up to.
  await expect(rows.last().getByRole('button', { name: 'Move down' })).toBeDisabled();
  await expect(rows.first().getByRole('button', { name: 'Move up' })).toBeDisabled();
  expect(problems).toEqual([]);
});
