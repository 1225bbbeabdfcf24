//! perimeter-iam
