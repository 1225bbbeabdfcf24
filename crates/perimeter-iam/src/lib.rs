//! The IAM policy language: text → syntax tree with spans → normalized model, ARNs and patterns, the
//! service catalog, the concrete evaluator (the reference semantics every symbolic answer is checked
//! against) and the validation rules of `validate-policy`.
//!
//! Nothing here does I/O, reads the clock or the environment, or panics on user input.

pub mod arn;
pub mod catalog;
pub mod diagnostic;
pub mod eval;
#[doc(hidden)]
pub mod fuzz;
pub mod model;
pub mod pattern;
pub mod syntax;
pub mod validate;

pub use diagnostic::{Diagnostic, Location, PathElement, Severity};
pub use model::{Policy, PolicyKind, parse_and_lower};
pub use syntax::parse_policy;
