//! The account snapshot: a folder of AWS CLI JSON exports in CloudMapper's `collect` layout, turned
//! into a typed [`Snapshot`] of the resources IAM Access Analyzer's external-access analysis covers.
//!
//! The layout is documented in `docs/snapshot-format.md`. The crate has two halves:
//! - [`lower_snapshot`] (pure): [`SnapshotFiles`] (relative path → bytes) → [`Snapshot`], with a
//!   [`Diagnostic`] (file + JSON pointer) for every malformed file or value; the rest still loads.
//! - [`load`] (the only file-system code below the CLI): reads a folder into [`SnapshotFiles`].
//!
//! Invariants: lowering never panics on input and never recurses (the JSON parser bounds nesting);
//! every resource, policy, grant and share entry carries its [`Origin`]; a missing listing file
//! marks the type as not analysed ([`CoverageStatus::NotAnalysed`]) in that Region.
//!
//! [`rcp`] decides the `resourceControlPolicyRestriction` of a resource's external-access findings from
//! the organization's resource control policies in the snapshot (pure).

pub mod files;
pub mod load;
mod lower;
mod model;
pub mod rcp;

pub use files::{SnapshotFiles, percent_decode, quote_plus};
pub use load::{LoadError, load_snapshot};
pub use lower::{DEFAULT_REGION, RCP_LISTING, arn_account, lower_snapshot};
pub use model::*;
