//! What each mail says, as plain text and as HTML (user-given text is escaped in the HTML).

use chrono::{DateTime, TimeDelta, Utc};
use url::Url;

const PORTAL: &str = "RagSites Portal";

/// A mail ready for the outbox.
pub struct Mail {
    /// What the mail is, as stored in `mail_outbox.kind`.
    pub kind: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// How long the link it carries works: unsent by then, it is not sent at all.
    pub valid_for: Option<TimeDelta>,
}

pub fn password_reset(link: &Url, valid_minutes: i64) -> Mail {
    let intro = "Someone (we hope you) asked to reset the password of your account.";
    let ignore = "If it was not you, ignore this mail: your password stays as it is.";
    let valid = format!("The link works once, for {valid_minutes} minutes.");
    Mail {
        kind: "password_reset",
        subject: format!("Reset your {PORTAL} password"),
        text: format!("Hello,\n\n{intro} Choose a new one here:\n\n{link}\n\n{valid} {ignore}\n\n{PORTAL}\n"),
        html: page(&[intro, &valid, ignore], Some(("Choose a new password", link.as_str()))),
        valid_for: Some(TimeDelta::minutes(valid_minutes)),
    }
}

pub fn password_changed(at: DateTime<Utc>, address: Option<&str>, forgot: &Url) -> Mail {
    let when = format!(
        "The password of your account was changed on {} UTC from the address {}, and every \
         device signed in to it was signed out.",
        at.format("%Y-%m-%d at %H:%M"),
        address.unwrap_or("unknown")
    );
    let not_you = "If this was not you, reset your password now and tell us.";
    Mail {
        kind: "password_changed",
        subject: format!("Your {PORTAL} password was changed"),
        text: format!("Hello,\n\n{when}\n\n{not_you}\n{forgot}\n\n{PORTAL}\n"),
        html: page(&[&when, not_you], Some(("Reset my password", forgot.as_str()))),
        valid_for: None,
    }
}

/// Two-factor sign-in was turned on (`on`) or off: a change to how the account is protected.
pub fn two_factor_changed(on: bool, at: DateTime<Utc>, from: Option<&str>, security: &Url) -> Mail {
    let (state, subject) = if on {
        (
            "turned on: sign-in now asks for a code from your authenticator app",
            "on",
        )
    } else {
        ("turned off: sign-in asks for your password only", "off")
    };
    let what = format!(
        "Two-factor authentication of your account was {state}. This happened on {} UTC from the address {}.",
        at.format("%Y-%m-%d at %H:%M"),
        from.unwrap_or("unknown")
    );
    let not_you = "If this was not you, change your password now and check your account's security settings.";
    Mail {
        kind: "two_factor_changed",
        subject: format!("Two-factor authentication is {subject} for your {PORTAL} account"),
        text: format!("Hello,\n\n{what}\n\n{not_you}\n{security}\n\n{PORTAL}\n"),
        html: page(&[&what, not_you], Some(("Open security settings", security.as_str()))),
        valid_for: None,
    }
}

pub fn confirm_address(link: &Url, valid_hours: i64) -> Mail {
    let intro = format!("Welcome to {PORTAL}. Please confirm that this is your address.");
    let valid = format!("The link works once, for {valid_hours} hours.");
    let ignore = "If you did not create an account, ignore this mail.";
    Mail {
        kind: "confirm_address",
        subject: format!("Confirm your {PORTAL} address"),
        text: format!("Hello,\n\n{intro}\n\n{link}\n\n{valid} {ignore}\n\n{PORTAL}\n"),
        html: page(&[&intro, &valid, ignore], Some(("Confirm my address", link.as_str()))),
        valid_for: Some(TimeDelta::hours(valid_hours)),
    }
}

