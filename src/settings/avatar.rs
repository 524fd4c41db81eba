//! Profile pictures: uploaded as a multipart form (a page without JavaScript posts it as it is),
//! checked by content, decoded within limits, re-encoded as a 256×256 PNG (which drops every
//! piece of metadata), kept in the object store under `avatars/<user id>/<random>.png` and served
//! from there with long cache headers.

use std::io::Cursor;
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Multipart, Path, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE, X_CONTENT_TYPE_OPTIONS};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use diesel_async::RunQueryDsl;
use image::{ImageFormat, ImageReader, Limits};
use object_store::ObjectStore;
use object_store::path::Path as ObjectPath;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::guard::CurrentUser;
use crate::error::AppError;
use crate::server::config::Uploads;
use crate::server::openapi::{Forbidden, TooLarge, Unauthorized, Unavailable};
use crate::server::routes::Routes;
use crate::server::state::AppState;

/// The largest picture accepted.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// The body limit of an upload: the picture and the form around it; a larger picture than
/// `MAX_BYTES` but within this gets a clear message instead of a bare 413.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Sides longer than this are refused before any pixel is decoded (a decompression bomb).
const MAX_SIDE: u32 = 8_000;
const SIDE: u32 = 256;
const PROFILE: &str = "/settings/profile";
const TOO_LARGE: &str = "The picture is larger than 5 MB: choose a smaller one.";

pub fn routes() -> Routes {
    Routes::new()
        .route(Method::POST, "/api/user/avatar", upload)
        .route(Method::POST, "/api/user/avatar/remove", remove)
        .route(Method::GET, "/avatars/{user}/{name}", serve)
}

/// The store the configuration names.
pub fn store(uploads: &Uploads) -> Result<Arc<dyn ObjectStore>, String> {
    match uploads {
        Uploads::Local(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let local = object_store::local::LocalFileSystem::new_with_prefix(dir).map_err(|e| e.to_string())?;
            Ok(Arc::new(local))
        }
        Uploads::S3 {
            bucket,
            endpoint,
            region,
            credentials,
        } => {
            let mut builder = object_store::aws::AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .with_region(region.as_deref().unwrap_or("us-east-1"));
            if let Some(credentials) = credentials {
                builder = builder
                    .with_access_key_id(&credentials.access_key_id)
                    .with_secret_access_key(&credentials.secret_access_key);
            }
            if let Some(endpoint) = endpoint {
                builder = builder
                    .with_endpoint(endpoint)
                    .with_allow_http(endpoint.starts_with("http://"));
            }
            Ok(Arc::new(builder.build().map_err(|e| e.to_string())?))
        }
    }
}

fn object_path(user: Uuid, name: &str) -> ObjectPath {
    ObjectPath::from(format!("avatars/{user}/{name}"))
}

/// Where a user's picture is served.
pub fn url_of(user: Uuid, key: &str) -> String {
    format!("/avatars/{user}/{key}")
}

/// The picture as a 256×256 PNG, or the error to show on the form's `avatar` field.
pub fn process(bytes: &[u8]) -> Result<Vec<u8>, AppError> {
    let refuse = |message: &str| AppError::field("avatar", message);
    if bytes.is_empty() {
        return Err(refuse("Choose a picture to upload."));
    }
    if bytes.len() > MAX_BYTES {
        return Err(refuse(TOO_LARGE));
    }
    let not_a_picture = || refuse("Upload a JPEG, PNG or WebP picture.");
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| not_a_picture())?;
    if !matches!(
        reader.format(),
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP)
    ) {
        return Err(not_a_picture());
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let picture = reader.decode().map_err(|error| match error {
        image::ImageError::Limits(_) => refuse("The picture is too large: at most 8000 × 8000 pixels."),
        _ => refuse("The picture could not be read: upload a JPEG, PNG or WebP picture."),
    })?;
    let square = picture.resize_to_fill(SIDE, SIDE, image::imageops::FilterType::Lanczos3);
    let mut png = Vec::new();
    square
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(|e| AppError::internal("avatar encoding", e))?;
    Ok(png)
}

#[derive(Serialize, ToSchema)]
struct AvatarAnswer {
    /// Where the picture is served (`null` once removed).
    avatar: Option<String>,
}

/// A body past `MAX_BODY_BYTES` is refused before any handler reads it: a browser's own form
/// post still gets the profile page with the message, as for any picture refused later.
pub async fn too_large_for_the_form(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let html = crate::ui::form::wants_html(request.headers());
    let response = next.run(request).await;
    if html && response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return answer(true, &state, Err(AppError::field("avatar", TOO_LARGE)));
    }
    response
}

/// A browser's own form post wants the profile page back; an API client the JSON answer.
fn answer(html: bool, state: &AppState, result: Result<Option<String>, AppError>) -> Response {
    if !html {
        return match result {
            Ok(avatar) => Json(AvatarAnswer { avatar }).into_response(),
            Err(error) => error.into_response(),
        };
    }
    let mut headers = HeaderMap::new();
    let location = match result {
        Ok(_) => crate::ui::form::saved(PROFILE, &[("form", "avatar")]),
        Err(error) => {
            let page = format!("{PROFILE}?form=avatar");
            if let Some(cookie) = crate::ui::form::flash_cookie(&state.config, &page, error, state.clock.now()) {
                headers.insert(SET_COOKIE, cookie);
            }
            page
        }
    };
    if let Ok(location) = HeaderValue::from_str(&location) {
        headers.insert(LOCATION, location);
    }
    (StatusCode::SEE_OTHER, headers).into_response()
}

