import { defineConfig, devices, type LaunchOptions } from '@playwright/test';

// The system Chromium (Debian package), never a Playwright-downloaded browser.
// CHROMIUM_PATH overrides it for machines that keep Chromium elsewhere.
const launchOptions: LaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

// `Desktop Chrome` sets viewport, user agent and so on; drop anything that would pick a
// different browser binary, and keep our launch options.
const { channel: _channel, ...desktopChrome } = devices['Desktop Chrome'] as typeof devices[string] & {
  channel?: string;
};

export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: 'list',
  // Starts target/debug/sitrep on a free port with a fresh demo database and sets
  // SITREP_URL, which the workers (started after global setup) read below.
  globalSetup: './global-setup.ts',
  globalTeardown: './global-teardown.ts',
  use: {
    baseURL: process.env.SITREP_URL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions,
  },
  projects: [
    {
      name: 'chromium',
      use: { ...desktopChrome, launchOptions },
    },
  ],
});
