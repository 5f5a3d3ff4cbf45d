//! The shape of `microsoft.graph.event` as the emulator checks request bodies and `$select`
//! against it: every property of the type and of the complex types it holds (from Graph's
//! CSDL, `tests/fixtures/graph/csdl-calendar-subset.xml`), with its kind and, for enums, the
//! members.
//!
//! Graph reads a request body with its OData reader: a property the type lacks is refused
//! (`RequestBodyRead`, "The property 'foo' does not exist on type ..."), as is a value outside
//! an enum or of the wrong JSON kind, and an extended property id that is not in one of MAPI's
//! three forms (`ErrorInvalidProperty`). Enum members are read in any case (the documented
//! samples send `"contentType": "HTML"`). Instance annotations (`@odata.type`) pass.

use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::handlers::GraphError;

/// What a property holds.
pub enum Kind {
    String,
    Bool,
    Int,
    Double,
    /// `Edm.DateTimeOffset` / `Edm.Date`: a string, read by the handlers.
    Temporal,
    /// A Graph enum: its type name and members.
    Enum(&'static str, &'static [&'static str]),
    Complex(&'static Type),
    Collection(&'static Kind),
    /// `singleValueExtendedProperties`: `[{"id", "value"}]` with MAPI property ids.
    ExtendedProperties,
    /// A navigation property the emulator does not model (attachments, extensions, ...):
    /// accepted as Graph accepts a deep insert, and ignored.
    Unmodelled,
}

/// A structured type: its name in Graph's namespace and its properties.
pub struct Type {
    pub name: &'static str,
    pub properties: &'static [(&'static str, Kind)],
}

const BODY_TYPE: Kind = Kind::Enum("bodyType", &["text", "html"]);
const IMPORTANCE: Kind = Kind::Enum("importance", &["low", "normal", "high"]);
const SENSITIVITY: Kind = Kind::Enum(
    "sensitivity",
    &["normal", "personal", "private", "confidential"],
);
const FREE_BUSY: Kind = Kind::Enum(
    "freeBusyStatus",
    &[
        "unknown",
        "free",
        "tentative",
        "busy",
        "oof",
        "workingElsewhere",
    ],
);
const DAY_OF_WEEK: Kind = Kind::Enum(
    "dayOfWeek",
    &[
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ],
);
const RESPONSE_TYPE: Kind = Kind::Enum(
    "responseType",
    &[
        "none",
        "organizer",
        "tentativelyAccepted",
        "accepted",
        "declined",
        "notResponded",
    ],
);

static DATE_TIME_TIME_ZONE: Type = Type {
    name: "dateTimeTimeZone",
    properties: &[("dateTime", Kind::String), ("timeZone", Kind::String)],
};

static ITEM_BODY: Type = Type {
    name: "itemBody",
    properties: &[("content", Kind::String), ("contentType", BODY_TYPE)],
};

static PHYSICAL_ADDRESS: Type = Type {
    name: "physicalAddress",
    properties: &[
        ("city", Kind::String),
        ("countryOrRegion", Kind::String),
        ("postalCode", Kind::String),
        ("state", Kind::String),
        ("street", Kind::String),
    ],
};

static GEO_COORDINATES: Type = Type {
    name: "outlookGeoCoordinates",
    properties: &[
        ("accuracy", Kind::Double),
        ("altitude", Kind::Double),
        ("altitudeAccuracy", Kind::Double),
        ("latitude", Kind::Double),
        ("longitude", Kind::Double),
    ],
};

static LOCATION: Type = Type {
    name: "location",
    properties: &[
        ("address", Kind::Complex(&PHYSICAL_ADDRESS)),
        ("coordinates", Kind::Complex(&GEO_COORDINATES)),
        ("displayName", Kind::String),
        ("locationEmailAddress", Kind::String),
        (
            "locationType",
            Kind::Enum(
                "locationType",
                &[
                    "default",
                    "conferenceRoom",
                    "homeAddress",
                    "businessAddress",
                    "geoCoordinates",
                    "streetAddress",
                    "hotel",
                    "restaurant",
                    "localBusiness",
                    "postalAddress",
                ],
            ),
        ),
        ("locationUri", Kind::String),
        ("uniqueId", Kind::String),
        (
            "uniqueIdType",
            Kind::Enum(
                "locationUniqueIdType",
                &["unknown", "locationStore", "directory", "private", "bing"],
            ),
        ),
    ],
};

static EMAIL_ADDRESS: Type = Type {
    name: "emailAddress",
    properties: &[("address", Kind::String), ("name", Kind::String)],
};

static RECIPIENT: Type = Type {
    name: "recipient",
    properties: &[("emailAddress", Kind::Complex(&EMAIL_ADDRESS))],
};

static RESPONSE_STATUS: Type = Type {
    name: "responseStatus",
    properties: &[("response", RESPONSE_TYPE), ("time", Kind::Temporal)],
};

static TIME_SLOT: Type = Type {
    name: "timeSlot",
    properties: &[
        ("end", Kind::Complex(&DATE_TIME_TIME_ZONE)),
        ("start", Kind::Complex(&DATE_TIME_TIME_ZONE)),
    ],
};

static ATTENDEE: Type = Type {
    name: "attendee",
    properties: &[
        ("emailAddress", Kind::Complex(&EMAIL_ADDRESS)),
        (
            "type",
            Kind::Enum("attendeeType", &["required", "optional", "resource"]),
        ),
        ("status", Kind::Complex(&RESPONSE_STATUS)),
        ("proposedNewTime", Kind::Complex(&TIME_SLOT)),
    ],
};

static RECURRENCE_PATTERN: Type = Type {
    name: "recurrencePattern",
    properties: &[
        ("dayOfMonth", Kind::Int),
        ("daysOfWeek", Kind::Collection(&DAY_OF_WEEK)),
        ("firstDayOfWeek", DAY_OF_WEEK),
        (
            "index",
            Kind::Enum("weekIndex", &["first", "second", "third", "fourth", "last"]),
        ),
        ("interval", Kind::Int),
        ("month", Kind::Int),
        (
            "type",
            Kind::Enum(
                "recurrencePatternType",
                &[
                    "daily",
                    "weekly",
                    "absoluteMonthly",
                    "relativeMonthly",
                    "absoluteYearly",
                    "relativeYearly",
                ],
            ),
        ),
    ],
};

static RECURRENCE_RANGE: Type = Type {
    name: "recurrenceRange",
    properties: &[
        ("endDate", Kind::Temporal),
        ("numberOfOccurrences", Kind::Int),
        ("recurrenceTimeZone", Kind::String),
        ("startDate", Kind::Temporal),
        (
            "type",
            Kind::Enum("recurrenceRangeType", &["endDate", "noEnd", "numbered"]),
        ),
    ],
};

static PATTERNED_RECURRENCE: Type = Type {
    name: "patternedRecurrence",
    properties: &[
        ("pattern", Kind::Complex(&RECURRENCE_PATTERN)),
        ("range", Kind::Complex(&RECURRENCE_RANGE)),
    ],
};

static PHONE: Type = Type {
    name: "phone",
    properties: &[
        ("language", Kind::String),
        ("number", Kind::String),
        ("region", Kind::String),
        (
            "type",
            Kind::Enum(
                "phoneType",
                &[
                    "home",
                    "business",
                    "mobile",
                    "other",
                    "assistant",
                    "homeFax",
                    "businessFax",
                    "otherFax",
                    "pager",
                    "radio",
                ],
            ),
        ),
    ],
};

static ONLINE_MEETING_INFO: Type = Type {
    name: "onlineMeetingInfo",
    properties: &[
        ("conferenceId", Kind::String),
        ("joinUrl", Kind::String),
        ("phones", Kind::Collection(&Kind::Complex(&PHONE))),
        ("quickDial", Kind::String),
        ("tollFreeNumbers", Kind::Collection(&Kind::String)),
        ("tollNumber", Kind::String),
    ],
};

/// `microsoft.graph.event` with what it inherits from `outlookItem` and `entity`, and its
/// navigation properties.
pub static EVENT: Type = Type {
    name: "event",
    properties: &[
        ("id", Kind::String),
        ("categories", Kind::Collection(&Kind::String)),
        ("changeKey", Kind::String),
        ("createdDateTime", Kind::Temporal),
        ("lastModifiedDateTime", Kind::Temporal),
        ("allowNewTimeProposals", Kind::Bool),
        ("attendees", Kind::Collection(&Kind::Complex(&ATTENDEE))),
        ("body", Kind::Complex(&ITEM_BODY)),
        ("bodyPreview", Kind::String),
        ("cancelledOccurrences", Kind::Collection(&Kind::String)),
        ("end", Kind::Complex(&DATE_TIME_TIME_ZONE)),
        ("hasAttachments", Kind::Bool),
        ("hideAttendees", Kind::Bool),
        ("iCalUId", Kind::String),
        ("importance", IMPORTANCE),
        ("isAllDay", Kind::Bool),
        ("isCancelled", Kind::Bool),
        ("isDraft", Kind::Bool),
        ("isOnlineMeeting", Kind::Bool),
        ("isOrganizer", Kind::Bool),
        ("isReminderOn", Kind::Bool),
        ("location", Kind::Complex(&LOCATION)),
        ("locations", Kind::Collection(&Kind::Complex(&LOCATION))),
        ("onlineMeeting", Kind::Complex(&ONLINE_MEETING_INFO)),
        (
            "onlineMeetingProvider",
            Kind::Enum(
                "onlineMeetingProviderType",
                &[
                    "unknown",
                    "skypeForBusiness",
                    "skypeForConsumer",
                    "teamsForBusiness",
                ],
            ),
        ),
        ("onlineMeetingUrl", Kind::String),
        ("organizer", Kind::Complex(&RECIPIENT)),
        ("originalEndTimeZone", Kind::String),
        ("originalStart", Kind::Temporal),
        ("originalStartTimeZone", Kind::String),
        ("recurrence", Kind::Complex(&PATTERNED_RECURRENCE)),
        ("reminderMinutesBeforeStart", Kind::Int),
        ("responseRequested", Kind::Bool),
        ("responseStatus", Kind::Complex(&RESPONSE_STATUS)),
        ("sensitivity", SENSITIVITY),
        ("seriesMasterId", Kind::String),
        ("showAs", FREE_BUSY),
        ("start", Kind::Complex(&DATE_TIME_TIME_ZONE)),
        ("subject", Kind::String),
        ("transactionId", Kind::String),
        (
            "type",
            Kind::Enum(
                "eventType",
                &["singleInstance", "occurrence", "exception", "seriesMaster"],
            ),
        ),
        ("webLink", Kind::String),
        ("attachments", Kind::Unmodelled),
        ("calendar", Kind::Unmodelled),
        ("exceptionOccurrences", Kind::Unmodelled),
        ("extensions", Kind::Unmodelled),
        ("instances", Kind::Unmodelled),
        ("multiValueExtendedProperties", Kind::Unmodelled),
        ("singleValueExtendedProperties", Kind::ExtendedProperties),
    ],
};

fn body_read(message: String) -> GraphError {
    GraphError::new(StatusCode::BAD_REQUEST, "RequestBodyRead", message)
}

/// Checks a request body (a POST or PATCH of an event) against `ty`, as Graph's reader does.
pub fn check(body: &Map<String, Value>, ty: &Type) -> Result<(), GraphError> {
    for (key, value) in body {
        // Instance and property annotations: `@odata.type`, `subject@odata.type`.
        if key.contains('@') {
            continue;
        }
        let Some((_, kind)) = ty.properties.iter().find(|(name, _)| name == key) else {
            return Err(body_read(format!(
                "The property '{key}' does not exist on type 'microsoft.graph.{}'. Make sure to only use property names that are defined by the type or mark the type as open type.",
                ty.name
            )));
        };
        check_value(value, kind)?;
    }
    Ok(())
}

fn check_value(value: &Value, kind: &Kind) -> Result<(), GraphError> {
    if value.is_null() {
        // Required values are the handlers' to insist on.
        return Ok(());
    }
    let expected = match kind {
        Kind::String | Kind::Temporal if value.is_string() => return Ok(()),
        Kind::Bool if value.is_boolean() => return Ok(()),
        Kind::Int if value.is_i64() || value.is_u64() => return Ok(()),
        Kind::Double if value.is_number() => return Ok(()),
        Kind::Unmodelled => return Ok(()),
        Kind::Enum(name, members) => {
            let Some(text) = value.as_str() else {
                return Err(body_read(format!(
                    "Cannot convert the literal '{value}' to the expected type 'microsoft.graph.{name}'."
                )));
            };
            return if members.iter().any(|m| m.eq_ignore_ascii_case(text)) {
                Ok(())
            } else {
                Err(body_read(format!(
                    "Requested value '{text}' was not found."
                )))
            };
        }
        Kind::Complex(ty) => {
            let Some(object) = value.as_object() else {
                return Err(body_read(format!(
                    "An unexpected '{}' node was found when reading from the JSON reader. A 'StartObject' node was expected for a value of type 'microsoft.graph.{}'.",
                    node(value),
                    ty.name
                )));
            };
            return check(object, ty);
        }
        Kind::Collection(item) => {
            let Some(items) = value.as_array() else {
                return Err(body_read(format!(
                    "An unexpected '{}' node was found when reading from the JSON reader. A 'StartArray' node was expected.",
                    node(value)
                )));
            };
            return items.iter().try_for_each(|v| check_value(v, item));
        }
        Kind::ExtendedProperties => return check_extended_properties(value),
        Kind::String | Kind::Temporal => "Edm.String",
        Kind::Bool => "Edm.Boolean",
        Kind::Int => "Edm.Int32",
        Kind::Double => "Edm.Double",
    };
    Err(body_read(format!(
        "Cannot convert the literal '{value}' to the expected type '{expected}'."
    )))
}

/// The JSON reader's name for the node a value starts with.
fn node(value: &Value) -> &'static str {
    match value {
        Value::Object(_) => "StartObject",
        Value::Array(_) => "StartArray",
        _ => "PrimitiveValue",
    }
}

fn check_extended_properties(value: &Value) -> Result<(), GraphError> {
    static PROPERTY: Type = Type {
        name: "singleValueLegacyExtendedProperty",
        properties: &[("id", Kind::String), ("value", Kind::String)],
    };
    static PROPERTIES: Kind = Kind::Collection(&Kind::Complex(&PROPERTY));
    check_value(value, &PROPERTIES)?;
    for p in value.as_array().into_iter().flatten() {
        if let Some(id) = p.get("id").and_then(Value::as_str) {
            check_extended_property_id(id)?;
        }
    }
    Ok(())
}

/// MAPI property types an extended property id may start with (and their `Array` forms).
const MAPI_TYPES: &[&str] = &[
    "ApplicationTime",
    "Binary",
    "Boolean",
    "CLSID",
    "Currency",
    "Double",
    "Error",
    "Float",
    "Integer",
    "Long",
    "Null",
    "Object",
    "Short",
    "String",
    "SystemTime",
];

/// Refuses an extended property id that is not `Type {guid} Name name`, `Type {guid} Id
/// 0x1234` or `Type 0x1234` (the observed message: msgraph-sdk-dotnet issue 1807).
pub fn check_extended_property_id(id: &str) -> Result<(), GraphError> {
    if extended_property_id_ok(id) {
        Ok(())
    } else {
        Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidProperty",
            "PropertyId values may only be in one of the following formats: 'MapiPropertyType namespaceGuid Name propertyName', 'MapiPropertyType namespaceGuid Id propertyId' or 'MapiPropertyType propertyTag'.",
        ))
    }
}

