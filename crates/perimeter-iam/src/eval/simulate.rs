//! SimulateCustomPolicy.
