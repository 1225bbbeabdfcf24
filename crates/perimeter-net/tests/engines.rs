//! Differential tests: the symbolic engine against the concrete walker on random packets over
//! random networks. Every run checks at least 100,000 packets.

#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "test helpers")]

use perimeter_net::hs::{Ip, Packet, parse_ip};
use perimeter_net::model::{Network, NetworkInterface};
use perimeter_net::symbolic::Engine;
use perimeter_net::synth::{Rng, Shape, generate_network};
use perimeter_net::walk::{Disposition, Landing, Start, eval_flow};

const NETWORKS: u64 = 30;
const PACKETS_PER_NETWORK: usize = 2_600;
/// Networks with a transit gateway and NAT gateways (`Shape::small_transit`), checked on top.
const TRANSIT_NETWORKS: u64 = 32;
const PACKETS_PER_TRANSIT_NETWORK: usize = 1_500;

/// Draw a header uniformly inside a random box of the set.
fn sample(set: &perimeter_net::hs::HeaderSet, r: &mut Rng) -> Option<Packet> {
    let b = r.pick(set.boxes())?;
    let mut f = [0u128; 5];
    for (d, slot) in f.iter_mut().enumerate() {
        let span = b.hi[d] - b.lo[d];
        let x = (u128::from(r.next_u64()) << 64) | u128::from(r.next_u64());
        *slot = b.lo[d] + if span == u128::MAX { x } else { x % (span + 1) };
    }
    Some(Packet {
        src: f[0],
        dst: f[1],
        proto: u8::try_from(f[2]).ok()?,
        sport: u16::try_from(f[3]).ok()?,
        dport: u16::try_from(f[4]).ok()?,
    })
}

const DPORTS: &[u16] = &[
    0, 22, 80, 443, 1023, 1024, 3306, 3389, 8000, 8050, 8100, 8101, 65535, 49152,
];
const SPORTS: &[u16] = &[0, 22, 80, 443, 1000, 1024, 49152, 65535];
const PROTOS: &[u8] = &[6, 6, 6, 17, 1, 0, 50];

fn addrs(e: &NetworkInterface) -> Vec<Ip> {
    e.addresses
        .iter()
        .map(|a| a.private)
        .chain(e.ipv6.iter().copied())
        .collect()
}

fn random_source(r: &mut Rng) -> Ip {
    let text = match r.below(8) {
        6 => format!("2001:db8::{:x}", r.below(65536)),
        7 => format!(
            "2600:1f18:{:x}:{:x}::{:x}",
            r.below(3),
            r.below(4),
            r.below(300)
        ),
        0 => "8.8.8.8".to_owned(),
        1 => format!(
            "{}.{}.{}.{}",
            1 + r.below(200),
            r.below(256),
            r.below(256),
            r.below(256)
        ),
        2 => format!("10.{}.{}.{}", r.below(3), r.below(12), r.below(256)),
        3 => format!("54.0.0.{}", 1 + r.below(20)),
        4 => "240.254.254.1".to_owned(),
        _ => format!("{}.{}.0.{}", 1 + r.below(200), r.below(256), r.below(4)),
    };
    parse_ip(&text).unwrap()
}

fn random_ports(r: &mut Rng) -> (u8, u16, u16) {
    let proto = *r.pick(PROTOS).unwrap();
    let dport = if r.chance(20) {
        u16::try_from(r.below(65536)).unwrap()
    } else {
        *r.pick(DPORTS).unwrap()
    };
    let sport = if r.chance(20) {
        u16::try_from(r.below(65536)).unwrap()
    } else {
        *r.pick(SPORTS).unwrap()
    };
    (proto, sport, dport)
}

struct Tally {
    packets: usize,
    allowed: usize,
    unknown: usize,
    ipv6_allowed: usize,
    /// Connections the symbolic engine allows whose walk passes a transit gateway.
    via_tgw: usize,
    /// Connections the symbolic engine allows whose walk passes a NAT gateway.
    via_nat: usize,
    /// Connections the symbolic engine allows whose walk passes an on-prem router.
    via_router: usize,
    /// Pair packets whose walk passes a transit gateway or NAT gateway, either outcome.
    transit_walks: usize,
    /// Of those, packets the symbolic engine calls unknown.
    transit_unknown: usize,
}