fn extended_property_id_ok(id: &str) -> bool {
    let words: Vec<&str> = id.split_whitespace().collect();
    let Some((kind, rest)) = words.split_first() else {
        return false;
    };
    let kind = kind.to_ascii_lowercase();
    let base = kind.strip_suffix("array").unwrap_or(&kind);
    if !MAPI_TYPES.iter().any(|t| t.eq_ignore_ascii_case(base)) {
        return false;
    }
    match rest {
        [tag] => hex_number(tag),
        [guid, how, name @ ..] if is_guid(guid) && !name.is_empty() => {
            if how.eq_ignore_ascii_case("Name") {
                true
            } else if how.eq_ignore_ascii_case("Id") {
                name.len() == 1 && (hex_number(name[0]) || name[0].parse::<u32>().is_ok())
            } else {
                false
            }
        }
        _ => false,
    }
}

fn hex_number(s: &str) -> bool {
    s.strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .is_some_and(|h| (1..=8).contains(&h.len()) && h.chars().all(|c| c.is_ascii_hexdigit()))
}

/// `{00020329-0000-0000-c000-000000000046}`.
fn is_guid(s: &str) -> bool {
    let Some(inner) = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')) else {
        return false;
    };
    let groups: Vec<&str> = inner.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The canonical spelling of an enum member given in any case (`"Busy"` -> `"busy"`), or the
