//! The headless server's routes are derived from `roombridge_app::ops::OPERATIONS`: every
//! operation answers on its route, and the input is the path, the query string and the JSON
//! body, merged, with the same refusals everywhere.

use roombridge_app::http::{self, HttpOptions};
use roombridge_app::ops::{self, Method, OPERATIONS, Target};
use roombridge_tests::Harness;

const GYM: &str = "res-school-gym";

struct Server {
    _h: Harness,
    _ui: tempfile::TempDir,
    base: String,
    client: reqwest::Client,
}

async fn server() -> Server {
    let h = Harness::start().await;
    let ui = tempfile::tempdir().unwrap();
    let server = http::serve(
        h.app.clone(),
        HttpOptions {
            listen: ([127, 0, 0, 1], 0).into(),
            ui_dir: ui.path().to_path_buf(),
            token: "test-token".into(),
        },
    )
    .await
    .expect("the server starts");
    let base = format!("http://{}/api", server.addr);
    Server {
        _h: h,
        _ui: ui,
        base,
        client: reqwest::Client::new(),
    }
}

impl Server {
    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let url = format!("{}{path}", self.base);
        let method = match method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        };
        self.client.request(method, url).bearer_auth("test-token")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_on_its_route() {
    let s = server().await;
    for op in OPERATIONS {
        // The doctor writes test events in every room and takes seconds; it has its own tests.
        if op.name == "doctor" {
            continue;
        }
        let path = op.path.replace("{room}", GYM).replace("{id}", "1");
        let mut request = s.request(op.method, &path);
        if !matches!(op.method, Method::Get | Method::Delete) {
            request = request.json(&serde_json::json!({}));
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        assert!(
            status != 404 || !body.contains("No such API route"),
            "{} {path}: no route ({body})",
            op.name
        );
        assert_ne!(status, 405, "{} {path}: method not allowed", op.name);
        assert!(status < 500, "{} {path}: {status} {body}", op.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_input_is_the_path_the_query_and_the_body_with_clear_refusals() {
    let s = server().await;

    // A number in the query string is read as a number, and a bad one says which.
    let page = s
        .request(Method::Get, "/history?limit=2")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page: serde_json::Value = page.json().await.unwrap();
    assert!(page.as_array().unwrap().len() <= 2);
    let bad = s
        .request(Method::Get, "/history?limit=many")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let bad: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(bad["code"], "invalid_input");
    assert!(
        bad["message"]
            .as_str()
            .unwrap()
            .contains("\"many\" is not a number"),
        "{bad}"
    );

    // An export is the file itself, with its row count beside it.
    let export = s
        .request(Method::Get, "/history/export?format=jsonl")
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    let rows: usize = export.headers()["x-export-rows"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let text = export.text().await.unwrap();
    assert_eq!(text.lines().count(), rows);

    // A field given in the path and again in the body is refused, not silently picked.
    let twice = s
        .request(Method::Put, &format!("/rooms/{GYM}/policy"))
        .json(&serde_json::json!({ "room": "res-other", "policy": "manual" }))
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), 400);
    let twice: serde_json::Value = twice.json().await.unwrap();
    assert!(
        twice["message"]
            .as_str()
            .unwrap()
            .contains("`room` is given twice"),
        "{twice}"
    );

    // A body that is not JSON is refused before anything happens.
    let text = s
        .request(Method::Put, "/policies/default")
        .header("content-type", "text/plain")
        .body("manual")
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), 400);
    let text: serde_json::Value = text.json().await.unwrap();
    assert!(
        text["message"].as_str().unwrap().contains("must be JSON"),
        "{text}"
    );

    // The body's fields and the path's reach the operation together.
    let set = s
        .request(Method::Put, &format!("/rooms/{GYM}/policy"))
        .json(&serde_json::json!({ "policy": "booking-wins" }))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);
    let set: serde_json::Value = set.json().await.unwrap();
    let gym = set["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["room_id"] == GYM)
        .unwrap();
    assert_eq!(gym["policy"], "booking-wins");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_operation_or_a_wizard_step_after_setup_is_refused() {
    let h = Harness::start().await;
    let target = Target::App(h.app.clone());
    let unknown = ops::call(
        &target,
        "drop_everything",
        serde_json::Value::Null,
        Default::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(unknown.code, roombridge_app::ErrorCode::NotFound);
    let wizard = ops::call(
        &target,
        "setup_state",
        serde_json::Value::Null,
        Default::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(wizard.code, roombridge_app::ErrorCode::InvalidInput);
    assert!(
        wizard.message.contains("already set up"),
        "{}",
        wizard.message
    );
}
