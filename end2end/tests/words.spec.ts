// Words that help: a conflict shows theirs beside yours and keeps either; a lost connection says
// so in plain words and keeps the text; resolving a major incident with something missing asks
// once, naming it; templates are filled from what is known; avatars tell apart people with the
// same initials.
import { expect, type Page } from '@playwright/test';
import { DEMO, enter, freshRoom, person, waitForHydration, test } from './helpers';

const LIVE = { timeout: 2_000 };
const UNREACHABLE = "Can't reach Sitrep — your text is kept, we'll retry.";

// Long flows with two browsers on a loaded 2-core machine.
test.setTimeout(60_000);

function timeline(page: Page) {
  return page.getByRole('list', { name: 'Timeline' });
}

/** Opens the impact editor and fills it (without saving). */
async function editImpact(page: Page, affected: string, text: string): Promise<void> {
  await page.getByRole('button', { name: 'Edit impact' }).click();
  await page.getByRole('form', { name: 'Edit impact' }).getByLabel(affected).check();
  await page.getByLabel('What customers see').fill(text);
}

test('a stale impact edit shows theirs beside yours, and keeps either', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic);
  const sam = await person(browser, DEMO.responder);
  const room = await freshRoom(iris.page, `Conflict ${Date.now()}`, 'sev2');
  await enter(sam.page, room);

  // Both edit the impact at once; Iris saves first.
  await editImpact(iris.page, 'All customers', 'Checkout fails with an error');
  await editImpact(sam.page, 'Some customers', 'Card payments are slow');
  await iris.page.getByRole('button', { name: 'Save impact' }).click();
  await expect(iris.page.getByTestId('impact-text')).toHaveText('Checkout fails with an error');
  await sam.page.getByRole('button', { name: 'Save impact' }).click();

  // Sam is told, with Iris's value beside his own.
  const conflict = sam.page.getByTestId('impact-conflict');
  await expect(conflict).toContainText('Someone else changed this incident');
  const theirs = conflict.getByRole('region', { name: 'Theirs (now)' });
  const yours = conflict.getByRole('region', { name: 'Yours' });
  await expect(theirs).toContainText('Checkout fails with an error', LIVE);
  await expect(theirs).toContainText('All customers');
  await expect(yours).toContainText('Card payments are slow');
  await expect(yours).toContainText('Some customers');
  // His text is still in the box.
  await expect(sam.page.getByLabel('What customers see')).toHaveValue('Card payments are slow');

  // He keeps his: saved over Iris's, and Iris sees it.
  await yours.getByRole('button', { name: 'Keep mine' }).click();
  await expect(sam.page.getByTestId('impact-text')).toHaveText('Card payments are slow');
  await expect(iris.page.getByTestId('impact-text')).toHaveText('Card payments are slow', LIVE);
  await expect(iris.page.getByTestId('impact-affected')).toHaveText('Some customers');

  // The other way round: Iris, stale, keeps Sam's.
  await editImpact(iris.page, 'A few customers', 'Only EU cards fail');
  await editImpact(sam.page, 'All customers', 'Every card payment fails');
  await sam.page.getByRole('button', { name: 'Save impact' }).click();
  await expect(iris.page.getByRole('form', { name: 'Edit impact' })).toBeVisible();
  await iris.page.getByRole('button', { name: 'Save impact' }).click();
  const irisConflict = iris.page.getByTestId('impact-conflict');
  await expect(irisConflict.getByRole('region', { name: 'Theirs (now)' })).toContainText(
    'Every card payment fails',
    LIVE,
  );
  await expect(irisConflict.getByRole('region', { name: 'Yours' })).toContainText('Only EU cards fail');
  await irisConflict.getByRole('button', { name: 'Keep theirs' }).click();
  await expect(iris.page.getByTestId('impact-text')).toHaveText('Every card payment fails');
  await expect(sam.page.getByTestId('impact-text')).toHaveText('Every card payment fails');
  // Focus stays on a control: the editor's button.
  await expect(iris.page.getByRole('button', { name: 'Edit impact' })).toBeFocused();
  // Only one impact change each was recorded.
  await expect(timeline(iris.page).locator('li[data-kind="impact_updated"]')).toHaveCount(3);

  const refused = /status of 409 .*\/fn\/act/;
  expect(iris.problems.filter((p) => !refused.test(p))).toEqual([]);
  expect(sam.problems.filter((p) => !refused.test(p))).toEqual([]);
});

