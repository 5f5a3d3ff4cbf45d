import { test as base, expect, type APIRequestContext, type Page } from '@playwright/test';

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

/** An API address of the demo server (the API never takes the token from an address). */
export function api(path: string, params: Record<string, string> = {}): string {
  const url = new URL(`/api${path}`, new URL(serverUrl()).origin);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

/** The token, as a bearer header. */
export function auth(): { headers: Record<string, string> } {
  return { headers: { Authorization: `Bearer ${new URL(serverUrl()).searchParams.get('token') ?? ''}` } };
}

export async function getJson<T>(request: APIRequestContext, path: string, params?: Record<string, string>): Promise<T> {
  const res = await request.get(api(path, params), auth());
  expect(res.ok(), `${path}: HTTP ${res.status()}`).toBe(true);
  return (await res.json()) as T;
}

export const test = base;
export { expect };