/// value as given when `ty` has no such enum property.
pub fn canonical(ty: &Type, property: &str, value: &str) -> String {
    ty.properties
        .iter()
        .find_map(|(name, kind)| match kind {
            Kind::Enum(_, members) if *name == property => {
                members.iter().find(|m| m.eq_ignore_ascii_case(value))
            }
            _ => None,
        })
        .map_or_else(|| value.to_owned(), |m| (*m).to_owned())
}

/// The properties `$select` names (canonical spelling, any case accepted), or a 400 for one
/// the type lacks, with the code and message Graph answers it with.
pub fn select(ty: &Type, list: &str) -> Result<Vec<&'static str>, GraphError> {
    let mut out = Vec::new();
    for wanted in list.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        let Some((name, _)) = ty
            .properties
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
        else {
            return Err(GraphError::new(
                StatusCode::BAD_REQUEST,
                "RequestBroker--ParseUri",
                format!(
                    "Could not find a property named '{wanted}' on type 'microsoft.graph.{}'.",
                    ty.name
                ),
            ));
        };
        if !out.contains(name) {
            out.push(*name);
        }
    }
    if out.is_empty() {
        return Err(GraphError::bad_request(
            "The $select query option is empty.",
        ));
    }
    Ok(out)
}

/// Keeps of a rendered event only what `$select` asked for, its `id`, its annotations
/// (`@odata.etag`, `@odata.type`) and what `$expand` added (extended properties). A removal
/// (`@removed`) stays as it is.
pub fn project(event: Value, selected: &[&str]) -> Value {
    let Value::Object(m) = event else {
        return event;
    };
    if m.contains_key("@removed") {
        return Value::Object(m);
    }
    Value::Object(
        m.into_iter()
            .filter(|(key, _)| {
                key.starts_with('@')
                    || key == "id"
                    || key == "singleValueExtendedProperties"
                    || selected.contains(&key.as_str())
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_property_ids_take_mapis_three_forms() {
        for ok in [
            "String {7f2c1d9e-3b4a-4f6e-9c8d-2a1b0e5f4c3d} Name RoomBridgeLink",
            "String {00020329-0000-0000-C000-000000000046} Name my prop",
            "Integer {11000E07-B51B-40D6-AF21-CAA85EDAB1D0} Id 0x0027",
            "Long {11000E07-B51B-40D6-AF21-CAA85EDAB1D0} Id 39",
            "String 0x007D",
            "StringArray 0x1234",
            "systemtime 0x0E06",
        ] {
            assert!(extended_property_id_ok(ok), "{ok}");
        }
        for bad in [
            "",
            "RoomBridgeLink",
            "String",
            "String RoomBridgeLink",
            "Text 0x007D",
            "String 007D",
            "String 0x",
            "String {7f2c1d9e-3b4a-4f6e-9c8d} Name x",
            "String 7f2c1d9e-3b4a-4f6e-9c8d-2a1b0e5f4c3d Name x",
            "String {7f2c1d9e-3b4a-4f6e-9c8d-2a1b0e5f4c3d} Name",
            "String {7f2c1d9e-3b4a-4f6e-9c8d-2a1b0e5f4c3d} Tag x",
            "String {7f2c1d9e-3b4a-4f6e-9c8d-2a1b0e5f4c3d} Id x",
        ] {
            assert!(!extended_property_id_ok(bad), "{bad}");
        }
    }

    #[test]
    fn enum_members_are_read_in_any_case_and_written_canonically() {
        assert!(check_value(&Value::from("HTML"), &BODY_TYPE).is_ok());
        assert!(check_value(&Value::from("markdown"), &BODY_TYPE).is_err());
        assert_eq!(canonical(&EVENT, "showAs", "Busy"), "busy");
        assert_eq!(
            canonical(&EVENT, "showAs", "WORKINGELSEWHERE"),
            "workingElsewhere"
        );
        assert_eq!(canonical(&EVENT, "subject", "Busy"), "Busy");
    }
}
