//! Access Analyzer's findings, their lifecycle and archive rules, kept in an embedded SQLite store.
//!
//! - [`model`]: the `Finding` and request/response shapes of the botocore `accessanalyzer` model, plus
//!   perimeter's [`Explanation`] (which statement, ACL grant, BPA setting, KMS grant or snapshot attribute
//!   grants the access) and [`FindingInput`], what the analysis hands over.
//! - [`Store::record_scan`]: one transaction per scan. Findings are keyed by a content hash of
//!   (resource, resource type, principal, action set, condition, sources, error): an unchanged key keeps
//!   its id and createdAt; a vanished key becomes RESOLVED; changed access is a new finding.
//! - [`filter`]: the `Criterion` filter semantics (eq / neq / contains / exists) and sorting.
//! - [`events`]: EventBridge "Access Analyzer Finding" events for new, changed, resolved and deleted findings.
//!
//! Invariants: the clock is a parameter (`now`), never read here; at most one open (ACTIVE or ARCHIVED)
//! finding per key and analyzer (a unique index enforces it); a killed scan leaves the previous
//! committed state (WAL, one transaction); readers never wait for a running scan.

pub mod events;
pub mod filter;
pub mod model;
pub mod store;
pub mod time;

pub use events::{FindingChange, FindingEvent, FindingEventDetail, ScanEvent, render_event};
pub use filter::{
    FieldValue, FilterUse, criterion_matches, field_value, filter_matches, sort_findings,
    validate_filter,
};
pub use model::*;
pub use store::{
    FindingSelector, ScanOutcome, Store, StoreError, analyzer_arn, analyzer_name_for, finding_key,
};
pub use time::Timestamp;
