//! The live streams open in this process. Each holds a slot: slots are counted per user and in
//! all (the caps), and kept under their session, so that the end of a session (heard by the
//! listener) ends its streams.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;
use uuid::Uuid;

/// How many streams may be open at once.
#[derive(Clone, Copy, Debug)]
pub struct Caps {
    pub per_user: usize,
    pub per_process: usize,
}

/// Which cap a refused stream met.
#[derive(Debug, PartialEq)]
pub enum Full {
    User,
    Process,
}

#[derive(Default)]
pub struct Slots {
    inner: Mutex<Registry>,
}

#[derive(Default)]
struct Registry {
    open: usize,
    per_user: HashMap<Uuid, usize>,
    sessions: HashMap<Uuid, Session>,
}

struct Session {
    streams: usize,
    /// Becomes `true` when the session ends.
    ended: watch::Sender<bool>,
}

impl Slots {
    /// A slot for a stream of `session_id`, unless a cap is met.
    pub fn open(self: &Arc<Self>, user_id: Uuid, session_id: Uuid, caps: Caps) -> Result<Slot, Full> {
        let mut registry = self.lock();
        if registry.open >= caps.per_process {
            return Err(Full::Process);
        }
        let user = registry.per_user.entry(user_id).or_default();
        if *user >= caps.per_user {
            return Err(Full::User);
        }
        *user += 1;
        registry.open += 1;
        let session = registry.sessions.entry(session_id).or_insert_with(|| Session {
            streams: 0,
            ended: watch::channel(false).0,
        });
        session.streams += 1;
        let ended = session.ended.subscribe();
        Ok(Slot {
            slots: Arc::clone(self),
            user_id,
            session_id,
            ended,
            _open: crate::server::metrics::live_stream_opened(),
        })
    }

    /// Ends the streams of `session_id`, if this process holds any.
    pub fn end_session(&self, session_id: Uuid) {
        if let Some(session) = self.lock().sessions.get(&session_id) {
            session.ended.send_replace(true);
        }
    }

    /// The sessions with streams open here.
    pub fn sessions(&self) -> Vec<Uuid> {
        self.lock().sessions.keys().copied().collect()
    }

    /// How many streams are open in this process.
    pub fn open_count(&self) -> usize {
        self.lock().open
    }

    fn lock(&self) -> MutexGuard<'_, Registry> {
        // Every change is one step under the lock: a panicking holder leaves it consistent.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// An open stream's place: freed when dropped.
pub struct Slot {
    slots: Arc<Slots>,
    user_id: Uuid,
    session_id: Uuid,
    ended: watch::Receiver<bool>,
    /// Counts the stream in `live_streams_open` while it is open.
    _open: crate::server::metrics::GaugeGuard,
}

impl Slot {
    /// Resolves when the stream's session has ended.
    pub fn ended(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut ended = self.ended.clone();
        async move {
            // The sender lives as long as this slot's session entry, which this slot keeps.
            let _ = ended.wait_for(|&ended| ended).await;
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut registry = self.slots.lock();
        registry.open -= 1;
        if let Some(count) = registry.per_user.get_mut(&self.user_id) {
            *count -= 1;
            if *count == 0 {
                registry.per_user.remove(&self.user_id);
            }
        }
        if let Some(session) = registry.sessions.get_mut(&self.session_id) {
            session.streams -= 1;
            if session.streams == 0 {
                registry.sessions.remove(&self.session_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAPS: Caps = Caps {
        per_user: 2,
        per_process: 3,
    };

    #[test]
    fn the_caps_hold_and_a_dropped_slot_frees_its_place() {
        let slots = Arc::new(Slots::default());
        let (alice, bob, carol) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let a1 = slots.open(alice, Uuid::from_u128(11), CAPS).unwrap();
        let _a2 = slots.open(alice, Uuid::from_u128(12), CAPS).unwrap();
        assert_eq!(slots.open(alice, Uuid::from_u128(11), CAPS).err(), Some(Full::User));
        let _b1 = slots.open(bob, Uuid::from_u128(21), CAPS).unwrap();
        assert_eq!(slots.open(carol, Uuid::from_u128(31), CAPS).err(), Some(Full::Process));
        assert_eq!(slots.open_count(), 3);
        drop(a1);
        assert_eq!(slots.open_count(), 2);
        let _c1 = slots.open(carol, Uuid::from_u128(31), CAPS).unwrap();
        assert_eq!(slots.open(alice, Uuid::from_u128(11), CAPS).err(), Some(Full::Process));
    }

    #[tokio::test]
    async fn the_end_of_a_session_ends_its_streams_only() {
        let slots = Arc::new(Slots::default());
        let user = Uuid::from_u128(1);
        let (ending, staying) = (Uuid::from_u128(11), Uuid::from_u128(12));
        let caps = Caps {
            per_user: 3,
            per_process: 3,
        };
        let first = slots.open(user, ending, caps).unwrap();
        let second = slots.open(user, ending, caps).unwrap();
        let other = slots.open(user, staying, caps).unwrap();
        let (first_ended, second_ended) = (first.ended(), second.ended());
        slots.end_session(ending);
        first_ended.await;
        second_ended.await;
        assert!(!*other.ended.borrow(), "another session's stream goes on");
        drop((first, second));
        assert_eq!(
            slots.sessions(),
            vec![staying],
            "an ended session's entry goes with its streams"
        );
        slots.end_session(Uuid::from_u128(99));
    }
}
