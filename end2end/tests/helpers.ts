// Shared helpers for the Sitrep end-to-end tests.
import { expect, test as base, type Browser, type Locator, type Page } from '@playwright/test';

/**
 * Playwright's `test`, plus: every browser context a test opened itself (`person()`, one per
 * signed-in person) is closed when the test ends. Playwright closes only its own `context`
 * fixture; the others would stay open to the end of the run, each page still streaming, ticking
 * its clocks and, after an own server stops, reconnecting — load that slows the later tests.
 */
export const test = base.extend<{ closeContexts: void }>({
  closeContexts: [
    async ({ browser }, use) => {
      await use();
      await Promise.all(browser.contexts().map((context) => context.close()));
    },
    { auto: true },
  ],
});

/** The password of every demo user (see server/src/seed.rs). */
export const DEMO_PASSWORD = 'sitrep-demo';

export interface DemoUser {
  email: string;
  name: string;
  password: string;
}

export type DemoRole = 'ic' | 'responder' | 'responder2' | 'support' | 'manager' | 'stakeholder';

/** The demo users created by `sitrep serve --seed-demo`. */
export const DEMO: Readonly<Record<DemoRole, DemoUser>> = {
  ic: { email: 'iris@demo.sitrep.dev', name: 'Iris Chen', password: DEMO_PASSWORD },
  responder: { email: 'sam@demo.sitrep.dev', name: 'Sam Okafor', password: DEMO_PASSWORD },
  responder2: { email: 'riley@demo.sitrep.dev', name: 'Riley Novak', password: DEMO_PASSWORD },
  support: { email: 'sue@demo.sitrep.dev', name: 'Sue Park', password: DEMO_PASSWORD },
  manager: { email: 'max@demo.sitrep.dev', name: 'Max Weber', password: DEMO_PASSWORD },
  stakeholder: { email: 'stella@demo.sitrep.dev', name: 'Stella Ortiz', password: DEMO_PASSWORD },
};

/** Signs in through the login form and waits for the incident list. */
export async function signIn(page: Page, user: Pick<DemoUser, 'email'> & Partial<DemoUser>): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password ?? DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(/\/incidents(?:[?#]|$)/);
}

/**
 * Collects console errors and warnings and uncaught page errors, from now on, into the
 * returned array, so a test can end with `expect(problems).toEqual([])`. Nothing is ignored.
 */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (msg) => {
    const type = msg.type();
    if (type === 'error' || type === 'warning') {
      const { url, lineNumber } = msg.location();
      problems.push(`console.${type}: ${msg.text()}${url ? ` (${url}:${lineNumber})` : ''}`);
    }
  });
  page.on('pageerror', (err) => {
    problems.push(`pageerror: ${err.stack || err.message}`);
  });
  return problems;
}

/** The "Live" badge in the header (role status, data-testid live-badge). */
export function liveBadge(page: Page): Locator {
  return page.getByRole('status').and(page.getByTestId('live-badge'));
}

/**
 * Waits until the page is hydrated and its live stream is open: the badge only says
 * "Live" once the wasm has taken over the page and the SSE connection is up. The
 * generous default timeout covers compiling the (large) debug wasm on a slow machine.
 */
export async function waitForHydration(page: Page, timeout = 20_000): Promise<void> {
  await expect(liveBadge(page)).toHaveText('Live', { timeout });
}

/**
 * Hydrated, on a page with nothing live (settings screens): the page closes the tab's stream and
 * the badge goes idle (hidden) once the wasm has taken over.
 */
export async function waitForHydrationWithoutStream(page: Page, timeout = 20_000): Promise<void> {
  await expect(page.getByTestId('live-badge')).toHaveClass(/idle/, { timeout });
}

/** A signed-in page in its own browser context (its own cookies: a different person). */
export async function person(
  browser: Browser,
  user: DemoUser,
  baseURL?: string,
): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext(baseURL ? { baseURL } : {});
  const page = await context.newPage();
  const problems = watchConsole(page);
  await signIn(page, user);
  return { page, problems };
}

/** Declares an incident through the form on the incidents page (the room opens). */
export async function declare(page: Page, title: string, severity: string): Promise<void> {
  await page.getByText('Declare an incident', { exact: true }).click();
  const form = page.getByRole('form', { name: 'Declare an incident' });
  await form.getByLabel('Title', { exact: true }).fill(title);
  await form.getByLabel('Severity', { exact: true }).selectOption(severity);
  await form.getByRole('button', { name: 'Declare incident' }).click();
}

/**
 * After a declaration or a link from the list: the room is on screen. The address changes first;
 * the list stays until the room's chunk (lazy routes) and its data have come.
 */
export async function roomShown(page: Page): Promise<void> {
  await page.waitForURL(/\/incidents\/\d+$/);
  await page.locator('main.room').waitFor();
}

/**
 * Declares an incident from the (hydrated) incidents page the browser is on and waits for its
 * room to hydrate; returns the room's address.
 */
export async function freshRoom(page: Page, title: string, severity = 'sev2'): Promise<string> {
  await waitForHydration(page);
  await declare(page, title, severity);
  await roomShown(page);
  await waitForHydration(page);
  return page.url();
}

/** Opens `url` and waits for it to hydrate. */
export async function enter(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await waitForHydration(page);
}

/** Scrolls the role board to the top of the window, so a drag needs no scrolling midway. */
export async function showBoard(page: Page): Promise<void> {
  await page.getByTestId('role-board').evaluate((el) => el.scrollIntoView({ block: 'start' }));
}

/**
 * Waits until the wasm has hydrated the page: the frontend's hydrate entry sets `data-hydrated`
 * on `<html>`, and until then the stylesheet keeps the page's controls from taking clicks.
 * Unlike `waitForHydration`, it does not wait for the live stream.
 */
export async function waitForHydrated(page: Page, timeout = 20_000): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', '', { timeout });
}
