//! Validation rules, one file per rule: the checks of ValidatePolicy.
