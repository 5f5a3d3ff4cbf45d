//! The UI's `ui/src/backend/api.ts` is generated from the Rust types (`ops::typescript`); this
//! fails while the file in the tree is out of date. `scripts/generate-api.sh` (or this test with
//! `ROOMBRIDGE_WRITE_API=1`) writes it again.

use std::path::PathBuf;

#[test]
fn the_ui_api_file_is_generated_from_the_rust_types() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/backend/api.ts");
    let generated = roombridge_app::ops::typescript::file();
    if std::env::var_os("ROOMBRIDGE_WRITE_API").is_some() {
        std::fs::write(&path, &generated).expect("write api.ts");
        return;
    }
    let in_tree = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        in_tree == generated,
        "{} is out of date with the Rust types: run scripts/generate-api.sh and commit the result",
        path.display()
    );
}
