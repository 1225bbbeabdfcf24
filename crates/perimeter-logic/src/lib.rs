//! perimeter-logic
