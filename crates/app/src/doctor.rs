//! The tenant doctor (`roombridge doctor`, the Doctor screen): checks what RoomBridge needs
//! from the Microsoft 365 tenant, and what real tenants get wrong, and says how to fix each.
//!
//! Two halves. [`App::doctor`] observes: it signs in, lists the rooms (`Place.Read.All`),
//! reads each mapped room's calendar, writes a short tagged probe event to it, reads the probe
//! back for a few seconds (Exchange's calendar processing changes events seconds after they
//! land) and deletes it again whatever happened, reads a person's calendar to see whether the
//! application's scope reaches past the rooms, and reads when the client secret expires.
//! [`findings`] turns those [`Observations`] into [`Finding`]s without IO: each with a stable
//! id, a severity, what it means in a facility manager's words, and the fix (Exchange Online
//! PowerShell where there is one).
//!
//! The probe is RoomBridge-tagged with a value that is no link id, free time, five minutes
//! long, [`PROBE_DAYS_BACK`] days in the past: further back than any sync window reaches, so
//! no room's sync ever sees it.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use roombridge_connectors::graph::{
    GraphConnector, PROBE_BODY, PROBE_SUBJECT, PROBE_TAG_PREFIX, Priority, ProbeEvent,
    with_priority,
};
use roombridge_connectors::{Calendar, ConnectorError, ErrorKind};
use roombridge_core::i18n::{Lang, Words};
use roombridge_core::{Mailbox, SyncWindow};
use roombridge_store::rooms::{self, Room};

use crate::setup::LiveConfig;
use crate::views::Mode;
use crate::{ApiError, App};

/// How far back the probe event lies: beyond the longest sync window (90 days back).
pub const PROBE_DAYS_BACK: i64 = 120;
/// How long before its expiry the client secret is a warning (as the desktop notification).
pub const SECRET_WARNING_DAYS: i64 = 14;
/// How many people's mailboxes the scope check tries at most.
const SCOPE_CANDIDATES: usize = 3;

// ---------------------------------------------------------------------------------------------
// The view

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Checked, and as it should be.
    Ok,
    /// Worth fixing, or could not be checked; syncing works.
    Warning,
    /// Syncing is broken or unsafe until it is fixed.
    Problem,
}

/// How to fix a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Fix {
    /// What to do, in words.
    pub steps: String,
    /// Exchange Online PowerShell that does it, ready to paste (what RoomBridge cannot know
    /// is in `<angle brackets>`).
    pub powershell: Option<String>,
}

/// One thing the doctor checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Finding {
    /// Stable across runs: `sign-in`, `places-permission`, `rooms` (none mapped), `scope`,
    /// `client-secret-expiry`, and per room `calendar-access:{room id}`, `calendar-processing:{room id}`,
    /// `probe-cleanup:{room id}`.
    pub id: String,
    pub severity: Severity,
    pub title: String,
    /// What it means, in a facility manager's words.
    pub meaning: String,
    /// The room it is about, if it is about one.
    pub room_id: Option<String>,
    /// `None` when there is nothing to fix.
    pub fix: Option<Fix>,
    /// The title, the meaning and the fix's steps in words, to say in the reader's language.
    #[serde(skip)]
    #[ts(skip)]
    said: Option<Box<(Words, Words, Option<Words>)>>,
}

/// The doctor's report.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct DoctorView {
    pub checked_at: DateTime<Utc>,
    /// Mapped rooms checked.
    pub rooms: usize,
    pub problems: usize,
    pub warnings: usize,
    /// Problems first, then warnings, then what is fine; in the order checked within each.
    pub findings: Vec<Finding>,
}

impl DoctorView {
    /// The findings in `lang` (the PowerShell and the services' own words stay as they are).
    pub fn in_lang(mut self, lang: Lang) -> Self {
        for f in &mut self.findings {
            if let Some(said) = &f.said {
                let (title, meaning, steps) = &**said;
                f.title = title.say(lang);
                f.meaning = meaning.say(lang);
                if let (Some(fix), Some(steps)) = (&mut f.fix, steps) {
                    fix.steps = steps.say(lang);
                }
            }
        }
        self
    }

