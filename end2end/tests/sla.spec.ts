// SLA countdowns in the room: they tick down once a second from deadlines the server computes,
// stay right when the browser's clock is wrong, and turn due soon and breached with their styles.
import { expect, type Page } from '@playwright/test';
import { declare, DEMO, roomShown, signIn, test, waitForHydration, watchConsole } from './helpers';

test.setTimeout(60_000);

/** Seconds left on a `mm:ss` countdown (negative when it counts up, `+mm:ss`). */
function seconds(text: string): number {
  const m = /^(\+?)(\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) throw new Error(`not a mm:ss countdown: ${text}`);
  const n = Number(m[2]) * 60 + Number(m[3]);
  return m[1] ? -n : n;
}

function countdown(page: Page, kind: string) {
  return page.getByRole('list', { name: 'SLA clocks' }).getByTestId(`clock-${kind}`);
}

async function left(page: Page, kind: string): Promise<number> {
  return seconds((await countdown(page, kind).locator('time').textContent()) ?? '');
}

/** A signed-in page whose clock is `skewMs` off (a browser on a machine with a wrong clock). */
async function personWithSkew(browser: import('@playwright/test').Browser, skewMs: number) {
  const context = await browser.newContext();
  await context.addInitScript((skew: number) => {
    const realNow = Date.now.bind(Date);
    Date.now = () => realNow() + skew;
  }, skewMs);
  const page = await context.newPage();
  const problems = watchConsole(page);
  await signIn(page, DEMO.ic);
  return { page, problems };
}

test('the room counts down from the server deadline, even with a wrong browser clock', async ({ browser }) => {
  // Five minutes fast.
  const { page, problems } = await personWithSkew(browser, 5 * 60_000);
  await waitForHydration(page);
  expect(await page.evaluate(() => Date.now() - new Date().getTime())).toBeGreaterThan(4 * 60_000);
  await declare(page, `Clocks ${Date.now()}`, 'sev1');
  await roomShown(page);
  await waitForHydration(page);
  const id = page.url().split('/').pop();

  // A SEV1 must be acknowledged within 5 minutes: the countdown shows about 4:5x.
  const ack = countdown(page, 'acknowledge');
  await expect(ack).toHaveAttribute('data-state', 'on-track');
  const first = await left(page, 'acknowledge');
  expect(first).toBeGreaterThan(4 * 60);
  expect(first).toBeLessThanOrEqual(5 * 60);

  // It matches the server's deadline within 2 s, whatever the browser's clock says.
  const res = await page.request.get(`/api/v1/incidents/${id}/sla`);
  const sla = await res.json();
  const clock = sla.clocks.find((c: { kind: string }) => c.kind === 'acknowledge');
  const serverLeft = (Date.parse(clock.deadline) - Date.parse(sla.server_time)) / 1000;
  const shown = await left(page, 'acknowledge');
  expect(Math.abs(shown - serverLeft)).toBeLessThanOrEqual(2);

  // About one second per second.
  const t0 = Date.now();
  const before = await left(page, 'acknowledge');
  await page.waitForTimeout(3_000);
  const after = await left(page, 'acknowledge');
  const elapsed = (Date.now() - t0) / 1000;
  expect(before - after).toBeGreaterThanOrEqual(Math.floor(elapsed) - 1);
  expect(before - after).toBeLessThanOrEqual(Math.ceil(elapsed) + 1);

  // Detection corrected to 4m20s ago: due soon (the last 20 %), amber.
  const at = (msAgo: number) => new Date(Date.parse(sla.server_time) - msAgo).toISOString();
  const put = async (milestone: string, when: string) => {
    const current = await (await page.request.get(`/api/v1/incidents/${id}`)).json();
    const r = await page.request.put(`/api/v1/incidents/${id}/timestamps/${milestone}`, {
      data: { at: when, reason: 'paged late', expected_version: current.version },
    });
    expect(r.status()).toBe(200);
  };
  await put('started', at(20 * 60_000));
  await put('detected', at(4 * 60_000 + 20_000));
  await expect(ack).toHaveAttribute('data-state', 'due-soon');
  await expect(ack).toHaveClass(/due-soon/);
  expect(await left(page, 'acknowledge')).toBeLessThanOrEqual(60);

  // Six minutes ago: breached, red, counting up.
  await put('detected', at(6 * 60_000));
  await expect(ack).toHaveAttribute('data-state', 'breached');
  await expect(ack).toHaveClass(/breached/);
  const late = await left(page, 'acknowledge');
  expect(late).toBeLessThan(-50);
  await page.waitForTimeout(2_100);
  expect(await left(page, 'acknowledge')).toBeLessThan(late);

  // Acknowledged: that clock stops and leaves the header.
  await page.getByRole('button', { name: 'Acknowledge', exact: true }).click();
  await expect(ack).toHaveCount(0);
  await expect(countdown(page, 'resolve')).toBeVisible();

  // The incidents list shows the running clocks too.
  await page.goto('/incidents');
  await waitForHydration(page);
  const row = page.locator(`tr[data-incident-id="${id}"]`);
  await expect(row.getByTestId('clock-resolve')).toBeVisible();
  expect(problems).toEqual([]);
});
