//! The git layer: packs, loose objects, the object reader, tree diffs and repository handles,
//! all speaking one id type ([`ObjectId`]). It knows nothing of rules, findings or scans:
//! sources (history, push, staged) build on it, and whatever it cannot read they ask libgit2
//! for through the handles of [`repo`].

mod id;
pub mod lfs;
pub mod loose;
pub mod objects;
pub mod pack;
pub mod repo;
pub mod tree_diff;

pub use id::ObjectId;