test('offline, a note says Sitrep cannot be reached, keeps the text and is sent once back', async ({
  browser,
}) => {
  const iris = await person(browser, DEMO.ic);
  const page = iris.page;
  await freshRoom(page, `Offline ${Date.now()}`, 'sev3');

  await page.context().setOffline(true);
  const box = page.getByLabel('Add a note (Markdown)');
  await box.fill('Written on the train');
  await page.getByRole('button', { name: 'Post note' }).click();
  const form = page.getByRole('form', { name: 'Add a note' });
  await expect(form.getByRole('alert')).toHaveText(UNREACHABLE);
  await expect(form.getByRole('alert')).not.toContainText('TypeError');
  await expect(box).toHaveValue('Written on the train');
  await expect(timeline(page).locator('li[data-kind="note_added"]')).toHaveCount(0);

  // Back online, it is sent again by itself, once.
  await page.context().setOffline(false);
  await expect(timeline(page).locator('li[data-kind="note_added"]')).toContainText('Written on the train', {
    timeout: 10_000,
  });
  await expect(box).toHaveValue('');
  await expect(form.getByRole('alert')).toHaveCount(0);
  await page.waitForTimeout(4_000);
  await expect(timeline(page).locator('li[data-kind="note_added"]')).toHaveCount(1);

  // What the browser logs about the failed requests, nothing else.
  expect(iris.problems.filter((p) => !/net::ERR_INTERNET_DISCONNECTED/.test(p))).toEqual([]);
});

test('a dropped live stream says so in words', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic);
  const room = await freshRoom(iris.page, `Dropped ${Date.now()}`, 'sev3');
  const riley = await person(browser, DEMO.responder2);
  await riley.page.context().route('**/api/v1/stream**', (route) => route.abort());
  await riley.page.goto(room);
  await expect(riley.page.getByTestId('connection-notice')).toHaveText(UNREACHABLE, { timeout: 20_000 });
  await riley.page.context().unroute('**/api/v1/stream**');
  await expect(riley.page.getByTestId('connection-notice')).toHaveCount(0, { timeout: 40_000 });
});

test('resolving a major incident with something missing asks once, naming it', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic);
  const page = iris.page;
  await freshRoom(page, `Resolve ${Date.now()}`, 'sev1');
  const status = page.getByRole('region', { name: 'Status' });

  await page.getByLabel('Move to').selectOption('resolved');
  await page.getByRole('button', { name: 'Change status' }).click();
  const prompt = page.getByTestId('resolve-prompt');
  await expect(prompt).toHaveText(
    /Resolve this SEV1 incident with no Incident Commander, no customer impact described and no public update yet\?/,
  );
  await expect(prompt.getByRole('button', { name: 'Resolve anyway' })).toBeFocused();
  // Not yet: nothing changes.
  await prompt.getByRole('button', { name: 'Not yet' }).click();
  await expect(prompt).toHaveCount(0);
  await expect(page.getByLabel('Move to')).toBeFocused();
  await expect(status.getByText('Triage', { exact: true })).toBeVisible();

  // With a public update out, it names only what is still missing; confirming resolves.
  await page.getByLabel('Public (customers, status page)').check();
  await page.getByLabel('Update', { exact: true }).fill('We are looking into it.');
  await page.getByRole('button', { name: 'Publish public update' }).click();
  await expect(page.getByTestId('last-public-update')).not.toHaveText('none yet');
  await page.getByLabel('Move to').selectOption('resolved');
  await page.getByRole('button', { name: 'Change status' }).click();
  await expect(prompt).toHaveText(/with no Incident Commander and no customer impact described\?/);
  await prompt.getByRole('button', { name: 'Resolve anyway' }).click();
  await expect(status.getByText('Resolved', { exact: true })).toBeVisible();
  await expect(prompt).toHaveCount(0);
  await expect
    .poll(() => page.evaluate(() => document.activeElement?.tagName.toLowerCase()))
    .not.toBe('body');

  // A minor incident resolves without a word.
  await page.goto('/incidents');
  await freshRoom(page, `Minor ${Date.now()}`, 'sev3');
  await page.getByLabel('Move to').selectOption('resolved');
  await page.getByRole('button', { name: 'Change status' }).click();
  await expect(status.getByText('Resolved', { exact: true })).toBeVisible();
  await expect(prompt).toHaveCount(0);

  expect(iris.problems).toEqual([]);
});

