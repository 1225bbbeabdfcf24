//! Conformance with Batfish's AWS end-to-end tests (corpus `batfish-aws`, see its SOURCE.md).
//!
//! For every flow expectation, the walker's disposition must equal Batfish's, except for the
//! expectations listed in `KNOWN_DIFFERENCES`, each with the reason (a modelling choice documented in
//! docs/vpc-model.md); for those the test asserts our own documented outcome, so any change shows up.
//! Verdict mapping: ACCEPTED ⇔ NetworkPathFound; DENIED_IN / DENIED_OUT / NO_ROUTE ⇔ not found, with
//! the explanation code of the blocking component.

#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers fail loudly on corpus data they rely on"
)]

use std::path::{Path, PathBuf};

use perimeter_net::hs::{Packet, parse_ip};
use perimeter_net::load::load_files;
use perimeter_net::model::Network;
use perimeter_net::walk::{Disposition, Landing, Start, eval_flow};
use serde_json::Value;

/// Expectations where our documented semantics differ from Batfish, with our outcome.
/// (scenario, expectation name, our disposition or "SKIP" for unmodelled features, reason).
/// None today: docs/vpc-model.md lists the differences that no expectation exercises.
const KNOWN_DIFFERENCES: &[(&str, &str, &str, &str)] = &[];

/// Every expectation of the corpus (SOURCE.md: 76 flow expectations, all resolved).
const EXPECTATIONS: usize = 76;

fn disposition_name(d: Disposition) -> &'static str {
    match d {
        Disposition::Accepted => "ACCEPTED",
        Disposition::DeniedIn => "DENIED_IN",
        Disposition::DeniedOut => "DENIED_OUT",
        Disposition::NoRoute => "NO_ROUTE",
        Disposition::NullRouted => "NULL_ROUTED",
        Disposition::NeighborUnreachable => "NEIGHBOR_UNREACHABLE",
        Disposition::ExitsNetwork => "EXITS_NETWORK",
        Disposition::Unknown => "UNKNOWN",
    }
}

fn corpus() -> Option<PathBuf> {
    let root = std::env::var_os("PERIMETER_CORPORA")?;
    Some(PathBuf::from(root).join("batfish-aws"))
}

fn load(dir: &Path) -> Network {
    let scenario: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("scenario.json")).unwrap()).unwrap();
    // Without a Batfish test (hybrid-cloud-aws), every file is loaded.
    let Some(listed) = scenario["files_loaded_by_batfish_test"].as_array() else {
        return load_files(&dir.join("aws_configs"), None).unwrap();
    };
    let mut files: Vec<String> = listed
        .iter()
        .map(|f| f.as_str().unwrap().rsplit('/').next().unwrap().to_owned())
        .collect();
    // The on-prem router configurations the test loads next to the JSON (`configs/`).
    if let Ok(entries) = std::fs::read_dir(dir.join("configs")) {
        files.extend(
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned()),
        );
    }
    load_files(&dir.join("aws_configs"), Some(&files)).unwrap()
}

fn eni_for(net: &Network, instance: &str, ip: u128) -> String {
    let inst = net
        .instances
        .get(instance)
        .unwrap_or_else(|| panic!("instance {instance} not loaded"));
    inst.eni_ids
        .iter()
        .find(|e| net.network_interfaces.get(e).is_some_and(|n| n.owns(ip)))
        .or(inst.eni_ids.first())
        .unwrap()
        .clone()
}

struct Case {
    start: Start,
    packet: Packet,
}

