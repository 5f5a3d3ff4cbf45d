// Demo mode on PorticoEstate (`roombridge demo --booking porticoestate`), as a facility manager
// at an Aktiv kommune municipality sees it: the rooms sync with the season's allocations, and a
// double booking with an allocation, which RoomBridge may not cancel, refuses "keep Outlook"
// with what to do instead and carries out "keep the booking".

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { expect, test } from './fixtures';
import { startRoombridge, stop } from './processes';

let child: ChildProcess | undefined;
let dataDir = '';
let url = '';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'roombridge-portico-e2e-'));
  const s = await startRoombridge(
    [
      'demo',
      '--headless',
      '--booking',
      'porticoestate',
      '--listen',
      '127.0.0.1:0',
      '--data-dir',
      dataDir,
      '--ui-dir',
      'dist',
      '--poll',
      '2',
    ],
    { url: /RoomBridge is running at (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/ },
  );
  child = s.child;
  url = s.found.url ?? '';
});

test.afterAll(async () => {
  await stop(child);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function screen(name: string): string {
  const u = new URL(url);
  u.hash = `/${name}`;
  return u.toString();
}

test('the season syncs, and a double booking with an allocation can only keep the allocation', async ({ page }) => {
  await page.goto(screen('conflicts'));
  const card = page.getByTestId('conflict-card').filter({ hasText: 'Nordvik seniorforum' }).first();
  await expect(card).toBeVisible({ timeout: 30_000 });

  await card.getByTestId('choice-keep_calendar').click();
  await expect(card.getByTestId('conflict-error')).toContainText("Keep the booking system's version");

  const id = await card.getAttribute('data-conflict-id');
  await card.getByTestId('choice-keep_booking').click();
  await expect(page.locator(`[data-testid="conflict-card"][data-conflict-id="${id}"]`)).toHaveCount(0, {
    timeout: 30_000,
  });

  // The history shows the allocations that went to Outlook.
  await page.goto(screen('history'));
  await expect(page.getByTestId('history-row').filter({ hasText: 'Nordvik IL' }).first()).toBeVisible({
    timeout: 30_000,
  });
});
