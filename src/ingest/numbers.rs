//! The numbers end users have in the sets (`end_user_ids`), remembered by the process: a number
//! never changes once given, so a batch of known end users needs no query for them.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use uuid::Uuid;

/// How many end users are remembered (about 100 bytes each); past it, the memory starts over.
const CAPACITY: usize = 200_000;

#[derive(Default)]
pub struct EndUserNumbers(Mutex<HashMap<Uuid, HashMap<String, i32>>>);

impl EndUserNumbers {
    /// The numbers known of `names` (of `service_id`), and the names not known.
    pub fn lookup<'a>(&self, service_id: Uuid, names: &[&'a str]) -> (HashMap<String, i32>, Vec<&'a str>) {
        let all = self.lock();
        let known = all.get(&service_id);
        let mut numbers = HashMap::with_capacity(names.len());
        let mut missing = Vec::new();
        for name in names {
            match known.and_then(|k| k.get(*name)) {
                Some(number) => {
                    numbers.insert((*name).to_owned(), *number);
                }
                None => missing.push(*name),
            }
        }
        (numbers, missing)
    }

    pub fn remember(&self, service_id: Uuid, numbers: &HashMap<String, i32>) {
        let mut all = self.lock();
        if all.values().map(HashMap::len).sum::<usize>() + numbers.len() > CAPACITY {
            all.clear();
        }
        let known = all.entry(service_id).or_default();
        known.extend(numbers.iter().map(|(name, number)| (name.clone(), *number)));
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Uuid, HashMap<String, i32>>> {
        // A panic while holding it leaves the map whole (inserts only).
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