pub fn confirm_new_address(link: &Url, valid_hours: i64) -> Mail {
    let intro = format!(
        "Someone (we hope you) asked to use this address for a {PORTAL} account. The account \
         keeps its current address until this one is confirmed."
    );
    let valid = format!("The link works once, for {valid_hours} hours.");
    let ignore = "If it was not you, ignore this mail: nothing changes.";
    Mail {
        kind: "confirm_new_address",
        subject: format!("Confirm your new {PORTAL} address"),
        text: format!("Hello,\n\n{intro}\n\n{link}\n\n{valid} {ignore}\n\n{PORTAL}\n"),
        html: page(&[&intro, &valid, ignore], Some(("Confirm this address", link.as_str()))),
        valid_for: Some(TimeDelta::hours(valid_hours)),
    }
}

/// To the old address when a change is asked for: the change waits for the new address.
pub fn address_change_requested(new_address: &str, at: DateTime<Utc>, from: Option<&str>, security: &Url) -> Mail {
    let when = format!(
        "On {} UTC, from the address {}, your account asked to change its address to {new_address}. \
         It changes when that address confirms it by the link we mailed it; every other device was \
         signed out.",
        at.format("%Y-%m-%d at %H:%M"),
        from.unwrap_or("unknown")
    );
    let not_you = "If this was not you, change your password now: that ends the request's sessions.";
    Mail {
        kind: "address_change_requested",
        subject: format!("Your {PORTAL} address is being changed"),
        text: format!("Hello,\n\n{when}\n\n{not_you}\n{security}\n\n{PORTAL}\n"),
        html: page(
            &[&when, not_you],
            Some(("Review my security settings", security.as_str())),
        ),
        valid_for: None,
    }
}

/// A sign-in from a browser and address the account has not used lately.
pub fn new_device_sign_in(at: DateTime<Utc>, browser: &str, os: &str, from: Option<&str>, security: &Url) -> Mail {
    let when = format!(
        "Your account was signed in to on {} UTC with {browser} on {os}, from the address {}.",
        at.format("%Y-%m-%d at %H:%M"),
        from.unwrap_or("unknown")
    );
    let not_you = "If this was not you, change your password now and sign that device out.";
    Mail {
        kind: "new_device_sign_in",
        subject: format!("New sign-in to your {PORTAL} account"),
        text: format!("Hello,\n\n{when}\n\nIf it was you, there is nothing to do. {not_you}\n{security}\n\n{PORTAL}\n"),
        html: page(
            &[&when, "If it was you, there is nothing to do.", not_you],
            Some(("Change my password", security.as_str())),
        ),
        valid_for: None,
    }
}

/// The HTML part: a greeting, the paragraphs and an optional button, in the portal's colours.
/// No mail carries free text a user chose (a name could smuggle a phishing line into it); the
/// only user-given text is an address the account itself asked to use, escaped.
fn page(paragraphs: &[&str], button: Option<(&str, &str)>) -> String {
    let mut body = "<p>Hello,</p>".to_owned();
    for paragraph in paragraphs {
        body.push_str(&format!("<p>{}</p>", escape(paragraph)));
    }
    if let Some((label, href)) = button {
        body.push_str(&format!(
            "<p><a href=\"{href}\" style=\"display:inline-block;padding:10px 18px;background:#4f46e5;\
             color:#fff;border-radius:6px;text-decoration:none\">{label}</a></p>\
             <p style=\"color:#6b7280;font-size:13px\">Or open this address: {href}</p>",
            href = escape(href),
            label = escape(label),
        ));
    }
    format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#111827;\
         max-width:560px;margin:24px auto\"><h2 style=\"color:#4f46e5\">{PORTAL}</h2>{body}\
         <p style=\"color:#6b7280;font-size:13px\">{PORTAL}</p></body></html>"
    )
}

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

// ---- Alerts and weekly reports: list mails, each with its unsubscribe and settings links ----

/// Where a list mail's reader stops it: the one-click address and the notifications tab.
pub struct ListLinks<'a> {
    pub unsubscribe: &'a Url,
    pub settings: &'a Url,
}

