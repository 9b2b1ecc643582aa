//! The datastore, modelled on Elasticsearch 7.x/8.x: coordination (fault detection,
//! elections, joins, voting configuration), shard allocation, peer recovery, disk
//! watermarks and health, each in its own file; the REST API in `api.rs`.

mod allocation;
pub mod api;
pub(crate) mod coordination;
mod disk;
mod health;
mod recovery;

pub use health::compute_health;

use crate::model::*;
use crate::rng::Prng;

/// The datastore's part of the simulation: the clusters (the main one first), the node ids
/// persisted on data paths (by `NodeKey`), the next shard allocation id, and the
/// datastore's random stream.
#[derive(Clone, Debug)]
pub struct DatastoreState {
    clusters: Vec<Cluster>,
    /// Datastore node ids (the 22-character ids ES persists), by `NodeKey`.
    node_ids: Vec<String>,
    next_alloc: u64,
    rng: Prng,
}

impl DatastoreState {
    pub(crate) fn new(rng: Prng) -> DatastoreState {
        DatastoreState {
            clusters: Vec::new(),
            node_ids: Vec::new(),
            next_alloc: 1,
            rng,
        }
    }

    /// Records a new node identity with ES id `id`.
    pub(crate) fn new_node_key(&mut self, id: String) -> NodeKey {
        self.node_ids.push(id);
        NodeKey::new(self.node_ids.len() - 1)
    }

    /// A node's ES id string.
    pub(crate) fn node_id(&self, node: NodeKey) -> &str {
        &self.node_ids[node.index()]
    }

    pub(crate) fn clusters(&self) -> &[Cluster] {
        &self.clusters
    }

    /// A fresh shard allocation id.
    pub(crate) fn next_alloc_id(&mut self) -> u64 {
        let alloc = self.next_alloc;
        self.next_alloc += 1;
        alloc
    }

    /// The datastore's random stream.
    pub(crate) fn rng(&mut self) -> &mut Prng {
        &mut self.rng
    }

    /// Every cluster, the main one first.
    pub(crate) fn ids(&self) -> impl Iterator<Item = ClusterId> {
        (0..self.clusters.len()).map(ClusterId::new)
    }

    /// Adds a cluster.
    pub(crate) fn push(&mut self, cluster: Cluster) -> ClusterId {
        self.clusters.push(cluster);
        ClusterId::new(self.clusters.len() - 1)
    }
}

impl std::ops::Index<ClusterId> for DatastoreState {
    type Output = Cluster;
    fn index(&self, c: ClusterId) -> &Cluster {
        &self.clusters[c.index()]
    }
}

impl std::ops::IndexMut<ClusterId> for DatastoreState {
    fn index_mut(&mut self, c: ClusterId) -> &mut Cluster {
        &mut self.clusters[c.index()]
    }
}
