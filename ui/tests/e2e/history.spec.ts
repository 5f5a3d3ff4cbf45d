import { readFile } from 'node:fs/promises';
import { expect, openScreen, test } from './fixtures';

test('History shows created Outlook events and the room filter narrows them', async ({ page }) => {
  await openScreen(page, 'history');

  const rows = page.getByTestId('history-row');
  const created = page.locator('[data-testid="history-row"][data-kind="create_event"]');
  // The demo's first cycles create Outlook events for the booking system's reservations.
  await expect.poll(() => created.count(), { timeout: 30_000 }).toBeGreaterThan(0);
  await expect(created.first()).toContainText('Created the Outlook event');

  // Choose the room of the newest create_event entry.
  const roomId = await created.first().getAttribute('data-room-id');
  expect(roomId).toBeTruthy();
  const allRoomIds = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-room-id')));
  expect(new Set(allRoomIds).size, 'history spans several rooms').toBeGreaterThan(1);
  const before = allRoomIds.length;

  await page.getByTestId('history-room-filter').selectOption(roomId!);

  await expect
    .poll(async () => {
      const ids = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-room-id')));
      return ids.length > 0 && ids.every((id) => id === roomId);
    })
    .toBe(true);
  expect(await rows.count()).toBeLessThan(before);
  await expect(page.locator('[data-testid="history-row"][data-kind="create_event"]').first()).toBeVisible();

  // The text search narrows further on the client.
  await page.getByTestId('history-search').fill('no entry has this text zq');
  await expect(rows).toHaveCount(0);
  await expect(page.getByTestId('history-empty')).toContainText('No entries match');
});

/** RFC 4180 records: quoted fields may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field === '' && record.length === 0, 'the file ends with a complete record').toBe(true);
  return records;
}

test('History exports one room as CSV: the header, only that room, as many rows as the screen shows', async ({ page }) => {
  await openScreen(page, 'history');
  const rows = page.getByTestId('history-row');
  const created = page.locator('[data-testid="history-row"][data-kind="create_event"]');
  await expect.poll(() => created.count(), { timeout: 30_000 }).toBeGreaterThan(0);
  const roomId = (await created.first().getAttribute('data-room-id'))!;

  await page.getByTestId('history-room-filter').selectOption(roomId);
  await expect
    .poll(async () => {
      const ids = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-room-id')));
      return ids.length > 0 && ids.every((id) => id === roomId);
    })
    .toBe(true);
  await expect(page.getByTestId('history-empty')).toHaveCount(0);

  const shownBefore = await rows.count();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('history-export-csv').click(),
  ]);
  expect(download.suggestedFilename()).toMatch(new RegExp(`^roombridge-history-${roomId}-\\d{8}T\\d{6}Z\\.csv$`));
  const shownAfter = await rows.count();
  await expect(page.getByTestId('history-exported')).toContainText('Downloaded');
  const text = await readFile((await download.path())!, 'utf8');

  // For people with a spreadsheet: a byte-order mark, headers in the window's language, the room
  // by name and id, the time in the room's zone and in UTC, what happened in words.
  expect(text.startsWith('\ufeff')).toBe(true);
  const [header, ...records] = parseCsv(text.slice(1));
  expect(header).toEqual([
    'No.',
    'Time',
    'Time zone',
    'Time (UTC)',
    'Room',
    'Room id',
    'What happened',
    'Where',
    'Outcome',
    'Title',
    'Details',
    'Hash (audit chain)',
  ]);
  expect(records.length).toBeGreaterThan(0);
  for (const record of records) {
    expect(record).toHaveLength(12);
    expect(record[5]).toBe(roomId);
    expect(record[1]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(record[6]).not.toMatch(/_/);
  }
  // The demo keeps syncing: an entry may land between counting and exporting.
  expect([shownBefore, shownAfter]).toContain(records.length);
  // The same entries: the screen runs newest first, the export oldest first.
  const seqs = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-seq')));
  if (seqs.length === records.length) expect(records.map((r) => r[0]).reverse()).toEqual(seqs);

  // JSON Lines: one object per row with both hashes.
  const [jsonl] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('history-export-jsonl').click(),
  ]);
  expect(jsonl.suggestedFilename()).toMatch(/\.jsonl$/);
  const lines = (await readFile((await jsonl.path())!, 'utf8')).trimEnd().split('\n');
  const objects = lines.map((l) => JSON.parse(l) as { room: string; prev_hash: string; hash: string });
  expect(objects.every((o) => o.room === roomId && o.hash.length === 64 && o.prev_hash.length === 64)).toBe(true);
});

test('History narrows by outcome and verifies the audit log', async ({ page }) => {
  await openScreen(page, 'history');
  const rows = page.getByTestId('history-row');
  await expect.poll(() => rows.count(), { timeout: 30_000 }).toBeGreaterThan(0);

  await page.getByTestId('history-outcome-filter').selectOption('ok');
  await expect
    .poll(async () => {
      const outcomes = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-outcome')));
      return outcomes.length > 0 && outcomes.every((o) => o === 'ok');
    })
    .toBe(true);

  await page.getByTestId('history-verify').click();
  const result = page.getByTestId('history-verify-result');
  await expect(result).toHaveAttribute('data-ok', 'true');
  await expect(result).toContainText('OK');
  await expect(result).toContainText('intact');
});
