//! The decision table: what to do for one pair, one commented arm per state of its sides.

use super::*;

/// The decisions for one pair, with everything they need to see.
pub(super) struct Planner<'p, 'a> {
    pub(super) input: &'p PlanInput<'a>,
    pub(super) pair: &'p Pair<'a>,
}

impl<'a> Planner<'_, 'a> {
    /// The decision table. One arm per (booking, calendar) state; the comment says why.
    pub(super) fn decide(&self) -> Decision {
        let pair = self.pair;
        let link = &pair.link;
        let mut booking = seen(
            pair.block,
            |b: &Block| b.content.hash(),
            link.booking_hash.as_ref(),
        );
        let mut calendar = seen(
            pair.event,
            |e: &CalendarEvent| e.content.hash(),
            link.calendar_hash.as_ref(),
        );
        // A link that names its source before any sync recorded a hash (a create whose answer
        // was lost): the source gone is a deletion, not "never there". Otherwise RoomBridge's
        // own copy would be taken for something new and the deletion lost.
        let withdrawn = self.input.withdrawn.binary_search(&link.id).is_ok();
        if pair.block.is_none()
            && ((link.block.is_some() && link.origin == Side::Booking) || withdrawn)
        {
            booking = Seen::Deleted;
        }
        if pair.event.is_none() && link.event.is_some() && link.origin == Side::Calendar {
            calendar = Seen::Deleted;
        }

        // An Outlook meeting that holds the room while a booking-system reservation holds it
        // too is a double booking, whatever else changed: the meeting is never deleted for it,
        // and it is not copied on top of the reservation.
        if let Some(e) = pair.event
            && self.writes_to_booking(&booking, &calendar)
            && !self.overlaps(e).is_empty()
        {
            return Decision::Conflict(ConflictKind::Overlap);
        }

        use Seen::*;
        match (booking, calendar) {
            // Nothing on either side and nothing synced: a journaled create whose source vanished.
            (Absent, Absent) => self.forget(),
            // Seen in Outlook only, never synced: a reservation made in Outlook.
            (Absent, Appeared(e)) => self.create_reservation(e),
            // Synced from Outlook before, but the reservation was never written: write it now.
            (Absent, Unchanged(e) | Changed(e)) => self.create_reservation(e),
            // Gone from Outlook and never in the booking system: nothing left to keep.
            (Absent, Deleted) => self.forget(),
            // New in the booking system: create the event (retries reuse the idempotency key).
            (Appeared(b), Absent) => self.create_event(b),
            // Both present, never synced as a pair (a create that landed before a crash, or a
            // re-linked pair): equal content is simply linked, different content needs a person.
            (Appeared(b), Appeared(e) | Unchanged(e) | Changed(e)) => self.relink_or_conflict(b, e),
            // The event was synced and deleted in Outlook, while the block was never recorded:
            // Outlook's deletion wins, as it would for an unchanged block.
            (Appeared(b), Deleted) => self.cancel_reservation(b),
            // The block was synced but its event never made it: create it.
            (Unchanged(b) | Changed(b), Absent) => self.create_event(b),
            // Booking block synced before, the event appears for the first time (a re-linked
            // create): same rule as a fresh pair.
            (Unchanged(b) | Changed(b), Appeared(e)) => self.relink_or_conflict(b, e),
            // In sync, unless the event shows other than the privacy mode writes (the mode
            // changed, or someone typed over a hidden title): then show what the mode says.
            (Unchanged(b), Unchanged(e)) => self.in_sync(b, e),
            // Changed in Outlook only: write the change to the booking system.
            (Unchanged(b), Changed(e)) => self.update_reservation(b, e),
            // Deleted in Outlook, untouched in the booking system: soft-cancel the reservation.
            (Unchanged(b), Deleted) => self.cancel_reservation(b),
            // Changed in the booking system only: update the event.
            (Changed(b), Unchanged(e)) => self.update_event(b, e),
            // Changed on both sides: the same content is simply synced, different content is an
            // edit conflict.
            (Changed(b), Changed(e)) => self.relink_or_conflict(b, e),
            // Changed in the booking system, deleted in Outlook: a person decides.
            (Changed(_), Deleted) => Decision::Conflict(ConflictKind::DeleteEdit),
            // Gone from the booking system before its event was ever created: nothing to undo.
            (Deleted, Absent) => self.forget(),
            // Gone from the booking system; the event is ours (it was synced, or it carries our
            // tag): delete it.
            (Deleted, Appeared(e) | Unchanged(e)) => self.remove_event(e),
            // Gone from the booking system, edited in Outlook: a person decides.
            (Deleted, Changed(_)) => Decision::Conflict(ConflictKind::DeleteEdit),
            // Gone on both sides: drop the link.
            (Deleted, Deleted) => self.forget(),
        }
    }

    /// Whether this pair's Outlook side is a meeting the room must be free for: a meeting made
    /// in Outlook, or an Outlook change about to be written to the booking system.
    pub(super) fn writes_to_booking(
        &self,
        booking: &Seen<'_, Block>,
        calendar: &Seen<'_, CalendarEvent>,
    ) -> bool {
        let from_outlook = self.pair.link.origin == Side::Calendar;
        let outlook_edit = matches!((booking, calendar), (Seen::Unchanged(_), Seen::Changed(_)));
        from_outlook || outlook_edit
    }

    /// Booking-system items (not this pair's own reservation) that hold the room while
    /// `event` does. Copies of other Outlook meetings count only when they hide this meeting's
    /// own copy: of two Outlook meetings at one time, the one the compositor hid is the
    /// double booking.
    pub(super) fn overlaps(&self, event: &CalendarEvent) -> Vec<&'a Footprint> {
        let (start, end) = event.content.instants(self.input.zone);
        let own = self.own_source();
        let own_hidden = self.pair.block.is_none() && self.own_item().is_some();
        self.input
            .footprint
            .iter()
            .filter(|f| (!f.from_outlook || own_hidden) && Some(&f.source) != own.as_ref())
            .filter(|f| f.start < end && f.end > start)
            .collect()
    }

    /// The kind of a held conflict, read from the pair as it is now.
    pub(super) fn held_kind(&self) -> ConflictKind {
        match (self.pair.block, self.pair.event) {
            (_, Some(e)) if !self.overlaps(e).is_empty() => ConflictKind::Overlap,
            (Some(b), _) if !self.writes(b.level) => ConflictKind::ReadOnly,
            (Some(b), _) if b.key != b.item_key() || !b.covered_by.is_empty() => {
                ConflictKind::FragmentEdit
            }
            (Some(_), Some(_)) => ConflictKind::Edit,
            _ => ConflictKind::DeleteEdit,
        }
    }

    /// The reservation this pair's booking side is (or was), if any.
    pub(super) fn own_source(&self) -> Option<ReservationId> {
        if let Some(b) = self.pair.block {
            return Some(b.source.clone());
        }
        let key = self.pair.link.block.as_ref()?.as_str();
        let id = key.strip_prefix("r:")?;
        let id = id.split(['@', '#']).next()?;
        Some(ReservationId::new(id))
    }

    /// How `policy` resolves a conflict of `kind`, or `None` when a person must decide.
    pub(super) fn policy_resolution(
        &self,
        policy: Policy,
        kind: ConflictKind,
    ) -> Option<Resolution> {
        let (block, event) = (self.pair.block, self.pair.event);
        match (policy, kind) {
            (Policy::Manual, _) => None,
            // Only the booking system's version can be kept: a policy that would keep Outlook's
            // leaves it to a person, the others put the booking system's version back.
            (Policy::CalendarWins, ConflictKind::ReadOnly) => None,
            (_, ConflictKind::ReadOnly) => Some(Resolution::Keep(Side::Booking)),
            (Policy::BookingWins, _) => Some(Resolution::Keep(Side::Booking)),
            // Never cancel a booking-system reservation for an Outlook meeting unasked.
            (Policy::CalendarWins, ConflictKind::Overlap) => None,
            (Policy::CalendarWins, _) => Some(Resolution::Keep(Side::Calendar)),
            (Policy::LatestWins, ConflictKind::Overlap) => None,
            (Policy::LatestWins, _) => match (block, event) {
                (Some(b), Some(e)) => {
                    let outlook = e.modified?;
                    Some(Resolution::Keep(if outlook > b.updated_at {
                        Side::Calendar
                    } else {
                        Side::Booking
                    }))
                }
                // A deletion has no time; the surviving edit wins, so nothing is lost.
                (Some(_), None) => Some(Resolution::Keep(Side::Booking)),
                (None, Some(_)) => Some(Resolution::Keep(Side::Calendar)),
                (None, None) => None,
            },
            (Policy::Fields(own), ConflictKind::Edit) => Some(Resolution::Merge(own)),
            (Policy::Fields(_), _) => None,
        }
    }

    /// The actions that carry out `resolution` for a conflict of `kind`; `None` where it
    /// cannot be carried out (the conflict then waits for a person).
    pub(super) fn resolve(
        &self,
        kind: ConflictKind,
        resolution: Resolution,
    ) -> Option<Vec<Action>> {
        let (block, event) = (self.pair.block, self.pair.event);
        let actions = |d: Decision| match d {
            Decision::Act(a) => Some(a),
            Decision::Nothing => Some(vec![self.settle()]),
            Decision::Conflict(_) => None,
        };
        match resolution {
            Resolution::Keep(Side::Booking) => match (kind, block, event) {
                // The room was booked first: decline the meeting, and cancel the copy of it the
                // booking system may hold.
                // A booking reservation's copy moved in Outlook onto another reservation: put
                // it back where the booking system has it.
                (ConflictKind::Overlap, Some(b), Some(e))
                    if self.pair.link.origin == Side::Booking =>
                {
                    actions(self.update_or_relink(b, e))
                }
                (ConflictKind::Overlap, _, Some(e)) => {
                    let mut out = vec![self.remove_with(e, self.overlap_message(e))];
                    if let Some(own) = self
                        .own_item()
                        .filter(|_| self.pair.link.origin == Side::Calendar)
                    {
                        out.push(cancel(
                            self.pair.link.id.clone(),
                            Source::of_item(own),
                            "Cancelled: the room was already booked in the booking system, and \
                             the Outlook meeting was declined."
                                .into(),
                        ));
                    }
                    Some(out)
                }
                (_, Some(b), Some(e)) => actions(self.update_or_relink(b, e)),
                (_, Some(b), None) => actions(self.create_event(b)),
                (_, None, Some(e)) => actions(self.remove_event(e)),
                (_, None, None) => actions(self.forget()),
            },
            Resolution::Keep(Side::Calendar) => match (kind, block, event) {
                // The person gives the room to the Outlook meeting: the single booking-system
                // reservations (or occurrences) in its way are cancelled, saying why.
                (ConflictKind::Overlap, _, Some(e)) => {
                    let in_the_way = self.overlaps(e);
                    // What the booking system does not let RoomBridge cancel stays.
                    if in_the_way.iter().any(|f| !self.writes(f.level)) {
                        return None;
                    }
                    let mut out: Vec<Action> = in_the_way
                        .into_iter()
                        .map(|f| self.cancel_item(f, &e.content.title))
                        .collect();
                    out.extend(self.meeting_into_booking(e, false).ok()?);
                    Some(out)
                }
                (_, Some(b), Some(e)) => actions(self.update_reservation(b, e)),
                (_, Some(b), None) => actions(self.cancel_reservation(b)),
                // The reservation is not gone, only hidden under a higher one: Outlook's
                // version is written to it, not to a second copy.
                (_, None, Some(e)) => match self.own_item() {
                    Some(own) if !self.writes(own.level) => None,
                    Some(own) => Some(vec![self.write_to_item(own, e)]),
                    None => actions(self.create_reservation(e)),
                },
                (_, None, None) => actions(self.forget()),
            },
            Resolution::Merge(own) => {
                let (b, e) = (block?, event?);
                if kind != ConflictKind::Edit {
                    return None;
                }
                let merged = own.merge(&b.content, &self.outlook_says(b, e));
                let mut out = Vec::new();
                if merged.hash() != b.content.hash() {
                    let mut as_outlook = e.clone();
                    as_outlook.content = merged.clone();
                    out.extend(actions(self.update_reservation(b, &as_outlook))?);
                }
                if !privacy::same_in_outlook(&merged, &e.content, self.privacy()) {
                    let mut as_booking = b.clone();
                    as_booking.content = merged;
                    out.extend(actions(self.update_event(&as_booking, e))?);
                }
                if out.is_empty() {
                    out.push(self.settle());
                }
                Some(out)
            }
            // Keeping both by moving one is for double bookings. If the double booking went
            // away on its own, whatever the table says now is carried out instead.
            Resolution::Move(m) if kind == ConflictKind::Overlap => self.move_one(&m).ok(),
            Resolution::Move(_) => actions(self.decide()),
        }
    }

    /// The conflict record for this pair.
    pub(super) fn conflict(&self, kind: ConflictKind) -> Conflict {
        let pair = self.pair;
        // For a double booking, the booking side shown is the reservation in the way.
        let booking = match (kind, pair.event) {
            (ConflictKind::Overlap, Some(e)) => self
                .overlaps(e)
                .first()
                .map(|f| f.content.clone())
                .or_else(|| pair.block.map(|b| b.content.clone())),
            _ => pair.block.map(|b| b.content.clone()),
        };
        Conflict {
            link: pair.link.id.clone(),
            kind,
            block: pair.block.map(|b| b.key.clone()),
            event: pair.event.map(|e| e.id.clone()),
            booking,
            calendar: pair.event.map(|e| e.content.clone()),
        }
    }

    /// This pair's own booking-system item, when it exists but no block shows it.
    pub(super) fn own_item(&self) -> Option<&'a Footprint> {
        let key = self.pair.link.block.as_ref()?;
        self.input.footprint.iter().find(|f| &f.key == key)
    }

    /// What the room tells the organizer of a meeting it declines, in the organisation's
    /// language.
    pub(super) fn overlap_message(&self, e: &CalendarEvent) -> String {
        let zone = self.input.zone;
        let lang = self.input.language;
        let holders: Vec<String> = self
            .overlaps(e)
            .iter()
            .map(|f| {
                let (start, end) = (f.start.with_timezone(&zone), f.end.with_timezone(&zone));
                let start = format!(
                    "{} {}",
                    lang.short_date(start.date_naive()),
                    start.format("%H:%M")
                );
                let end = end.format("%H:%M");
                let title = &f.content.title;
                let holder = if f.level == crate::reservation::Level::Closure {
                    lang.tr("organiser.closed", &[("title", title)])
                } else if f.content.organisation.is_empty() {
                    lang.tr("organiser.held_by", &[("title", title)])
                } else {
                    lang.tr(
                        "organiser.held_by_organisation",
                        &[("title", title), ("organisation", &f.content.organisation)],
                    )
                };
                lang.tr(
                    "organiser.holder_when",
                    &[("holder", &holder), ("start", &start), ("end", &end)],
                )
            })
            .collect();
        let why = if holders.is_empty() {
            lang.tr("organiser.already_booked", &[])
        } else {
            holders.join("; ")
        };
        lang.tr("organiser.declined", &[("why", &why)])
    }

    /// Whether the booking system lets RoomBridge change reservations of `level`.
    pub(super) fn writes(&self, level: crate::reservation::Level) -> bool {
        self.input.capabilities.writes(level)
    }

    pub(super) fn settle(&self) -> Action {
        Action::Settle {
            link: self.pair.link.id.clone(),
        }
    }

    pub(super) fn forget(&self) -> Decision {
        act(Action::Forget {
            link: self.pair.link.id.clone(),
        })
    }

    /// The privacy mode this pair's Outlook event is written under: the room's for events
    /// written from the booking system; a meeting made in Outlook keeps its own content.
    pub(super) fn privacy(&self) -> Privacy {
        match self.pair.link.origin {
            Side::Booking => self.input.privacy,
            Side::Calendar => Privacy::Full,
        }
    }

    /// What Outlook's version of `e` says about `b`'s reservation: all of it, or under a
    /// hiding mode only its times (the rest is the mode's stand-in).
    pub(super) fn outlook_says(&self, b: &Block, e: &CalendarEvent) -> Content {
        privacy::write_back(&b.content, &e.content, self.privacy())
    }

    pub(super) fn in_sync(&self, b: &Block, e: &CalendarEvent) -> Decision {
        // A subject Exchange rewrote to the organizer's name is left alone: writing it again
        // would only be rewritten again.
        if !e.subject_is_organizer
            && privacy::shows_other_than(&b.content, &e.content, self.privacy())
        {
            self.update_event(b, e)
        } else {
            Decision::Nothing
        }
    }

    pub(super) fn create_event(&self, b: &Block) -> Decision {
        let link = &self.pair.link.id;
        act(Action::CreateEvent {
            link: link.clone(),
            block: b.key.clone(),
            idempotency_key: create_key(link, &b.content),
            content: privacy::outlook_view(&b.content, self.privacy()),
            booking_hash: b.content.hash(),
            series: None,
        })
    }

    pub(super) fn update_event(&self, b: &Block, e: &CalendarEvent) -> Decision {
        act(Action::UpdateEvent {
            link: self.pair.link.id.clone(),
            block: b.key.clone(),
            event: e.id.clone(),
            version: e.version.clone(),
            content: privacy::outlook_view(&b.content, self.privacy()),
            booking_hash: b.content.hash(),
        })
    }

    pub(super) fn update_or_relink(&self, b: &Block, e: &CalendarEvent) -> Decision {
        if privacy::same_in_outlook(&b.content, &e.content, self.privacy()) {
            self.relink(b, e)
        } else {
            self.update_event(b, e)
        }
    }

    /// Removes an event whose booking block is gone: a plain delete for RoomBridge's own
    /// events, a cancellation that tells the attendees for a meeting the room organised, a
    /// decline for someone else's meeting.
    pub(super) fn remove_event(&self, e: &CalendarEvent) -> Decision {
        let message = self
            .input
            .language
            .tr("organiser.reservation_cancelled", &[]);
        act(self.remove_with(e, message))
    }

    /// Removes `e` from the room's calendar, telling whoever should know `message`: someone
    /// else's meeting is declined as the room, a meeting the room organised with attendees is
    /// cancelled, and the room's own event without attendees is deleted.
    pub(super) fn remove_with(&self, e: &CalendarEvent, message: String) -> Action {
        let link = self.pair.link.id.clone();
        let event = e.id.clone();
        if !e.is_organizer {
            Action::DeclineEvent {
                link,
                event,
                message,
            }
        } else if e.has_attendees {
            Action::CancelEvent {
                link,
                event,
                message,
            }
        } else {
            Action::DeleteEvent { link, event }
        }
    }

    pub(super) fn create_reservation(&self, e: &CalendarEvent) -> Decision {
        let link = &self.pair.link.id;
        act(Action::CreateReservation {
            link: link.clone(),
            event: e.id.clone(),
            idempotency_key: create_key(link, &e.content),
            content: e.content.clone(),
        })
    }

    /// Writes an Outlook change back to the block's reservation (see [`write_back`]). Under a
    /// hiding privacy mode only its times go back; an edit of the stand-in alone changes
    /// nothing in the booking system, and Outlook is shown the mode's view again.
    pub(super) fn update_reservation(&self, b: &Block, e: &CalendarEvent) -> Decision {
        let content = self.outlook_says(b, e);
        if self.privacy().hides_title() && content.hash() == b.content.hash() {
            return self.update_event(b, e);
        }
        if !self.writes(b.level) {
            return Decision::Conflict(ConflictKind::ReadOnly);
        }
        if !b.covered_by.is_empty() || b.key != b.item_key() {
            return Decision::Conflict(ConflictKind::FragmentEdit);
        }
        let mode = self.privacy();
        // Under a hiding mode a title typed over the stand-in goes no further: Outlook is shown
        // the mode's view again in the same cycle, so a later change of mode never finds the
        // typed title there as if it were the reservation's.
        let restore = (mode.hides_title()
            && b.occurrence.is_none()
            && privacy::shows_other_than(&content, &e.content, mode))
        .then(|| {
            let mut written = b.clone();
            written.content = content.clone();
            written
        });
        let back = write_back(self.pair.link.id.clone(), Source::of_block(b), e, content);
        match restore {
            Some(written) => match self.update_event(&written, e) {
                Decision::Act(mut shown) => {
                    shown.insert(0, back);
                    Decision::Act(shown)
                }
                _ => act(back),
            },
            None => act(back),
        }
    }

    /// Writes Outlook's version of `e` to a booking-system item no block shows.
    pub(super) fn write_to_item(&self, f: &Footprint, e: &CalendarEvent) -> Action {
        let content = privacy::write_back(&f.content, &e.content, self.privacy());
        write_back(self.pair.link.id.clone(), Source::of_item(f), e, content)
    }

    pub(super) fn cancel_reservation(&self, b: &Block) -> Decision {
        if !self.writes(b.level) {
            return Decision::Conflict(ConflictKind::ReadOnly);
        }
        // Outlook deleted the event of one piece of a longer reservation: the rest of it still
        // holds the room, so the reservation is not cancelled for it.
        if !b.covered_by.is_empty() || b.key != b.item_key() {
            return Decision::Conflict(ConflictKind::FragmentEdit);
        }
        act(cancel(
            self.pair.link.id.clone(),
            Source::of_block(b),
            "Cancelled because the event was deleted from the Outlook room calendar.".into(),
        ))
    }

    /// Cancels a booking-system item that stands in an Outlook meeting's way, by a person's
    /// decision.
    pub(super) fn cancel_item(&self, f: &Footprint, meeting: &str) -> Action {
        cancel(
            LinkId::for_block(&f.key),
            Source::of_item(f),
            format!(
                "Cancelled by the facility manager's decision: the room goes to the Outlook \
                 meeting \"{meeting}\"."
            ),
        )
    }

    pub(super) fn relink(&self, b: &Block, e: &CalendarEvent) -> Decision {
        act(Action::Relink {
            link: self.pair.link.id.clone(),
            block: b.key.clone(),
            event: e.id.clone(),
            origin: self.pair.link.origin,
            booking_hash: b.content.hash(),
            calendar_hash: e.content.hash(),
        })
    }

    /// Links two sides that show the same reservation: the same in Outlook, or the booking
    /// system holding exactly what it keeps of Outlook's version (RoomBridge's own write, read
    /// back after a crash lost its answer). Different content needs a person.
    pub(super) fn relink_or_conflict(&self, b: &Block, e: &CalendarEvent) -> Decision {
        let kept = (self.input.capabilities.stores)(&e.content);
        if privacy::same_in_outlook(&b.content, &e.content, self.privacy())
            || kept.hash() == b.content.hash()
        {
            self.relink(b, e)
        } else {
            Decision::Conflict(ConflictKind::Edit)
        }
    }
}
