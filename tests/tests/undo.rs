//! Undoing a decision a sync carried out, end to end (both emulators, a real SQLite file, the
//! real actors): each side gets back what it held before the decision and the conflict waits
//! again; a decision that cannot be undone says why.

use roombridge_core::policy::Choice;
use roombridge_store::history::HistoryKind;
use roombridge_tests::{Harness, active_titles, at, subjects};

const GYM: &str = "res-school-gym";
const GYM_MAILBOX: &str = "school-gym@nordvik.kommune.example";

/// The newest history row of `kind`.
fn newest(h: &Harness, kind: HistoryKind) -> roombridge_app::views::HistoryEntry {
    h.app
        .query_history(&roombridge_app::query::HistoryQuery {
            kind: Some(kind.as_str().into()),
            limit: Some(1),
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no {kind:?} row"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carried_out_decision_is_undone_both_sides_as_before_and_the_conflict_waits_again() {
    let h = Harness::start().await;
    let id = h
        .booking
        .create(GYM, "Choir rehearsal", at(3, 17), at(3, 19))
        .await;
    h.settle(4).await;
    let event = h.graph.events(GYM_MAILBOX).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    h.booking.rename(&id, "Choir rehearsal (booking)").await;
    h.graph
        .rename(GYM_MAILBOX, &event, "Choir rehearsal (outlook)")
        .await;
    h.cycle().await;
    let conflict = h.app.list_conflicts().unwrap().remove(0);

    // Keep the booking system's version; the sync carries it out.
    h.app
        .decide_conflict(conflict.id, Choice::KeepBooking, "kari", "")
        .unwrap();
    h.settle(4).await;
    assert_eq!(
        subjects(&h.graph.events(GYM_MAILBOX).await),
        ["Choir rehearsal (booking)"]
    );
    assert!(h.app.list_conflicts().unwrap().is_empty());

    // Its history row offers the undo and says what it does.
    let decided = newest(&h, HistoryKind::ConflictDecided);
    let options = h.app.undo_options(decided.seq).unwrap();
    assert!(options.possible, "{}", options.message);
    assert!(
        options.message.starts_with("Outlook gets back"),
        "{}",
        options.message
    );
    let nb = options.clone().in_lang(roombridge_core::i18n::Lang::Nb);
    assert!(
        nb.message.starts_with("Outlook får tilbake"),
        "{}",
        nb.message
    );

    let undone = h
        .app
        .undo_carried_out(decided.seq, "ola", "wrong room")
        .unwrap();
    let reopened = undone.conflict.expect("the conflict waits again");
    let open = h.app.list_conflicts().unwrap();
    assert_eq!(open.iter().map(|c| c.id).collect::<Vec<_>>(), [reopened]);
    let row = newest(&h, HistoryKind::DecisionUndone);
    assert!(
        row.detail.contains("ola") && row.detail.contains("wrong room"),
        "{}",
        row.detail
    );
    // A second undo of the same row is refused: the conflict waits already.
    let again = h.app.undo_carried_out(decided.seq, "ola", "").unwrap_err();
    assert!(
        again.message.contains("waits for a decision again"),
        "{}",
        again.message
    );

    // The next sync gives Outlook its version back and holds the link; nothing else moves.
    h.cycle().await;
    assert_eq!(
        subjects(&h.graph.events(GYM_MAILBOX).await),
        ["Choir rehearsal (outlook)"]
    );
    assert_eq!(
        active_titles(&h.booking.reservations(GYM).await),
        ["Choir rehearsal (booking)"]
    );
    let reports = h.cycle().await;
    assert!(
        reports.iter().all(|r| r.plan.actions.is_empty()),
        "held until a person decides"
    );
    assert_eq!(h.app.list_conflicts().unwrap().len(), 1);

    // Decided anew, the other way: the booking system takes Outlook's title.
    h.app
        .decide_conflict(reopened, Choice::KeepCalendar, "ola", "")
        .unwrap();
    h.settle(4).await;
    assert_eq!(
        active_titles(&h.booking.reservations(GYM).await),
        ["Choir rehearsal (outlook)"]
    );
    assert!(h.app.list_conflicts().unwrap().is_empty());
    assert!(h.app.verify_audit().unwrap().ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_double_booking_cannot_be_undone_and_says_whom_to_ask() {
    let h = Harness::start().await;
    h.booking
        .create(GYM, "Handball training", at(4, 16), at(4, 18))
        .await;
    h.settle(4).await;
    // Someone books the gym in Outlook over the training.
    h.graph
        .create(GYM_MAILBOX, "Parents' meeting", at(4, 17), at(4, 18))
        .await;
    h.cycle().await;
    let overlap = h
        .app
        .list_conflicts()
        .unwrap()
        .into_iter()
        .find(|c| c.choices.contains(&"move".to_owned()))
        .expect("a double booking");
    h.app
        .decide_conflict(overlap.id, Choice::KeepBooking, "kari", "")
        .unwrap();
    h.settle(4).await;
    let decided = newest(&h, HistoryKind::ConflictDecided);
    let options = h.app.undo_options(decided.seq).unwrap();
    assert!(!options.possible);
    assert!(
        options.message.contains("declined") && options.message.contains("invite the room again"),
        "{}",
        options.message
    );
    let refused = h.app.undo_carried_out(decided.seq, "kari", "").unwrap_err();
    assert_eq!(refused.code, roombridge_app::ErrorCode::InvalidInput);
    assert!(h.app.list_conflicts().unwrap().is_empty());
}
