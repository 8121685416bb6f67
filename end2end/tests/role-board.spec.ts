// The role board with two people: staffing by real HTML5 drag and drop, by keyboard alone and by
// the "Move to…" menu, each change live for the other browser; two drops on one role at once;
// the empty-commander warning; hand-over history that survives a restart. (One-step hand-overs
// and their undo: handover.spec.ts.)
import { expect, type Locator, type Page } from '@playwright/test';
import { DEMO, enter, freshRoom, person, showBoard, signIn, waitForHydration, waitForHydrationWithoutStream, watchConsole, test } from './helpers';
import { OwnServer } from './own-server';

// The whole role board in view. A person dragging near the window's edge makes the browser
// scroll; Playwright's mouse drag does not, so a drag's source and target must both be on
// screen. (The room's layout at 1440×900 and on a phone is checked in layout.spec.ts.)
test.use({ viewport: { width: 1440, height: 2400 } });

const LIVE = { timeout: 1_000 };

test.setTimeout(90_000);

/** A new incident's room with its role board in view. */
async function boardRoom(page: Page, title: string, severity = 'sev2'): Promise<string> {
  const url = await freshRoom(page, title, severity);
  await showBoard(page);
  return url;
}

/** Opens a room with its role board in view. */
async function enterBoard(page: Page, url: string): Promise<void> {
  await enter(page, url);
  await showBoard(page);
}

function roster(page: Page): Locator {
  return page.getByTestId('roster');
}

function column(page: Page, role: string): Locator {
  return page.getByTestId(`role-${role}`);
}

/** A person's card on the roster. */
function onRoster(page: Page, name: string): Locator {
  return roster(page).locator('li.card', { hasText: name });
}

/** A holder's card in a role's column. */
function holder(page: Page, role: string, name: string): Locator {
  return column(page, role).locator('ul.holders > li.card', { hasText: name });
}

function holders(page: Page, role: string): Locator {
  return column(page, role).locator('ul.holders > li.card .name');
}

function announcer(page: Page): Locator {
  return page.getByTestId('board-announcer');
}

/** Every role's holders, as the board shows them. */
async function boardOf(page: Page): Promise<Record<string, string[]>> {
  const board: Record<string, string[]> = {};
  for (const col of await page.locator('.role-column').all()) {
    const key = (await col.getAttribute('data-testid'))!.replace('role-', '');
    board[key] = await col.locator('ul.holders > li.card .name').allTextContents();
  }
  return board;
}

