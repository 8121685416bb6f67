// The SLA policy screen: an admin edits the targets, bad input is refused in words, and saving
// recounts an open incident's clocks live in a room someone else has open. On a server of its
// own: the other specs count to the default policy.
import { expect, type Page } from '@playwright/test';
import { OwnServer } from './own-server';
import { DEMO, person, waitForHydration, waitForHydrationWithoutStream, test } from './helpers';

test.setTimeout(90_000);

let server: OwnServer;

test.beforeAll(async () => {
  server = await OwnServer.start();
});

test.afterAll(async () => {
  await server?.stop();
  server?.remove();
});

/** Seconds left on a `mm:ss` countdown. */
async function left(page: Page, kind: string): Promise<number> {
  const text = (await page
    .getByRole('list', { name: 'SLA clocks' })
    .getByTestId(`clock-${kind}`)
    .locator('time')
    .textContent()) ?? '';
  const m = /^(\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) throw new Error(`not a mm:ss countdown: ${text}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

test('an admin edits the policy and an open room counts to it at once', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic, server.url);
  const sam = await person(browser, DEMO.responder, server.url);

  // Sam has a fresh SEV1 open: acknowledge within 5 minutes, a public update every 30.
  const created = await sam.page.request.post('/api/v1/incidents', {
    data: { title: `Policy watch ${Date.now()}`, severity: 'sev1' },
  });
  expect(created.status()).toBe(201);
  const { id } = await created.json();
  await sam.page.goto(`/incidents/${id}`);
  await waitForHydration(sam.page);
  expect(await left(sam.page, 'acknowledge')).toBeGreaterThan(4 * 60);
  expect(await left(sam.page, 'acknowledge')).toBeLessThanOrEqual(5 * 60);
  expect(await left(sam.page, 'next_update')).toBeLessThanOrEqual(30 * 60);

  // Iris opens the policy: product.md's defaults.
  await iris.page.goto('/settings/sla');
  await waitForHydrationWithoutStream(iris.page);
  const ack = iris.page.getByLabel('SEV1 acknowledge target', { exact: true });
  const update = iris.page.getByLabel('SEV1 next update target', { exact: true });
  await expect(ack).toHaveValue('5');
  await expect(iris.page.getByLabel('SEV1 acknowledge unit', { exact: true })).toHaveValue('minutes');
  await expect(iris.page.getByLabel('SEV2 post-mortem target', { exact: true })).toHaveValue('5');
  await expect(iris.page.getByLabel('SEV2 post-mortem unit', { exact: true })).toHaveValue('business_days');
  await expect(iris.page.getByLabel('SEV3 mitigate target', { exact: true })).toHaveValue('');

  // Words where numbers belong: refused on screen, nothing saved.
  const before = await (await iris.page.request.get('/api/v1/sla/policy')).json();
  await ack.fill('five');
  await iris.page.getByRole('button', { name: 'Save policy' }).click();
  await expect(iris.page.getByRole('alert')).toContainText('"five" is not a whole number');
  const zone = iris.page.getByLabel('Time zone', { exact: true });
  await ack.fill('10');
  await zone.fill('Mars/Olympus');
  await iris.page.getByRole('button', { name: 'Save policy' }).click();
  await expect(iris.page.getByRole('alert')).toContainText('Unknown time zone "Mars/Olympus"');
  expect(await (await iris.page.request.get('/api/v1/sla/policy')).json()).toEqual(before);

  // A good edit: acknowledge 10 minutes, a public update every 45.
  await zone.fill('Europe/Berlin');
  await update.fill('45');
  await iris.page.getByRole('button', { name: 'Save policy' }).click();
  // Every incident whose running clocks moved is named (the demo's open SEV1 too), in any order.
  await expect(iris.page.getByRole('status').filter({ hasText: 'Saved.' })).toContainText(
    new RegExp(`Deadlines moved on (INC-\\d+(, | and ))*INC-${id}\\b`),
  );
  await expect(iris.page.getByRole('alert')).toHaveCount(0);

  // Sam's room follows without a reload: the countdowns jump, and the timeline says why.
  await expect
    .poll(() => left(sam.page, 'acknowledge'), { timeout: 2_000 })
    .toBeGreaterThan(9 * 60);
  expect(await left(sam.page, 'next_update')).toBeGreaterThan(40 * 60);
  const entry = sam.page.locator('li[data-kind="sla_policy_changed"]');
  await expect(entry).toContainText('changed the SLA policy');
  await expect(entry).toContainText('Acknowledge: 5 min → 10 min');
  await expect(entry).toContainText('Next update: 30 min → 45 min');
  await expect(sam.page.getByTestId('next-update-due')).toContainText(/in 4\d ?m/);

  // Reloaded, the screen shows what was saved.
  await iris.page.reload();
  await waitForHydrationWithoutStream(iris.page);
  await expect(ack).toHaveValue('10');
  await expect(zone).toHaveValue('Europe/Berlin');

  // Someone else saves meanwhile (another admin, through the API): Iris's save on the older
  // revision is refused in words, and the form shows theirs to edit again on top.
  const latest = await (await iris.page.request.get('/api/v1/sla/policy')).json();
  latest.severities[1].acknowledge = { amount: 20, unit: 'minutes' };
  expect((await iris.page.request.put('/api/v1/sla/policy', { data: latest })).status()).toBe(200);
  await ack.fill('11');
  await iris.page.getByRole('button', { name: 'Save policy' }).click();
  await expect(iris.page.getByRole('alert')).toContainText('Someone else changed the SLA policy');
  await expect(iris.page.getByLabel('SEV2 acknowledge target', { exact: true })).toHaveValue('20');
  await expect(ack).toHaveValue('10');
  await ack.fill('11');
  await iris.page.getByRole('button', { name: 'Save policy' }).click();
  await expect(iris.page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  const now = await (await iris.page.request.get('/api/v1/sla/policy')).json();
  expect(now.severities[0].acknowledge).toEqual({ amount: 11, unit: 'minutes' });
  expect(now.severities[1].acknowledge).toEqual({ amount: 20, unit: 'minutes' });

  // A responder reads the policy but cannot change it.
  await sam.page.goto('/settings/sla');
  await waitForHydrationWithoutStream(sam.page);
  await expect(sam.page.getByText('Only an admin can change the SLA policy')).toBeVisible();
  await expect(sam.page.getByLabel('SEV1 acknowledge target', { exact: true })).not.toBeEditable();
  await expect(sam.page.getByLabel('SEV1 acknowledge unit', { exact: true })).toBeDisabled();
  await expect(sam.page.getByRole('button', { name: 'Save policy' })).toHaveCount(0);

  // The refused save is logged by the browser as a failed request (412), and only that.
  expect(iris.problems.filter((p) => !p.includes('412'))).toEqual([]);
  expect(sam.problems).toEqual([]);
});

test('pages opened before a policy change count new and escalated incidents to it', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic, server.url);
  const sam = await person(browser, DEMO.responder, server.url);
  const riley = await person(browser, DEMO.responder2, server.url);

  // Sam has a SEV3 room open, Riley the incidents list.
  const created = await sam.page.request.post('/api/v1/incidents', {
    data: { title: `Quiet ${Date.now()}`, severity: 'sev3' },
  });
  const { id } = await created.json();
  await sam.page.goto(`/incidents/${id}`);
  await waitForHydration(sam.page);
  await riley.page.goto('/incidents');
  await waitForHydration(riley.page);

  // A SEV1 edit moves nothing of a SEV3: no timeline entry, yet both pages learn of it.
  const policy = await (await iris.page.request.get('/api/v1/sla/policy')).json();
  policy.severities[0].acknowledge = { amount: 12, unit: 'minutes' };
  const saved = await iris.page.request.put('/api/v1/sla/policy', { data: policy });
  expect(saved.status()).toBe(200);
  expect((await saved.json()).moved).not.toContain(id);

  // Escalated to SEV1 in the open room: acknowledge within 12 minutes, not the old target.
  const current = await (await sam.page.request.get(`/api/v1/incidents/${id}`)).json();
  const escalated = await sam.page.request.post(`/api/v1/incidents/${id}/severity`, {
    data: { severity: 'sev1', reason: 'checkout affected', expected_version: current.version },
  });
  expect(escalated.status()).toBe(200);
  await expect
    .poll(() => left(sam.page, 'acknowledge').catch(() => 0), { timeout: 3_000 })
    .toBeGreaterThan(11 * 60);
  await expect(sam.page.locator('li[data-kind="sla_policy_changed"]')).toHaveCount(0);

  // A SEV1 declared now shows up in Riley's list counting to the same target.
  const fresh = await (await iris.page.request.post('/api/v1/incidents', {
    data: { title: `Fresh ${Date.now()}`, severity: 'sev1' },
  })).json();
  const row = riley.page.locator(`tr[data-incident-id="${fresh.id}"]`);
  await expect(row.getByTestId('clock-acknowledge')).toBeVisible();
  const text = (await row.getByTestId('clock-acknowledge').locator('time').textContent()) ?? '';
  const m = /^(\d{2}):(\d{2})$/.exec(text.trim());
  expect(m, text).not.toBeNull();
  expect(Number(m![1]) * 60 + Number(m![2])).toBeGreaterThan(11 * 60);

  expect(sam.problems).toEqual([]);
  expect(riley.problems).toEqual([]);
});

test('business hours count in the calendar’s zone in the browser, as on the server', async ({ browser }) => {
  const iris = await person(browser, DEMO.ic, server.url);
  const sam = await person(browser, DEMO.responder, server.url);

  // Two zones where it is night now (off the 09:00–17:00 hours, not within an hour of opening),
  // so a business-hours deadline depends on the zone: many hours away, at the next opening.
  const night = ['Pacific/Chatham', 'Asia/Kolkata', 'Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo', 'Australia/Sydney', 'America/Sao_Paulo']
    .filter((zone) => {
      const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' }).format(new Date()));
      return hour >= 18 || hour < 7;
    });
  expect(night.length).toBeGreaterThanOrEqual(2);
  const setZone = async (zone: string) => {
    const policy = await (await iris.page.request.get('/api/v1/sla/policy')).json();
    policy.calendar = { ...policy.calendar, time_zone: zone, working_days: [1, 2, 3, 4, 5, 6, 7], opens: '09:00:00', closes: '17:00:00', holidays: [] };
    policy.severities[0].acknowledge = { amount: 1, unit: 'business_hours' };
    expect((await iris.page.request.put('/api/v1/sla/policy', { data: policy })).status()).toBe(200);
  };
  await setZone(night[0]);

  const { id } = await (await sam.page.request.post('/api/v1/incidents', {
    data: { title: `Night shift ${Date.now()}`, severity: 'sev1' },
  })).json();
  const serverDeadline = async () => {
    const sla = await (await sam.page.request.get(`/api/v1/incidents/${id}/sla`)).json();
    return Date.parse(sla.clocks.find((c: { kind: string }) => c.kind === 'acknowledge').deadline);
  };
  const shownDeadline = async () =>
    Date.parse((await sam.page.getByTestId('clock-acknowledge').locator('time').getAttribute('datetime')) ?? '');
  await sam.page.goto(`/incidents/${id}`);
  await waitForHydration(sam.page);
  const due = await serverDeadline();
  expect(due - Date.now()).toBeGreaterThan(2 * 3_600_000);

  // What the browser counted, with the offsets it was sent, is what the countdown shows once
  // the page's clock ticks ("7h 04m"): a browser without them would count wall-clock time and
  // show under an hour ("59:58").
  const minutesShown = async (clock = sam.page.getByTestId('clock-acknowledge')) => {
    const text = (await clock.locator('time').textContent()) ?? '';
    const m = /^(\d+)h (\d{2})m$/.exec(text.trim());
    return m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN; // NaN fails every comparison
  };
  const minutesTo = (t: number) => Math.floor((t - Date.now()) / 60_000);
  await sam.page.waitForTimeout(1_500);
  expect(Math.abs((await minutesShown()) - minutesTo(due))).toBeLessThanOrEqual(1);
  expect(await shownDeadline()).toBe(due);

  // The admin moves the calendar to another zone while the room and Riley's list are open: both
  // fetch that zone's offsets and count to the server's new deadline.
  const riley = await person(browser, DEMO.responder2, server.url);
  await riley.page.goto('/incidents');
  await waitForHydration(riley.page);
  const row = riley.page.locator(`tr[data-incident-id="${id}"]`).getByTestId('clock-acknowledge');
  await expect(row).toBeVisible();
  await setZone(night[1]);
  const moved = await serverDeadline();
  expect(moved).not.toBe(due);
  await expect.poll(shownDeadline, { timeout: 5_000 }).toBe(moved);
  await expect
    .poll(async () => Math.abs((await minutesShown()) - minutesTo(moved)), { timeout: 3_000 })
    .toBeLessThanOrEqual(1);
  await expect
    .poll(async () => Math.abs((await minutesShown(row)) - minutesTo(moved)), { timeout: 5_000 })
    .toBeLessThanOrEqual(1);
  expect(sam.problems).toEqual([]);
  expect(riley.problems).toEqual([]);
});