fn build(net: &Network, e: &Value) -> Option<Case> {
    let src = &e["src"];
    let kind = src["kind"].as_str().unwrap();
    let ip_text = src["ip"].as_str().map(str::to_owned).or_else(|| {
        src.get("ip_candidates")
            .or_else(|| src.get("ip_candidates_inferred"))
            .and_then(|c| c[0].as_str())
            .map(str::to_owned)
    });
    let src_ip = parse_ip(ip_text.as_deref().unwrap_or("0.0.0.0")).unwrap();
    let start = match kind {
        "instance" => Start::Eni(eni_for(net, src["id"].as_str().unwrap(), src_ip)),
        "internet" => Start::Internet,
        "subnet" => Start::Subnet(src["id"].as_str().unwrap().to_owned()),
        "vpc" => Start::Vpc(src["id"].as_str().unwrap().to_owned()),
        "vpn_gateway" => Start::VpnGateway(src["id"].as_str().unwrap().to_owned()),
        "onprem_router" => Start::Router(src["id"].as_str().unwrap().to_owned()),
        _ => return None,
    };
    let dst = parse_ip(e["dst"]["ip"].as_str()?)?;
    let proto = u8::try_from(e["protocol_number"].as_u64().unwrap_or(0)).unwrap();
    let sport = e["srcPort"]
        .as_u64()
        .map_or(0, |p| u16::try_from(p).unwrap());
    let dport = e["dstPort"]
        .as_u64()
        .map_or(0, |p| u16::try_from(p).unwrap());
    Some(Case {
        start,
        packet: Packet {
            src: src_ip,
            dst,
            proto,
            sport,
            dport,
        },
    })
}

