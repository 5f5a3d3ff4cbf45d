//! How an action is named: in the history (`words::title`) and in the dry run (`Display`).

use super::*;
use crate::plan::words;

fn delete() -> Action {
    Action::DeleteEvent {
        link: LinkId::new("b:r:1"),
        event: GraphEventId::new("E1"),
    }
}

fn update() -> Action {
    Action::UpdateReservation {
        link: LinkId::new("c:E2"),
        event: GraphEventId::new("E2"),
        reservation: ReservationId::new("2"),
        version: 1,
        content: content("Choir"),
    }
}

fn skip() -> Action {
    Action::SkipOccurrence {
        link: LinkId::new("b:r:3@2026-12-08"),
        series: ReservationId::new("3"),
        version: 4,
        date: NaiveDate::from_ymd_opt(2026, 12, 8).unwrap(),
        note: "gone".into(),
    }
}

#[test]
fn the_history_titles_an_action_by_what_it_writes_or_looks_it_up() {
    let link = Link {
        id: LinkId::new("b:r:3@2026-12-08"),
        block: None,
        event: Some(GraphEventId::new("E3")),
        booking_hash: None,
        calendar_hash: None,
        origin: Side::Booking,
        state: LinkState::Synced,
    };
    let links = |id: &LinkId| Some(&link).filter(|l| &l.id == id);
    let blocks = |_: &BlockKey| None;
    let events = |id: &GraphEventId| Some(format!("title of {id}"));
    assert_eq!(words::title(&update(), links, blocks, events), "Choir");
    assert_eq!(
        words::title(&delete(), links, blocks, events),
        "title of E1"
    );
    // Named by its link only: the link's block has no title here, so its event's.
    assert_eq!(words::title(&skip(), links, blocks, events), "title of E3");
    assert_eq!(words::title(&skip(), |_| None, blocks, events), "");
}

#[test]
fn the_dry_run_names_an_action_by_its_subject_and_details() {
    let plan = Plan {
        actions: vec![update(), delete(), skip()],
        ..Default::default()
    };
    let named: Vec<String> = plan
        .to_string()
        .lines()
        .step_by(2)
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        named,
        [
            "update_reservation Choir",
            "delete_event E1",
            "skip_occurrence 3 on 2026-12-08"
        ]
    );
}
