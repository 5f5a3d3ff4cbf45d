//! Places.

use super::*;

/// Graph's page size for event collections without `$top`.
pub(super) const DEFAULT_COLLECTION_PAGE: usize = 10;

/// `$top` and `$skip` of a places request (`$top` defaults to 100, as Graph's places pages).
pub(super) fn paging(query: &HashMap<String, String>) -> Result<(usize, usize), GraphError> {
    let top = match query.get("$top") {
        Some(t) => t
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| GraphError::bad_request(format!("Invalid $top value: {t}")))?,
        None => 100,
    };
    let skip = match query.get("$skip") {
        Some(s) => s
            .parse()
            .map_err(|_| GraphError::bad_request(format!("Invalid $skip value: {s}")))?,
        None => 0,
    };
    Ok((top, skip))
}

/// What every places request checks first: its token, `Place.Read.All`, then the page it
/// asks for ([`paging`]), which it returns.
fn places_request(
    app: &App,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Result<(usize, usize), GraphError> {
    authorize(app, headers)?;
    places_allowed(app)?;
    paging(query)
}

/// The postal address of every place (the town hall of the demo municipality).
fn address() -> Value {
    json!({
        "street": "Rådhusgata 1",
        "city": "Nordvik",
        "state": "",
        "postalCode": "8000",
        "countryOrRegion": "Norway"
    })
}

/// One page of a places collection, with a nextLink to `link` when more remain.
pub(super) fn places_page(
    app: &App,
    context: &str,
    link: &str,
    all: Vec<Value>,
    (top, skip): (usize, usize),
) -> Response {
    let total = all.len();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!("{}/$metadata#{context}", app.settings.base)),
    );
    if skip + top < total {
        body.insert(
            "@odata.nextLink".into(),
            json!(format!(
                "{}/{link}?$top={top}&$skip={}",
                app.settings.base,
                skip + top
            )),
        );
    }
    body.insert(
        "value".into(),
        Value::Array(all.into_iter().skip(skip).take(top).collect()),
    );
    Json(Value::Object(body)).into_response()
}

pub(super) async fn rooms(
    State(app): State<App>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> GraphResult {
    let page = places_request(&app, &headers, &query)?;
    let rooms: Vec<Value> = app
        .settings
        .mailboxes
        .iter()
        .filter(|m| m.kind == MailboxKind::Room)
        .map(place_json)
        .collect();
    Ok(places_page(
        &app,
        "places/microsoft.graph.room",
        "places/microsoft.graph.room",
        rooms,
        page,
    ))
}

/// The room lists: one per building of the room mailboxes, in the order the buildings first
/// appear, addressed `{building-slug}-rooms@{domain of its first room}`.
pub(super) fn room_list_groups(
    mailboxes: &[EmulatedMailbox],
) -> Vec<(String, String, Vec<&EmulatedMailbox>)> {
    let mut lists: Vec<(String, String, Vec<&EmulatedMailbox>)> = Vec::new();
    for m in mailboxes.iter().filter(|m| m.kind == MailboxKind::Room) {
        match lists.iter_mut().find(|(name, _, _)| *name == m.building) {
            Some((_, _, rooms)) => rooms.push(m),
            None => {
                let slug: String = m
                    .building
                    .to_lowercase()
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .collect::<Vec<_>>()
                    .join("-");
                let domain = m.email.rsplit('@').next().unwrap_or("example.com");
                lists.push((
                    m.building.clone(),
                    format!("{slug}-rooms@{domain}"),
                    vec![m],
                ));
            }
        }
    }
    lists
}

pub(super) async fn room_lists(
    State(app): State<App>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> GraphResult {
    let page = places_request(&app, &headers, &query)?;
    let lists: Vec<Value> = room_list_groups(&app.settings.mailboxes)
        .into_iter()
        .map(|(name, email, _)| {
            json!({
                "id": place_id(&email),
                "displayName": name,
                "address": address(),
                "geocoordinates": null,
                "phone": null,
                "emailAddress": email,
            })
        })
        .collect();
    Ok(places_page(
        &app,
        "places/microsoft.graph.roomList",
        "places/microsoft.graph.roomlist",
        lists,
        page,
    ))
}

pub(super) async fn room_list_rooms(
    State(app): State<App>,
    Path(list): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> GraphResult {
    let page = places_request(&app, &headers, &query)?;
    let (_, email, rooms) = room_list_groups(&app.settings.mailboxes)
        .into_iter()
        .find(|(_, email, _)| email.eq_ignore_ascii_case(&list))
        .ok_or_else(GraphError::not_found)?;
    let rooms: Vec<Value> = rooms.into_iter().map(place_json).collect();
    Ok(places_page(
        &app,
        &format!("places('{email}')/microsoft.graph.roomlist/rooms"),
        &format!("places/{email}/microsoft.graph.roomlist/rooms"),
        rooms,
        page,
    ))
}

/// A stable id per place, in the GUID style of places-rooms.json.
pub(super) fn place_id(email: &str) -> String {
    let h = email.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!(
        "{:08X}-{:04X}-{:04X}-{:04X}-{:012X}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xffff,
        (h >> 48) & 0xffff,
        h & 0xffff_ffff_ffff
    )
}

pub(super) fn place_json(m: &EmulatedMailbox) -> Value {
    let id = place_id(&m.email);
    let nickname = m
        .display_name
        .rsplit(", ")
        .next()
        .unwrap_or(&m.display_name);
    json!({
        "id": id,
        "emailAddress": m.email,
        "displayName": m.display_name,
        "address": address(),
        "geoCoordinates": {"latitude": 67.28, "longitude": 14.40},
        "phone": "",
        "nickname": nickname,
        "label": nickname,
        // Edm.Int32 in the CSDL (the docs sample shows a string; the service sends a number).
        "capacity": m.capacity,
        "building": m.building,
        "floorNumber": 1,
        "isManaged": true,
        "isWheelchairAccessible": true,
        "bookingType": "standard",
        "tags": [],
        "audioDeviceName": null,
        "videoDeviceName": null,
        "displayDevice": null
    })
}