/// What an alert mail says: the service, the measure and its figures, already written.
pub struct AlertFacts<'a> {
    pub service: &'a str,
    /// "error rate" or "p95 latency".
    pub measure: &'a str,
    pub observed: String,
    pub threshold: String,
    /// The requests in the 15 minutes the figure covers.
    pub requests: i64,
    /// When, on the recipient's clock ("2026-11-16 10:30 Europe/Paris").
    pub at: String,
    pub service_url: &'a Url,
}

pub fn alert_fired(facts: &AlertFacts, links: &ListLinks) -> Mail {
    let what = format!(
        "The {} of {} is {} over the last 15 minutes ({} requests), above your threshold of {}.",
        facts.measure, facts.service, facts.observed, facts.requests, facts.threshold
    );
    let when = format!(
        "Alert fired at {}. We will tell you once it is back under for 15 minutes.",
        facts.at
    );
    list_mail(
        "alert_fired",
        format!(
            "Alert: {} of {} above {}",
            facts.measure, facts.service, facts.threshold
        ),
        &[&what, &when],
        ("Open the service", facts.service_url),
        links,
    )
}

pub fn alert_resolved(facts: &AlertFacts, links: &ListLinks) -> Mail {
    let what = format!(
        "The {} of {} has been back under your threshold of {} for 15 minutes. Over the last 15 \
         minutes: {} ({} requests).",
        facts.measure, facts.service, facts.threshold, facts.observed, facts.requests
    );
    let when = format!("Alert resolved at {}.", facts.at);
    list_mail(
        "alert_resolved",
        format!(
            "Resolved: {} of {} back under {}",
            facts.measure, facts.service, facts.threshold
        ),
        &[&what, &when],
        ("Open the service", facts.service_url),
        links,
    )
}

/// The weekly report: `period` names the week, each section is a heading and its lines.
pub fn weekly_report(period: &str, sections: &[(&str, Vec<String>)], dashboard: &Url, links: &ListLinks) -> Mail {
    let intro = format!("Your services {period}, compared with the 7 days before.");
    let mut paragraphs = vec![intro];
    for (heading, lines) in sections {
        paragraphs.push(format!("{heading}:"));
        paragraphs.extend(lines.iter().map(|line| format!("· {line}")));
    }
    let paragraphs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
    list_mail(
        "weekly_report",
        format!("Your {PORTAL} weekly report ({period})"),
        &paragraphs,
        ("Open the dashboard", dashboard),
        links,
    )
}

/// A list mail: the paragraphs and a button, then why it came and how to stop it, in both parts.
fn list_mail(
    kind: &'static str,
    subject: String,
    paragraphs: &[&str],
    button: (&str, &Url),
    links: &ListLinks,
) -> Mail {
    let why = "You get this mail because of your notification settings.";
    let text = format!(
        "Hello,\n\n{}\n\n{}: {}\n\n-- \n{why}\nUnsubscribe: {}\nSettings: {}\n\n{PORTAL}\n",
        paragraphs.join("\n"),
        button.0,
        button.1,
        links.unsubscribe,
        links.settings,
    );
    let footer = format!(
        "<p style=\"color:#6b7280;font-size:13px\">{why} <a href=\"{}\">Unsubscribe</a> · \
         <a href=\"{}\">Notification settings</a></p>",
        escape(links.unsubscribe.as_str()),
        escape(links.settings.as_str()),
    );
    let html =
        page(paragraphs, Some((button.0, button.1.as_str()))).replacen("</body>", &format!("{footer}</body>"), 1);
    Mail {
        kind,
        subject,
        text,
        html,
        valid_for: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_in_both_parts_and_escaped_in_html() {
        let link = Url::parse("https://portal.example/auth/reset?token=abc&x=\"<y>").unwrap();
        let mail = password_reset(&link, 30);
        assert!(mail.text.contains(link.as_str()));
        assert!(
            mail.html
                .contains("href=\"https://portal.example/auth/reset?token=abc&amp;x=%22%3Cy%3E\""),
            "{}",
            mail.html
        );
        assert!(mail.text.contains("30 minutes"));
    }
}
