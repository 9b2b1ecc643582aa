//! The leaderboard server's JSON API over the browser's `fetch` (web-sys directly: smaller
//! than an HTTP client crate). Same origin only: `drill serve` serves the game and `/api`.
//!
//! Answers are parsed by the browser (`JSON.parse`) and read field by field ([`Json`],
//! [`FromJson`]) instead of with serde derives: serde_json's deserializers, instantiated
//! for every answer type, would add tens of KB to the wasm.

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

    /// The field `key` (undefined if absent).
    pub fn get(&self, key: &str) -> Json {
        if !self.0.is_object() {
            return Json(JsValue::UNDEFINED);
        }
        Json(js_sys::Reflect::get(&self.0, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED))
    }

    pub fn as_str(&self) -> Option<String> {
        self.0.as_string()
    }

    /// A whole number (JSON numbers are doubles: exact up to 2^53, like the server's seeds).
    pub fn as_i64(&self) -> Option<i64> {
        self.0
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_991.0)
            .map(|f| f as i64)
    }

    pub fn as_u64(&self) -> Option<u64> {
        self.as_i64().and_then(|i| u64::try_from(i).ok())
    }

    pub fn as_bool(&self) -> Option<bool> {
        self.0.as_bool()
    }

    /// The elements of an array (empty if not an array).
    pub fn items(&self) -> Vec<Json> {
        if !js_sys::Array::is_array(&self.0) {
            return Vec::new();
        }
        js_sys::Array::from(&self.0).iter().map(Json).collect()
    }

    pub fn str(&self, key: &str) -> Option<String> {
        self.get(key).as_str()
    }

    pub fn i64(&self, key: &str) -> Option<i64> {
        self.get(key).as_i64()
    }

    pub fn u64(&self, key: &str) -> Option<u64> {
        self.get(key).as_u64()
    }

    pub fn list(&self, key: &str) -> Vec<Json> {
        self.get(key).items()
    }

    /// This value as JSON text again (to hand a nested document to a serde parser).
    pub fn stringify(&self) -> Option<String> {
        js_sys::JSON::stringify(&self.0)
            .ok()
            .and_then(|s| s.as_string())
    }
}

/// A type read from a server answer; `None` if the answer does not have its shape.
pub trait FromJson: Sized {
    fn from_json(j: &Json) -> Option<Self>;
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(j: &Json) -> Option<Self> {
        let items = j.items();
        let mut out = Vec::with_capacity(items.len());
        for item in &items {
            out.push(T::from_json(item)?);
        }
        Some(out)
    }
}

/// `encodeURIComponent`, for query values.
pub fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}

/// The body of a 2xx answer. Not generic (one copy in the wasm); callers parse.
#[inline(never)]
async fn request(method: &str, path: &str, body: Option<String>) -> Result<String, Failure> {
    let window = web_sys::window().ok_or_else(|| Failure::network("no window"))?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&headers, &"Accept".into(), &"application/json".into());
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
    let error = Json::parse(&text).map(|j| j.get("error"));
    match error.and_then(|e| Some((e.str("code")?, e.str("message")?))) {
        Some((code, message)) => Err(Failure {
            status,
            code,
            message,
        }),
        // Not the leaderboard server (a static host's 404 page, a proxy error).
        None => Err(Failure::network(format!("HTTP {status}"))),
    }
}

fn parse<T: FromJson>(text: &str) -> Result<T, Failure> {
    Json::parse(text)
        .as_ref()
        .and_then(T::from_json)
        .ok_or_else(|| Failure::network("not a leaderboard answer"))
}

pub async fn get<T: FromJson>(path: &str) -> Result<T, Failure> {
    parse(&request("GET", path, None).await?)
}

pub async fn post<T: FromJson>(path: &str, body: String) -> Result<T, Failure> {
    parse(&request("POST", path, Some(body)).await?)
}
