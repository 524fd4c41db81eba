//! Profile pictures against a real S3-compatible server (moto) and the local file system:
//! upload, replace (the old object goes), remove, the pictures refused by content and size, the
//! plain form post, and that nobody reaches another user's picture.

use std::io::Cursor;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use image::{ImageFormat, RgbImage};
use object_store::path::Path as ObjectPath;
use ragsites_portal::server::config::{S3Credentials, Uploads};
use serde_json::Value;

use crate::support::calls::{bearer, field};
use crate::support::s3::S3Server;
use crate::support::{PASSWORD, TestApp, TestResponse};

const BUCKET: &str = "portal-avatars";

fn picture(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), format)
        .expect("an encoded picture");
    bytes
}

/// CRC-32 (ISO-HDLC) of a PNG chunk's type and data.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A valid PNG header claiming 100,000 × 100,000 pixels (40 GB decoded) in a few dozen bytes.
fn decompression_bomb() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let typed = [kind, data].concat();
        png.extend_from_slice(&typed);
        png.extend_from_slice(&crc32(&typed).to_be_bytes());
    };
    let mut header = Vec::new();
    header.extend_from_slice(&100_000u32.to_be_bytes());
    header.extend_from_slice(&100_000u32.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(b"IHDR", &header);
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    png
}

/// Posts `bytes` as the form's `avatar` file; `html` as a browser without JavaScript does.
async fn upload(app: &TestApp, token: &str, name: &str, bytes: &[u8], html: bool) -> TestResponse {
    let boundary = "XyZ-avatar-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = Request::post("/api/user/avatar")
        .header("host", "portal.test")
        .header("origin", "http://portal.test")
        .header("authorization", bearer(token))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .header("accept", if html { "text/html" } else { "application/json" })
        .body(Body::from(body))
        .expect("a request");
    app.send(request).await
}

async fn avatar_of(app: &TestApp, token: &str) -> Value {
    app.get_with("/api/auth/verify", &[("authorization", &bearer(token))])
        .await
        .json()["user"]["avatar"]
        .clone()
}

/// The stored picture behind a served path, decoded.
async fn stored(app: &TestApp, path: &str) -> image::DynamicImage {
    let object = ObjectPath::from(path.trim_start_matches('/'));
    let bytes = app
        .state
        .avatars
        .get(&object)
        .await
        .expect("the object")
        .bytes()
        .await
        .unwrap();
    image::load_from_memory_with_format(&bytes, ImageFormat::Png).expect("a PNG")
}