test('dragging assigns, swaps and relieves, live for the other browser', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic);
  const sam = await person(browser, DEMO.responder);
  const room = await boardRoom(iris.page, `Payments outage ${Date.now()}`, 'sev1');
  await enterBoard(sam.page, room);

  // A SEV1 without a commander: both rooms warn.
  await expect(iris.page.getByTestId('commander-warning')).toContainText('no Incident Commander');
  await expect(sam.page.getByTestId('commander-warning')).toBeVisible();

  // Iris drags herself onto Incident Commander (a real HTML5 drag): Sam sees it within 1 s,
  // and the warning clears on both screens.
  await onRoster(iris.page, DEMO.ic.name).dragTo(column(iris.page, 'incident_commander'));
  await expect(holders(iris.page, 'incident_commander')).toHaveText([DEMO.ic.name]);
  await expect(holders(sam.page, 'incident_commander')).toHaveText([DEMO.ic.name], LIVE);
  await expect(sam.page.getByTestId('commander-warning')).toHaveCount(0, LIVE);
  await expect(iris.page.getByTestId('commander-warning')).toHaveCount(0);
  // The column keeps its own styling after the drag styling came and went.
  await expect(column(iris.page, 'incident_commander')).toHaveClass(/\bcommander\b/);
  await expect(column(iris.page, 'incident_commander')).not.toHaveClass(/droppable|over/);

  // Sam becomes Tech Lead.
  await onRoster(iris.page, DEMO.responder.name).dragTo(column(iris.page, 'tech_lead'));
  await expect(holders(sam.page, 'tech_lead')).toHaveText([DEMO.responder.name], LIVE);

  // Someone from the roster onto a taken single-holder role: handed over in one step, for
  // both; Iris undoes it, and Sam is Tech Lead again (handover.spec.ts has the details).
  await onRoster(iris.page, DEMO.responder2.name).dragTo(column(iris.page, 'tech_lead'));
  await expect(holders(sam.page, 'tech_lead')).toHaveText([DEMO.responder2.name], LIVE);
  await expect(iris.page.getByTestId('board-refusal')).toHaveCount(0);
  await iris.page.getByTestId('undo-toast').getByRole('button', { name: 'Undo' }).click();
  await expect(holders(sam.page, 'tech_lead')).toHaveText([DEMO.responder.name], LIVE);

  // Holder onto another taken single-holder role: they swap, for both.
  await holder(iris.page, 'tech_lead', DEMO.responder.name).dragTo(column(iris.page, 'incident_commander'));
  await expect(holders(sam.page, 'incident_commander')).toHaveText([DEMO.responder.name], LIVE);
  await expect(holders(sam.page, 'tech_lead')).toHaveText([DEMO.ic.name], LIVE);
  await expect(iris.page.getByTestId('board-refusal')).toHaveCount(0);

  // Onto the roster: relieved.
  await holder(iris.page, 'tech_lead', DEMO.ic.name).dragTo(roster(iris.page));
  await expect(holders(sam.page, 'tech_lead')).toHaveCount(0, LIVE);

  // The timeline says it all, on Sam's screen.
  const timeline = sam.page.getByRole('list', { name: 'Timeline' });
  await expect(timeline.getByText('swapped roles:')).toBeVisible(LIVE);
  await expect(timeline.locator('li[data-kind="role_relieved"]')).toContainText(
    `relieved ${DEMO.ic.name} as Tech Lead`,
  );
  await expect(timeline.locator('li[data-kind="role_assigned"]')).toHaveCount(2);

  // The commander role's history: Iris then Sam, hand-over at one instant.
  const history = column(sam.page, 'incident_commander').locator('details.role-history');
  await history.locator('summary').click();
  const stints = history.getByTestId('stint');
  await expect(stints).toHaveCount(2);
  await expect(stints.nth(0)).toContainText(`${DEMO.ic.name} · assumed`);
  await expect(stints.nth(0)).toContainText('relieved');
  await expect(stints.nth(1)).toContainText(`${DEMO.responder.name} · since`);
  await expect(stints.nth(1)).not.toContainText('relieved');

  expect(await boardOf(sam.page)).toEqual(await boardOf(iris.page));
  expect(iris.problems).toEqual([]);
  expect(sam.problems).toEqual([]);
});

test('the keyboard path staffs a role with no mouse, announced politely', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic);
  const sam = await person(browser, DEMO.responder);
  const room = await boardRoom(iris.page, `Keyboard staffing ${Date.now()}`);
  await enterBoard(sam.page, room);
  await expect(announcer(iris.page)).toHaveAttribute('aria-live', 'polite');

  const card = onRoster(iris.page, DEMO.responder2.name);
  await card.focus();
  await iris.page.keyboard.press('Space');
  await expect(announcer(iris.page)).toContainText(`Picked up ${DEMO.responder2.name}`);
  await expect(card).toHaveClass(/picked-up/);

  // Escape cancels: nothing moves.
  await iris.page.keyboard.press('ArrowRight');
  await expect(announcer(iris.page)).toHaveText('Incident Commander: nobody yet.');
  await iris.page.keyboard.press('Escape');
  await expect(announcer(iris.page)).toHaveText(`Cancelled: ${DEMO.responder2.name} stays where they were.`);
  await expect(holders(iris.page, 'incident_commander')).toHaveCount(0);

  // Pick up again, arrow along to Scribe, Enter drops.
  await card.focus();
  await iris.page.keyboard.press('Enter');
  for (let i = 0; i < 10; i++) {
    await iris.page.keyboard.press('ArrowRight');
    if ((await announcer(iris.page).textContent())?.startsWith('Scribe:')) break;
  }
  await expect(announcer(iris.page)).toHaveText('Scribe: nobody yet.');
  await expect(column(iris.page, 'scribe')).toHaveClass(/over/);
  await iris.page.keyboard.press('Enter');
  await expect(announcer(iris.page)).toHaveText(`${DEMO.responder2.name} is now Scribe.`);
  await expect(holders(iris.page, 'scribe')).toHaveText([DEMO.responder2.name]);
  await expect(holders(sam.page, 'scribe')).toHaveText([DEMO.responder2.name], LIVE);

  // Focus followed the card into its role, so the keyboard user carries on from there: the
  // holder's card moves by keyboard too, Scribe -> Responders.
  await expect(holder(iris.page, 'scribe', DEMO.responder2.name)).toBeFocused();
  await iris.page.keyboard.press('Space');
  await iris.page.keyboard.press('ArrowRight');
  await expect(announcer(iris.page)).toHaveText('Responders: nobody yet.');
  await iris.page.keyboard.press('Enter');
  await expect(holders(sam.page, 'responder')).toHaveText([DEMO.responder2.name], LIVE);
  await expect(holders(sam.page, 'scribe')).toHaveCount(0);
  await expect(holder(iris.page, 'responder', DEMO.responder2.name)).toBeFocused();
  expect(iris.problems).toEqual([]);
});

