//! IAM questions compiled onto `perimeter-logic`: the custom policy checks of IAM Access Analyzer
//! (`CheckNoNewAccess`, `CheckAccessNotGranted`, `CheckNoPublicAccess`) and policy comparison.
//!
//! - [`compile`] turns policies into formulas over request keys (principal, action, resource,
//!   condition keys);
//! - [`check`] asks the questions and renders the AWS response shapes;
//! - [`witness`] makes a violated question into a concrete request and replays it through the
//!   reference evaluator, `perimeter_iam::eval`;
//! - [`smt`] exports the same questions as SMT-LIB 2 for z3, the test oracle.
//!
//! Answers are never a silent PASS: anything not modelled exactly is a FAIL with a reason.
//! Nothing here does I/O: the tests and the benchmark run z3 themselves (`tests/support/z3.rs`).

pub mod check;
pub mod compile;
pub mod count;
pub mod external;
pub mod overlap;
pub mod smt;
pub mod witness;

pub use check::{
    Access, AccessCheckPolicyType, CheckResponse, CheckResult, ComparePoliciesResponse, Comparison,
    ReasonSummary, check_access_not_granted, check_no_new_access, check_no_public_access,
    compare_policies,
};