    fn new(checked_at: DateTime<Utc>, rooms: usize, mut findings: Vec<Finding>) -> DoctorView {
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
        DoctorView {
            checked_at,
            rooms,
            problems: count(Severity::Problem),
            warnings: count(Severity::Warning),
            findings,
        }
    }
}

/// What the facility manager asks the doctor.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct DoctorRequest {
    /// A person's mailbox (a colleague's address) to test the application's scope with,
    /// besides the organizers of meetings found in the rooms' calendars.
    #[serde(default)]
    pub person: Option<String>,
}

/// How the doctor times its probe.
#[derive(Debug, Clone, Copy)]
pub struct DoctorOptions {
    /// How long a probe is watched for changes (Exchange processes new events within
    /// seconds).
    pub probe_wait: Duration,
    /// How often it is read meanwhile.
    pub poll_every: Duration,
}

impl Default for DoctorOptions {
    fn default() -> Self {
        DoctorOptions {
            probe_wait: Duration::from_secs(10),
            poll_every: Duration::from_millis(500),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Observations (what the checks saw) and the findings they make

/// What the doctor saw, the input of [`findings`].
#[derive(Debug, Clone)]
pub struct Observations {
    pub today: NaiveDate,
    /// The application (client) id, for the PowerShell.
    pub client_id: String,
    pub sign_in: Result<(), ConnectorError>,
    /// `None`: not checked (the sign-in failed).
    pub places: Option<Result<(), ConnectorError>>,
    /// Empty when the sign-in failed.
    pub rooms: Vec<RoomObservation>,
    /// People's mailboxes tried for the scope check, in order, with Graph's answer.
    pub scope: Vec<(String, Result<(), ConnectorError>)>,
    pub secret: SecretExpiry,
    /// How long the probes were watched.
    pub probe_wait: Duration,
}

/// What the doctor saw of one mapped room.
#[derive(Debug, Clone)]
pub struct RoomObservation {
    pub id: String,
    pub name: String,
    pub mailbox: String,
    pub equipment: bool,
    /// Reading the room's calendar view.
    pub read: Result<(), ConnectorError>,
    pub probe: ProbeObservation,
    /// Organizers of meetings in the room that the room does not organise itself: people to
    /// test the scope with.
    pub organizers: Vec<String>,
}

/// What became of the probe event in one room.
#[derive(Debug, Clone)]
pub enum ProbeObservation {
    /// The create failed.
    NotWritten(ConnectorError),
    Written {
        /// Its start, to find it by hand if it stayed.
        start: DateTime<Utc>,
        /// The last read of it before the wait ended (or it changed).
        after: Result<ProbeEvent, ConnectorError>,
        deleted: Result<(), ConnectorError>,
    },
}

/// What RoomBridge knows about the client secret's expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretExpiry {
    /// Demo mode's made-up credentials.
    Demo,
    /// Signs in with a certificate, not a secret.
    Certificate,
    /// `config.json` names no date.
    Unknown,
    On(NaiveDate),
    /// `config.json` could not be read.
    Unreadable(String),
}

/// The findings `obs` make, sorted by [`DoctorView`] later.
pub fn findings(obs: &Observations) -> Vec<Finding> {
    let mut out = vec![sign_in_finding(&obs.sign_in)];
    if obs.sign_in.is_ok() {
        if let Some(places) = &obs.places {
            out.push(places_finding(places));
        }
        if obs.rooms.is_empty() {
            out.push(
                finding(
                    "rooms",
                    Severity::Warning,
                    Words::new("finding.no_rooms"),
                    Words::new("finding.no_rooms_meaning"),
                )
                .fix(Words::new("finding.no_rooms_fix"), None),
            );
        }
        for room in &obs.rooms {
            out.extend(room_findings(room, obs.probe_wait));
        }
        out.push(scope_finding(obs));
    }
    out.push(secret_finding(&obs.secret, obs.today));
    out
}

fn finding(id: impl Into<String>, severity: Severity, title: Words, meaning: Words) -> Finding {
    Finding {
        id: id.into(),
        severity,
        title: title.say(Lang::En),
        meaning: meaning.say(Lang::En),
        room_id: None,
        fix: None,
        said: Some(Box::new((title, meaning, None))),
    }
}

impl Finding {
    fn about(mut self, room: &RoomObservation) -> Finding {
        self.room_id = Some(room.id.clone());
        self
    }

    fn fix(mut self, steps: Words, powershell: Option<String>) -> Finding {
        self.fix = Some(Fix {
            steps: steps.say(Lang::En),
            powershell,
        });
        if let Some(said) = &mut self.said {
            said.2 = Some(steps);
        }
        self
    }
}

/// What went wrong, as the connector says it (words first, Graph's code and status after).
fn why(e: &ConnectorError) -> String {
    e.message.clone()
}

fn sign_in_finding(sign_in: &Result<(), ConnectorError>) -> Finding {
    match sign_in {
        Ok(()) => finding(
            "sign-in",
            Severity::Ok,
            Words::new("finding.sign_in_ok"),
            Words::new("finding.sign_in_ok_meaning"),
        ),
        Err(e) if e.is_transient() => finding(
            "sign-in",
            Severity::Problem,
            Words::new("finding.sign_in_unreachable"),
            Words::new("finding.sign_in_unreachable_meaning").arg("why", why(e)),
        )
        .fix(Words::new("finding.sign_in_unreachable_fix"), None),
        Err(e) => finding(
            "sign-in",
            Severity::Problem,
            Words::new("finding.sign_in_refused"),
            match &e.fix {
                Some(fix) => {
                    Words::new("finding.sign_in_refused_meaning").with("why", (**fix).clone())
                }
                None => Words::new("finding.sign_in_refused_meaning").arg("why", why(e)),
            },
        )
        .fix(Words::new("finding.sign_in_refused_fix"), None),
    }
}

fn places_finding(places: &Result<(), ConnectorError>) -> Finding {
    match places {
        Ok(()) => finding(
            "places-permission",
            Severity::Ok,
            Words::new("finding.places_ok"),
            Words::new("finding.places_ok_meaning"),
        ),
        Err(e) if e.status == Some(403) => finding(
            "places-permission",
            Severity::Warning,
            Words::new("finding.places_denied"),
            Words::new("finding.places_denied_meaning"),
        )
        .fix(Words::new("finding.places_denied_fix"), None),
        Err(e) => finding(
            "places-permission",
            Severity::Warning,
            Words::new("finding.places_unknown"),
            Words::new("finding.places_unknown_meaning").arg("why", why(e)),
        ),
    }
}

fn room_findings(room: &RoomObservation, probe_wait: Duration) -> Vec<Finding> {
    let mut out = vec![access_finding(room)];
    if let ProbeObservation::Written {
        start,
        after,
        deleted,
    } = &room.probe
    {
        out.push(processing_finding(room, after, probe_wait));
        if let Err(e) = deleted
            && e.status != Some(404)
        {
            out.push(
                finding(
                    format!("probe-cleanup:{}", room.id),
                    Severity::Warning,
                    Words::new("finding.probe_left").arg("name", &room.name),
                    Words::new("finding.probe_left_meaning")
                        .arg("subject", PROBE_SUBJECT)
                        .arg("start", start.format("%Y-%m-%d %H:%M"))
                        .arg("mailbox", &room.mailbox)
                        .arg("why", why(e)),
                )
                .about(room)
                .fix(Words::new("finding.probe_left_fix"), None),
            );
        }
    }
    out
}

fn access_finding(room: &RoomObservation) -> Finding {
    let id = format!("calendar-access:{}", room.id);
    let m = &room.mailbox;
    let name = &room.name;
    let said = |key: &'static str| Words::new(key).arg("name", name).arg("mailbox", m);
    let f = match (&room.read, &room.probe) {
        (Err(e), _) if e.status == Some(404) => finding(
            id,
            Severity::Problem,
            said("finding.no_mailbox"),
            said("finding.no_mailbox_meaning"),
        )
        .fix(
            said("finding.no_mailbox_fix"),
            Some("Get-Mailbox -RecipientTypeDetails RoomMailbox,EquipmentMailbox | Format-Table DisplayName,PrimarySmtpAddress".into()),
        ),
        (Err(e), _) if e.status == Some(403) => finding(
            id,
            Severity::Problem,
            said("finding.no_access"),
            said("finding.no_access_meaning"),
        )
        .fix(
            said("finding.no_access_fix"),
            Some(format!(
                "Test-ServicePrincipalAuthorization -Identity <RoomBridge's service principal> -Resource {m}\nGet-Mailbox -Identity {m} | Format-List RecipientTypeDetails\n# If it is not a RoomMailbox:\nSet-Mailbox -Identity {m} -Type Room"
            )),
        ),
        (Err(e), _) => finding(
            id,
            Severity::Warning,
            said("finding.read_unknown"),
            said("finding.read_unknown_meaning").arg("why", why(e)),
        ),
        (Ok(()), ProbeObservation::NotWritten(e)) if e.status == Some(403) => finding(
            id,
            Severity::Problem,
            said("finding.read_only"),
            said("finding.read_only_meaning"),
        )
        .fix(
            Words::new("finding.read_only_fix"),
            Some("New-ManagementRoleAssignment -App <RoomBridge's service principal> -Role \"Application Calendars.ReadWrite\" -CustomResourceScope \"RoomBridge rooms\"".into()),
        ),
        (Ok(()), ProbeObservation::NotWritten(e)) => finding(
            id,
            Severity::Warning,
            said("finding.write_unknown"),
            said("finding.write_unknown_meaning").arg("why", why(e)),
        ),
        (Ok(()), ProbeObservation::Written { .. }) => finding(
            id,
            Severity::Ok,
            said("finding.access_ok"),
            said("finding.access_ok_meaning"),
        ),
    };
    f.about(room)
}

fn processing_finding(
    room: &RoomObservation,
    after: &Result<ProbeEvent, ConnectorError>,
    probe_wait: Duration,
) -> Finding {
    let id = format!("calendar-processing:{}", room.id);
    let name = &room.name;
    let m = &room.mailbox;
    let probe = match after {
        Ok(p) => p,
        Err(e) => {
            return finding(
                id,
                Severity::Warning,
                Words::new("finding.processing_unknown").arg("name", name),
                Words::new("finding.processing_unknown_meaning")
                    .arg("mailbox", m)
                    .arg("why", why(e)),
            )
            .about(room);
        }
    };
    let subject_changed = probe.subject.trim() != PROBE_SUBJECT;
    let body_deleted = probe.body.trim().is_empty();
    if !subject_changed && !body_deleted {
        return finding(
            id,
            Severity::Ok,
            Words::new("finding.processing_ok").arg("name", name),
            Words::new("finding.processing_ok_meaning")
                .arg("mailbox", m)
                .arg("seconds", probe_wait.as_secs()),
        )
        .about(room);
    }
    let title = match (subject_changed, body_deleted) {
        (true, true) => "finding.processing_both",
        (true, false) => "finding.processing_subject",
        _ => "finding.processing_body",
    };
    let mut saw = Vec::new();
    if subject_changed {
        saw.push(if probe.subject.trim().is_empty() {
            Words::new("finding.saw_subject_removed").arg("subject", PROBE_SUBJECT)
        } else {
            Words::new("finding.saw_subject_became")
                .arg("subject", PROBE_SUBJECT)
                .arg("became", probe.subject.trim())
        });
    }
    if body_deleted {
        saw.push(Words::new("finding.saw_body_deleted"));
    }
    finding(
        id,
        Severity::Problem,
        Words::new(title).arg("name", name),
        Words::new("finding.processing_meaning")
            .arg("mailbox", m)
            .and_list("saw", saw),
    )
    .about(room)
    .fix(
        Words::new("finding.processing_fix").arg("name", name),
        Some(format!(
            "Set-CalendarProcessing -Identity {m} -DeleteSubject $false -AddOrganizerToSubject $false -DeleteComments $false"
        )),
    )
}

fn scope_finding(obs: &Observations) -> Finding {
    let readable = obs.scope.iter().find(|(_, r)| r.is_ok());
    let denied = obs
        .scope
        .iter()
        .find(|(_, r)| r.as_ref().is_err_and(|e| e.status == Some(403)));
    match (readable, denied) {
        (Some((person, _)), _) => finding(
            "scope",
            Severity::Problem,
            Words::new("finding.scope_too_wide"),
            Words::new("finding.scope_too_wide_meaning").arg("person", person),
        )
        .fix(
            Words::new("finding.scope_fix"),
            Some(scope_powershell(obs, person)),
        ),
        (None, Some((person, _))) => finding(
            "scope",
            Severity::Ok,
            Words::new("finding.scope_ok"),
            Words::new("finding.scope_ok_meaning").arg("person", person),
        ),
        (None, None) => {
            let tried: Vec<Words> = obs
                .scope
                .iter()
                .map(|(person, r)| match r {
                    Err(e) if e.status == Some(404) => {
                        Words::new("finding.tried_no_mailbox").arg("person", person)
                    }
                    Err(e) => Words::new("finding.tried_failed")
                        .arg("person", person)
                        .arg("why", why(e)),
                    Ok(()) => Words::new("finding.tried_readable").arg("person", person),
                })
                .collect();
            let meaning = if tried.is_empty() {
                Words::new("finding.scope_untested")
            } else {
                Words::new("finding.scope_unknown_meaning").and_list("tried", tried)
            };
            finding(
                "scope",
                Severity::Warning,
                Words::new("finding.scope_unknown"),
                meaning,
            )
            .fix(Words::new("finding.scope_unknown_fix"), None)
        }
    }
}

fn scope_powershell(obs: &Observations, person: &str) -> String {
    let filter = if obs.rooms.iter().any(|r| r.equipment) {
        "RecipientTypeDetails -eq 'RoomMailbox' -or RecipientTypeDetails -eq 'EquipmentMailbox'"
    } else {
        "RecipientTypeDetails -eq 'RoomMailbox'"
    };
    let app = &obs.client_id;
    format!(
        "New-ServicePrincipal -AppId {app} -ObjectId <object id of RoomBridge's enterprise application> -DisplayName \"RoomBridge\"\n\
         New-ManagementScope -Name \"RoomBridge rooms\" -RecipientRestrictionFilter \"{filter}\"\n\
         New-ManagementRoleAssignment -App {app} -Role \"Application Calendars.ReadWrite\" -CustomResourceScope \"RoomBridge rooms\"\n\
         Test-ServicePrincipalAuthorization -Identity {app} -Resource {person}"
    )
}

fn secret_finding(secret: &SecretExpiry, today: NaiveDate) -> Finding {
    let id = "client-secret-expiry";
    let renew = || Words::new("finding.secret_renew");
    match secret {
        SecretExpiry::Demo => finding(
            id,
            Severity::Ok,
            Words::new("finding.secret_demo"),
            Words::new("finding.secret_demo_meaning"),
        ),
        SecretExpiry::Certificate => finding(
            id,
            Severity::Ok,
            Words::new("finding.secret_certificate"),
            Words::new("finding.secret_certificate_meaning"),
        ),
        SecretExpiry::Unknown => finding(
            id,
            Severity::Warning,
            Words::new("finding.secret_unknown"),
            Words::new("finding.secret_unknown_meaning"),
        )
        .fix(Words::new("finding.secret_unknown_fix"), None),
        SecretExpiry::Unreadable(why) => finding(
            id,
            Severity::Warning,
            Words::new("finding.secret_unreadable"),
            Words::new("finding.secret_unreadable_meaning").arg("why", why),
        ),
        SecretExpiry::On(date) => {
            let days = (*date - today).num_days();
            if days < 0 {
                finding(
                    id,
                    Severity::Problem,
                    Words::new("finding.secret_expired").arg("date", date),
                    Words::new("finding.secret_expired_meaning"),
                )
                .fix(renew(), None)
            } else if days <= SECRET_WARNING_DAYS {
                finding(
                    id,
                    Severity::Warning,
                    Words::plural("finding.secret_expires_soon", days).arg("date", date),
                    Words::new("finding.secret_expires_soon_meaning"),
                )
                .fix(renew(), None)
            } else {
                finding(
                    id,
                    Severity::Ok,
                    Words::new("finding.secret_valid").arg("date", date),
                    Words::new("finding.secret_valid_meaning").arg("days", days),
                )
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Observing

impl App {
    /// Checks the tenant and every mapped room (see the module docs) and reports what it
    /// found. Takes about ten seconds: the probe events are watched that long. Fails only
    /// when RoomBridge has no connection to Microsoft 365 or its database cannot be read; what
    /// the checks find, failures included, is the report.
    pub async fn doctor(&self, request: &DoctorRequest) -> Result<DoctorView, ApiError> {
        self.doctor_with(request, DoctorOptions::default()).await
    }

    /// [`App::doctor`] with the probe timed by `options` (tests wait less).
    pub async fn doctor_with(
        &self,
        request: &DoctorRequest,
        options: DoctorOptions,
    ) -> Result<DoctorView, ApiError> {
        let person = match request.person.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) if p.contains('@') && !p.contains(char::is_whitespace) => {
                Some(p.to_lowercase())
            }
            Some(p) => {
                return Err(ApiError::new(
                    crate::ErrorCode::InvalidInput,
                    format!(
                        "{p:?} is not an e-mail address; give a colleague's address, e.g. kari.nordmann@example.org, or leave it empty."
                    ),
                ));
            }
        };
        let graph = self.current_connectors().map(|c| c.graph).ok_or_else(|| {
            ApiError::unavailable("RoomBridge has no connection to Microsoft 365 to check.")
        })?;
        let mapped = self.store.read(rooms::list)?;
        if let Some(p) = &person
            && let Some(room) = mapped
                .iter()
                .find(|r| r.mailbox.as_str().eq_ignore_ascii_case(p))
        {
            return Err(ApiError::new(
                crate::ErrorCode::InvalidInput,
                format!(
                    "{p} is the mailbox of {}, which RoomBridge syncs; give a person's address to test with.",
                    room.name
                ),
            ));
        }
        let (secret, client_id) = self.secret_expiry()?;
        let now = Utc::now();
        let obs = with_priority(Priority::Interactive, async {
            let sign_in = graph.sign_in().await;
            if sign_in.is_err() {
                return Observations {
                    today: now.date_naive(),
                    client_id,
                    sign_in,
                    places: None,
                    rooms: Vec::new(),
                    scope: Vec::new(),
                    secret,
                    probe_wait: options.probe_wait,
                };
            }
            let places = graph.rooms().await;
            let place_emails: HashSet<String> = places
                .as_ref()
                .map(|p| p.iter().map(|r| r.email.to_lowercase()).collect())
                .unwrap_or_default();
            let rooms = observe_rooms(&graph, &mapped, now, options).await;
            let scope = observe_scope(&graph, person, &rooms, &place_emails, now).await;
            Observations {
                today: now.date_naive(),
                client_id,
                sign_in,
                places: Some(places.map(|_| ())),
                rooms,
                scope,
                secret,
                probe_wait: options.probe_wait,
            }
        })
        .await;
        Ok(DoctorView::new(now, mapped.len(), findings(&obs)))
    }

    /// The client secret's expiry and the application id, from `config.json` in live mode.
    fn secret_expiry(&self) -> Result<(SecretExpiry, String), ApiError> {
        if self.mode != Mode::Live {
            return Ok((
                SecretExpiry::Demo,
                roombridge_emulators::demo::DEMO_CLIENT_ID.to_owned(),
            ));
        }
        let database = self.store.read(|c| {
            Ok(c.path()
                .filter(|p| !p.is_empty())
                .map(std::path::PathBuf::from))
        })?;
        let Some(dir) = database.as_deref().and_then(std::path::Path::parent) else {
            return Ok((
                SecretExpiry::Unreadable("the database is not a file".into()),
                "<client id>".into(),
            ));
        };
        Ok(match LiveConfig::load(dir) {
            Ok(config) => {
                let expiry = match (&config.certificate_thumbprint, config.client_secret_expires) {
                    (Some(_), _) => SecretExpiry::Certificate,
                    (None, Some(date)) => SecretExpiry::On(date),
                    (None, None) => SecretExpiry::Unknown,
                };
                (expiry, config.client_id)
            }
            Err(e) => (
                SecretExpiry::Unreadable(e.to_string()),
                "<client id>".into(),
            ),
        })
    }
}

/// Checks every mapped room at once, each in a task of its own: a probe is deleted even when
/// the caller stops waiting (a closed window, a dropped HTTP request).
async fn observe_rooms(
    graph: &Arc<GraphConnector>,
    mapped: &[Room],
    now: DateTime<Utc>,
    options: DoctorOptions,
) -> Vec<RoomObservation> {
    let tasks: Vec<_> = mapped
        .iter()
        .cloned()
        .map(|room| {
            let graph = graph.clone();
            tokio::spawn(with_priority(Priority::Interactive, async move {
                observe_room(&graph, room, now, options).await
            }))
        })
        .collect();
    let mut out = Vec::new();
    for (task, room) in tasks.into_iter().zip(mapped) {
        match task.await {
            Ok(observed) => out.push(observed),
            Err(e) => {
                tracing::error!(room = %room.id, "the doctor's check of a room panicked: {e}");
                let failed = ConnectorError::new(
                    ErrorKind::Permanent,
                    "RoomBridge's check of this room stopped unexpectedly (see the log)",
                );
                out.push(RoomObservation {
                    id: room.id.to_string(),
                    name: room.name.clone(),
                    mailbox: room.mailbox.to_string(),
                    equipment: room.kind == "equipment",
                    read: Err(failed.clone()),
                    probe: ProbeObservation::NotWritten(failed),
                    organizers: Vec::new(),
                });
            }
        }
    }
    out
}

async fn observe_room(
    graph: &GraphConnector,
    room: Room,
    now: DateTime<Utc>,
    options: DoctorOptions,
) -> RoomObservation {
    let mailbox = room.mailbox.clone();
    let view = graph
        .calendar_view(&mailbox, SyncWindow::around(now, 7, 60), 100)
        .await;
    let organizers = match &view {
        Ok(events) => events
            .iter()
            .filter(|e| !e.is_organizer)
            .filter_map(|e| e.organizer.clone())
            .filter(|o| !o.eq_ignore_ascii_case(mailbox.as_str()))
            .collect(),
        Err(_) => Vec::new(),
    };
    let probe = probe_room(graph, &mailbox, now, options).await;
    RoomObservation {
        id: room.id.to_string(),
        name: room.name,
        mailbox: mailbox.to_string(),
        equipment: room.kind == "equipment",
        read: view.map(|_| ()),
        probe,
        organizers,
    }
}

/// Writes the probe, watches it until it changes or the wait ends, and deletes it.
async fn probe_room(
    graph: &GraphConnector,
    mailbox: &Mailbox,
    now: DateTime<Utc>,
    options: DoctorOptions,
) -> ProbeObservation {
    let day = (now - chrono::Duration::days(PROBE_DAYS_BACK)).date_naive();
    let start = day.and_hms_opt(3, 0, 0).unwrap_or_default().and_utc();
    let end = start + chrono::Duration::minutes(5);
    let token = crate::setup::random_token();
    let tag = format!("{PROBE_TAG_PREFIX}{}", &token[..32]);
    let created = match graph.create_probe(mailbox, start, end, &tag).await {
        Ok(p) => p,
        Err(e) => return ProbeObservation::NotWritten(e),
    };
    let deadline = tokio::time::Instant::now() + options.probe_wait;
    // The last successful read counts; a failed read in between does not hide it.
    let mut seen: Option<ProbeEvent> = None;
    let mut failed: Option<ConnectorError> = None;
    loop {
        tokio::time::sleep(options.poll_every).await;
        let settled = match graph.read_probe(mailbox, &created.id).await {
            Ok(p) => {
                let changed = p.subject != PROBE_SUBJECT || p.body.trim() != PROBE_BODY;
                seen = Some(p);
                changed
            }
            Err(e) => {
                // Gone: there is nothing more to see.
                let gone = e.status == Some(404);
                failed = Some(e);
                gone
            }
        };
        if settled || tokio::time::Instant::now() >= deadline {
            break;
        }
    }
    let after = match (seen, failed) {
        (Some(p), _) => Ok(p),
        (None, Some(e)) => Err(e),
        (None, None) => Err(ConnectorError::new(
            ErrorKind::Transient { retry_after: None },
            "the test event was not read back",
        )),
    };
    let deleted = graph.delete_event(mailbox, &created.id).await;
    if let Err(e) = &deleted {
        tracing::warn!(%mailbox, "the doctor could not delete its probe event: {}", e.message);
    }
    ProbeObservation::Written {
        start,
        after,
        deleted,
    }
}

/// Tries people's mailboxes (the one named first, then the most frequent organizers of the
/// rooms' meetings; never a mapped room or a listed place) until Graph answers one with its
/// calendar or with 403.
async fn observe_scope(
    graph: &GraphConnector,
    named: Option<String>,
    rooms: &[RoomObservation],
    places: &HashSet<String>,
    now: DateTime<Utc>,
) -> Vec<(String, Result<(), ConnectorError>)> {
    let resources: HashSet<String> = rooms
        .iter()
        .map(|r| r.mailbox.to_lowercase())
        .chain(places.iter().cloned())
        .collect();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for o in rooms.iter().flat_map(|r| &r.organizers) {
        if !resources.contains(o) {
            *counts.entry(o.as_str()).or_default() += 1;
        }
    }
    let mut frequent: Vec<(&str, usize)> = counts.into_iter().collect();
    frequent.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut candidates: Vec<String> = named
        .filter(|n| !resources.contains(n))
        .into_iter()
        .collect();
    for (o, _) in frequent {
        if !candidates.iter().any(|c| c == o) {
            candidates.push(o.to_owned());
        }
    }
    let mut tried = Vec::new();
    for person in candidates.into_iter().take(SCOPE_CANDIDATES) {
        let answer = graph
            .calendar_view(
                &Mailbox::new(person.clone()),
                SyncWindow::around(now, 0, 1),
                1,
            )
            .await
            .map(|_| ());
        let decisive = match &answer {
            Ok(()) => true,
            Err(e) => e.status == Some(403),
        };
        tried.push((person, answer));
        if decisive {
            break;
        }
    }
    tried
}

#[cfg(test)]
mod tests;