fn check_exposure(net: &Network, engine: &mut Engine<'_>, r: &mut Rng, tally: &mut Tally) {
    let publics: Vec<&NetworkInterface> = net
        .network_interfaces
        .iter()
        .filter(|e| e.public_ip().is_some() || !e.ipv6.is_empty())
        .collect();
    let Some(eni) = r.pick(&publics).copied() else {
        return;
    };
    let mut targets: Vec<Ip> = eni.addresses.iter().filter_map(|a| a.public).collect();
    targets.extend(eni.ipv6.iter().copied());
    let dst = *r.pick(&targets).unwrap();
    let (proto, sport, dport) = random_ports(r);
    let answer = engine.decide_exposure(eni);
    let drawn = if r.chance(40) {
        sample(&answer.allowed, r)
    } else {
        None
    };
    let p = drawn.unwrap_or(Packet {
        src: random_source(r),
        dst,
        proto,
        sport,
        dport,
    });
    let flow = eval_flow(net, &Start::Internet, p);
    let concrete = flow.established && flow.forward.landing == Landing::Eni(eni.id.clone());
    tally.packets += 1;
    if answer.allowed.contains(&p) {
        tally.allowed += 1;
        if !perimeter_net::hs::is_v4(p.dst) {
            tally.ipv6_allowed += 1;
        }
        assert!(
            concrete,
            "symbolic says exposed, walker disagrees: {p:?} to {} {:?} {:?}",
            eni.id, flow.forward, flow.reply
        );
    } else if answer.unknown.contains(&p) {
        tally.unknown += 1;
        let unknown = flow.forward.disposition == Disposition::Unknown
            || flow
                .reply
                .as_ref()
                .is_some_and(|t| t.disposition == Disposition::Unknown);
        assert!(
            !concrete && unknown,
            "symbolic says unknown, walker decided: {p:?} {:?}",
            flow.forward
        );
    } else {
        assert!(
            !concrete,
            "walker says exposed, symbolic disagrees: {p:?} to {} {:?} {:?}",
            eni.id, flow.forward, flow.reply
        );
    }
}

/// `draw_pct`: how often the packet is drawn from the symbolic allowed set rather than at random.
fn check_pair(
    net: &Network,
    engine: &mut Engine<'_>,
    r: &mut Rng,
    tally: &mut Tally,
    draw_pct: u64,
) {
    let enis: Vec<&NetworkInterface> = net.network_interfaces.iter().collect();
    let (Some(mut s), Some(mut d)) = (r.pick(&enis).copied(), r.pick(&enis).copied()) else {
        return;
    };
    // When drawing mostly from the allowed sets, look a few times for a pair that has one.
    for _ in 0..if draw_pct > 50 { 8 } else { 0 } {
        if s.id != d.id && !engine.decide_pair(s, d).allowed.is_empty() {
            break;
        }
        s = r.pick(&enis).copied().unwrap();
        d = r.pick(&enis).copied().unwrap();
    }
    if s.id == d.id {
        return;
    }
    let (sa, da) = (addrs(s), addrs(d));
    let (proto, sport, dport) = random_ports(r);
    let answer = engine.decide_pair(s, d);
    let exists = engine.decide_pair_exists(s, d);
    let expected = if !answer.allowed.is_empty() {
        Some(true)
    } else if answer.unknown.is_empty() {
        Some(false)
    } else {
        None
    };
    assert_eq!(
        exists, expected,
        "fast pair decision differs from the pair set: {} -> {}",
        s.id, d.id
    );
    let drawn = if r.chance(draw_pct) {
        sample(&answer.allowed, r)
    } else {
        None
    };
    let p = drawn.unwrap_or(Packet {
        src: *r.pick(&sa).unwrap(),
        dst: *r.pick(&da).unwrap(),
        proto,
        sport,
        dport,
    });
    let flow = eval_flow(net, &Start::Eni(s.id.clone()), p);
    let concrete = flow.established && flow.forward.landing == Landing::Eni(d.id.clone());
    tally.packets += 1;
    let passes = |kind: &str| flow.forward.steps.iter().any(|x| x.kind == kind);
    let (tgw, nat, router) = (
        passes("transit-gateway"),
        passes("nat-gateway"),
        passes("customer-gateway"),
    );
    if tgw || nat || router {
        tally.transit_walks += 1;
        if answer.unknown.contains(&p) {
            tally.transit_unknown += 1;
        }
    }
    if answer.allowed.contains(&p) {
        tally.allowed += 1;
        tally.via_tgw += usize::from(tgw);
        tally.via_nat += usize::from(nat);
        tally.via_router += usize::from(router);
        if !perimeter_net::hs::is_v4(p.dst) {
            tally.ipv6_allowed += 1;
        }
        assert!(
            concrete,
            "symbolic says reachable, walker disagrees: {p:?} {} -> {} {:?} {:?}",
            s.id, d.id, flow.forward, flow.reply
        );
    } else if answer.unknown.contains(&p) {
        tally.unknown += 1;
    } else {
        assert!(
            !concrete,
            "walker says reachable, symbolic disagrees: {p:?} {} -> {} {:?} {:?}",
            s.id, d.id, flow.forward, flow.reply
        );
    }
}

