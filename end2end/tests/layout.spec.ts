// The layout at a desktop's size (1440×900) and a phone's (390×844): the room's timeline and
// note box in the first screen; no page scrolling sideways on a phone; the room's side sections
// fold, and stay folded per person from the server's first render; targets a finger can hit;
// axe-core on every screen at both sizes.
import AxeBuilder from '@axe-core/playwright';
import { expect, type Browser, type Page } from '@playwright/test';
import { DEMO, freshRoom, signIn, waitForHydration, waitForHydrationWithoutStream, watchConsole, test, type DemoUser } from './helpers';

test.setTimeout(120_000);

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

/** A person signed in, in a browser context of their own at `viewport`. */
async function at(
  browser: Browser,
  viewport: { width: number; height: number },
  user: DemoUser,
): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = watchConsole(page);
  await signIn(page, user);
  return { page, problems };
}

/** A fresh SEV1 room (no commander yet: its warning shows too), with a note on its timeline. */
async function roomWithNote(page: Page, title: string): Promise<string> {
  const url = await freshRoom(page, title, 'sev1');
  await page.getByLabel('Add a note (Markdown)').fill('Checkout errors **spiking** since the deploy.');
  await page.getByRole('button', { name: 'Post note' }).click();
  await expect(page.getByRole('list', { name: 'Timeline' }).locator('.entry.note')).toHaveCount(1);
  return url;
}

/** The room's narrow-screen switch: the timeline or the rest. */
async function show(page: Page, which: 'Timeline' | 'Details'): Promise<void> {
  const button = page.getByRole('group', { name: 'Show' }).getByRole('button', { name: which, exact: true });
  await button.click();
  await expect(button).toHaveAttribute('aria-pressed', 'true');
}

async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

async function scrollsSideways(page: Page): Promise<{ scrollWidth: number; viewport: number }> {
  return page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
  }));
}

/** Every visible target under 44 px tall: buttons, fields, summaries, and checkbox and radio
 * labels (the label is the target of a small box). */
async function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const small: string[] = [];
    const visible = (el: Element) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
    };
    const name = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${(el.textContent || el.getAttribute('aria-label') || (el as HTMLInputElement).placeholder || '').trim().slice(0, 40)}"`;
    const targets = new Set<Element>();
    for (const el of document.querySelectorAll('button, select, summary, textarea, input')) {
      if (el instanceof HTMLInputElement && el.type === 'hidden') continue;
      if (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio')) {
        const label = el.closest('label') ?? (el.id ? document.querySelector(`label[for="${el.id}"]`) : null);
        targets.add(label ?? el);
      } else {
        targets.add(el);
      }
    }
    for (const el of targets) {
      if (!visible(el)) continue;
      const h = el.getBoundingClientRect().height;
      if (h < 43.99) small.push(`${name(el)}: ${h.toFixed(1)} px`);
    }
    return small;
  });
}

test('at 1440×900 the first timeline entry and the note box are in the first screen of the room', async ({
  browser,
}) => {
  const iris = await at(browser, DESKTOP, DEMO.ic);
  const url = await roomWithNote(iris.page, `First screen ${Date.now()}`);
  // With impact described and a service linked, as a room is a few minutes in.
  await iris.page.getByRole('button', { name: 'Edit impact' }).click();
  await iris.page.getByLabel('What customers see').fill('Checkout fails for about a third of customers.');
  await iris.page.getByRole('button', { name: 'Save impact' }).click();
  await expect(iris.page.getByTestId('impact-text')).toContainText('Checkout fails');

  await iris.page.goto(url);
  await waitForHydration(iris.page);
  expect(await iris.page.evaluate(() => window.scrollY)).toBe(0);
  const inFirstScreen = async (what: string, box: { x: number; y: number; width: number; height: number } | null) => {
    expect(box, what).not.toBeNull();
    expect(box!.y, what).toBeGreaterThanOrEqual(0);
    expect(box!.x, what).toBeGreaterThanOrEqual(0);
    expect(box!.y + box!.height, what).toBeLessThanOrEqual(DESKTOP.height);
    expect(box!.x + box!.width, what).toBeLessThanOrEqual(DESKTOP.width);
  };
  const timeline = iris.page.getByRole('list', { name: 'Timeline' });
  await inFirstScreen('the first timeline entry', await timeline.locator('li.entry').first().boundingBox());
  await inFirstScreen('the note box', await iris.page.getByLabel('Add a note (Markdown)').boundingBox());
  await inFirstScreen('the Post note button', await iris.page.getByRole('button', { name: 'Post note' }).boundingBox());
  // The side column holds the rest, beside it.
  const side = (await iris.page.getByRole('region', { name: 'Incident details' }).boundingBox())!;
  const main = (await iris.page.locator('#room-main').boundingBox())!;
  expect(side.x).toBeGreaterThan(main.x + main.width - 1);
  expect(iris.problems).toEqual([]);
});

