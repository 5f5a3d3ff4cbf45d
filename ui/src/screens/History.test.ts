import { render } from 'svelte/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Backend } from '../backend';
import { setLang } from '../i18n/index.svelte';
import { NO_FILTERS } from '../lib/history';
import { AppState } from '../lib/state.svelte';
import { entry, room } from '../test-fixtures';
import History from './History.svelte';

/** The screen's state without a server: nothing is loaded, the test sets what it shows. */
function state(): AppState {
  return new AppState({ transport: 'http' } as unknown as Backend);
}

function html(app: AppState): string {
  return render(History, { props: { app } }).body;
}

describe('History screen', () => {
  afterEach(() => setLang('en'));

  it('offers every filter, both exports and the audit check', () => {
    const app = state();
    app.rooms = [room('b', { name: 'Gym' }), room('a', { name: 'Auditorium' })];
    const body = html(app);
    for (const id of [
      'history-room-filter',
      'history-from',
      'history-to',
      'history-kind-filter',
      'history-outcome-filter',
      'history-search',
      'history-export-csv',
      'history-export-jsonl',
      'history-verify',
    ]) {
      expect(body).toContain(`data-testid="${id}"`);
    }
    expect(body).toContain('Export CSV');
    expect(body).toContain('Export JSON Lines');
    expect(body).toContain('Verify audit log');
    // Rooms by name; kinds and outcomes in the table's words.
    expect(body.indexOf('Auditorium')).toBeLessThan(body.indexOf('Gym'));
    expect(body).toContain('<option value="conflict_decided">Carried out a conflict decision</option>');
    expect(body).toContain('<option value="failed">');
    expect(body).not.toContain('data-testid="history-clear"');
    expect(body).toContain('Nothing has happened yet.');
  });

  it('shows the loaded entries, counts them and offers older ones when a page was full', () => {
    const app = state();
    app.history = [entry(2, { title: 'Handball', room_id: 'b' }), entry(1, { title: 'Choir' })];
    app.historyHasMore = true;
    const body = html(app);
    expect(body.match(/data-testid="history-row"/g)).toHaveLength(2);
    expect(body).toContain('data-room-id="b"');
    expect(body).toContain('Handball');
    expect(body).toMatch(/data-testid="history-count" data-count="2"/);
    expect(body).toContain('data-testid="history-load-older"');
    expect(body).toContain('Showing 2 entries.');
    // The sync's internal run number is for the exports, not the screen.
    expect(body).not.toMatch(/cycle \d/i);
  });

  it('counts one matching entry in the singular', () => {
    const app = state();
    app.historyFilters = { ...NO_FILTERS, outcome: 'ok' };
    app.history = [entry(1)];
    expect(html(app)).toContain('Showing 1 entry that matches the filters.');
  });

  it('speaks bokmål', () => {
    setLang('nb');
    const app = state();
    app.history = [entry(1), entry(2)];
    const body = html(app);
    for (const words of ['Historikk', 'Eksporter CSV', 'Kontroller revisjonsloggen', 'Alle rom', 'Hva skjedde', 'Viser 2 oppføringer.', 'Opprettet Outlook-avtalen']) {
      expect(body).toContain(words);
    }
    expect(body).not.toContain('Export');
  });

  it('says when the filters match nothing and offers to clear them', () => {
    const app = state();
    app.historyFilters = { ...NO_FILTERS, outcome: 'failed', search: 'zq' };
    const body = html(app);
    expect(body).toContain('No entries match these filters.');
    expect(body).toContain('data-testid="history-clear"');
    expect(body).toContain('value="zq"');
    expect(body).not.toContain('data-testid="history-load-older"');
  });

  it('never asks the server while rendering', () => {
    const listHistory = vi.fn();
    const app = new AppState({ transport: 'http', listHistory } as unknown as Backend);
    html(app);
    expect(listHistory).not.toHaveBeenCalled();
  });
});