#[test]
fn symbolic_agrees_with_walker_on_random_packets() {
    let mut tally = Tally {
        packets: 0,
        allowed: 0,
        unknown: 0,
        ipv6_allowed: 0,
        via_tgw: 0,
        via_nat: 0,
        via_router: 0,
        transit_walks: 0,
        transit_unknown: 0,
    };
    for seed in 0..NETWORKS {
        let net = generate_network(seed, &Shape::small());
        let mut engine = Engine::new(&net);
        let mut r = Rng::new(seed.wrapping_mul(7919).wrapping_add(1));
        for i in 0..PACKETS_PER_NETWORK {
            if i % 2 == 0 {
                check_exposure(&net, &mut engine, &mut r, &mut tally);
            } else {
                check_pair(&net, &mut engine, &mut r, &mut tally, 40);
            }
        }
    }
    for seed in 0..TRANSIT_NETWORKS {
        let net = generate_network(1000 + seed, &Shape::small_transit());
        let mut engine = Engine::new(&net);
        let mut r = Rng::new(seed.wrapping_mul(104_729).wrapping_add(7));
        for i in 0..PACKETS_PER_TRANSIT_NETWORK {
            // Mostly east-west: that is where transit and NAT gateways are on the path.
            if i % 4 == 0 {
                check_exposure(&net, &mut engine, &mut r, &mut tally);
            } else {
                check_pair(&net, &mut engine, &mut r, &mut tally, 75);
            }
        }
    }
    println!(
        "engines: {} allowed connections through a transit gateway, {} through a NAT gateway, {} through the on-prem router; {} pair walks through any of them, {} of them unknown to the symbolic engine",
        tally.via_tgw, tally.via_nat, tally.via_router, tally.transit_walks, tally.transit_unknown
    );
    assert!(
        tally.via_tgw >= 500,
        "too few transit gateway connections: {}",
        tally.via_tgw
    );
    assert!(
        tally.via_nat >= 150,
        "too few NAT gateway connections: {}",
        tally.via_nat
    );
    println!(
        "engines: {} packets compared, {} in the symbolic allowed set, {} unknown",
        tally.packets, tally.allowed, tally.unknown
    );
    assert!(
        tally.packets >= 100_000,
        "only {} packets compared",
        tally.packets
    );
    println!("engines: {} allowed IPv6 packets", tally.ipv6_allowed);
    assert!(
        tally.ipv6_allowed >= 300,
        "too few allowed IPv6 packets: {}",
        tally.ipv6_allowed
    );
    // The comparison is only meaningful if both outcomes occur often.
    assert!(
        tally.allowed >= 5_000,
        "too few allowed packets: {}",
        tally.allowed
    );
    assert!(tally.packets - tally.allowed - tally.unknown >= 5_000);
}