fn s3_app_config(s3: &S3Server) -> impl FnOnce(&mut ragsites_portal::server::config::Config) + use<> {
    let endpoint = s3.endpoint();
    move |config| {
        config.uploads = Uploads::S3 {
            bucket: BUCKET.into(),
            endpoint: Some(endpoint),
            region: None,
            credentials: Some(S3Credentials {
                access_key_id: "test".into(),
                secret_access_key: "test".into(),
            }),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_avatar_is_stored_in_s3_replaced_and_removed() {
    let s3 = S3Server::start(BUCKET);
    let app = TestApp::with_config(s3_app_config(&s3)).await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let user = app.text("SELECT id::text AS t FROM users").await;

    let first = upload(&app, &token, "me.png", &picture(600, 400, ImageFormat::Png), false).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let path = first.json()["avatar"].as_str().unwrap().to_owned();
    assert!(
        path.starts_with(&format!("/avatars/{user}/")) && path.ends_with(".png"),
        "{path}"
    );
    assert_eq!(
        s3.keys(),
        vec![path.trim_start_matches('/').to_owned()],
        "one object, in S3"
    );
    let square = stored(&app, &path).await;
    assert_eq!((square.width(), square.height()), (256, 256));
    assert_eq!(avatar_of(&app, &token).await, path.as_str());

    let served = app.get(&path).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.header("content-type"), "image/png");
    assert_eq!(served.header("cache-control"), "public, max-age=31536000, immutable");

    for (name, format) in [("me.jpg", ImageFormat::Jpeg), ("me.webp", ImageFormat::WebP)] {
        let replaced = upload(&app, &token, name, &picture(300, 500, format), false).await;
        assert_eq!(replaced.status, StatusCode::OK, "{name}: {}", replaced.body);
        let new_path = replaced.json()["avatar"].as_str().unwrap().to_owned();
        assert_ne!(new_path, path);
        assert_eq!(
            s3.keys(),
            vec![new_path.trim_start_matches('/').to_owned()],
            "the old object is deleted"
        );
        assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);
    }

    let removed = app
        .json(
            "POST",
            "/api/user/avatar/remove",
            &serde_json::json!({}),
            &[("authorization", &bearer(&token))],
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert!(removed.json()["avatar"].is_null());
    assert!(s3.keys().is_empty(), "{:?}", s3.keys());
    assert!(avatar_of(&app, &token).await.is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_are_refused_by_content_and_size_and_nothing_is_stored() {
    let s3 = S3Server::start(BUCKET);
    let app = TestApp::with_config(s3_app_config(&s3)).await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let six_mb: Vec<u8> = picture(10, 10, ImageFormat::Png)
        .into_iter()
        .chain(std::iter::repeat_n(0, 6 << 20))
        .collect();
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec();
    for (name, bytes, message) in [
        ("big.png", six_mb, "larger than 5 MB"),
        (
            "notes.png",
            b"just some text, renamed .png\n".repeat(10),
            "Upload a JPEG, PNG or WebP picture.",
        ),
        ("anim.gif", gif, "Upload a JPEG, PNG or WebP picture."),
        ("bomb.png", decompression_bomb(), "at most 8000 × 8000 pixels"),
        ("empty.png", Vec::new(), "Choose a picture"),
    ] {
        let refused = upload(&app, &token, name, &bytes, false).await;
        assert!(field(&refused, "avatar").contains(message), "{name}: {}", refused.body);
    }
    assert!(s3.keys().is_empty(), "{:?}", s3.keys());
    assert!(avatar_of(&app, &token).await.is_null());
    let anonymous = app
        .get("/avatars/00000000-0000-0000-0000-000000000000/aaaaaaaaaaaaaaaaaaaaaaaa.png")
        .await;
    assert_eq!(anonymous.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plain_form_comes_back_to_the_profile_and_the_local_store_works() {
    let app = TestApp::new().await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let refused = upload(&app, &token, "notes.png", b"not a picture", true).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert_eq!(refused.header("location"), "/settings/profile?form=avatar");
    let page = app
        .get_with(
            "/settings/profile?form=avatar",
            &[("authorization", &bearer(&token)), ("cookie", &refused.flash_cookie())],
        )
        .await;
    assert!(
        page.body.contains("Upload a JPEG, PNG or WebP picture."),
        "{}",
        page.body
    );

    // A body past the router's own limit (a browser says its length up front) is refused before
    // any handler: the form still comes back with the message, an API client gets 413.
    let huge = vec![0_u8; 9 << 20];
    for html in [true, false] {
        let boundary = "XyZ-avatar-boundary";
        let mut body =
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"huge.png\"\r\n\r\n")
                .into_bytes();
        body.extend_from_slice(&huge);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = Request::post("/api/user/avatar")
            .header("host", "portal.test")
            .header("origin", "http://portal.test")
            .header("authorization", bearer(&token))
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .header("content-length", body.len())
            .header("accept", if html { "text/html" } else { "application/json" })
            .body(Body::from(body))
            .expect("a request");
        let answer = app.send(request).await;
        if html {
            assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
            assert_eq!(answer.header("location"), "/settings/profile?form=avatar");
            let page = app
                .get_with(
                    "/settings/profile?form=avatar",
                    &[("authorization", &bearer(&token)), ("cookie", &answer.flash_cookie())],
                )
                .await;
            assert!(page.body.contains("The picture is larger than 5 MB"), "{}", page.body);
        } else {
            assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", answer.body);
        }
    }

    let saved = upload(&app, &token, "me.png", &picture(64, 64, ImageFormat::Png), true).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.header("location"), "/settings/profile?saved=1&form=avatar");
    let path = avatar_of(&app, &token).await.as_str().unwrap().to_owned();
    assert_eq!(stored(&app, &path).await.width(), 256, "on the local file system");
    let profile = app
        .get_with("/settings/profile", &[("authorization", &bearer(&token))])
        .await;
    assert!(
        profile.body.contains(&format!("src=\"{path}\"")),
        "shown in the navbar and the profile"
    );

    // A picture of a few megabytes (noise compresses badly) is within bounds.
    let noise = RgbImage::from_fn(1100, 1100, |x, y| {
        let n = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)).wrapping_mul(2_246_822_519);
        image::Rgb([(n >> 24) as u8, (n >> 16) as u8, (n >> 8) as u8])
    });
    let mut large = Vec::new();
    noise.write_to(&mut Cursor::new(&mut large), ImageFormat::Png).unwrap();
    assert!(large.len() > 2 << 20 && large.len() < 5 << 20, "{} bytes", large.len());
    let accepted = upload(&app, &token, "noise.png", &large, false).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let path = accepted.json()["avatar"].as_str().unwrap().to_owned();

    // Another client removes only their own picture, and cannot overwrite this one.
    let bob = app.register("Bob", "bob@example.com", PASSWORD).await;
    let theirs = app
        .json(
            "POST",
            "/api/user/avatar/remove",
            &serde_json::json!({}),
            &[("authorization", &bearer(&bob))],
        )
        .await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert_eq!(avatar_of(&app, &token).await, path.as_str());
    assert_eq!(app.get(&path).await.status, StatusCode::OK);
    let anonymous = upload(&app, "not-a-token", "me.png", &picture(8, 8, ImageFormat::Png), false).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}