test('the Move to… menu staffs and relieves', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic);
  const sue = await person(browser, DEMO.support);
  const room = await boardRoom(iris.page, `Menu staffing ${Date.now()}`);
  await enterBoard(sue.page, room);

  await onRoster(iris.page, DEMO.support.name).getByRole('button', { name: 'Move to…' }).click();
  const menu = iris.page.getByRole('list', { name: 'Move to' });
  // Opening it moves focus to the first choice; Escape closes it and returns to its button.
  await expect(menu.getByRole('button').first()).toBeFocused();
  await iris.page.keyboard.press('Escape');
  await expect(menu).toHaveCount(0);
  const toggle = onRoster(iris.page, DEMO.support.name).getByRole('button', { name: 'Move to…' });
  await expect(toggle).toBeFocused();
  await toggle.click();
  await menu.getByRole('button', { name: 'Customer Support Lead' }).click();
  // Focus follows the card into its role.
  await expect(holder(iris.page, 'customer_support_lead', DEMO.support.name)).toBeFocused();
  await expect(holders(sue.page, 'customer_support_lead')).toHaveText([DEMO.support.name], LIVE);

  // The holder's own checklist: Sue ticks an item; Iris sees the tick live.
  const item = 'Link incoming tickets';
  await column(sue.page, 'customer_support_lead').getByText('Checklist 0/3').click();
  await column(iris.page, 'customer_support_lead').getByText('Checklist 0/3').click();
  await column(sue.page, 'customer_support_lead').getByLabel(item).check();
  await expect(column(iris.page, 'customer_support_lead').getByText('Checklist 1/3')).toBeVisible(LIVE);
  await expect(column(iris.page, 'customer_support_lead').getByLabel(item)).toBeChecked(LIVE);
  await expect(
    iris.page.getByRole('list', { name: 'Timeline' }).locator('li[data-kind="checklist_ticked"]'),
  ).toContainText(item, LIVE);

  // Relieve through the menu.
  await holder(iris.page, 'customer_support_lead', DEMO.support.name).getByRole('button', { name: 'Move to…' }).click();
  await iris.page.getByRole('button', { name: 'Relieve (back to People)' }).click();
  await expect(holders(sue.page, 'customer_support_lead')).toHaveCount(0, LIVE);
  expect(iris.problems).toEqual([]);
  expect(sue.problems).toEqual([]);
});

test('two drops on one role at once: one wins, the other card returns with the holder named', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic);
  const sam = await person(browser, DEMO.responder);
  const room = await boardRoom(iris.page, `Race for the role ${Date.now()}`);
  await enterBoard(sam.page, room);

  // Sam's drop leaves his browser first but is slow on the wire: hold it until Iris's drop
  // (made on the same board version) has landed, so both really compete for the role.
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await sam.page.route('**/fn/act', async (route) => {
    await held;
    await route.continue();
  });
  await onRoster(sam.page, DEMO.manager.name).dragTo(column(sam.page, 'business_lead'));
  // Optimistic: Sam sees his move at once.
  await expect(holders(sam.page, 'business_lead')).toHaveText([DEMO.manager.name]);

  await onRoster(iris.page, DEMO.responder2.name).dragTo(column(iris.page, 'business_lead'));
  await expect(holders(iris.page, 'business_lead')).toHaveText([DEMO.responder2.name]);
  // That is only Iris's optimistic board: release Sam's drop once the server has taken hers
  // (her timeline shows the assignment), or his may still land first.
  await expect(
    iris.page.getByRole('list', { name: 'Timeline' }).locator('li[data-kind="role_assigned"]'),
  ).toContainText(DEMO.responder2.name);
  release();

  // Sam's card goes back, and he is told who holds the role now.
  await expect(sam.page.getByTestId('board-refusal')).toHaveText(
    `${DEMO.responder2.name} is Business Lead now: look again, then drop ${DEMO.manager.name} on it to hand it over.`,
  );
  await expect(holders(sam.page, 'business_lead')).toHaveText([DEMO.responder2.name]);
  await expect(onRoster(sam.page, DEMO.manager.name)).toBeVisible();
  // Both boards end identical, with one holder; the timeline has one assignment.
  await expect(async () => {
    const [a, b] = [await boardOf(iris.page), await boardOf(sam.page)];
    expect(a.business_lead).toEqual([DEMO.responder2.name]);
    expect(b).toEqual(a);
  }).toPass({ timeout: 2_000 });
  await expect(
    sam.page.getByRole('list', { name: 'Timeline' }).locator('li[data-kind="role_assigned"]'),
  ).toHaveCount(1);
  expect(iris.problems).toEqual([]);
  // The refused request is the one console error the browser reports (409).
  expect(sam.problems.filter((p) => !p.includes('409'))).toEqual([]);
});

