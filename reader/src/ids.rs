//! A block's definitions (threads, callsites, strings) by id.
//!
//! Writers number ids densely in order of first appearance (SPEC section 5), so an id is
//! at most the number of records seen so far: those go into an array. The spec lets a
//! writer number as it likes, so any other id goes into a map. Either way the table never
//! grows past the block's own size, whatever id a damaged or hostile block names.

use std::collections::HashMap;

/// Definitions of one kind, by id, for one block.
#[derive(Debug)]
pub(crate) struct IdTable<T> {
    dense: Vec<Option<T>>,
    sparse: HashMap<u64, T>,
}

impl<T> Default for IdTable<T> {
    fn default() -> Self {
        IdTable {
            dense: Vec::new(),
            sparse: HashMap::new(),
        }
    }
}

impl<T> IdTable<T> {
    /// Defines `id` (again, if it was); `records_seen` counts the block's records so far.
    pub(crate) fn set(&mut self, id: u64, value: T, records_seen: u32) {
        match usize::try_from(id) {
            Ok(i) if i <= records_seen as usize => {
                if self.dense.len() <= i {
                    self.dense.resize_with(i + 1, || None);
                }
                self.dense[i] = Some(value);
            }
            _ => {
                self.sparse.insert(id, value);
            }
        }
    }

    /// The definition of `id`, if any.
    #[inline]
    pub(crate) fn get(&self, id: u64) -> Option<&T> {
        let dense = usize::try_from(id)
            .ok()
            .and_then(|i| self.dense.get(i))
            .and_then(Option::as_ref);
        match dense {
            Some(v) => Some(v),
            None if self.sparse.is_empty() => None,
            None => self.sparse.get(&id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_sparse_ids_both_resolve_and_a_huge_id_allocates_nothing_big() {
        let mut t = IdTable::default();
        t.set(0, "a", 1);
        t.set(1, "b", 2);
        t.set(u64::MAX, "far", 3);
        t.set(4_000_000_000, "also far", 4);
        assert_eq!(t.get(0), Some(&"a"));
        assert_eq!(t.get(1), Some(&"b"));
        assert_eq!(t.get(u64::MAX), Some(&"far"));
        assert_eq!(t.get(4_000_000_000), Some(&"also far"));
        assert_eq!(t.get(2), None);
        assert!(t.dense.len() <= 2);
        // A later definition of the same id wins, wherever it lands.
        t.set(1, "b2", 5);
        assert_eq!(t.get(1), Some(&"b2"));
    }
}
