// The words the mapping forms show about what a change does to what was already written. They
// describe what `crates/app/src/mappings.rs` does; keep them in step with it.
import type { DiscoveryView, MailboxOption, ResourceMatch, RoomView } from '../backend/types';

/** What removing a mapping does, for the confirmation. */
export function removalConsequences(room: RoomView): string[] {
  const linked = room.counts.links;
  return [
    `RoomBridge stops syncing ${room.name}. Nothing is deleted or changed: the ${linked} linked ${linked === 1 ? 'reservation stays' : 'reservations stay'} in Outlook (${room.mailbox}) and in the booking system as they are.`,
    "RoomBridge forgets which Outlook event belongs to which reservation, and the room's open conflicts. The room's history stays in the audit log.",
    'If you map this resource again later, RoomBridge finds the events it wrote for booking reservations again; reservations that were made in Outlook may then appear twice.',
  ];
}

/** What changing the mailbox does, shown while the mailbox differs. */
export function mailboxChangeConsequences(from: string, to: string): string[] {
  return [
    `The room starts over in ${to}: RoomBridge writes the booking reservations there and stops touching ${from}, which keeps what RoomBridge wrote in it.`,
    `Meetings already booked directly in ${to} are copied to this resource in the booking system. Events RoomBridge once wrote in ${to} for another resource belong to no reservation here and are deleted (more than a few only after you approve the deletions).`,
  ];
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
