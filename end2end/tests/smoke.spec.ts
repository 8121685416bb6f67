import { expect } from '@playwright/test';
import { DEMO, liveBadge, signIn, waitForHydration, watchConsole, test } from './helpers';

test('the incident commander signs in and the incident list goes live', async ({ page }) => {
  const problems = watchConsole(page);

  await signIn(page, DEMO.ic);
  await expect(page.getByRole('heading', { name: 'Incidents', exact: true })).toBeVisible();
  await waitForHydration(page);
  await expect(liveBadge(page)).toHaveText('Live');

  expect(problems).toEqual([]);
});
