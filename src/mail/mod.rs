//! Mail to the portal's users: what each mail says (`templates`), the outbox rows written in
//! the transaction that causes a mail (`outbox`), and the SMTP server or directory they go to
//! (`transport`).

pub mod outbox;
pub mod templates;
pub mod transport;