test('a status-update template is filled from the known impact and services', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic);
  const page = iris.page;
  await freshRoom(page, `Template ${Date.now()}`, 'sev2');
  await editImpact(page, 'Some customers', 'Card payments fail at checkout');
  await page.getByRole('button', { name: 'Save impact' }).click();
  await expect(page.getByTestId('impact-text')).toHaveText('Card payments fail at checkout');
  await page.getByRole('combobox', { name: 'Link a service' }).selectOption({ label: 'Payments API' });
  await page.getByRole('button', { name: 'Link', exact: true }).click();
  await expect(page.getByRole('list', { name: 'Affected services' })).toContainText('Payments API');

  await page.getByRole('button', { name: 'Use the Triage template' }).click();
  const update = page.getByLabel('Update', { exact: true });
  await expect(update).toHaveValue(
    /^We are investigating a problem with Payments API: Card payments fail at checkout\. Some customers are affected\. We will update you by \d\d:\d\d UTC\.$/,
  );
  await expect(update).not.toHaveValue(/\[/);
  expect(iris.problems).toEqual([]);
});

test('two people with the same initials get different avatars, named on focus', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic);
  const room = await freshRoom(iris.page, `Avatars ${Date.now()}`, 'sev3');
  const sam = await person(browser, DEMO.responder);
  const stella = await person(browser, DEMO.stakeholder);
  await enter(sam.page, room);
  await enter(stella.page, room);

  const here = iris.page.getByRole('list', { name: 'Here now' });
  const samAvatar = here.getByRole('img', { name: DEMO.responder.name });
  const stellaAvatar = here.getByRole('img', { name: DEMO.stakeholder.name });
  await expect(samAvatar).toHaveText('SO', { timeout: 5_000 });
  await expect(stellaAvatar).toHaveText('SO', { timeout: 5_000 });
  const colour = async (avatar: typeof samAvatar) =>
    (await avatar.getAttribute('class'))!.split(/\s+/).find((c) => /^c\d$/.test(c));
  const samColour = await colour(samAvatar);
  const stellaColour = await colour(stellaAvatar);
  expect(samColour).toBeTruthy();
  expect(stellaColour).toBeTruthy();
  expect(samColour).not.toBe(stellaColour);
  // Different colours on screen, not only in the markup.
  const background = (avatar: typeof samAvatar) => avatar.evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(await background(samAvatar)).not.toBe(await background(stellaAvatar));
  // The full name on hover and on focus.
  await expect(samAvatar).toHaveAttribute('title', DEMO.responder.name);
  await samAvatar.focus();
  await expect(samAvatar).toBeFocused();
  const tip = await samAvatar.evaluate((el) => getComputedStyle(el, '::after').content);
  expect(tip).toBe(`"${DEMO.responder.name}"`);

  expect(iris.problems).toEqual([]);
});
