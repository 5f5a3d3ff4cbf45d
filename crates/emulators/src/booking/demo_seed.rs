//! The demo municipality's reservations: four weeks of club allocations, bookings inside them,
//! meetings, concerts, all-day closures, a maintenance closure, skipped and moved occurrences
//! of recurring allocations and a few cancellations, starting the Monday of the week `today`
//! falls in. Deterministic for a given `today` (fixed RNG seed), so a demo and a test see the
//! same month.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::model::{Fields, Level, Span};
use super::store::Store;
use crate::demo::DEMO_ZONE;

/// A local wall-clock time, (hour, minute).
type Clock = (u32, u32);

const RNG_SEED: u64 = 0x5EED_B00C;
const WEEKS: i64 = 4;

struct Seeder<'a> {
    store: &'a mut Store,
    zone: Tz,
    monday: NaiveDate,
    created: DateTime<Utc>,
    rng: StdRng,
    count: i64,
}

/// One reservation to seed, before it has an id.
struct Item<'a> {
    resource: &'a str,
    level: Level,
    parent: Option<String>,
    title: &'a str,
    organisation: &'a str,
    description: &'a str,
    span: Span,
    rrule: Option<String>,
    exdates: Vec<NaiveDate>,
}

impl Seeder<'_> {
    fn day(&self, week: i64, weekday: Weekday) -> NaiveDate {
        self.monday + Duration::days(week * 7 + i64::from(weekday.num_days_from_monday()))
    }

    /// A local wall-clock time in the demo zone, as UTC. Demo times lie between 08:00 and
    /// 22:00, never in a DST gap or fold (those are around 02:00-03:00 in Oslo).
    fn at(&self, date: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
        let naive = date.and_hms_opt(hour, minute, 0).unwrap_or_default();
        match self.zone.from_local_datetime(&naive).earliest() {
            Some(t) => t.with_timezone(&Utc),
            None => naive.and_utc(),
        }
    }

    fn timed(&self, date: NaiveDate, from: Clock, to: Clock) -> Span {
        Span::Timed {
            start: self.at(date, from.0, from.1),
            end: self.at(date, to.0, to.1),
        }
    }

    fn add(&mut self, item: Item<'_>) -> Result<String, String> {
        self.count += 1;
        let fields = Fields {
            resource_id: item.resource.to_owned(),
            level: item.level,
            parent_id: item.parent,
            title: item.title.to_owned(),
            organisation: item.organisation.to_owned(),
            description: item.description.to_owned(),
            span: item.span,
            time_zone: DEMO_ZONE.to_owned(),
            rrule: item.rrule,
            exdates: item.exdates,
            source: "nordvik-booking".to_owned(),
            external_ref: None,
        };
        let created = self.created + Duration::minutes(self.count);
        self.store
            .seed(fields, created)
            .map(|r| r.id)
            .map_err(|errors| format!("demo reservation `{}` is invalid: {errors:?}", item.title))
    }

    fn cancel(&mut self, id: &str, note: &str) -> Result<(), String> {
        let when = self.created + Duration::days(1);
        self.store
            .cancel(id, 1, note.to_owned(), when)
            .map(|_| ())
            .map_err(|p| format!("cannot cancel demo reservation {id}: {p:?}"))
    }
}

/// A weekly club slot, seeded as one single allocation per week, with the groups that may book
/// parts of it.
struct Slot {
    resource: &'static str,
    weekday: Weekday,
    from: Clock,
    to: Clock,
    title: &'static str,
    organisation: &'static str,
    bookings: &'static [(&'static str, Clock, Clock)],
}

