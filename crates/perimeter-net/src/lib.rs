//! perimeter-net: AWS VPC network reachability from `describe-*` JSON.
//!
//! - [`load`] reads a snapshot folder (the only file-system access);
//! - [`lower`] turns the JSON documents into the [`model::Network`]; [`ios`] reads on-prem router
//!   configurations and [`onprem`] runs BGP between them and AWS (Direct Connect, VPN);
//!   [`aws_ranges`] is AWS's EC2 address space (generated data);
//! - [`walk`] is the concrete packet walker, the reference semantics, producing hop-by-hop traces;
//! - [`symbolic`] computes exact header sets (internet exposure, ENI-to-ENI and router-to-ENI
//!   reachability) and is tested against the walker;
//! - [`exposure`], [`reach`] and [`report`] build the report types.
//!
//! Semantics and the "Not modelled" list: `docs/vpc-model.md`.

pub mod aws_ranges;
pub mod exposure;
pub mod hs;
pub mod ios;
pub mod load;
pub mod lower;
pub mod model;
pub mod onprem;
pub mod reach;
pub mod report;
pub mod symbolic;
pub mod synth;
pub mod walk;
