//! Ids that index the simulation's tables. A newtype, so that a node identity cannot be
//! mistaken for an instance index (both were bare `usize`s).

/// A datastore node identity, as persisted in a data path (its ES node id is
/// `Sim::node_id`). Node keys are handed out in order, so they sort in creation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeKey(usize);

impl NodeKey {
    pub(crate) fn new(index: usize) -> NodeKey {
        NodeKey(index)
    }
    /// Position in `Sim`'s node id table.
    pub(crate) fn index(self) -> usize {
        self.0
    }
}

impl std::fmt::Display for NodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A datastore cluster: an index into the simulation's clusters, the main one (the one the
/// web app uses) first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClusterId(usize);

impl ClusterId {
    /// The main cluster.
    pub const MAIN: ClusterId = ClusterId(0);

    pub(crate) fn new(index: usize) -> ClusterId {
        ClusterId(index)
    }
    /// Position in `Sim::clusters()`.
    pub fn index(self) -> usize {
        self.0
    }
}

impl std::fmt::Display for ClusterId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An EC2 instance: an index into `Sim::instances()` (in launch order; instances are never
/// removed, a terminated one stays listed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InstanceId(usize);

impl InstanceId {
    pub(crate) fn new(index: usize) -> InstanceId {
        InstanceId(index)
    }
    /// Position in `Sim::instances()`.
    pub fn index(self) -> usize {
        self.0
    }
}

/// The game holds instance positions as `usize`s (from `instances().iter().enumerate()`).
impl From<usize> for InstanceId {
    fn from(index: usize) -> InstanceId {
        InstanceId(index)
    }
}

impl PartialEq<usize> for InstanceId {
    fn eq(&self, other: &usize) -> bool {
        self.0 == *other
    }
}

impl std::fmt::Display for InstanceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}
