//! Request correlation: fresh positive request ids, and the table that finds the call a
//! response answers.

use std::collections::HashMap;

use rand::Rng;

use super::call::CallId;

/// The requests waiting for their response, by the `request_id` they were sent with.
#[derive(Debug, Default)]
pub(crate) struct PendingRequests {
    by_id: HashMap<i64, CallId>,
}

impl PendingRequests {
    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// A request id that no request in flight has.
    pub(crate) fn fresh_id(&self, rng: &mut impl Rng) -> i64 {
        fresh_id(rng, |id| self.by_id.contains_key(&id))
    }

    pub(crate) fn insert(&mut self, request_id: i64, call: CallId) {
        self.by_id.insert(request_id, call);
    }

    pub(crate) fn remove(&mut self, request_id: i64) -> Option<CallId> {
        self.by_id.remove(&request_id)
    }

    pub(crate) fn clear(&mut self) {
        self.by_id.clear();
    }
}

/// A random id in 1..=i64::MAX that `taken` does not claim, as the official clients pick
/// them: the gateway refuses ids ≤ 0, and an id in flight twice could not be told apart.
pub(crate) fn fresh_id(rng: &mut impl Rng, taken: impl Fn(i64) -> bool) -> i64 {
    loop {
        let id = rng.random_range(1..=i64::MAX);
        if !taken(id) {
            return id;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn ids_are_positive_and_skip_those_in_flight() {
        let mut rng = StdRng::seed_from_u64(7);
        let first = fresh_id(&mut rng.clone(), |_| false);
        assert!(first > 0);
        // The same stream of random numbers, with the first one taken: the next is chosen.
        let second = fresh_id(&mut rng, |id| id == first);
        assert!(second > 0);
        assert_ne!(second, first);
    }

    #[test]
    fn the_table_never_hands_out_an_id_in_flight() {
        let draws: Vec<i64> = {
            let mut rng = StdRng::seed_from_u64(11);
            (0..100).map(|_| rng.random_range(1..=i64::MAX)).collect()
        };
        let mut pending = PendingRequests::default();
        for (n, &id) in draws[..99].iter().enumerate() {
            pending.insert(id, CallId(n as u64));
        }
        assert_eq!(pending.len(), 99);
        // The same random stream: every id it draws first is in flight, so the 100th is chosen.
        assert_eq!(pending.fresh_id(&mut StdRng::seed_from_u64(11)), draws[99]);
        assert_eq!(pending.remove(draws[5]), Some(CallId(5)));
        assert_eq!(pending.fresh_id(&mut StdRng::seed_from_u64(11)), draws[5]);
        pending.clear();
        assert_eq!(pending.len(), 0);
    }
}
