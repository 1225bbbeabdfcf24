//! Catalog loading benchmark.
//!
//! `cargo run --release -p perimeter-iam --example catalog_load -- bench` prints medians of cold
//! operations, each on a fresh `Catalog::new_builtin()`. `-- lookup` does one cold lookup and
//! exits, `-- none` only prints the catalog version (the baseline for whole-process timing).

use std::time::{Duration, Instant};

use perimeter_iam::catalog::{Catalog, meta};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    let mut v = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let out = std::hint::black_box(f());
        v.push(t.elapsed());
        drop(out); // freeing a fresh catalog is not part of loading it
    }
    median(v)
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    match mode.as_str() {
        "none" => println!("{} {}", meta().version, meta().data_date),
        "lookup" => {
            let c = Catalog::get();
            let level = c.access_level("s3", "GetObject");
            let key = c.condition_key_type("aws:SourceIp");
            println!("{level:?} {key:?}");
        }
        _ => {
            let runs = 21;
            let rows: Vec<(&str, Duration)> = vec![
                ("new_builtin (index)", time(runs, Catalog::new_builtin)),
                (
                    "index + first s3:GetObject",
                    time(runs, || {
                        let c = Catalog::new_builtin();
                        let level = c.access_level("s3", "GetObject");
                        (c, level)
                    }),
                ),
                (
                    "index + first ec2:RunInstances (largest service)",
                    time(runs, || {
                        let c = Catalog::new_builtin();
                        let level = c.access_level("ec2", "RunInstances");
                        (c, level)
                    }),
                ),
                (
                    "index + first aws:SourceIp type (globals)",
                    time(runs, || {
                        let c = Catalog::new_builtin();
                        let ty = c.condition_key_type("aws:SourceIp");
                        (c, ty)
                    }),
                ),
                (
                    "index + all services",
                    time(runs, || {
                        let c = Catalog::new_builtin();
                        let n = c.services().count();
                        (c, n)
                    }),
                ),
                ("warm actions_matching(\"*\")", {
                    let c = Catalog::get();
                    c.services().count();
                    time(runs, || c.actions_matching("*").len())
                }),
                ("warm actions_matching(\"*:Get*\")", {
                    let c = Catalog::get();
                    time(runs, || c.actions_matching("*:Get*").len())
                }),
                ("warm actions_matching(\"s3:Get*\")", {
                    let c = Catalog::get();
                    time(runs, || c.actions_matching("s3:Get*").len())
                }),
                ("warm resource_types_for_arn(s3 object)", {
                    let c = Catalog::get();
                    time(runs, || c.resource_types_for_arn("arn:aws:s3:::b/k").len())
                }),
            ];
            for (name, d) in rows {
                println!("{name:<52} median {:>10.3} ms", d.as_secs_f64() * 1e3);
            }
        }
    }
}
