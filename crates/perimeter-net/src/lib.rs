//! perimeter-net
