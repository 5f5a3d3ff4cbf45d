import { afterEach, describe, expect, it } from 'vitest';
import type { DiscoveryView } from '../backend/types';
import { setLang } from '../i18n/index.svelte';
import { room } from '../test-fixtures';
import { freeMailboxes, mailboxChangeConsequences, removalConsequences, unmappedResources } from './mappings';

const options: DiscoveryView = {
  mailboxes: [
    { email: 'a@example.org', name: 'A', source: 'places' },
    { email: 'b@example.org', name: 'B', source: 'places' },
  ],
  resources: [
    { id: 'r2', name: 'Zeta', kind: 'room', email: null, time_zone: 'Europe/Oslo', mailbox: null, matched_by: null, room_id: null },
    { id: 'r1', name: 'Alpha', kind: 'room', email: null, time_zone: 'Europe/Oslo', mailbox: null, matched_by: null, room_id: 'a' },
    { id: 'r3', name: 'Beta', kind: 'room', email: null, time_zone: 'Europe/Oslo', mailbox: null, matched_by: null, room_id: null },
  ],
};

describe('mapping forms', () => {
  it('offer only unmapped resources and mailboxes no other room shows', () => {
    expect(unmappedResources(options).map((r) => r.id)).toEqual(['r3', 'r2']);
    const rooms = [room('a', { mailbox: 'A@example.org' })];
    expect(freeMailboxes(options, rooms).map((m) => m.email)).toEqual(['b@example.org']);
    expect(freeMailboxes(options, rooms, 'a@example.org').map((m) => m.email)).toEqual([
      'a@example.org',
      'b@example.org',
    ]);
  });

  it('say that removing deletes nothing and what is forgotten', () => {
    const text = removalConsequences(room('a', { name: 'Gym', counts: { links: 12, conflicts: 0, failed: 0 } })).join(' ');
    expect(text).toContain('Nothing is deleted');
    expect(text).toContain('12 linked reservations stay');
    expect(text).toContain('history stays');
    expect(mailboxChangeConsequences('old@x.org', 'new@x.org').join(' ')).toContain('approve');
  });

  it('speak of one linked reservation in the singular, and speak bokmål', () => {
    const one = room('a', { name: 'Gym', counts: { links: 1, conflicts: 0, failed: 0 } });
    expect(removalConsequences(one)[0]).toContain('the linked reservation stays in Outlook (a@example.org)');
    setLang('nb');
    expect(removalConsequences(one)[0]).toContain('RoomBridge slutter å synkronisere Gym.');
    expect(mailboxChangeConsequences('old@x.org', 'new@x.org').join(' ')).toContain('godkjent slettingene');
  });
});

afterEach(() => setLang('en'));