/// The picture of the form's `avatar` field.
async fn picture_of(mut form: Multipart) -> Result<Vec<u8>, AppError> {
    let unreadable =
        || AppError::BadRequest("Send the picture as multipart/form-data, in a field named avatar.".into());
    while let Some(mut field) = form.next_field().await.map_err(|_| unreadable())? {
        if field.name() != Some("avatar") {
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|_| unreadable())? {
            if bytes.len() + chunk.len() > MAX_BYTES {
                return Err(AppError::field("avatar", TOO_LARGE));
            }
            bytes.extend_from_slice(&chunk);
        }
        return Ok(bytes);
    }
    Err(AppError::field("avatar", "Choose a picture to upload."))
}

/// Uploads a new profile picture (JPEG, PNG or WebP, at most 5 MB, at most 8000 × 8000 pixels)
/// in the multipart field `avatar`; it replaces the old one, which is deleted.
#[utoipa::path(post, path = "/api/user/avatar", tag = "user",
    request_body(content_type = "multipart/form-data", description = "The picture in the field `avatar`"),
    responses(
        (status = 200, description = "Stored; where it is served", body = AvatarAnswer,
            example = json!({"avatar": "/avatars/3f0c2b9e-5d4a-4c1b-9a7e-0e6d2f8b1c55/k3j4h5g6f7d8s9a0p1o2i3u4.png"})),
        (status = 303, description = "A plain form post: back to the profile tab"),
        (status = 400, description = "Not a multipart form", body = crate::error::ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = TooLarge),
        (status = 422, description = "Not a picture, too large, or too many pixels: `fields.avatar` says which", body = crate::error::ErrorBody,
            example = json!({"error": {"code": "validation_failed", "message": "Upload a JPEG, PNG or WebP picture.",
                "fields": {"avatar": "Upload a JPEG, PNG or WebP picture."}}})),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn upload(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    parts: Parts,
    form: Multipart,
) -> Response {
    let result = async {
        let bytes = picture_of(form).await?;
        let png = tokio::task::spawn_blocking(move || process(&bytes))
            .await
            .map_err(|e| AppError::internal("avatar task", e))??;
        let key = format!("{}.png", crate::auth::secret::random_lowercase(24));
        let user = auth.user.id;
        state
            .avatars
            .put(&object_path(user, &key), png.into())
            .await
            .map_err(|e| AppError::internal("avatar store", e))?;
        let old = set_key(&state, user, Some(&key)).await?;
        delete_old(&state, user, old).await;
        Ok(Some(url_of(user, &key)))
    }
    .await;
    answer(crate::ui::form::wants_html(&parts.headers), &state, result)
}

/// Removes the profile picture (the navbar shows initials again).
#[utoipa::path(post, path = "/api/user/avatar/remove", tag = "user",
    responses(
        (status = 200, description = "Removed", body = AvatarAnswer, example = json!({"avatar": null})),
        (status = 303, description = "A plain form post: back to the profile tab"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn remove(State(state): State<AppState>, CurrentUser(auth): CurrentUser, parts: Parts) -> Response {
    let result = async {
        let old = set_key(&state, auth.user.id, None).await?;
        delete_old(&state, auth.user.id, old).await;
        Ok(None)
    }
    .await;
    answer(crate::ui::form::wants_html(&parts.headers), &state, result)
}

/// Sets the user's picture; answers the one it replaces.
async fn set_key(state: &AppState, user: Uuid, key: Option<&str>) -> Result<Option<String>, AppError> {
    #[derive(QueryableByName)]
    struct Replaced {
        #[diesel(sql_type = Nullable<Text>)]
        old: Option<String>,
    }
    // `o` is the row as it was before this statement.
    let replaced: Option<Replaced> = diesel::sql_query(
        "UPDATE users u SET avatar_key = $2, updated_at = $3 FROM users o \
         WHERE u.id = $1 AND o.id = u.id RETURNING o.avatar_key AS old",
    )
    .bind::<diesel::sql_types::Uuid, _>(user)
    .bind::<Nullable<Text>, _>(key)
    .bind::<diesel::sql_types::Timestamptz, _>(state.clock.now())
    .get_result(&mut *state.conn().await?)
    .await
    .optional()?;
    Ok(replaced.and_then(|row| row.old))
}

/// Deletes a replaced picture. A failure leaves an object no one points to: logged, not fatal.
async fn delete_old(state: &AppState, user: Uuid, old: Option<String>) {
    if let Some(old) = old
        && let Err(error) = state.avatars.delete(&object_path(user, &old)).await
    {
        tracing::warn!(%error, "a replaced avatar could not be deleted");
    }
}

/// A profile picture, by its unguessable name; cached for a year (a new picture has a new name).
#[utoipa::path(get, path = "/avatars/{user}/{name}", tag = "user",
    params(("user" = Uuid, Path, description = "The user's id"), ("name" = String, Path, description = "The picture's name")),
    responses(
        (status = 200, description = "The picture", content_type = "image/png"),
        (status = 404, description = "No such picture", body = crate::error::ErrorBody),
    ))]
async fn serve(State(state): State<AppState>, Path((user, name)): Path<(Uuid, String)>) -> Result<Response, AppError> {
    let valid = name
        .strip_suffix(".png")
        .is_some_and(|key| key.len() == 24 && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    if !valid {
        return Err(AppError::NotFound);
    }
    let found = state.avatars.get(&object_path(user, &name)).await;
    let bytes = match found {
        Ok(object) => object.bytes().await.map_err(|e| AppError::internal("avatar read", e))?,
        Err(object_store::Error::NotFound { .. }) => return Err(AppError::NotFound),
        Err(error) => return Err(AppError::internal("avatar read", error)),
    };
    Ok((
        [
            (CONTENT_TYPE, HeaderValue::from_static("image/png")),
            (
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
            (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        Body::from(bytes),
    )
        .into_response())
}
