//! The reference evaluator: the concrete IAM decision logic.