test('a finger drags a person onto a role (touch screen, pointer events)', async ({ browser }) => {
  // A touch screen: real touch input through the DevTools protocol, no mouse involved.
  const context = await browser.newContext({ hasTouch: true, isMobile: false });
  const page = await context.newPage();
  const problems = watchConsole(page);
  await signIn(page, DEMO.ic);
  await boardRoom(page, `Touch staffing ${Date.now()}`);
  const from = (await onRoster(page, DEMO.manager.name).locator('.name').boundingBox())!;
  const to = (await column(page, 'scribe').locator('h3').boundingBox())!;
  const cdp = await context.newCDPSession(page);
  const touch = (type: string, x: number, y: number) =>
    cdp.send('Input.dispatchTouchEvent', {
      type,
      touchPoints: type === 'touchEnd' ? [] : [{ x: Math.round(x), y: Math.round(y) }],
    });
  await touch('touchStart', from.x + from.width / 2, from.y + from.height / 2);
  const steps = 8;
  for (let i = 1; i <= steps; i++) {
    const t = i / steps;
    await touch('touchMove', from.x + (to.x + 10 - from.x) * t, from.y + (to.y + 5 - from.y) * t);
  }
  await expect(column(page, 'scribe')).toHaveClass(/over/);
  await touch('touchEnd', 0, 0);
  await expect(holders(page, 'scribe')).toHaveText([DEMO.manager.name]);
  await expect(announcer(page)).toHaveText(`${DEMO.manager.name} is now Scribe.`);
  expect(problems).toEqual([]);
  await context.close();
});

test('hand-overs stay on the timeline and in the role history across a restart', async ({ browser }) => {
  const server = await OwnServer.start();
  try {
    const iris = await person(browser, DEMO.ic, server.url);
    const room = await boardRoom(iris.page, `Long night ${Date.now()}`, 'sev2');
    await expect(iris.page.getByTestId('commander-warning')).toBeVisible();
    await onRoster(iris.page, DEMO.responder.name).dragTo(column(iris.page, 'incident_commander'));
    await expect(holders(iris.page, 'incident_commander')).toHaveText([DEMO.responder.name]);
    await holder(iris.page, 'incident_commander', DEMO.responder.name).dragTo(column(iris.page, 'tech_lead'));
    await expect(holders(iris.page, 'tech_lead')).toHaveText([DEMO.responder.name]);
    await onRoster(iris.page, DEMO.ic.name).dragTo(column(iris.page, 'incident_commander'));
    await expect(holders(iris.page, 'incident_commander')).toHaveText([DEMO.ic.name]);

    await server.stop();
    await server.restart();
    await enterBoard(iris.page, room);

    const timeline = iris.page.getByRole('list', { name: 'Timeline' });
    await expect(timeline.locator('li[data-kind="role_assigned"]')).toHaveCount(2);
    await expect(timeline.locator('li[data-kind="role_moved"]')).toContainText(
      `moved ${DEMO.responder.name} from Incident Commander to Tech Lead`,
    );
    const history = column(iris.page, 'incident_commander').locator('details.role-history');
    await history.locator('summary').click();
    const stints = history.getByTestId('stint');
    await expect(stints).toHaveCount(2);
    await expect(stints.nth(0)).toContainText(`${DEMO.responder.name} · assumed`);
    await expect(stints.nth(0)).toContainText(/relieved \d{4}-\d{2}-\d{2}/);
    await expect(stints.nth(1)).toContainText(`${DEMO.ic.name} · since`);
    await expect(stints.nth(1)).not.toContainText('relieved');
    await expect(iris.page.getByTestId('commander-warning')).toHaveCount(0);
    expect(iris.problems).toEqual([]);
  } finally {
    await server.stop();
    server.remove();
  }
});