#[test]
fn batfish_expectations() {
    let Some(root) = corpus() else {
        println!("batfish-aws conformance did not run: PERIMETER_CORPORA is not set");
        return;
    };
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(Result::ok)
        .map(|d| d.path())
        .filter(|p| p.join("expected.json").exists())
        .collect();
    dirs.sort();
    let (mut checked, mut matched, mut known, mut skipped) = (0, 0, 0, 0);
    let (mut symbolic_checked, mut symbolic_unknown) = (0, 0usize);
    let mut failures = Vec::new();
    for dir in dirs {
        let scenario = dir.file_name().unwrap().to_string_lossy().into_owned();
        let expectations: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        if expectations.is_empty() {
            continue;
        }
        let net = load(&dir);
        for e in &expectations {
            let name = e["name"].as_str().unwrap();
            let diff = KNOWN_DIFFERENCES
                .iter()
                .find(|(s, n, _, _)| *s == scenario && (*n == "*" || *n == name));
            if diff.is_some_and(|d| d.2 == "SKIP") {
                skipped += 1;
                continue;
            }
            let kind = e["type"].as_str().unwrap();
            checked += 1;
            let (got, expected_any): (String, Vec<String>) = if kind == "reachability_exists" {
                // "Some flow from the source instance is accepted at the destination instance": the
                // direct pair through the symbolic engine, or any listener of a load balancer whose
                // forwarding lands there.
                let src = net.instances.get(e["src"]["id"].as_str().unwrap()).unwrap();
                let dst = net.instances.get(e["dst"]["id"].as_str().unwrap()).unwrap();
                let s_eni = net.network_interfaces.get(&src.eni_ids[0]).unwrap();
                let d_eni = net.network_interfaces.get(&dst.eni_ids[0]).unwrap();
                let direct = perimeter_net::symbolic::Engine::new(&net)
                    .decide_pair_exists(s_eni, d_eni)
                    == Some(true);
                let via_lb = net
                    .network_interfaces
                    .iter()
                    .filter(|x| x.is_load_balancer())
                    .any(|lb_eni| {
                        let Some(lb) = net.load_balancer_of(lb_eni) else {
                            return false;
                        };
                        lb.listeners.iter().any(|l| {
                            let p = Packet {
                                src: s_eni.primary_ip().unwrap(),
                                dst: lb_eni.primary_ip().unwrap(),
                                proto: 6,
                                sport: 49152,
                                dport: l.port,
                            };
                            let flow = eval_flow(&net, &Start::Eni(s_eni.id.clone()), p);
                            flow.established
                                && flow.forward.landing == Landing::Eni(d_eni.id.clone())
                        })
                    });
                (
                    (if direct || via_lb {
                        "ACCEPTED"
                    } else {
                        "NOT_FOUND"
                    })
                    .to_owned(),
                    vec!["ACCEPTED".to_owned()],
                )
            } else if kind == "bidirectional_reverse" {
                // The reverse leg is the reply of the forward leg: walk the forward flow and check its reply.
                let fwd_name = name.replace("#reverse", "#forward");
                let fwd = expectations
                    .iter()
                    .find(|x| x["name"].as_str() == Some(fwd_name.as_str()))
                    .expect("forward leg");
                let case = build(&net, fwd).expect("buildable forward leg");
                let flow = eval_flow(&net, &case.start, case.packet);
                let got = if flow.established {
                    "ACCEPTED".to_owned()
                } else {
                    format!("reply {:?}", flow.reply.map(|r| (r.disposition, r.block)))
                };
                (got, vec!["ACCEPTED".to_owned()])
            } else {
                let Some(case) = build(&net, e) else {
                    failures.push(format!("{scenario} {name}: cannot build flow"));
                    continue;
                };
                let flow = eval_flow(&net, &case.start, case.packet);
                let d = disposition_name(flow.forward.disposition).to_owned();
                // Between an on-prem router and an instance, the symbolic engine must agree with
                // the walker (or say unknown).
                let pair = match &case.start {
                    Start::Router(r) => net
                        .network_interfaces
                        .iter()
                        .find(|x| x.owns(case.packet.dst))
                        .map(|x| (r.clone(), x, true, Landing::Eni(x.id.clone()))),
                    Start::Eni(x) => net
                        .customer_routers
                        .iter()
                        .find(|r| r.owns(case.packet.dst))
                        .zip(net.network_interfaces.get(x))
                        .map(|(r, x)| (r.name.clone(), x, false, Landing::Router(r.name.clone()))),
                    _ => None,
                };
                if let Some((router, eni, from_router, landing)) = pair {
                    let answer = perimeter_net::symbolic::Engine::new(&net).decide_router_pair(
                        &router,
                        eni,
                        from_router,
                    );
                    let concrete = flow.established && flow.forward.landing == landing;
                    symbolic_checked += 1;
                    symbolic_unknown += usize::from(answer.unknown.contains(&case.packet));
                    if answer.allowed.contains(&case.packet) != concrete
                        && !answer.unknown.contains(&case.packet)
                    {
                        failures.push(format!(
                            "{scenario} {name}: symbolic {} but walker {concrete}",
                            answer.allowed.contains(&case.packet)
                        ));
                    }
                }
                // With on-prem routers, which gateway a path takes is the point (Direct Connect vs
                // VPN, high vs low preference): the gateways and routers Batfish lists must be on
                // our path in the same order.
                if dir.join("configs").is_dir() {
                    let ours: Vec<&str> =
                        flow.forward.steps.iter().map(|s| s.id.as_str()).collect();
                    let wanted: Vec<&str> = e["expected_hops"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .zip(e["expected_hop_kinds"].as_array().unwrap())
                        .filter(|(_, k)| {
                            let k = k.as_str().unwrap();
                            // A packet dropped at the instance's security group has no instance
                            // step here (the block names its interface).
                            if k == "instance" && d != "ACCEPTED" {
                                return false;
                            }
                            [
                                "transit_gateway",
                                "direct_connect",
                                "vpn_gateway",
                                "non_aws_node",
                                "instance",
                            ]
                            .iter()
                            .any(|w| k.starts_with(w))
                        })
                        .map(|(h, _)| {
                            let h = h.as_str().unwrap();
                            h.strip_prefix("dxgw-").unwrap_or(h)
                        })
                        .collect();
                    let mut it = ours.iter();
                    if !wanted.iter().all(|w| it.any(|o| o == w)) {
                        failures.push(format!(
                            "{scenario} {name}: path {ours:?} does not pass {wanted:?} in order"
                        ));
                    }
                }
                let expected: Vec<String> = match e["expected_disposition"].as_str() {
                    Some(x) => vec![x.to_owned()],
                    None => e["expected_disposition_any_of"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_str().unwrap().to_owned())
                        .collect(),
                };
                // Verdict mapping: an accepted forward walk must also have its reply come back.
                if d == "ACCEPTED" && !flow.established {
                    failures.push(format!(
                        "{scenario} {name}: accepted but reply blocked: {:?}",
                        flow.reply.map(|r| r.block)
                    ));
                }
                // Blocked flows must name an explanation code.
                if ["DENIED_IN", "DENIED_OUT", "NO_ROUTE"].contains(&d.as_str())
                    && flow
                        .forward
                        .block
                        .as_ref()
                        .is_none_or(|b| b.code.is_empty())
                {
                    failures.push(format!("{scenario} {name}: {d} without explanation"));
                }
                (d, expected)
            };
            if let Some((_, _, ours, _)) = diff {
                if got == *ours {
                    known += 1;
                } else {
                    failures.push(format!(
                        "{scenario} {name}: documented difference expected {ours}, got {got}"
                    ));
                }
            } else if expected_any.contains(&got) {
                matched += 1;
            } else {
                failures.push(format!(
                    "{scenario} {name}: expected {expected_any:?}, got {got}"
                ));
            }
        }
    }
    println!(
        "batfish-aws: {checked} checked, {matched} match, {known} documented differences, {skipped} not modelled; {symbolic_checked} router flows also decided by the symbolic engine ({symbolic_unknown} unknown)"
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        skipped, 0,
        "every expectation is modelled; {skipped} were skipped"
    );
    assert_eq!(
        checked, EXPECTATIONS,
        "expected all {EXPECTATIONS} expectations checked"
    );
    assert_eq!(matched + known, checked);
    // The Direct Connect flows and those from the VPN router to an instance.
    assert!(symbolic_checked >= 5, "{symbolic_checked} router flows");
}

/// The symbolic engine against the walker on the corpus's own networks: every ordered pair of
/// running instances, a handful of packets each plus a witness of the symbolic allowed set.
#[test]
fn symbolic_agrees_with_walker_on_corpus_instances() {
    let Some(root) = corpus() else {
        println!("batfish-aws engine comparison did not run: PERIMETER_CORPORA is not set");
        return;
    };
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(Result::ok)
        .map(|d| d.path())
        .filter(|p| p.join("scenario.json").exists())
        .collect();
    dirs.sort();
    let (mut packets, mut allowed, mut unknown) = (0usize, 0usize, 0usize);
    for dir in dirs {
        let net = load(&dir);
        let mut engine = perimeter_net::symbolic::Engine::new(&net);
        let enis: Vec<&perimeter_net::model::NetworkInterface> = net
            .instances
            .iter()
            .filter_map(|i| i.eni_ids.first())
            .filter_map(|e| net.network_interfaces.get(e))
            .collect();
        for s in &enis {
            for d in &enis {
                if s.id == d.id {
                    continue;
                }
                let (Some(sip), Some(dip)) = (s.primary_ip(), d.primary_ip()) else {
                    continue;
                };
                let answer = engine.decide_pair(s, d);
                let mut cases: Vec<Packet> = [
                    (6u8, 22u16),
                    (6, 80),
                    (6, 443),
                    (6, 3389),
                    (17, 53),
                    (17, 123),
                    (1, 8),
                    (0, 0),
                ]
                .iter()
                .map(|&(proto, dport)| Packet {
                    src: sip,
                    dst: dip,
                    proto,
                    sport: if proto == 1 { 0 } else { 49152 },
                    dport,
                })
                .collect();
                if let Some(b) = answer.allowed.boxes().first() {
                    cases.push(Packet {
                        src: b.lo[0],
                        dst: b.lo[1],
                        proto: u8::try_from(b.lo[2]).unwrap(),
                        sport: u16::try_from(b.lo[3]).unwrap(),
                        dport: u16::try_from(b.lo[4]).unwrap(),
                    });
                }
                for p in cases {
                    let flow = eval_flow(&net, &Start::Eni(s.id.clone()), p);
                    let concrete =
                        flow.established && flow.forward.landing == Landing::Eni(d.id.clone());
                    packets += 1;
                    if answer.allowed.contains(&p) {
                        allowed += 1;
                        assert!(
                            concrete,
                            "{dir:?}: symbolic allows {p:?} {} -> {}, walker disagrees: {:?}",
                            s.id, d.id, flow.forward.block
                        );
                    } else if answer.unknown.contains(&p) {
                        unknown += 1;
                        println!(
                            "unknown to the symbolic engine: {} {} -> {} {:?}: walker {:?} {:?}",
                            dir.file_name().unwrap().to_string_lossy(),
                            s.id,
                            d.id,
                            (p.proto, p.dport),
                            flow.forward.disposition,
                            flow.forward.block.as_ref().map(|b| &b.message)
                        );
                    } else {
                        assert!(
                            !concrete,
                            "{dir:?}: walker connects {p:?} {} -> {}, symbolic disagrees",
                            s.id, d.id
                        );
                    }
                }
            }
        }
    }
    println!(
        "batfish-aws engines: {packets} packets between instances compared, {allowed} allowed, {unknown} unknown"
    );
    assert!(
        packets >= 400 && allowed >= 100,
        "{packets} packets, {allowed} allowed"
    );
}

/// The routing facts Batfish's Direct Connect tests assert besides flows (`non_flow_assertions` in
/// each scenario.json), in our model's terms.
#[test]
fn direct_connect_routing_facts() {
    let Some(root) = corpus() else {
        println!("batfish-aws routing facts did not run: PERIMETER_CORPORA is not set");
        return;
    };
    let ip = |t: &str| parse_ip(t).unwrap();
    // testVgwHasOnlyHighPrefRoute: the VGW's route for 10.20.0.0/16 is BGP, local preference 300,
    // towards onprem-high (169.254.30.2).
    let net = load(&root.join("direct-connect-private-vif"));
    let vgw = net.vpn_gateways.get("vgw-priv01").unwrap();
    let best = perimeter_net::onprem::best_onprem(&vgw.learned, ip("10.20.0.1")).unwrap();
    assert_eq!(best.cidr.to_string(), "10.20.0.0/16");
    assert_eq!(best.local_pref, 300);
    assert_eq!(best.router.as_deref(), Some("onprem-high"));
    assert_eq!(best.via, "dxvif-priv01");
    let vif = net.virtual_interfaces.get("dxvif-priv01").unwrap();
    assert_eq!(
        vif.peers.first().and_then(|p| p.1),
        Some(ip("169.254.30.2"))
    );
    // testDxCommunityToLocalPreferenceMapping(OnVgw): the low-preference router's route is 150.
    assert!(
        vgw.learned
            .iter()
            .any(|r| r.router.as_deref() == Some("onprem-low") && r.local_pref == 150)
    );

    // testTgwReceivesDxRoutesWithDxLocalPreference: tgw-rtb-dx01 uses the Direct Connect route for
    // 10.10.0.0/16 (Direct Connect before VPN at equal length), learned with preference 200.
    let net = load(&root.join("direct-connect-gateway"));
    let rtb = net.tgw_route_tables.get("tgw-rtb-dx01").unwrap();
    let best = rtb
        .routes
        .iter()
        .filter(|r| r.cidr.contains(ip("10.10.0.1")))
        .max_by_key(|r| {
            (
                r.cidr.axis_len(),
                perimeter_net::walk::tgw_route_priority(&net, "tgw-dx01", r),
            )
        })
        .unwrap();
    assert_eq!(best.cidr.to_string(), "10.10.0.0/16");
    assert_eq!(best.attachment_id.as_deref(), Some("tgw-attach-dx01"));
    let dxgw = net
        .dx_gateways
        .get("7b2c4f8a-1234-4abc-9def-fedcba987654")
        .unwrap();
    assert!(dxgw.routes.iter().all(|r| r.local_pref == 200));
    // testDxgwOnlySeesVpcsInDxRouteTable: the Direct Connect attachment's table holds vpc-dx01's
    // 10.100.0.0/16 and nothing towards vpc-iso01 (propagated only to tgw-rtb-iso01).
    assert!(
        rtb.routes
            .iter()
            .any(|r| r.cidr.to_string() == "10.100.0.0/16"
                && r.attachment_id.as_deref() == Some("tgw-attach-vpc01"))
    );
    assert!(
        rtb.routes
            .iter()
            .all(|r| r.attachment_id.as_deref() != Some("tgw-attach-iso01"))
    );
    let router = net.customer_routers.get("onprem-router").unwrap();
    let to = |t: &str| perimeter_net::onprem::router_lookup(router, ip(t)).map(|r| r.protocol);
    assert_eq!(to("10.100.1.10"), Some("bgp"));

    // testDxgwHasInterfacesTowardBothTgws / testBothTgwsHaveInterfacesTowardDxgw: the gateway is
    // global (listed in two regions) and associated with both transit gateways.
    let net = load(&root.join("direct-connect-gateway-multi-region"));
    assert_eq!(net.dx_gateways.len(), 1);
    let mut tgws: Vec<&str> = net
        .dx_gateways
        .iter()
        .flat_map(|g| g.associations.iter().map(|a| a.0.as_str()))
        .collect();
    tgws.sort_unstable();
    assert_eq!(tgws, ["tgw-east", "tgw-west"]);
}
