import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { conflict } from '../test-fixtures';
import ConflictCard from './ConflictCard.svelte';

const ondecide = async () => null;

function html(c: ReturnType<typeof conflict>): string {
  return render(ConflictCard, { props: { conflict: c, now: Date.UTC(2026, 10, 21, 12), ondecide } }).body;
}

describe('ConflictCard', () => {
  it('shows both versions with the differing field highlighted and every allowed choice', () => {
    const body = html(conflict(7));
    expect(body).toContain('Handball training');
    expect(body).toContain('Handball (moved)');
    expect(body).toMatch(/data-field="title" data-differs="true"/);
    expect(body).toMatch(/data-field="when" data-differs="false"/);
    for (const choice of ['keep_booking', 'keep_calendar', 'merge']) {
      expect(body).toContain(`data-testid="choice-${choice}"`);
    }
    expect(body).toContain('data-testid="merge-fields"');
    expect(body).toContain('data-testid="conflict-reason"');
    expect(body).not.toContain('data-testid="conflict-pending"');
  });

  it('offers no merge for a double booking', () => {
    const body = html(conflict(8, { kind: 'overlap', choices: ['keep_booking', 'keep_calendar'] }));
    expect(body).toContain('data-testid="choice-keep_calendar"');
    expect(body).not.toContain('data-testid="choice-merge"');
    expect(body).not.toContain('data-testid="merge-fields"');
  });

  it('offers keeping both for a double booking, starting from the reservation’s own local times', () => {
    const body = html(conflict(8, { kind: 'overlap', choices: ['keep_booking', 'keep_calendar', 'move'] }));
    expect(body).toContain('data-testid="move-fields"');
    expect(body).toContain('data-testid="choice-move"');
    // 16:00Z is 17:00 in Oslo in November.
    expect(body).toMatch(/data-testid="move-start"[^>]*value="2026-11-24T17:00"|value="2026-11-24T17:00"[^>]*data-testid="move-start"/);
    expect(body).toContain('Europe/Oslo');
    expect(html(conflict(7))).not.toContain('data-testid="move-fields"');
  });

  it('shows a pending decision as waiting for the next sync', () => {
    const body = html(
      conflict(9, {
        decision: { choice: 'keep_calendar', merge: null, move: null, by: 'kari', reason: '', at: '2026-11-21T10:00:00Z' },
      }),
    );
    expect(body).toContain('data-testid="conflict-pending"');
    expect(body).toContain('Keep Outlook, chosen by kari');
    expect(body).toContain('will be applied on the next sync');
  });
});
