//! A sorted-vector map and set for the simulator's tiny collections (a handful of nodes,
//! shards, exclusions and pending timers).
//!
//! They iterate in key order, as `BTreeMap`/`BTreeSet` do, so the sim stays deterministic;
//! but a B-tree is monomorphised into search, insert, split, merge and rebalance code for
//! every key and value type, and collecting into one sorts. For a few entries a sorted
//! `Vec` is smaller in the wasm bundle and faster (one contiguous binary search, no node
//! pointers). The method names follow the std types, so views read them the same way.

use std::fmt;

/// A map kept sorted by key: `BTreeMap`'s order, a `Vec`'s code size.
#[derive(Clone, PartialEq, Eq)]
pub struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap {
            entries: Vec::new(),
        }
    }
}

impl<K: Ord, V> VecMap<K, V> {
    pub const fn new() -> Self {
        VecMap {
            entries: Vec::new(),
        }
    }

    /// `Ok(index)` of `key`, or `Err(index)` where it would be inserted.
    #[inline]
    fn find(&self, key: &K) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.cmp(key))
    }

    #[inline]
    pub fn get(&self, key: &K) -> Option<&V> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    #[inline]
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        match self.find(key) {
            Ok(i) => Some(&mut self.entries[i].1),
            Err(_) => None,
        }
    }

    #[inline]
    pub fn contains_key(&self, key: &K) -> bool {
        self.find(key).is_ok()
    }

    /// Inserts or replaces; returns the value replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        match self.find(key) {
            Ok(i) => Some(self.entries.remove(i).1),
            Err(_) => None,
        }
    }

    /// The entry with the smallest key.
    #[inline]
    pub fn first_key_value(&self) -> Option<(&K, &V)> {
        self.entries.first().map(|(k, v)| (k, v))
    }

    /// Removes and returns the entry with the smallest key.
    pub fn pop_first(&mut self) -> Option<(K, V)> {
        if self.entries.is_empty() {
            None
        } else {
            Some(self.entries.remove(0))
        }
    }
}

impl<K, V> VecMap<K, V> {
    #[inline]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries in key order.
    #[inline]
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Entries in key order, values mutable (keys are not: they hold the order).
    #[inline]
    pub fn iter_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = (&K, &mut V)> + ExactSizeIterator {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    #[inline]
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    #[inline]
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }
}

impl<'a, K, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

/// Prints as `BTreeMap` does: `{k: v, …}`.
impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for VecMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// A set kept sorted: `BTreeSet`'s order, a `Vec`'s code size.
#[derive(Clone, PartialEq, Eq)]
pub struct VecSet<K> {
    items: Vec<K>,
}

impl<K> Default for VecSet<K> {
    fn default() -> Self {
        VecSet { items: Vec::new() }
    }
}

impl<K: Ord> VecSet<K> {
    pub const fn new() -> Self {
        VecSet { items: Vec::new() }
    }

    #[inline]
    pub fn contains(&self, key: &K) -> bool {
        self.items.binary_search(key).is_ok()
    }

    /// Adds `key`; `false` if it was already there.
    pub fn insert(&mut self, key: K) -> bool {
        match self.items.binary_search(&key) {
            Ok(_) => false,
            Err(i) => {
                self.items.insert(i, key);
                true
            }
        }
    }

    /// Removes `key`; `false` if it was not there.
    pub fn remove(&mut self, key: &K) -> bool {
        match self.items.binary_search(key) {
            Ok(i) => {
                self.items.remove(i);
                true
            }
            Err(_) => false,
        }
    }
}

impl<K> VecSet<K> {
    #[inline]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// Items in order.
    #[inline]
    pub fn iter(&self) -> std::slice::Iter<'_, K> {
        self.items.iter()
    }
}

/// Collects by inserting one at a time: no sort code for a few items.
impl<K: Ord> FromIterator<K> for VecSet<K> {
    fn from_iter<I: IntoIterator<Item = K>>(iter: I) -> Self {
        let mut set = VecSet::new();
        for key in iter {
            set.insert(key);
        }
        set
    }
}

impl<'a, K> IntoIterator for &'a VecSet<K> {
    type Item = &'a K;
    type IntoIter = std::slice::Iter<'a, K>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

/// Prints as `BTreeSet` does: `{a, b, …}`.
impl<K: fmt::Debug> fmt::Debug for VecSet<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keeps_key_order_and_replaces() {
        let mut m = VecMap::new();
        assert_eq!(m.insert(3, "c"), None);
        assert_eq!(m.insert(1, "a"), None);
        assert_eq!(m.insert(2, "b"), None);
        assert_eq!(m.insert(1, "A"), Some("a"));
        assert_eq!(m.keys().copied().collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(m.get(&1), Some(&"A"));
        assert_eq!(m.remove(&2), Some("b"));
        assert_eq!(m.remove(&2), None);
        assert_eq!(m.first_key_value(), Some((&1, &"A")));
        assert_eq!(m.pop_first(), Some((1, "A")));
        assert_eq!(m.len(), 1);
        assert_eq!(format!("{m:?}"), "{3: \"c\"}");
    }

    #[test]
    fn set_collects_sorted_without_duplicates() {
        let mut s: VecSet<u32> = [5, 1, 3, 1].into_iter().collect();
        assert_eq!(s.iter().copied().collect::<Vec<_>>(), [1, 3, 5]);
        assert!(!s.insert(3));
        assert!(s.remove(&3));
        assert!(!s.contains(&3));
        assert_eq!(format!("{s:?}"), "{1, 5}");
    }
}

/// Sorts a short slice by `key`, stably (equal keys keep their order), as `sort_by_key`
/// does. An insertion sort: std's sort is instantiated into several kilobytes of wasm per
/// element type (measured: three call sites cost 3.8 KB gzip), and the lists sorted in the
/// sim and the game hold a handful of entries. Quadratic: never for a list that can be long
/// (the server's boards use std's sort).
pub fn sort_small_by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    sort_small_by(items, |a, b| key(a) > key(b));
}

/// [`sort_small_by_key`] with the order given as "`a` goes after `b`".
pub fn sort_small_by<T>(items: &mut [T], after: impl Fn(&T, &T) -> bool) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && after(&items[j - 1], &items[j]) {
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod sort_tests {
    use super::{sort_small_by, sort_small_by_key};

    #[test]
    fn sorts_like_the_std_stable_sort() {
        let mut seed = 7u64;
        for len in 0..40 {
            let mut items: Vec<(u8, usize)> = (0..len)
                .map(|i| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((seed >> 60) as u8, i)
                })
                .collect();
            let mut want = items.clone();
            want.sort_by_key(|e| e.0);
            sort_small_by_key(&mut items, |e| e.0);
            assert_eq!(items, want, "stable, by key, length {len}");
            let mut whole = items.clone();
            whole.reverse();
            sort_small_by(&mut whole, |a, b| a > b);
            want.sort();
            assert_eq!(whole, want, "by an order, length {len}");
        }
    }
}