#[rustfmt::skip]
const SLOTS: &[Slot] = &[
    Slot { resource: "res-school-gym", weekday: Weekday::Mon, from: (17, 0), to: (19, 0), title: "Handball training", organisation: "Nordvik IL Handball", bookings: &[("Handball girls 12", (17, 0), (18, 0)), ("Handball boys 14", (18, 0), (19, 0))] },
    Slot { resource: "res-school-gym", weekday: Weekday::Wed, from: (18, 0), to: (20, 0), title: "Floorball", organisation: "Nordvik Floorball Club", bookings: &[("Floorball juniors", (18, 0), (19, 0))] },
    Slot { resource: "res-sports-hall-1", weekday: Weekday::Tue, from: (18, 0), to: (20, 0), title: "Basketball training", organisation: "Nordvik Basketball", bookings: &[("Basketball U16", (18, 0), (19, 0)), ("Basketball seniors", (19, 0), (20, 0))] },
    Slot { resource: "res-sports-hall-1", weekday: Weekday::Thu, from: (17, 0), to: (19, 0), title: "Volleyball", organisation: "Nordvik Volleyball Club", bookings: &[("Volleyball youth", (17, 0), (18, 0))] },
    Slot { resource: "res-sports-hall-2", weekday: Weekday::Mon, from: (19, 0), to: (21, 0), title: "Badminton", organisation: "Nordvik Badminton Club", bookings: &[("Badminton beginners", (19, 0), (20, 0))] },
    Slot { resource: "res-sports-hall-2", weekday: Weekday::Wed, from: (17, 0), to: (19, 0), title: "Futsal", organisation: "Nordvik IL Football", bookings: &[("Futsal G11", (17, 0), (18, 0)), ("Futsal J13", (18, 0), (19, 0))] },
    Slot { resource: "res-culture-studio", weekday: Weekday::Tue, from: (17, 0), to: (20, 0), title: "Dance school", organisation: "Nordvik Dance School", bookings: &[("Ballet, ages 6-9", (17, 0), (18, 0)), ("Hip hop, ages 10-13", (18, 15), (19, 15))] },
    Slot { resource: "res-culture-studio", weekday: Weekday::Thu, from: (18, 0), to: (20, 0), title: "Folk dance", organisation: "Nordvik Folk Dance Society", bookings: &[] },
    Slot { resource: "res-school-music", weekday: Weekday::Wed, from: (18, 30), to: (21, 0), title: "Brass band rehearsal", organisation: "Nordvik Brass Band", bookings: &[("Beginners' band", (18, 30), (19, 30))] },
    Slot { resource: "res-library-hall", weekday: Weekday::Mon, from: (18, 0), to: (20, 30), title: "Chess club", organisation: "Nordvik Chess Club", bookings: &[] },
    Slot { resource: "res-town-hall-c", weekday: Weekday::Fri, from: (11, 0), to: (13, 0), title: "Pensioners' association", organisation: "Nordvik Pensioners' Association", bookings: &[] },
];

const MEETINGS: &[(&str, &str)] = &[
    (
        "Planning department weekly",
        "Planning and Building Services",
    ),
    ("Budget review", "Finance Department"),
    ("Building permit meeting", "Planning and Building Services"),
    ("Job interviews", "HR"),
    ("IT steering group", "IT Services"),
    ("Kindergarten admissions", "Education Services"),
    ("Road maintenance coordination", "Technical Services"),
    ("Health and care leadership", "Health and Care Services"),
    ("Climate plan working group", "Mayor's Office"),
];

const MEETING_TIMES: &[(Clock, Clock)] = &[
    ((8, 30), (10, 0)),
    ((10, 0), (11, 30)),
    ((12, 30), (14, 0)),
    ((14, 0), (15, 30)),
];

