// Accessibility of every screen, the way a facility manager whose system speaks Norwegian or
// English meets it: each screen, once its content has loaded, is scanned with axe-core and fails
// on any serious or critical violation, and at the window's minimum width (720 px) it does not
// scroll sideways. The Norwegian pass scans each screen in dark mode too. The setup wizard's first
// step is checked against a `roombridge serve` of its own on an empty data folder.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import AxeBuilder from '@axe-core/playwright';
import type { APIRequestContext, Page } from '@playwright/test';
import type { SettingsView } from '../../src/backend/types';
import { api, auth, expect, getJson, openScreen, test } from './fixtures';
import { startRoombridge, stop } from './processes';

type Screen = 'overview' | 'rooms' | 'history' | 'conflicts' | 'doctor' | 'settings';
type Lang = 'nb' | 'en';

const SCREENS: readonly Screen[] = ['overview', 'rooms', 'history', 'conflicts', 'doctor', 'settings'];
/** The window's minimum width (src-tauri/tauri.conf.json). */
const MIN_WIDTH = 720;
/** The browser's language: the UI follows it while the language setting is "auto". */
const LOCALE: Record<Lang, string> = { nb: 'nb-NO', en: 'en-GB' };

/** The tab names, which are also each screen's heading. */
const TABS: Record<Lang, Record<Screen, string>> = {
  nb: {
    overview: 'Oversikt',
    rooms: 'Rom',
    history: 'Historikk',
    conflicts: 'Konflikter',
    doctor: 'Feilsøking',
    settings: 'Innstillinger',
  },
  en: {
    overview: 'Overview',
    rooms: 'Rooms',
    history: 'History',
    conflicts: 'Conflicts',
    doctor: 'Doctor',
    settings: 'Settings',
  },
};
/** Words of each screen's introduction. */
const INTRO: Record<Lang, Record<Screen, string>> = {
  nb: {
    overview: 'Alle rommene på ett blikk',
    rooms: 'Hver rompostboks i Outlook',
    history: 'Alle endringer RoomBridge har gjort',
    conflicts: 'Reservasjoner som er endret ulikt',
    doctor: 'forteller hvordan du retter det',
    settings: 'Tilkoblingene RoomBridge synkroniserer mellom',
  },
  en: {
    overview: 'Every room at a glance',
    rooms: 'Each Outlook room mailbox',
    history: 'Every change RoomBridge made or refused',
    conflicts: 'Reservations changed differently on both sides',
    doctor: 'and says how to fix it',
    settings: 'The connections RoomBridge syncs between',
  },
};

/**
 * WCAG rules that axe-core ships switched off as experimental, switched on: among them "label in
 * name" (a control's accessible name contains the text it shows).
 */
const EXPERIMENTAL_RULES = Object.fromEntries(
  ['label-content-name-mismatch', 'p-as-heading', 'table-fake-caption', 'td-has-header', 'css-orientation-lock'].map(
    (id) => [id, { enabled: true }],
  ),
);
/**
 * The History screen lists a few hundred entries, all drawn by one template: the scan reads the
 * newest 40 and leaves the rest, so that it takes two seconds rather than seven.
 */
const SKIPPED = '[data-testid="history-row"]:nth-child(n+41)';

// The demo server is shared by every spec: the UI follows the browser's language only while the
// language setting is "auto" (null), so it is set so for this file and put back afterwards.
let languageBefore: SettingsView['language'] = null;
test.beforeAll(async ({ request }) => {
  languageBefore = (await getJson<SettingsView>(request, '/settings')).language;
  if (languageBefore !== null) await putLanguage(request, 'auto');
});
test.afterAll(async ({ request }) => {
  if (languageBefore !== null) await putLanguage(request, languageBefore);
});

async function putLanguage(request: APIRequestContext, language: string): Promise<void> {
  const res = await request.put(api('/settings'), { ...auth(), data: { language } });
  expect(res.ok(), `PUT /settings language=${language}: HTTP ${res.status()}`).toBe(true);
}

