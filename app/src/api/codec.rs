//! How the browser reads JSON: always from bytes, as server functions read their answers
//! (`serde_json::from_slice`). A type read from a `&str` in one place and from bytes in another
//! is compiled into the bundle twice, once per reader, and a screen's snapshot is read both
//! ways: from the page when it hydrates, and from a server function when it is fetched again.

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};

/// JSON for a [`Resource`]'s value in the page, read back from bytes.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, serde_json::Error> {
        parse(text)
    }
}

/// Reads JSON text the way every other JSON the browser reads is read.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    serde_json::from_slice(text.as_bytes())
}

/// A screen's data: fetched on the server while it renders the page, read from the page when
/// the browser hydrates it (`Resource::new`, with [`Json`]).
#[track_caller]
pub fn screen_data<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, Json>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}
