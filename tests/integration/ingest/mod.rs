//! Services, keys, ingestion, rollups and the analytics built on them.

mod conversations;
mod dashboard;
mod export;
mod feedback;
mod figures;
mod keys;
mod limits;
mod live;
mod partitions;
