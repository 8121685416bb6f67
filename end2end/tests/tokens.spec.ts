// API tokens from the user menu (create, shown once, used by an integration, revoked), and the
// sign-in page after too many failed attempts (on a server of its own with a low limit, so the
// other specs' sign-ins from this address are not refused).
import { expect } from '@playwright/test';
import { OwnServer } from './own-server';
import { DEMO, person, signIn, test, waitForHydrationWithoutStream, watchConsole } from './helpers';

test.setTimeout(90_000);

test('a token is created, shown once, works against the API, and is revoked', async ({ browser, baseURL }) => {
  const { page, problems } = await person(browser, DEMO.responder);
  await page.getByRole('link', { name: 'API tokens' }).click();
  await expect(page).toHaveURL(/\/settings\/tokens$/);
  await waitForHydrationWithoutStream(page);

  const name = `e2e sync ${Date.now()}`;
  const form = page.getByRole('form', { name: 'Create an API token' });
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('Scope', { exact: true }).selectOption('write');
  await form.getByRole('button', { name: 'Create token' }).click();

  const secretBox = page.getByRole('textbox', { name: 'New token' });
  await expect(secretBox).toHaveValue(/^sitrep_[0-9a-f]{64}$/);
  await expect(page.getByText('will not be shown again')).toBeVisible();
  const token = await secretBox.inputValue();
  const table = page.getByRole('table', { name: 'API tokens' });
  await expect(table.getByRole('row', { name: new RegExp(name) })).toContainText('write');

  // An integration uses it: no cookies, just the bearer token.
  const me = await fetch(`${baseURL}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
  expect(me.status).toBe(200);
  expect((await me.json()).name).toBe(DEMO.responder.name);

  // Shown once: after a reload the list has it, its secret is gone.
  await page.reload();
  await waitForHydrationWithoutStream(page);
  await expect(table.getByRole('row', { name: new RegExp(name) })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'New token' })).toHaveCount(0);
  await expect(page.locator('body')).not.toContainText(token);

  await page.getByRole('button', { name: `Revoke ${name}` }).click();
  await expect(table.getByRole('row', { name: new RegExp(name) })).toHaveCount(0);
  const after = await fetch(`${baseURL}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
  expect(after.status).toBe(401);
  expect(problems).toEqual([]);
});

test.describe('sign-in limits', () => {
  let server: OwnServer;

  test.beforeAll(async () => {
    server = await OwnServer.start(['--sign-in-limit-per-account', '3']);
  });

  test.afterAll(async () => {
    await server?.stop();
    server?.remove();
  });

  test('the sign-in page says there were too many attempts', async ({ browser }) => {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    const problems = watchConsole(page);
    for (let i = 0; i < 3; i++) {
      await page.goto('/login');
      await page.getByLabel('Email', { exact: true }).fill(DEMO.ic.email);
      await page.getByLabel('Password', { exact: true }).fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
    }
    // Now even the right password is refused, and the page says why and for how long.
    await page.goto('/login');
    await page.getByLabel('Email', { exact: true }).fill(DEMO.ic.email);
    await page.getByLabel('Password', { exact: true }).fill(DEMO.ic.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page).toHaveURL(/\/login\?error=throttled/);
    await expect(page.getByRole('alert')).toContainText('Too many failed sign-ins');
    await expect(page.getByRole('alert')).toContainText(/try again in 1[45] minutes/);

    // Someone else from here is not locked out (the per-address limit is higher).
    await signIn(page, DEMO.responder);
    // The browser reports the refused sign-in's 429 itself; that one is expected.
    const refused = /status of 429 .*\/auth\/login/;
    expect(problems.filter((p) => !refused.test(p))).toEqual([]);
  });
});