/// Seeds the demo reservations into `store` (which must hold the demo resources).
pub(crate) fn seed(store: &mut Store, today: NaiveDate) -> Result<(), String> {
    let zone: Tz = DEMO_ZONE
        .parse()
        .map_err(|_| format!("{DEMO_ZONE} is not a known zone"))?;
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let created = (monday - Duration::days(21))
        .and_hms_opt(8, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let mut s = Seeder {
        store,
        zone,
        monday,
        created,
        rng: StdRng::seed_from_u64(RNG_SEED),
        count: 0,
    };

    let allocations = weekly_slots(&mut s)?;
    let series = recurring_allocations(&mut s)?;
    meetings(&mut s)?;
    public_events(&mut s, &allocations)?;
    all_day(&mut s)?;
    cancellations(&mut s, &allocations)?;
    // Last, so that the ids of everything above stay as they were before these existed.
    moved_occurrence(&mut s, &series)?;
    closure(&mut s)?;
    Ok(())
}

/// Ids of the seeded single allocations, by (slot title, week).
type Allocations = Vec<(&'static str, i64, String)>;

fn find<'a>(allocations: &'a Allocations, title: &str, week: i64) -> Option<&'a str> {
    allocations
        .iter()
        .find(|(t, w, _)| *t == title && *w == week)
        .map(|(_, _, id)| id.as_str())
}

fn weekly_slots(s: &mut Seeder<'_>) -> Result<Allocations, String> {
    let mut out = Vec::new();
    for week in 0..WEEKS {
        for slot in SLOTS {
            let date = s.day(week, slot.weekday);
            let span = s.timed(date, slot.from, slot.to);
            let id = s.add(Item {
                resource: slot.resource,
                level: Level::Allocation,
                parent: None,
                title: slot.title,
                organisation: slot.organisation,
                description: "Weekly season allocation, spring season.",
                span,
                rrule: None,
                exdates: Vec::new(),
            })?;
            for (title, from, to) in slot.bookings {
                // Not every group uses every week.
                if s.rng.random_bool(0.75) {
                    let span = s.timed(date, *from, *to);
                    s.add(Item {
                        resource: slot.resource,
                        level: Level::Booking,
                        parent: Some(id.clone()),
                        title,
                        organisation: slot.organisation,
                        description: "",
                        span,
                        rrule: None,
                        exdates: Vec::new(),
                    })?;
                }
            }
            out.push((slot.title, week, id));
        }
    }
    Ok(out)
}

