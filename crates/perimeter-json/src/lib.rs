//! perimeter-json