/** Waits until the screen shows what it is for: rows, the chart, cards, a report. */
async function waitForContent(page: Page, screen: Screen, runDoctor: boolean): Promise<void> {
  switch (screen) {
    case 'overview':
      await expect.poll(() => page.getByTestId('overview-room').count()).toBeGreaterThanOrEqual(12);
      await expect(page.getByTestId('activity-bar').first()).toBeVisible();
      await expect(page.getByTestId('budget-row').first()).toBeVisible();
      break;
    case 'rooms':
      await expect.poll(() => page.getByTestId('room-row').count()).toBeGreaterThanOrEqual(12);
      await expect(page.getByTestId('room-policy').first()).toBeVisible();
      break;
    case 'history':
      await expect.poll(() => page.getByTestId('history-row').count(), { timeout: 30_000 }).toBeGreaterThan(10);
      break;
    case 'conflicts': {
      // The demo's Outlook meetings double-book rooms; the first card says what each choice does
      // (or, when a decision waits for the next sync, what was decided).
      const card = page.getByTestId('conflict-card').first();
      await expect(card).toBeVisible({ timeout: 30_000 });
      await expect(
        card.getByTestId('conflict-outcomes').locator('dl').or(card.getByTestId('conflict-pending')).first(),
      ).toBeVisible();
      break;
    }
    case 'doctor':
      await expect(page.getByTestId('run-doctor')).toBeEnabled();
      if (runDoctor) {
        // A report: the demo's two problems with their fixes, and the checks that passed.
        await page.getByTestId('run-doctor').click();
        await expect(page.getByTestId('doctor-summary')).toBeVisible({ timeout: 40_000 });
        await expect(page.getByTestId('doctor-finding')).toHaveCount(2);
      }
      break;
    case 'settings':
      await expect(page.getByTestId('data-dir')).not.toHaveText('');
      await expect(page.getByTestId('connections-tenant')).toBeVisible();
      break;
  }
}

/** Fails (softly: the rest of the test still runs) listing every serious or critical violation. */
async function expectNoSeriousViolations(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).options({ rules: EXPERIMENTAL_RULES }).exclude(SKIPPED).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) =>
      v.nodes.map((n) => `${v.id} (${v.impact}) at ${n.target.join(' ')}: ${n.failureSummary?.replace(/\s+/g, ' ') ?? v.help}`),
    );
  expect.soft(serious, `serious or critical axe-core violations on ${what}`).toEqual([]);
}

/** At the window's minimum width the page is no wider than the window. */
async function expectNoSidewaysScroll(page: Page, what: string): Promise<void> {
  const size = page.viewportSize()!;
  await page.setViewportSize({ width: MIN_WIDTH, height: size.height });
  const { scrollWidth, wide } = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((el) => el.getBoundingClientRect().right > width + 1)
      .slice(0, 6)
      .map((el) => el.tagName.toLowerCase() + (el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : ''));
    return { scrollWidth: document.documentElement.scrollWidth, wide };
  });
  expect.soft(scrollWidth, `${what} scrolls sideways at ${MIN_WIDTH} px (wider: ${wide.join(', ')})`).toBeLessThanOrEqual(
    MIN_WIDTH,
  );
  await page.setViewportSize(size);
}

/** Switches the page to dark mode, as the system does, and checks that it is dark. */
async function goDark(page: Page): Promise<void> {
  await page.emulateMedia({ colorScheme: 'dark' });
  const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  const [r, g, b] = background.match(/\d+/g)!.map(Number);
  expect(r! + g! + b!, `the page's background in dark mode: ${background}`).toBeLessThan(3 * 60);
}

async function expectLanguage(page: Page, lang: Lang): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
}