/** The board's columns after the admin's edit below: renamed, reordered, retired gone, one new. */
const EDITED_COLUMNS = [
  'Incident Commander',
  'Tech Lead',
  'Communications Manager',
  'Note Taker',
  'Customer Support Lead',
  'Responders',
  'Partner Liaison',
];

/** The role columns' headings, in board order. */
async function columnsOf(page: Page): Promise<string[]> {
  const headings = await page.locator('.role-column h3').allTextContents();
  return headings.map((c) => c.replace(' · any number', ''));
}

test('an admin renames, adds, reorders and retires roles; rooms follow, others only read', async ({ browser }) => {
  const server = await OwnServer.start();
  try {
    const iris = await person(browser, DEMO.ic, server.url);
    const page = iris.page;
    // A room already open in Sam's browser, with a hand-over on its timeline.
    const sam = await person(browser, DEMO.responder, server.url);
    await sam.page.goto('/incidents');
    const open = await boardRoom(sam.page, `Roles change under us ${Date.now()}`);
    await onRoster(sam.page, DEMO.responder.name).dragTo(column(sam.page, 'scribe'));
    const samTimeline = sam.page.getByRole('list', { name: 'Timeline' });
    await expect(samTimeline.locator('li[data-kind="role_assigned"]')).toContainText(
      `assigned ${DEMO.responder.name} as Scribe`,
    );
    await expect(column(sam.page, 'business_lead')).toBeVisible();
    // Sam has a card picked up by keyboard when the catalog changes under him; and a mark on
    // the page tells a reload (which would clear it) from a live change.
    await onRoster(sam.page, DEMO.manager.name).focus();
    await sam.page.keyboard.press('Space');
    await expect(announcer(sam.page)).toContainText(`Picked up ${DEMO.manager.name}`);
    await sam.page.evaluate(() => {
      (window as unknown as { sameDocument: boolean }).sameDocument = true;
    });

    await page.goto('/settings/roles');
    await waitForHydrationWithoutStream(page);
    const roles = page.getByRole('form', { name: 'Roles' });
    const row = (name: string) => roles.getByRole('listitem', { name, exact: true });

    // Typing keeps the focus in the field.
    const scribeLabel = row('Scribe').getByLabel('Label');
    await scribeLabel.click();
    await scribeLabel.press('End');
    await page.keyboard.type(' X');
    await expect(row('Scribe X').getByLabel('Label')).toBeFocused();
    await row('Scribe X').getByLabel('Label').fill('Note Taker');
    await row('Business Lead').getByLabel('Retired').check();
    await row('Note Taker').getByRole('button', { name: 'Move up' }).click();
    await row('Note Taker').getByRole('button', { name: 'Move up' }).click();
    await page.getByRole('button', { name: 'Add a role' }).click();
    const added = roles.getByRole('listitem').last();
    await added.getByLabel('Label').fill('Partner Liaison');
    await added.getByLabel('Description').fill('Talks to the payment partner.');
    await added.getByLabel('Checklist (one item per line)').fill('Open a ticket with the partner\nShare their ETA');
    await page.getByRole('button', { name: 'Save roles' }).click();
    await expect(page.getByText('Saved.')).toBeVisible();
    await expect(row('Partner Liaison').locator('.key')).toHaveText('partner_liaison');

    // Sam's room follows at once, with no reload: the rename on the board and on the timeline,
    // the retired role gone, the new role there and staffable.
    await expect(column(sam.page, 'scribe').locator('h3')).toHaveText('Note Taker', LIVE);
    await expect(samTimeline.locator('li[data-kind="role_assigned"]')).toContainText(
      `assigned ${DEMO.responder.name} as Note Taker`,
      LIVE,
    );
    await expect(column(sam.page, 'business_lead')).toHaveCount(0, LIVE);
    await expect(column(sam.page, 'partner_liaison')).toBeVisible(LIVE);
    expect(await columnsOf(sam.page)).toEqual(EDITED_COLUMNS);
    // The carried card was put down (its target may have moved), and Sam told.
    await expect(announcer(sam.page)).toContainText(
      `The roles just changed: ${DEMO.manager.name} stays where they were.`,
    );
    expect(sam.page.url()).toBe(open);
    expect(
      await sam.page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument),
    ).toBe(true);
    await showBoard(sam.page);
    await onRoster(sam.page, DEMO.manager.name).dragTo(column(sam.page, 'partner_liaison'));
    await expect(holders(sam.page, 'partner_liaison')).toHaveText([DEMO.manager.name]);
    await expect(samTimeline.locator('li[data-kind="role_assigned"]').first()).toContainText(
      `assigned ${DEMO.manager.name} as Partner Liaison`,
    );

    // A label may not be emptied: refused with a message, nothing lost.
    await row('Note Taker').getByLabel('Label').fill('');
    await page.getByRole('button', { name: 'Save roles' }).click();
    await expect(page.getByRole('alert')).toContainText('label');
    await page.reload();
    await waitForHydrationWithoutStream(page);
    await expect(row('Note Taker')).toBeVisible();

    // A room shows the new catalog: renamed, reordered, retired gone, new role staffable.
    await page.goto('/incidents');
    await boardRoom(page, `New roles ${Date.now()}`);
    expect(await columnsOf(page)).toEqual(EDITED_COLUMNS);
    await onRoster(page, DEMO.responder.name).dragTo(column(page, 'partner_liaison'));
    await expect(holders(page, 'partner_liaison')).toHaveText([DEMO.responder.name]);
    await expect(
      page.getByRole('list', { name: 'Timeline' }).locator('li[data-kind="role_assigned"]'),
    ).toContainText(`assigned ${DEMO.responder.name} as Partner Liaison`);

    // A responder reads the catalog but cannot change it.
    await sam.page.goto('/settings/roles');
    await expect(sam.page.getByText('Only an admin can change the roles')).toBeVisible();
    await expect(sam.page.getByRole('button', { name: 'Save roles' })).toHaveCount(0);
    expect(iris.problems.filter((p) => !p.includes('422'))).toEqual([]);
    expect(sam.problems).toEqual([]);
  } finally {
    await server.stop();
    server.remove();
  }
});

