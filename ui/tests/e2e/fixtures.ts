import { test as base, expect, type Page } from '@playwright/test';

/** The address the server printed, token included (set by global-setup). */
export function serverUrl(): string {
  const url = process.env.ROOMBRIDGE_URL;
  if (!url) throw new Error('ROOMBRIDGE_URL is not set: the e2e global setup did not run');
  return url;
}

/** Opens the app on a screen the way a facility manager does: from the printed address. */
export async function openScreen(
  page: Page,
  screen: 'overview' | 'rooms' | 'history' | 'conflicts' | 'doctor' | 'settings',
): Promise<void> {
  const url = new URL(serverUrl());
  url.hash = `/${screen}`;
  await page.goto(url.toString());
  await expect(page.getByTestId(`tab-${screen}`)).toHaveAttribute('aria-current', 'page');
}

export const test = base;
export { expect };
