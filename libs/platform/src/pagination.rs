//! Keyset (cursor) pagination: the cursor is the last item's sort key,
//! opaque to clients.

use anyhow::Context as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{de::DeserializeOwned, Serialize};

use crate::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// A page of results and the cursor of the next page, if any.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Clamps a requested page size.
pub fn limit(requested: Option<i64>) -> Result<i64, ApiError> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::validation(vec![crate::FieldError {
            field: "limit".into(),
            code: "limit_range".into(),
            message: format!("limit must be between 1 and {MAX_LIMIT}"),
        }])),
    }
}

pub fn encode_cursor<K: Serialize>(key: &K) -> anyhow::Result<String> {
    let json = serde_json::to_vec(key).context("a cursor's sort key does not serialise")?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

pub fn decode_cursor<K: DeserializeOwned>(cursor: Option<&str>) -> Result<Option<K>, ApiError> {
    cursor
        .map(|c| {
            URL_SAFE_NO_PAD
                .decode(c)
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .ok_or_else(|| {
                    ApiError::validation(vec![crate::FieldError {
                        field: "cursor".into(),
                        code: "cursor_invalid".into(),
                        message: "the cursor is not one this API gave out".into(),
                    }])
                })
        })
        .transpose()
}

/// Builds a page from `limit + 1` fetched rows: the extra row only tells
/// that another page exists.
pub fn page<T, K: Serialize>(
    mut rows: Vec<T>,
    limit: i64,
    key: impl Fn(&T) -> K,
) -> anyhow::Result<Page<T>> {
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next_cursor = if more {
        rows.last()
            .map(|last| encode_cursor(&key(last)))
            .transpose()?
    } else {
        None
    };
    Ok(Page {
        items: rows,
        next_cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_cursors() {
        let p = page(vec![1, 2, 3], 2, |n| *n).expect("a page");
        assert_eq!(p.items, [1, 2]);
        let next: Option<i32> = decode_cursor(p.next_cursor.as_deref()).expect("decodes");
        assert_eq!(next, Some(2));
        assert!(page(vec![1, 2], 2, |n| *n)
            .expect("a page")
            .next_cursor
            .is_none());
        assert!(decode_cursor::<i32>(Some("!!")).is_err());
        assert!(limit(Some(0)).is_err() && limit(Some(MAX_LIMIT + 1)).is_err());
    }
}