// The role catalog refuses a save made on a revision someone else has saved over (before, the
// last save won): in words, with the latest shown to make the change again on top. On a server
// of its own: the other tests count on the default catalog.
test('a catalog save from an older revision is refused in words and shows the latest', async ({ browser }) => {
  const server = await OwnServer.start();
  try {
    const iris = await person(browser, DEMO.ic, server.url);
    await iris.page.goto('/settings/roles');
    await waitForHydrationWithoutStream(iris.page);
    const roles = iris.page.getByRole('form', { name: 'Roles' });
    const row = (name: string) => roles.getByRole('listitem', { name, exact: true });

    // Someone else saves meanwhile (another admin, through the API, without If-Match).
    const latest = await (await iris.page.request.get('/api/v1/roles')).json();
    latest.roles.find((r: { key: string }) => r.key === 'scribe').label = 'Note Taker';
    expect((await iris.page.request.put('/api/v1/roles', { data: latest })).status()).toBe(200);

    await row('Business Lead').getByLabel('Retired').check();
    await iris.page.getByRole('button', { name: 'Save roles' }).click();
    await expect(iris.page.getByRole('alert')).toContainText('Someone else changed the role catalog');
    await expect(row('Note Taker')).toBeVisible();
    await expect(row('Business Lead').getByLabel('Retired')).not.toBeChecked();

    await row('Business Lead').getByLabel('Retired').check();
    await iris.page.getByRole('button', { name: 'Save roles' }).click();
    await expect(iris.page.getByText('Saved.')).toBeVisible();
    const now = await (await iris.page.request.get('/api/v1/roles')).json();
    const byKey = (key: string) => now.roles.find((r: { key: string }) => r.key === key);
    expect(byKey('scribe').label).toBe('Note Taker');
    expect(byKey('business_lead').retired).toBe(true);

    // The refused save is logged by the browser as a failed request (412), and only that.
    expect(iris.problems.filter((p) => !p.includes('412'))).toEqual([]);
  } finally {
    await server.stop();
    server.remove();
  }
});
