//! SMT-LIB 2 export (placeholder).
