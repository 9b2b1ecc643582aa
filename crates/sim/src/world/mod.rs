//! What the domains share: the ids (newtypes) and the model types of hosts, instances,
//! volumes, images, clusters and shards.

pub mod ids;
pub mod model;