for (const lang of ['nb', 'en'] as const) {
  test.describe(lang === 'nb' ? 'in Norwegian, light and dark' : 'in English', () => {
    test.use({ locale: LOCALE[lang] });
    for (const screen of SCREENS) {
      test(`${screen} (${lang})`, async ({ page }) => {
        await openScreen(page, screen);
        await expectLanguage(page, lang);
        const nav = page.getByRole('navigation');
        for (const s of SCREENS) await expect(nav.getByTestId(`tab-${s}`)).toContainText(TABS[lang][s]);
        await expect(page.getByRole('heading', { level: 1 })).toHaveText(TABS[lang][screen]);
        await expect(page.locator('main')).toContainText(INTRO[lang][screen]);
        // The doctor takes ten seconds: its report is checked in Norwegian, light and dark.
        await waitForContent(page, screen, lang === 'nb');

        await expectNoSeriousViolations(page, `${screen} (${lang})`);
        await expectNoSidewaysScroll(page, `${screen} (${lang})`);
        if (lang === 'nb') {
          await goDark(page);
          await expectNoSeriousViolations(page, `${screen} (${lang}, dark)`);
        }
      });
    }
  });
}

// A room's own page, in the week and the list view, with a piece's details open.
const ROOM_PAGE: Record<Lang, { back: string; list: string; source: string }> = {
  nb: { back: 'Alle rom', list: 'Liste', source: 'Kommer fra' },
  en: { back: 'All rooms', list: 'List', source: 'Comes from' },
};
for (const lang of ['nb', 'en'] as const) {
  test.describe(lang === 'nb' ? "a room's page in Norwegian, light and dark" : "a room's page in English", () => {
    test.use({ locale: LOCALE[lang] });
    test(`room page (${lang})`, async ({ page }) => {
      await openScreen(page, 'rooms');
      await page.getByTestId('room-open').first().click();
      await expectLanguage(page, lang);
      await expect(page.getByRole('link', { name: ROOM_PAGE[lang].back })).toBeVisible();
      await expect(page.getByTestId('room-week')).toBeVisible();
      await expect.poll(() => page.getByTestId('room-history-row').count()).toBeGreaterThan(0);
      const item = page.getByTestId('room-item').first();
      if ((await item.count()) > 0) {
        await item.click();
        await expect(page.getByTestId('room-item-details')).toContainText(ROOM_PAGE[lang].source);
      }
      for (const view of ['week', 'list'] as const) {
        if (view === 'list') await page.getByText(ROOM_PAGE[lang].list, { exact: true }).click();
        await expectNoSeriousViolations(page, `the room page, ${view} (${lang})`);
        await expectNoSidewaysScroll(page, `the room page, ${view} (${lang})`);
        if (lang === 'nb') {
          await goDark(page);
          await expectNoSeriousViolations(page, `the room page, ${view} (${lang}, dark)`);
          await page.emulateMedia({ colorScheme: 'light' });
        }
      }
    });
  });
}

test.describe('the setup wizard', () => {
  let child: ChildProcess | undefined;
  let dataDir = '';
  let url = '';

  test.beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'roombridge-a11y-'));
    const s = await startRoombridge(
      ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--ui-dir', 'dist'],
      { url: /RoomBridge is running at (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/ },
      // Its own keyring service: a real RoomBridge's secrets are never touched.
      { ROOMBRIDGE_KEYRING_SERVICE: `roombridge-a11y-${process.pid}` },
    );
    child = s.child;
    url = s.found.url!;
  });
  test.afterAll(async () => {
    await stop(child);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const TITLE: Record<Lang, string> = { nb: 'Sett opp RoomBridge', en: 'Set up RoomBridge' };
  for (const lang of ['nb', 'en'] as const) {
    test.describe(lang === 'nb' ? 'in Norwegian, light and dark' : 'in English', () => {
      test.use({ locale: LOCALE[lang] });
      test(`the first step (${lang})`, async ({ page }) => {
        await page.goto(url);
        await expect(page.getByTestId('setup-wizard')).toHaveAttribute('data-step', 'tenant');
        await expectLanguage(page, lang);
        await expect(page.getByRole('heading', { level: 1 })).toHaveText(TITLE[lang]);
        // With its advanced fields open.
        await page.getByTestId('advanced').locator('summary').click();
        await expect(page.getByTestId('graph-base')).toBeVisible();

        await expectNoSeriousViolations(page, `the setup wizard (${lang})`);
        await expectNoSidewaysScroll(page, `the setup wizard (${lang})`);
        if (lang === 'nb') {
          await goDark(page);
          await expectNoSeriousViolations(page, `the setup wizard (${lang}, dark)`);
        }
      });
    });
  }
});
