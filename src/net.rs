//! The leaderboard server's JSON API over the browser's `fetch` (web-sys directly: smaller
//! than an HTTP client crate). Same origin only: `drill serve` serves the game and `/api`.
//!
//! Answers are parsed by the browser (`JSON.parse`) and read into the shared answer types
//! (`quorum_proto::api`) by the shared readers ([`quorum_proto::decode`], over [`Json`])
//! instead of with serde derives: serde_json's deserializers, instantiated for every answer
//! type, cost the wasm more (ARCHITECTURE.md, "The bundle budget").

use quorum_proto::api::ErrorBody;
pub use quorum_proto::decode::{Decode, JsonValue};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::i18n::{tr, Lang};

/// Why a request failed. `status` 0: the server could not be reached (or did not answer
/// with JSON); otherwise the HTTP status, with the server's `{"error": {code, message}}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl Failure {
    fn network(message: impl Into<String>) -> Failure {
        Failure {
            status: 0,
            code: "network".into(),
            message: message.into(),
        }
    }

    pub fn is_network(&self) -> bool {
        self.status == 0
    }

    /// For people: the server's own message verbatim, or why it could not be reached.
    pub fn text(&self, lang: Lang) -> String {
        if self.is_network() {
            format!(
                "{} ({})",
                tr(
                    lang,
                    "Could not reach the leaderboard server.",
                    "リーダーボードサーバーに接続できませんでした。"
                ),
                self.message
            )
        } else {
            self.message.clone()
        }
    }
}

fn js_text(v: &JsValue) -> String {
    v.as_string()
        .or_else(|| {
            v.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| "fetch failed".into())
}

/// A parsed JSON value (a JavaScript value from `JSON.parse`), read leniently: a missing
/// or mistyped field reads as `None`.
#[derive(Clone, Debug)]
pub struct Json(JsValue);

impl Json {
    pub fn parse(text: &str) -> Option<Json> {
        js_sys::JSON::parse(text).ok().map(Json)
    }
}

impl JsonValue for Json {
    /// The field `key` (undefined if absent).
    fn get(&self, key: &str) -> Json {
        if !self.0.is_object() {
            return Json(JsValue::UNDEFINED);
        }
        Json(js_sys::Reflect::get(&self.0, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED))
    }

    fn as_string(&self) -> Option<String> {
        self.0.as_string()
    }

    /// A whole number (JSON numbers are doubles: exact up to 2^53, like the server's seeds).
    fn as_i64(&self) -> Option<i64> {
        self.0
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_991.0)
            .map(|f| f as i64)
    }

    fn as_bool(&self) -> Option<bool> {
        self.0.as_bool()
    }

    fn items(&self) -> Option<Vec<Json>> {
        if !js_sys::Array::is_array(&self.0) {
            return None;
        }
        Some(js_sys::Array::from(&self.0).iter().map(Json).collect())
    }

    fn to_json_text(&self) -> Option<String> {
        js_sys::JSON::stringify(&self.0)
            .ok()
            .and_then(|s| s.as_string())
    }
}

/// `encodeURIComponent`, for query values.
pub fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}

/// The body of a 2xx answer. Not generic (one copy in the wasm); callers parse.
#[inline(never)]
async fn request(
    method: &str,
    path: &str,
    body: Option<String>,
    bearer: Option<&str>,
) -> Result<String, Failure> {
    let window = web_sys::window().ok_or_else(|| Failure::network("no window"))?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&headers, &"Accept".into(), &"application/json".into());
    if let Some(token) = bearer {
        let value = format!("Bearer {token}");
        let _ = js_sys::Reflect::set(&headers, &"Authorization".into(), &value.into());
    }
    if let Some(body) = body {
        let _ = js_sys::Reflect::set(&headers, &"Content-Type".into(), &"application/json".into());
        init.set_body(&JsValue::from_str(&body));
    }
    init.set_headers(&headers);
    let response = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(|e| Failure::network(js_text(&e)))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| Failure::network("not a response"))?;
    let status = response.status();
    let text = match response.text() {
        Ok(p) => JsFuture::from(p)
            .await
            .map_err(|e| Failure::network(js_text(&e)))?
            .as_string()
            .unwrap_or_default(),
        Err(e) => return Err(Failure::network(js_text(&e))),
    };
    if (200..300).contains(&status) {
        return Ok(text);
    }
    match Json::parse(&text).as_ref().and_then(ErrorBody::decode) {
        Some(ErrorBody { error }) => Err(Failure {
            status,
            code: error.code,
            message: error.message,
        }),
        // Not the leaderboard server (a static host's 404 page, a proxy error).
        None => Err(Failure::network(format!("HTTP {status}"))),
    }
}

fn parse<T: Decode>(text: &str) -> Result<T, Failure> {
    Json::parse(text)
        .as_ref()
        .and_then(T::decode)
        .ok_or_else(|| Failure::network("not a leaderboard answer"))
}

/// The body of a 2xx answer to `GET path`, as text (the scenario pack).
pub async fn get_text(path: &str) -> Result<String, Failure> {
    request("GET", path, None, None).await
}

pub async fn get<T: Decode>(path: &str) -> Result<T, Failure> {
    parse(&request("GET", path, None, None).await?)
}

/// A POST, as the identity `bearer` when given.
pub async fn post<T: Decode>(path: &str, body: String, bearer: Option<&str>) -> Result<T, Failure> {
    parse(&request("POST", path, Some(body), bearer).await?)
}

/// A request of the trainer pages (boards bundle only), its answer read with serde: the
/// trainer types are read nowhere in the trainee's bundle, so their deserializers cost it
/// nothing.
#[cfg(feature = "boards")]
pub async fn call<T: serde::de::DeserializeOwned>(
    method: &str,
    path: &str,
    body: Option<String>,
    bearer: Option<&str>,
) -> Result<T, Failure> {
    let text = request(method, path, body, bearer).await?;
    serde_json::from_str(&text).map_err(|e| Failure::network(e.to_string()))
}

/// The body of a 2xx answer to `GET path` as `bearer`, as text (the dashboard's CSV).
#[cfg(feature = "boards")]
pub async fn get_text_as(path: &str, bearer: &str) -> Result<String, Failure> {
    request("GET", path, None, Some(bearer)).await
}

/// The body of a 2xx answer as text, as `bearer` when given (a trainer's scenario, packed
/// for the console).
#[cfg(feature = "boards")]
pub async fn call_text(
    method: &str,
    path: &str,
    body: Option<String>,
    bearer: Option<&str>,
) -> Result<String, Failure> {
    request(method, path, body, bearer).await
}