/// Ids of the seeded recurring allocations, by title.
type Series = Vec<(&'static str, String)>;

fn recurring_allocations(s: &mut Seeder<'_>) -> Result<Series, String> {
    let last_day = s.day(WEEKS - 1, Weekday::Sun);
    let until = format!("UNTIL={}T225959Z", last_day.format("%Y%m%d"));
    #[rustfmt::skip]
    let series: [(&str, Weekday, Clock, Clock, &str, &str, String); 5] = [
        ("res-culture-stage", Weekday::Thu, (19, 0), (21, 30), "Choir rehearsal", "Nordvik Mixed Choir", "FREQ=WEEKLY;BYDAY=TH;COUNT=10".into()),
        ("res-sports-hall-2", Weekday::Tue, (10, 0), (11, 30), "Senior exercise", "Nordvik Health Centre", "FREQ=WEEKLY;BYDAY=TU,FR;COUNT=8".into()),
        ("res-library-study", Weekday::Mon, (15, 0), (17, 0), "Homework help", "Nordvik Red Cross", format!("FREQ=WEEKLY;BYDAY=MO,WE;{until}")),
        ("res-minibus", Weekday::Sat, (9, 0), (15, 0), "Youth club outing", "Nordvik Youth Club", "FREQ=WEEKLY;BYDAY=SA;COUNT=4".into()),
        ("res-school-aud", Weekday::Tue, (15, 0), (17, 0), "Drama club", "Nordvik Drama Club", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=6".into()),
    ];
    // Occurrences cancelled one by one: no senior exercise while the hall's floor is sanded
    // (the all-day event in `all_day`), and the choir's rehearsal of week 1 moved to Friday
    // (`moved_occurrence`).
    let skipped = [
        ("Senior exercise", s.day(2, Weekday::Fri)),
        ("Choir rehearsal", s.day(1, Weekday::Thu)),
    ];
    let mut out = Vec::new();
    for (resource, weekday, from, to, title, organisation, rrule) in series {
        let span = s.timed(s.day(0, weekday), from, to);
        let exdates = skipped
            .iter()
            .filter(|(t, _)| *t == title)
            .map(|(_, date)| *date)
            .collect();
        let id = s.add(Item {
            resource,
            level: Level::Allocation,
            parent: None,
            title,
            organisation,
            description: "Recurring allocation for the season.",
            span,
            rrule: Some(rrule),
            exdates,
        })?;
        out.push((title, id));
    }
    Ok(out)
}

/// The choir's rehearsal of week 1 moves from Thursday to Friday: the series skips the
/// Thursday (an exdate) and an event inside the series takes its place at the new time.
fn moved_occurrence(s: &mut Seeder<'_>, series: &Series) -> Result<(), String> {
    let parent = series
        .iter()
        .find(|(title, _)| *title == "Choir rehearsal")
        .map(|(_, id)| id.clone())
        .ok_or("the choir's series is missing")?;
    let span = s.timed(s.day(1, Weekday::Fri), (19, 0), (21, 30));
    s.add(Item {
        resource: "res-culture-stage",
        level: Level::Event,
        parent: Some(parent),
        title: "Choir rehearsal (moved to Friday)",
        organisation: "Nordvik Mixed Choir",
        description: "Thursday's rehearsal moved: the stage is lent out that evening.",
        span,
        rrule: None,
        exdates: Vec::new(),
    })?;
    Ok(())
}

/// The music room is closed for a day of floor maintenance in the last demo week. Not in a
/// room where the Graph demo has Outlook meetings, so the demo settles as before.
fn closure(s: &mut Seeder<'_>) -> Result<(), String> {
    let start = s.day(3, Weekday::Fri);
    s.add(Item {
        resource: "res-school-music",
        level: Level::Closure,
        parent: None,
        title: "Floor maintenance",
        organisation: "Property Services",
        description: "The floor is sanded and varnished; the room cannot be used.",
        span: Span::AllDay {
            start,
            end: start + Duration::days(1),
        },
        rrule: None,
        exdates: Vec::new(),
    })?;
    Ok(())
}

fn meetings(s: &mut Seeder<'_>) -> Result<(), String> {
    let weekdays = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];
    for week in 0..WEEKS {
        for weekday in weekdays {
            let date = s.day(week, weekday);
            for room in ["res-town-hall-b", "res-town-hall-c"] {
                for (from, to) in MEETING_TIMES {
                    // The pensioners hold Skog from 11:00 to 13:00 on Fridays.
                    let pensioners = room == "res-town-hall-c"
                        && weekday == Weekday::Fri
                        && from.0 < 13
                        && to.0 >= 11;
                    if pensioners || !s.rng.random_bool(0.5) {
                        continue;
                    }
                    let (title, organisation) = MEETINGS[s.rng.random_range(0..MEETINGS.len())];
                    let span = s.timed(date, *from, *to);
                    s.add(Item {
                        resource: room,
                        level: Level::Event,
                        parent: None,
                        title,
                        organisation,
                        description: "",
                        span,
                        rrule: None,
                        exdates: Vec::new(),
                    })?;
                    if room == "res-town-hall-b" && s.rng.random_bool(0.2) {
                        let span = s.timed(date, *from, *to);
                        s.add(Item {
                            resource: "res-projector-1",
                            level: Level::Event,
                            parent: None,
                            title,
                            organisation,
                            description: "Deliver to Meeting Room Fjord.",
                            span,
                            rrule: None,
                            exdates: Vec::new(),
                        })?;
                    }
                }
            }
        }
    }
    Ok(())
}

fn public_events(s: &mut Seeder<'_>, allocations: &Allocations) -> Result<(), String> {
    type Event = (
        &'static str,
        i64,
        Weekday,
        Clock,
        Clock,
        &'static str,
        &'static str,
        &'static str,
    );
    #[rustfmt::skip]
    let events: &[Event] = &[
        ("res-town-hall-a", 0, Weekday::Thu, (18, 0), (21, 30), "Municipal council meeting", "Nordvik Municipal Council", "Open to the public. Streamed on the municipality's website."),
        ("res-town-hall-a", 2, Weekday::Thu, (18, 0), (21, 30), "Municipal council meeting", "Nordvik Municipal Council", "Open to the public. Streamed on the municipality's website."),
        ("res-town-hall-a", 1, Weekday::Tue, (9, 0), (13, 0), "Executive committee", "Nordvik Municipal Council", ""),
        ("res-town-hall-a", 3, Weekday::Tue, (9, 0), (13, 0), "Executive committee", "Nordvik Municipal Council", ""),
        ("res-town-hall-a", 1, Weekday::Wed, (18, 0), (20, 0), "Public meeting: new zoning plan for the harbour", "Planning and Building Services", "Presentation of the draft plan, questions from residents."),
        ("res-pa-system", 1, Weekday::Wed, (17, 0), (20, 30), "Public meeting: new zoning plan for the harbour", "Planning and Building Services", "Deliver to the Council Chamber."),
        ("res-school-aud", 0, Weekday::Tue, (18, 0), (19, 30), "Parent evening, grades 1-4", "Nordvik School", ""),
        ("res-school-aud", 1, Weekday::Wed, (18, 0), (19, 30), "Parent evening, grades 5-7", "Nordvik School", ""),
        ("res-school-aud", 3, Weekday::Wed, (12, 0), (14, 0), "Dress rehearsal: The Snow Queen", "Nordvik School", ""),
        ("res-school-aud", 3, Weekday::Thu, (18, 0), (20, 0), "School play: The Snow Queen", "Nordvik School", "Tickets at the door."),
        ("res-culture-stage", 0, Weekday::Sat, (19, 0), (22, 0), "Concert: Nordvik Jazz Ensemble", "Nordvik Jazz Ensemble", ""),
        ("res-culture-stage", 2, Weekday::Sat, (19, 0), (22, 0), "Concert: Arctic Strings", "Nordvik Culture House", ""),
        ("res-culture-stage", 1, Weekday::Sun, (12, 0), (14, 0), "Children's theatre: The Three Billy Goats", "Nordvik Culture House", ""),
        ("res-pa-system", 0, Weekday::Sat, (17, 0), (23, 0), "Concert: Nordvik Jazz Ensemble", "Nordvik Jazz Ensemble", "Deliver to the Main Stage."),
        ("res-pa-system", 2, Weekday::Sat, (17, 0), (23, 0), "Concert: Arctic Strings", "Nordvik Culture House", "Deliver to the Main Stage."),
        ("res-library-hall", 1, Weekday::Thu, (19, 0), (20, 30), "Author talk: Writing the North", "Nordvik Library", ""),
        ("res-school-music", 2, Weekday::Tue, (14, 0), (16, 0), "Piano exams", "Nordvik Music and Arts School", ""),
        ("res-minibus", 1, Weekday::Wed, (9, 0), (14, 0), "Site visit: harbour zoning plan", "Nordvik Municipal Council", ""),
        ("res-library-study", 2, Weekday::Thu, (10, 0), (12, 0), "Job-seekers' workshop", "NAV Nordvik", ""),
    ];
    for (resource, week, weekday, from, to, title, organisation, description) in events {
        let span = s.timed(s.day(*week, *weekday), *from, *to);
        s.add(Item {
            resource,
            level: Level::Event,
            parent: None,
            title,
            organisation,
            description,
            span,
            rrule: None,
            exdates: Vec::new(),
        })?;
    }
    for week in 0..WEEKS {
        let span = s.timed(s.day(week, Weekday::Wed), (11, 0), (12, 30));
        s.add(Item {
            resource: "res-library-hall",
            level: Level::Event,
            parent: None,
            title: "Reading circle",
            organisation: "Nordvik Library",
            description: "",
            span,
            rrule: None,
            exdates: Vec::new(),
        })?;
        let span = s.timed(s.day(week, Weekday::Sat), (11, 0), (12, 0));
        s.add(Item {
            resource: "res-library-hall",
            level: Level::Event,
            parent: None,
            title: "Story hour for children",
            organisation: "Nordvik Library",
            description: "",
            span,
            rrule: None,
            exdates: Vec::new(),
        })?;
    }
    // Events that take over a club's allocation: the compositor shows the event instead.
    #[rustfmt::skip]
    let overrides = [
        ("Handball training", 2, "res-school-gym", Weekday::Mon, (16, 0), (21, 0), "Handball cup, youth", "Nordvik IL Handball"),
        ("Badminton", 1, "res-sports-hall-2", Weekday::Mon, (19, 0), (21, 0), "Club championship", "Nordvik Badminton Club"),
        ("Dance school", 3, "res-culture-studio", Weekday::Tue, (18, 0), (20, 0), "Dance school open day", "Nordvik Dance School"),
    ];
    for (slot, week, resource, weekday, from, to, title, organisation) in overrides {
        let parent = find(allocations, slot, week).map(str::to_owned);
        let span = s.timed(s.day(week, weekday), from, to);
        s.add(Item {
            resource,
            level: Level::Event,
            parent,
            title,
            organisation,
            description: "",
            span,
            rrule: None,
            exdates: Vec::new(),
        })?;
    }
    Ok(())
}

fn all_day(s: &mut Seeder<'_>) -> Result<(), String> {
    #[rustfmt::skip]
    let days: [(&str, i64, Weekday, i64, &str, &str, &str); 5] = [
        ("res-school-gym", 1, Weekday::Fri, 1, "School sports day", "Nordvik School", "The whole school, indoors if it rains."),
        ("res-sports-hall-2", 2, Weekday::Thu, 2, "Closed for floor maintenance", "Property Services", "Floor sanding and varnish. The court cannot be used."),
        ("res-library-hall", 3, Weekday::Mon, 1, "Closed: annual stocktaking", "Nordvik Library", ""),
        ("res-culture-stage", 3, Weekday::Wed, 1, "Stage rigging for the spring concert", "Nordvik Culture House", ""),
        ("res-sports-hall-1", 2, Weekday::Sat, 2, "Regional volleyball tournament", "Nordvik Volleyball Club", "Saturday and Sunday."),
    ];
    for (resource, week, weekday, length, title, organisation, description) in days {
        let start = s.day(week, weekday);
        let span = Span::AllDay {
            start,
            end: start + Duration::days(length),
        };
        s.add(Item {
            resource,
            level: Level::Event,
            parent: None,
            title,
            organisation,
            description,
            span,
            rrule: None,
            exdates: Vec::new(),
        })?;
    }
    Ok(())
}

fn cancellations(s: &mut Seeder<'_>, allocations: &Allocations) -> Result<(), String> {
    let cancelled = [
        (
            "Chess club",
            2,
            "The club holds its annual meeting elsewhere this week.",
        ),
        ("Floorball", 3, "Cancelled by the club: away tournament."),
    ];
    for (slot, week, note) in cancelled {
        if let Some(id) = find(allocations, slot, week).map(str::to_owned) {
            s.cancel(&id, note)?;
        }
    }
    let span = s.timed(s.day(1, Weekday::Fri), (14, 0), (15, 30));
    let id = s.add(Item {
        resource: "res-town-hall-a",
        level: Level::Event,
        parent: None,
        title: "Youth council",
        organisation: "Nordvik Youth Council",
        description: "",
        span,
        rrule: None,
        exdates: Vec::new(),
    })?;
    s.cancel(&id, "Moved to Teams.")
}
