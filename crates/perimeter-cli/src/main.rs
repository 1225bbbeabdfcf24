//! The `perimeter` command line.
fn main() {}