test('at 390×844 no screen scrolls sideways', async ({ browser }) => {
  const iris = await at(browser, PHONE, DEMO.ic);
  const room = await roomWithNote(iris.page, `A rather long incident title that has to wrap on a phone ${Date.now()}`);
  const screens: [string, (p: Page) => Promise<void>][] = [
    ['/incidents', waitForHydration],
    ['/services', waitForHydrationWithoutStream],
    [new URL(room).pathname, waitForHydration],
    ['/settings/sla', waitForHydrationWithoutStream],
    ['/settings/roles', waitForHydrationWithoutStream],
    ['/settings/tokens', waitForHydrationWithoutStream],
  ];
  for (const [path, ready] of screens) {
    await iris.page.goto(path);
    await ready(iris.page);
    expect(await scrollsSideways(iris.page), path).toEqual({ scrollWidth: PHONE.width, viewport: PHONE.width });
    // The header's menu, open.
    await iris.page.getByText('Menu', { exact: true }).click();
    await expect(iris.page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    expect(await scrollsSideways(iris.page), `${path} with the menu open`).toEqual({
      scrollWidth: PHONE.width,
      viewport: PHONE.width,
    });
  }
  // The room's other half.
  await iris.page.goto(room);
  await waitForHydration(iris.page);
  await show(iris.page, 'Details');
  await expect(iris.page.getByTestId('role-board')).toBeVisible();
  await expect(iris.page.getByRole('list', { name: 'Timeline' })).toBeHidden();
  expect(await scrollsSideways(iris.page), 'the room, details').toEqual({ scrollWidth: PHONE.width, viewport: PHONE.width });
  expect(iris.problems).toEqual([]);
});

test('on a phone the lists are cards with the number, severity, status and clocks in sight', async ({ browser }) => {
  const iris = await at(browser, PHONE, DEMO.ic);
  const room = await roomWithNote(iris.page, `Card ${Date.now()}`);
  const id = new URL(room).pathname.split('/').pop();
  await iris.page.goto('/incidents');
  await waitForHydration(iris.page);
  const card = iris.page.locator(`tr[data-incident-id="${id}"]`);
  for (const part of ['td.ref', 'td.severity .badge', 'td.status .badge', 'td.sla .countdown']) {
    const box = (await card.locator(part).first().boundingBox())!;
    expect(box, part).not.toBeNull();
    expect(box.x + box.width, part).toBeLessThanOrEqual(PHONE.width);
  }
  await expect(card.locator('td.ref')).toHaveText(`INC-${id}`);
  // A card, not a table row: the title has the card's width.
  const title = (await card.locator('td.title').boundingBox())!;
  expect(title.width).toBeGreaterThan(PHONE.width * 0.7);

  await iris.page.goto('/services');
  await waitForHydrationWithoutStream(iris.page);
  const service = iris.page.locator('table.services-table tbody tr').first();
  const name = (await service.locator('th').boundingBox())!;
  expect(name.x + name.width).toBeLessThanOrEqual(PHONE.width);
  expect(iris.problems).toEqual([]);
});

test('a folded section stays folded after a reload, from the first render, for that person only', async ({
  browser,
}) => {
  const iris = await at(browser, DESKTOP, DEMO.ic);
  const room = await roomWithNote(iris.page, `Folds ${Date.now()}`);
  const roles = iris.page.locator('details.fold[data-section="roles"]');
  await expect(roles).toHaveAttribute('open', '');
  await roles.locator(':scope > summary').click();
  await expect(roles).not.toHaveAttribute('open');
  await expect(iris.page.getByTestId('role-board')).toBeHidden();

  // The server renders it folded (not folded later by the browser).
  const html = await (await iris.page.request.get(room)).text();
  const tag = (section: string) => html.match(new RegExp(`<details[^>]*data-section="${section}"[^>]*>`))?.[0];
  expect(tag('roles')).toBeDefined();
  expect(tag('roles')).not.toMatch(/\sopen/);
  expect(tag('impact')).toMatch(/\sopen/);
  // And after a reload it is, with no hydration warning.
  await iris.page.reload();
  await waitForHydration(iris.page);
  await expect(roles).not.toHaveAttribute('open');
  await expect(iris.page.getByTestId('role-board')).toBeHidden();
  await expect(iris.page.locator('details.fold[data-section="impact"]')).toHaveAttribute('open', '');
  // In any room.
  await iris.page.goto('/incidents');
  await waitForHydration(iris.page);
  await iris.page.locator('table.incidents tbody tr').nth(1).getByRole('link').click();
  await waitForHydration(iris.page);
  await expect(roles).not.toHaveAttribute('open');

  // Another person (another browser) sees it open.
  const sam = await at(browser, DESKTOP, DEMO.responder);
  await sam.page.goto(room);
  await waitForHydration(sam.page);
  await expect(sam.page.locator('details.fold[data-section="roles"]')).toHaveAttribute('open', '');
  await expect(sam.page.getByTestId('role-board')).toBeVisible();
  // ... and on Iris's browser too, once Sam signs in there.
  await iris.page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(iris.page, DEMO.responder);
  await iris.page.goto(room);
  await waitForHydration(iris.page);
  await expect(roles).toHaveAttribute('open', '');

  // Opened again, it is remembered open.
  await iris.page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(iris.page, DEMO.ic);
  await iris.page.goto(room);
  await waitForHydration(iris.page);
  await roles.locator(':scope > summary').click();
  await expect(roles).toHaveAttribute('open', '');
  await iris.page.reload();
  await waitForHydration(iris.page);
  await expect(roles).toHaveAttribute('open', '');
  expect(iris.problems).toEqual([]);
  expect(sam.problems).toEqual([]);
});

test('on a phone the room is one column, timeline first, and every target is at least 44 px tall', async ({
  browser,
}) => {
  const iris = await at(browser, PHONE, DEMO.ic);
  await roomWithNote(iris.page, `Targets ${Date.now()}`);
  // Timeline first: the note box and the timeline, the rest behind the switch.
  await expect(iris.page.getByRole('list', { name: 'Timeline' })).toBeVisible();
  await expect(iris.page.getByTestId('role-board')).toBeHidden();
  const timeline = (await iris.page.getByRole('list', { name: 'Timeline' }).boundingBox())!;
  const note = (await iris.page.getByLabel('Add a note (Markdown)').boundingBox())!;
  expect(note.y + note.height).toBeLessThan(PHONE.height);
  expect(timeline.x + timeline.width).toBeLessThanOrEqual(PHONE.width);
  expect(await smallTargets(iris.page), 'the timeline side').toEqual([]);

  await show(iris.page, 'Details');
  await expect(iris.page.getByTestId('role-board')).toBeVisible();
  // Everything that folds, unfolded: the merge form, checklists, hand-over histories, the
  // impact form, the header's menu.
  await iris.page.getByText('Merge as duplicate…').click();
  // (Each click takes one out of the set of closed ones: open the first until none is left.)
  const closed = iris.page.locator('.role-board details:not([open]) > summary');
  for (let left = await closed.count(); left > 0; left--) {
    await closed.first().click();
  }
  await expect(closed).toHaveCount(0);
  await iris.page.getByRole('button', { name: 'Edit impact' }).click();
  await expect(iris.page.getByRole('form', { name: 'Edit impact' })).toBeVisible();
  await iris.page.getByText('Menu', { exact: true }).click();
  expect(await smallTargets(iris.page), 'the details side').toEqual([]);
  expect(iris.problems).toEqual([]);
});

for (const [size, viewport] of [
  ['1440×900', DESKTOP],
  ['390×844', PHONE],
] as const) {
  test(`axe-core finds nothing on any screen at ${size}`, async ({ browser }) => {
    const anon = await browser.newContext({ viewport });
    const login = await anon.newPage();
    await login.goto('/login');
    expect(await violations(login), 'sign-in').toEqual([]);

    const iris = await at(browser, viewport, DEMO.ic);
    const room = await roomWithNote(iris.page, `Axe ${size} ${Date.now()}`);
    expect(await violations(iris.page), 'room').toEqual([]);
    if (viewport === PHONE) {
      await show(iris.page, 'Details');
      expect(await violations(iris.page), 'room, details').toEqual([]);
      await iris.page.getByText('Menu', { exact: true }).click();
      expect(await violations(iris.page), 'room, menu open').toEqual([]);
    }
    // A section folded.
    await iris.page.locator('details.fold[data-section="timestamps"] > summary').click();
    expect(await violations(iris.page), 'room, folded').toEqual([]);
    await iris.page.locator('details.fold[data-section="timestamps"] > summary').click();
    for (const [path, ready] of [
      ['/incidents', waitForHydration],
      ['/services', waitForHydrationWithoutStream],
      ['/settings/sla', waitForHydrationWithoutStream],
      ['/settings/roles', waitForHydrationWithoutStream],
      ['/settings/tokens', waitForHydrationWithoutStream],
    ] as const) {
      await iris.page.goto(path);
      await ready(iris.page);
      expect(await violations(iris.page), path).toEqual([]);
    }
    expect(room).toMatch(/\/incidents\/\d+$/);
    expect(iris.problems).toEqual([]);
  });
}
