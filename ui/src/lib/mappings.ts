// The words the mapping forms show about what a change does to what was already written. They
// describe what `crates/app/src/mappings.rs` does; keep them in step with it.
import { t, tn } from '../i18n/index.svelte';
import type { DiscoveryView, MailboxOption, ResourceMatch, RoomView } from '../backend/types';

/** What removing a mapping does, for the confirmation. */
export function removalConsequences(room: RoomView): string[] {
  return [
    tn('rooms.removal_stops', room.counts.links, { room: room.name, mailbox: room.mailbox }),
    t('rooms.removal_forgets'),
    t('rooms.removal_map_again'),
  ];
}

/** What changing the mailbox does, shown while the mailbox differs. */
export function mailboxChangeConsequences(from: string, to: string): string[] {
  return [t('rooms.mailbox_change_starts_over', { from, to }), t('rooms.mailbox_change_copies', { to })];
}

/** Resources not mapped yet, by name. */
export function unmappedResources(options: DiscoveryView): ResourceMatch[] {
  return options.resources.filter((r) => r.room_id === null).sort((a, b) => a.name.localeCompare(b.name));
}

/** Mailboxes no room shows yet (and `keep`, the one being edited). */
export function freeMailboxes(options: DiscoveryView, rooms: readonly RoomView[], keep?: string): MailboxOption[] {
  const used = new Set(rooms.map((r) => r.mailbox.toLowerCase()));
  return options.mailboxes.filter((m) => !used.has(m.email.toLowerCase()) || m.email.toLowerCase() === keep?.toLowerCase());
}
