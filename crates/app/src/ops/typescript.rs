//! The UI's side of [`super::OPERATIONS`], generated: `ui/src/backend/api.ts` holds the
//! TypeScript declaration of every type an operation takes or answers (and the types they
//! name), the error codes, and the table the UI's two backends derive their methods from.
//! `crates/app/tests/typescript.rs` fails when the file in the tree differs from [`file`];
//! `scripts/generate-api.sh` writes it again.

use std::any::TypeId;
use std::collections::{BTreeMap, HashSet};

use ts_rs::{Config, TS, TypeVisitor};

use super::{Answer, OPERATIONS};
use crate::ErrorCode;
use roombridge_store::history::HistoryKind;

/// Declarations collected from the operations' types, each once, by TypeScript name.
pub struct Types {
    config: Config,
    seen: HashSet<TypeId>,
    decls: BTreeMap<String, String>,
}

impl Types {
    fn new() -> Types {
        Types {
            // Our integers are JSON numbers well inside 2^53 (ids, counts, seconds).
            config: Config::new().with_large_int("number"),
            seen: HashSet::new(),
            decls: BTreeMap::new(),
        }
    }

    /// `T` (if it is a named type) and every type it names.
    pub fn add<T: TS + 'static + ?Sized>(&mut self) {
        if !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        if T::output_path().is_some() {
            let mut decl = T::docs().unwrap_or_default();
            decl.push_str("export ");
            decl.push_str(&T::decl(&self.config));
            self.decls.insert(T::ident(&self.config), decl);
        }
        T::visit_dependencies(self);
        T::visit_generics(self);
    }
}

impl TypeVisitor for Types {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        self.add::<T>();
    }
}

/// `list_rooms` → `listRooms`.
fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The doc comment `doc` as JSDoc at `indent`.
fn jsdoc(doc: &str, indent: &str) -> String {
    let lines: Vec<&str> = doc
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    match lines.as_slice() {
        [] => String::new(),
        [one] => format!("{indent}/** {one} */\n"),
        many => {
            let mut out = format!("{indent}/**\n");
            for line in many {
                out.push_str(&format!("{indent} * {line}\n"));
            }
            out.push_str(&format!("{indent} */\n"));
            out
        }
    }
}

/// `values` as a TypeScript constant array named `name`, as they serialise.
fn list<T: serde::Serialize>(doc: &str, name: &str, values: &[T]) -> String {
    let values: Vec<String> = values
        .iter()
        .map(|v| serde_json::to_string(v).expect("a unit variant serialises"))
        .collect();
    format!(
        "{}export const {name} = [{}] as const;\n\n",
        jsdoc(doc, ""),
        values.join(", ")
    )
}

/// The whole of `ui/src/backend/api.ts`.
pub fn file() -> String {
    let mut types = Types::new();
    super::declare(&mut types);
    types.add::<crate::ApiError>();
    // Named in the UI although the operations take them flattened into their inputs.
    types.add::<crate::decisions::DecisionRequest>();
    types.add::<crate::mappings::RoomEdit>();
    types.add::<crate::views::ConflictChoice>();

    let mut out = String::from(
        "// Generated from the Rust types of `crates/app` (`ops.rs` and what it names): do not edit.\n\
         // Change the Rust side and run `scripts/generate-api.sh`; `cargo test` fails while this\n\
         // file is out of date.\n\n",
    );
    out.push_str(&list(
        "The closed set of error codes. Screens branch on `code`, never on `message`.",
        "API_ERROR_CODES",
        &ErrorCode::ALL,
    ));
    out.push_str(&list(
        "Every kind of history entry, in the order the history filter offers them.",
        "HISTORY_KINDS",
        HistoryKind::ALL,
    ));
    for decl in types.decls.values() {
        out.push_str(decl);
        out.push_str("\n\n");
    }

    out.push_str("/** Where each operation goes: the Tauri command's `op`, and the HTTP route below `/api`. */\n");
    out.push_str("export const OPERATIONS = {\n");
    for op in OPERATIONS {
        let method = serde_json::to_string(&op.method).expect("a unit variant serialises");
        let file = if op.answer == Answer::File {
            ", file: true"
        } else {
            ""
        };
        out.push_str(&format!(
            "  {}: {{ op: \"{}\", method: {method}, path: \"{}\"{file} }},\n",
            camel(op.name),
            op.name,
            op.path
        ));
    }
    out.push_str("} as const;\n\n");

    out.push_str("/** Each operation's input and output. */\n");
    out.push_str("export interface Operations {\n");
    let signatures = super::signatures(&types.config);
    for (op, (name, input, output)) in OPERATIONS.iter().zip(signatures) {
        debug_assert_eq!(op.name, name);
        out.push_str(&jsdoc(op.doc, "  "));
        out.push_str(&format!(
            "  {}: {{ input: {input}; output: {output} }};\n",
            camel(name)
        ));
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_camel_case() {
        assert_eq!(camel("list_rooms"), "listRooms");
        assert_eq!(camel("doctor"), "doctor");
        assert_eq!(camel("set_room_policy"), "setRoomPolicy");
    }

    #[test]
    fn doc_comments_become_jsdoc() {
        assert_eq!(jsdoc("", "  "), "");
        assert_eq!(jsdoc("One line.\n", ""), "/** One line. */\n");
        assert_eq!(
            jsdoc("Two\nlines.\n", " "),
            " /**\n  * Two\n  * lines.\n  */\n"
        );
    }
}
