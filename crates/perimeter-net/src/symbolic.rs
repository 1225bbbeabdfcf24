//! The symbolic engine: exact header sets instead of single packets.
//!
//! Every filter (security group, network ACL, route table) is compiled into a pair of header sets
//! ([`Answer`]): headers it certainly admits, and headers whose fate depends on data missing from the
//! snapshot. Paths are then computed with set algebra. The engine covers the paths that matter for
//! exposure and east-west reachability:
//!
//! - internet → internet gateway → subnet (network ACL in) → ENI (security groups), and the reply back
//!   through the network ACL and a route to the same internet gateway;
//! - ENI → ENI in one subnet, across subnets of one VPC (local route) and across an active VPC peering
//!   connection, with the reply walked back.
//!
//! Any other path (NAT, transit gateway, appliances, …) is reported as unknown by this engine; the
//! concrete walker ([`crate::walk`]) follows them one packet at a time. The property tests check that
//! the two agree on random packets.

use std::collections::HashMap;
use std::rc::Rc;

use crate::hs::{DIM_MAX, DPORT, DST, HeaderSet, IntervalSet, Ip, PROTO, SPORT, SRC};
use crate::model::{AclRef, Network, NetworkInterface, Protocol, Route, RouteTarget, SgRule};
use crate::walk::{PRIVATE_BLOCKS, is_private};

/// A tri-state set answer: `allowed` holds for sure; `unknown` may or may not (missing data).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answer {
    /// Headers that certainly pass.
    pub allowed: HeaderSet,
    /// Headers whose fate is unknown. Disjoint from `allowed`.
    pub unknown: HeaderSet,
}

impl Answer {
    /// Everything passes.
    #[must_use]
    pub fn all() -> Self {
        Answer {
            allowed: HeaderSet::all(),
            unknown: HeaderSet::empty(),
        }
    }

    /// Nothing is known.
    #[must_use]
    pub fn all_unknown() -> Self {
        Answer {
            allowed: HeaderSet::empty(),
            unknown: HeaderSet::all(),
        }
    }

    /// Sequential composition: a header passes both filters.
    #[must_use]
    pub fn then(&self, f: &Answer) -> Answer {
        let allowed = self.allowed.intersect(&f.allowed);
        let maybe_f = f.allowed.union(&f.unknown);
        let unknown = self
            .unknown
            .intersect(&maybe_f)
            .union(&self.allowed.intersect(&f.unknown));
        Answer { allowed, unknown }
    }

    /// Keep the headers whose field `dim` lies in `set`.
    #[must_use]
    pub fn restrict(&self, dim: usize, set: &IntervalSet) -> Answer {
        Answer {
            allowed: self.allowed.restrict(dim, set),
            unknown: self.unknown.restrict(dim, set),
        }
    }

    /// Replies of every header.
    #[must_use]
    pub fn replies(&self) -> Answer {
        Answer {
            allowed: self.allowed.replies(),
            unknown: self.unknown.replies(),
        }
    }

    /// Whether nothing passes and nothing is unknown.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.allowed.is_empty() && self.unknown.is_empty()
    }
}

fn full(dim: usize) -> IntervalSet {
    IntervalSet::interval(0, DIM_MAX.get(dim).copied().unwrap_or(u128::MAX))
}

fn ports_dims(protocol: Protocol, ports: &crate::model::PortMatch) -> (IntervalSet, IntervalSet) {
    match protocol {
        Protocol::Number(6 | 17 | 1 | 58) => (
            IntervalSet::interval(u128::from(ports.sport.0), u128::from(ports.sport.1)),
            IntervalSet::interval(u128::from(ports.dport.0), u128::from(ports.dport.1)),
        ),
        _ => (full(SPORT), full(DPORT)),
    }
}

fn rule_box(
    peer_dim: usize,
    peer: &IntervalSet,
    protocol: Protocol,
    ports: &crate::model::PortMatch,
) -> HeaderSet {
    let (sp, dp) = ports_dims(protocol, ports);
    let proto = protocol.to_set();
    let (src, dst) = if peer_dim == SRC {
        (peer.clone(), full(DST))
    } else {
        (full(SRC), peer.clone())
    };
    HeaderSet::product([&src, &dst, &proto, &sp, &dp])
}

/// Compile the security groups of an ENI for one direction.
#[must_use]
pub fn compile_security_groups(net: &Network, groups: &[String], egress: bool) -> Answer {
    let peer_dim = if egress { DST } else { SRC };
    let mut allowed = HeaderSet::empty();
    let mut unknown = HeaderSet::empty();
    for g in groups {
        let Some(sg) = net.security_groups.get(g) else {
            unknown = HeaderSet::all();
            continue;
        };
        for r in sg.rules.iter().filter(|r: &&SgRule| r.egress == egress) {
            match net.peer_set(&r.peer) {
                Some(set) => {
                    allowed = allowed.union(&rule_box(peer_dim, &set, r.protocol, &r.ports))
                }
                None => {
                    unknown =
                        unknown.union(&rule_box(peer_dim, &full(peer_dim), r.protocol, &r.ports))
                }
            }
        }
    }
    let unknown = unknown.subtract(&allowed);
    Answer { allowed, unknown }
}

/// Compile a subnet's network ACL for one direction (first match by rule number; default deny).
#[must_use]
pub fn compile_network_acl(net: &Network, subnet_id: &str, egress: bool) -> Answer {
    let Some(subnet) = net.subnets.get(subnet_id) else {
        return Answer::all_unknown();
    };
    let acl_id = match &subnet.acl {
        AclRef::Acl(a) => a,
        AclRef::NotLoaded => return Answer::all(),
        AclRef::Missing => return Answer::all_unknown(),
    };
    let Some(acl) = net.network_acls.get(acl_id) else {
        return Answer::all_unknown();
    };
    let peer_dim = if egress { DST } else { SRC };
    let mut remaining = HeaderSet::all();
    let mut allowed = HeaderSet::empty();
    for e in acl.entries.iter().filter(|e| e.egress == egress) {
        let b = rule_box(peer_dim, &e.cidr.to_set(), e.protocol, &e.ports);
        if e.allow {
            allowed = allowed.union(&remaining.intersect(&b));
        }
        remaining = remaining.subtract(&b);
        if remaining.is_empty() {
            break;
        }
    }
    Answer {
        allowed,
        unknown: HeaderSet::empty(),
    }
}

/// A route table compiled into the destination addresses each route wins.
#[derive(Clone, Debug, Default)]
pub struct CompiledRoutes {
    /// `(destinations won, route index)`.
    pub parts: Vec<(IntervalSet, usize)>,
    /// Destinations whose route is unknown (an unresolved prefix list could win).
    pub unknown: IntervalSet,
}

/// Compile a route table by longest prefix match, with the walker's tie-breaks.
#[must_use]
pub fn compile_routes(net: &Network, route_table_id: &str) -> CompiledRoutes {
    let Some(rt) = net.route_tables.get(route_table_id) else {
        return CompiledRoutes {
            parts: Vec::new(),
            unknown: full(DST),
        };
    };
    let mut entries: Vec<(u8, u8, usize, &crate::hs::Cidr)> = Vec::new();
    for (i, r) in rt.routes.iter().enumerate() {
        let kind = kind_rank(r);
        for c in &r.destinations {
            entries.push((c.axis_len(), kind, i, c));
        }
    }
    entries.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    let mut covered = IntervalSet::empty();
    let mut won: HashMap<usize, IntervalSet> = HashMap::new();
    for (_, _, i, c) in entries {
        let win = c.to_set().subtract(&covered);
        covered = covered.union(&c.to_set());
        if !win.is_empty() {
            let slot = won.entry(i).or_default();
            *slot = slot.union(&win);
        }
    }
    let mut parts: Vec<(IntervalSet, usize)> = won.into_iter().map(|(i, s)| (s, i)).collect();
    parts.sort_by_key(|(_, i)| *i);
    let unknown = if rt.routes.iter().any(|r| r.prefix_list_unknown) {
        let local: IntervalSet = parts
            .iter()
            .filter(|(_, i)| {
                rt.routes
                    .get(*i)
                    .is_some_and(|r| r.target == RouteTarget::Local)
            })
            .fold(IntervalSet::empty(), |acc, (s, _)| acc.union(s));
        full(DST).subtract(&local)
    } else {
        IntervalSet::empty()
    };
    CompiledRoutes { parts, unknown }
}

fn kind_rank(r: &Route) -> u8 {
    if r.target == RouteTarget::Local {
        2
    } else if r.prefix_list_id.is_none() {
        1
    } else {
        0
    }
}

/// The engine, with caches of compiled filters.
pub struct Engine<'a> {
    net: &'a Network,
    sg_cache: HashMap<(Vec<String>, bool), Rc<Answer>>,
    acl_cache: HashMap<(String, bool), Answer>,
    rt_cache: HashMap<String, CompiledRoutes>,
    exposure_cache: HashMap<(String, Vec<String>), Rc<Answer>>,
    pair_cache: HashMap<(String, Vec<String>, String, Vec<String>), Answer>,
    subnet_pair_cache: HashMap<(String, String), Rc<Answer>>,
    exists_memo: HashMap<Vec<u32>, Option<bool>>,
    interned: HashMap<Vec<String>, u32>,
}

fn addr_set(eni: &NetworkInterface) -> IntervalSet {
    let mut r: Vec<(u128, u128)> = eni
        .addresses
        .iter()
        .map(|a| (a.private, a.private))
        .collect();
    r.extend(eni.ipv6.iter().map(|ip| (*ip, *ip)));
    IntervalSet::from_ranges(r)
}

fn sorted(groups: &[String]) -> Vec<String> {
    let mut g = groups.to_vec();
    g.sort();
    g.dedup();
    g
}

impl<'a> Engine<'a> {
    /// A new engine over a network.
    #[must_use]
    pub fn new(net: &'a Network) -> Self {
        Engine {
            net,
            sg_cache: HashMap::new(),
            acl_cache: HashMap::new(),
            rt_cache: HashMap::new(),
            exposure_cache: HashMap::new(),
            pair_cache: HashMap::new(),
            subnet_pair_cache: HashMap::new(),
            exists_memo: HashMap::new(),
            interned: HashMap::new(),
        }
    }

    fn sg(&mut self, groups: &[String], egress: bool) -> Rc<Answer> {
        let key = (sorted(groups), egress);
        if let Some(a) = self.sg_cache.get(&key) {
            return Rc::clone(a);
        }
        let a = if groups.is_empty() {
            Rc::new(Answer::all())
        } else if let [one] = key.0.as_slice() {
            Rc::new(compile_security_groups(
                self.net,
                std::slice::from_ref(one),
                egress,
            ))
        } else {
            // A union of the groups' own answers (each cached).
            let mut allowed = HeaderSet::empty();
            let mut unknown = HeaderSet::empty();
            for g in &key.0 {
                let one = self.sg(std::slice::from_ref(g), egress);
                allowed = allowed.union(&one.allowed);
                unknown = unknown.union(&one.unknown);
            }
            let unknown = unknown.subtract(&allowed);
            Rc::new(Answer { allowed, unknown })
        };
        self.sg_cache.insert(key, Rc::clone(&a));
        a
    }

    fn acl(&mut self, subnet: &str, egress: bool) -> Answer {
        let key = (subnet.to_owned(), egress);
        if let Some(a) = self.acl_cache.get(&key) {
            return a.clone();
        }
        let a = compile_network_acl(self.net, subnet, egress);
        self.acl_cache.insert(key, a.clone());
        a
    }

    fn routes(&mut self, subnet: &str) -> CompiledRoutes {
        let Some(rtb) = self
            .net
            .subnets
            .get(subnet)
            .and_then(|s| s.route_table_id.clone())
        else {
            return CompiledRoutes {
                parts: Vec::new(),
                unknown: full(DST),
            };
        };
        if let Some(r) = self.rt_cache.get(&rtb) {
            return r.clone();
        }
        let r = compile_routes(self.net, &rtb);
        self.rt_cache.insert(rtb, r.clone());
        r
    }

    /// The route-table condition for packets leaving `subnet` towards field `dim`: the addresses whose
    /// winning route satisfies `ok`, and the unknown ones.
    fn route_condition(
        &mut self,
        subnet: &str,
        ok: &dyn Fn(&Route, &IntervalSet) -> IntervalSet,
    ) -> (IntervalSet, IntervalSet) {
        let compiled = self.routes(subnet);
        let net = self.net;
        let Some(rt) = net
            .subnets
            .get(subnet)
            .and_then(|s| s.route_table_id.as_ref())
            .and_then(|id| net.route_tables.get(id))
        else {
            return (IntervalSet::empty(), full(DST));
        };
        let mut good = IntervalSet::empty();
        for (set, i) in &compiled.parts {
            if let Some(r) = rt.routes.get(*i)
                && !r.blackhole
            {
                good = good.union(&ok(r, set));
            }
        }
        let good = good.subtract(&compiled.unknown);
        (good, compiled.unknown)
    }

    /// The internet-facing answer for ENIs with these security groups in this subnet, in the headers
    /// as they arrive at the ENI (destination = its private address, any destination here).
    /// Internet sources only: public space outside the subnet.
    fn exposure_class(&mut self, subnet_id: &str, groups: &[String]) -> Rc<Answer> {
        let key = (subnet_id.to_owned(), sorted(groups));
        if let Some(a) = self.exposure_cache.get(&key) {
            return Rc::clone(a);
        }
        // answer = sources ∩ ACL-in ∩ SG-in ∩ replies(ACL-out ∩ route back): the network part
        // depends on the subnet only and is shared by every class of the subnet.
        let netp = self.exposure_subnet(subnet_id);
        let answer = Rc::new(if groups.is_empty() {
            (*netp).clone()
        } else {
            netp.then(&self.sg(groups, false))
        });
        self.exposure_cache.insert(key, Rc::clone(&answer));
        answer
    }

    fn exposure_subnet(&mut self, subnet_id: &str) -> Rc<Answer> {
        let key = (subnet_id.to_owned(), vec![String::new()]);
        if let Some(a) = self.exposure_cache.get(&key) {
            return Rc::clone(a);
        }
        let net = self.net;
        let answer = (|| {
            let subnet = net.subnets.get(subnet_id)?;
            let mut private = IntervalSet::empty();
            for c in PRIVATE_BLOCKS
                .iter()
                .filter_map(|c| crate::hs::Cidr::parse(c))
            {
                private = private.union(&c.to_set());
            }
            for c in &subnet.cidrs {
                private = private.union(&c.to_set());
            }
            let sources = full(SRC).subtract(&private);
            let Some(igw) = net.derived.vpc_igw.get(&subnet.vpc_id).cloned() else {
                // No gateway attached: not exposed, unless the snapshot lacks gateway data.
                return net
                    .igw_unknown_vpcs
                    .contains(&subnet.vpc_id)
                    .then(|| Answer {
                        allowed: HeaderSet::empty(),
                        unknown: HeaderSet::all().restrict(SRC, &sources),
                    });
            };
            let start = Answer {
                allowed: HeaderSet::all().restrict(SRC, &sources),
                unknown: HeaderSet::empty(),
            };
            let fwd = start.then(&self.acl(subnet_id, false));
            // Reply: network ACL out, then a route to the same internet gateway.
            let (good, unk) = self.route_condition(subnet_id, &|r, set| match &r.target {
                RouteTarget::InternetGateway(g) if *g == igw => set.clone(),
                _ => IntervalSet::empty(),
            });
            let route = Answer {
                allowed: HeaderSet::all().restrict(DST, &good),
                unknown: HeaderSet::all().restrict(DST, &unk),
            };
            let back = self.acl(subnet_id, true).then(&route);
            Some(fwd.then(&back.replies()))
        })()
        .unwrap_or_default();
        let answer = Rc::new(answer);
        self.exposure_cache.insert(key, Rc::clone(&answer));
        answer
    }

    /// Exactly which internet headers (as sent, destination = a public address of the ENI) open a
    /// connection to this ENI, reply included.
    #[must_use]
    pub fn decide_exposure(&mut self, eni: &NetworkInterface) -> Answer {
        let net = self.net;
        let mut out = Answer::default();
        // A NAT gateway accepts no connection; a load balancer's listeners are not modelled.
        if net.is_nat_eni(eni) {
            return out;
        }
        let Some(subnet) = net.subnets.get(&eni.subnet_id) else {
            return out;
        };
        if !net.vpcs.get(&eni.vpc_id).is_some_and(|_| true) {
            return out;
        }
        let mut targets: Vec<(Ip, Ip)> = eni
            .addresses
            .iter()
            .filter_map(|a| Some((a.private, a.public?)))
            .collect();
        targets.extend(eni.ipv6.iter().map(|ip| (*ip, *ip)));
        for (private, public) in targets {
            // The same checks the walker makes before the subnet: ownership of the public address,
            // the VPC and subnet that hold the private one.
            let owner_ok = if crate::hs::is_v4(public) {
                net.derived
                    .public_owner
                    .get(&public)
                    .is_some_and(|(e, pv)| *e == eni.id && *pv == private)
            } else {
                net.derived
                    .v6_owner
                    .get(&public)
                    .is_some_and(|e| *e == eni.id)
            };
            if !owner_ok
                || is_private(public)
                || net
                    .vpn_gateways
                    .iter()
                    .any(|g| g.outside_ips.contains(&public))
            {
                continue;
            }
            if !net.vpc_contains(&eni.vpc_id, private)
                || net
                    .subnet_for(&eni.vpc_id, private)
                    .is_none_or(|s| s.id != subnet.id)
                || net
                    .eni_by_private(&eni.vpc_id, private)
                    .is_none_or(|e| e.id != eni.id)
            {
                continue;
            }
            let class = self.exposure_class(&eni.subnet_id, &eni.groups);
            let family = if crate::hs::is_v4(public) {
                IntervalSet::interval(crate::hs::V4_BASE, crate::hs::V4_END)
            } else {
                IntervalSet::interval(crate::hs::V4_BASE, crate::hs::V4_END).complement(u128::MAX)
            };
            let class = class.restrict(SRC, &family);
            let a = Answer {
                allowed: class.allowed.assign(DST, public),
                unknown: class.unknown.assign(DST, public),
            };
            out = Answer {
                allowed: out.allowed.union(&a.allowed),
                unknown: out.unknown.union(&a.unknown),
            };
        }
        if eni.is_load_balancer() {
            // What a load balancer passes on depends on its targets, which this engine does not
            // follow: its reachable listener ports are reported as unknown.
            let mut maybe = out.allowed.union(&out.unknown);
            if let Some(lb) = net.load_balancer_of(eni).filter(|lb| lb.listeners_known) {
                let mut ports = HeaderSet::empty();
                for l in &lb.listeners {
                    for proto in [6u8, 17] {
                        if l.takes(proto) {
                            let pt = IntervalSet::point(u128::from(proto));
                            let dp = IntervalSet::point(u128::from(l.port));
                            ports = ports.union(&HeaderSet::product([
                                &full(SRC),
                                &full(DST),
                                &pt,
                                &full(SPORT),
                                &dp,
                            ]));
                        }
                    }
                }
                maybe = maybe.intersect(&ports);
            }
            out = Answer {
                allowed: HeaderSet::empty(),
                unknown: maybe,
            };
        }
        out
    }

    /// The answer for traffic from ENIs like `src` to ENIs like `dst` (same subnet and security
    /// groups), over the subnets' whole address ranges. Reply included.
    fn pair_class(
        &mut self,
        s_subnet: &str,
        s_groups: &[String],
        d_subnet: &str,
        d_groups: &[String],
    ) -> Answer {
        let key = (
            s_subnet.to_owned(),
            sorted(s_groups),
            d_subnet.to_owned(),
            sorted(d_groups),
        );
        if let Some(a) = self.pair_cache.get(&key) {
            return a.clone();
        }
        let a = self.compute_pair_class(s_subnet, s_groups, d_subnet, d_groups);
        self.pair_cache.insert(key, a.clone());
        a
    }

    fn compute_pair_class(
        &mut self,
        s_subnet: &str,
        s_groups: &[String],
        d_subnet: &str,
        d_groups: &[String],
    ) -> Answer {
        let net = self.net;
        let (Some(ss), Some(ds)) = (net.subnets.get(s_subnet), net.subnets.get(d_subnet)) else {
            return Answer::all_unknown();
        };
        let cidr_set = |cs: &[crate::hs::Cidr]| {
            IntervalSet::from_ranges(cs.iter().map(|c| (c.lo, c.hi())).collect())
        };
        let s_addrs = cidr_set(&ss.cidrs);
        let d_addrs = cidr_set(&ds.cidrs);
        let base = Answer {
            allowed: HeaderSet::all()
                .restrict(SRC, &s_addrs)
                .restrict(DST, &d_addrs),
            unknown: HeaderSet::empty(),
        };
        let out = base.then(&self.sg(s_groups, true));
        if s_subnet == d_subnet {
            return out.then(&self.sg(d_groups, false));
        }
        // Destinations inside the source subnet never leave it.
        let out = out.restrict(DST, &d_addrs.subtract(&s_addrs));
        let out = out.then(&self.acl(s_subnet, true));
        let (s_vpc, d_vpc) = (ss.vpc_id.clone(), ds.vpc_id.clone());
        let fwd_route = self.hop_condition(s_subnet, &s_vpc, &d_vpc, d_subnet);
        let out = out.then(&fwd_route);
        let out = out
            .then(&self.acl(d_subnet, false))
            .then(&self.sg(d_groups, false));
        // Reply from the destination back to the source.
        let rep = out.replies();
        let rep = rep.restrict(DST, &s_addrs.subtract(&d_addrs));
        let rep = rep.then(&self.acl(d_subnet, true));
        let back_route = self.hop_condition(d_subnet, &d_vpc, &s_vpc, s_subnet);
        let rep = rep.then(&back_route).then(&self.acl(s_subnet, false));
        rep.replies()
    }

    /// Headers leaving `from_subnet` (VPC `from_vpc`) that the route table sends to `to_subnet` in
    /// `to_vpc` through the local route or an active peering connection. Other routes: unknown.
    fn hop_condition(
        &mut self,
        from_subnet: &str,
        from_vpc: &str,
        to_vpc: &str,
        to_subnet: &str,
    ) -> Answer {
        let net = self.net;
        let compiled = self.routes(from_subnet);
        let Some(rt) = net
            .subnets
            .get(from_subnet)
            .and_then(|s| s.route_table_id.as_ref())
            .and_then(|id| net.route_tables.get(id))
        else {
            return Answer::all_unknown();
        };
        let Some(to) = net.subnets.get(to_subnet) else {
            return Answer::all_unknown();
        };
        let to_addrs = IntervalSet::from_ranges(to.cidrs.iter().map(|c| (c.lo, c.hi())).collect());
        // Addresses of the target subnet that its VPC router delivers there (first subnet holding it).
        let mut good = IntervalSet::empty();
        let mut unknown = compiled.unknown.clone();
        for (set, i) in &compiled.parts {
            let Some(r) = rt.routes.get(*i) else { continue };
            let part = set.intersect(&to_addrs);
            if part.is_empty() || r.blackhole {
                continue;
            }
            match &r.target {
                RouteTarget::Local if from_vpc == to_vpc => {
                    let vpc = net.vpcs.get(to_vpc);
                    let in_vpc = vpc.map_or(IntervalSet::empty(), |v| {
                        IntervalSet::from_ranges(v.cidrs.iter().map(|c| (c.lo, c.hi())).collect())
                    });
                    good = good.union(&part.intersect(&in_vpc));
                }
                RouteTarget::VpcPeeringConnection(pcx) => {
                    let Some(p) = net.vpc_peering_connections.get(pcx) else {
                        continue;
                    };
                    let peer = if p.requester.0 == from_vpc {
                        &p.accepter
                    } else if p.accepter.0 == from_vpc {
                        &p.requester
                    } else {
                        continue;
                    };
                    if peer.0 != to_vpc || net.vpcs.get(to_vpc).is_none() {
                        continue;
                    }
                    let peer_set =
                        IntervalSet::from_ranges(peer.1.iter().map(|c| (c.lo, c.hi())).collect());
                    let vpc_set = net.vpcs.get(to_vpc).map_or(IntervalSet::empty(), |v| {
                        IntervalSet::from_ranges(v.cidrs.iter().map(|c| (c.lo, c.hi())).collect())
                    });
                    good = good.union(&part.intersect(&peer_set).intersect(&vpc_set));
                }
                RouteTarget::Local => {}
                // An internet gateway drops private destinations (the walker's egress check).
                RouteTarget::InternetGateway(_) => {
                    let mut private = IntervalSet::empty();
                    for c in PRIVATE_BLOCKS
                        .iter()
                        .filter_map(|c| crate::hs::Cidr::parse(c))
                    {
                        private = private.union(&c.to_set());
                    }
                    unknown = unknown.union(&part.subtract(&private));
                }
                // Transit gateways, NAT, gateways and appliances are outside this engine.
                _ => unknown = unknown.union(&part),
            }
        }
        // The VPC router delivers to the first subnet holding the address; keep those of `to_subnet`.
        let mut owned = IntervalSet::empty();
        for sn in net.subnets.iter().filter(|s| s.vpc_id == to_vpc) {
            let cs = IntervalSet::from_ranges(sn.cidrs.iter().map(|c| (c.lo, c.hi())).collect());
            let fresh = cs.subtract(&owned);
            if sn.id == to_subnet {
                let mine = fresh;
                good = good.intersect(&mine);
                unknown = unknown.intersect(&to_addrs);
                break;
            }
            owned = owned.union(&cs);
        }
        let good = good.subtract(&unknown);
        Answer {
            allowed: HeaderSet::all().restrict(DST, &good),
            unknown: HeaderSet::all().restrict(DST, &unknown),
        }
    }

    /// Exactly which headers from ENI `src` (source = one of its addresses) open a connection to ENI
    /// `dst` (destination = one of its addresses), reply included.
    #[must_use]
    pub fn decide_pair(&mut self, src: &NetworkInterface, dst: &NetworkInterface) -> Answer {
        if src.id == dst.id {
            return Answer::default();
        }
        // A NAT gateway neither accepts connections nor opens them (replies to its own address
        // find no session).
        if self.net.is_nat_eni(dst) || self.net.is_nat_eni(src) {
            return Answer::default();
        }
        let class = self.pair_class(&src.subnet_id, &src.groups, &dst.subnet_id, &dst.groups);
        let a = class
            .restrict(SRC, &addr_set(src))
            .restrict(DST, &addr_set(dst));
        if dst.is_load_balancer() {
            return Answer {
                allowed: HeaderSet::empty(),
                unknown: a.allowed.union(&a.unknown),
            };
        }
        a
    }

    /// The network part of the pair answer (network ACLs and routes both ways), for any ENIs of
    /// these subnets. The full pair answer is this ∩ egress groups of the source ∩ ingress groups
    /// of the destination, restricted to their addresses.
    fn subnet_pair(&mut self, s_subnet: &str, d_subnet: &str) -> Rc<Answer> {
        let key = (s_subnet.to_owned(), d_subnet.to_owned());
        if let Some(a) = self.subnet_pair_cache.get(&key) {
            return Rc::clone(a);
        }
        let a = Rc::new(self.compute_pair_class(s_subnet, &[], d_subnet, &[]));
        self.subnet_pair_cache.insert(key, Rc::clone(&a));
        a
    }

    fn intern(&mut self, k: Vec<String>) -> u32 {
        let next = u32::try_from(self.interned.len()).unwrap_or(u32::MAX);
        *self.interned.entry(k).or_insert(next)
    }

    /// Whether any header goes from `src` to `dst`: `Some(true)` yes, `Some(false)` no, `None` unknown.
    /// Same answer as [`Engine::decide_pair`] (tested), computed without building the pair's set:
    /// the three factors (source egress groups, destination ingress groups, network part) are
    /// filtered to the two addresses and intersected box by box, with memoization on which boxes
    /// survived the filtering.
    #[must_use]
    pub fn decide_pair_exists(
        &mut self,
        src: &NetworkInterface,
        dst: &NetworkInterface,
    ) -> Option<bool> {
        if src.id == dst.id {
            return Some(false);
        }
        let s = self.prepare(src);
        let d = self.prepare(dst);
        let netp = self.subnet_pair(&src.subnet_id, &dst.subnet_id);
        self.exists_core(&s, &d, &netp)
    }

    /// Per-ENI data for pair decisions.
    pub fn prepare(&mut self, eni: &NetworkInterface) -> PairEnd {
        let out = self.sg(&eni.groups, true);
        let inn = self.sg(&eni.groups, false);
        let groups = self.intern(sorted(&eni.groups));
        let subnet = self.intern(vec![eni.subnet_id.clone()]);
        PairEnd {
            out,
            inn,
            addrs: addr_set(eni),
            groups,
            subnet,
            subnet_id: eni.subnet_id.clone(),
            nat: self.net.is_nat_eni(eni),
            load_balancer: eni.is_load_balancer(),
        }
    }

    fn exists_core(&mut self, s: &PairEnd, d: &PairEnd, netp: &Answer) -> Option<bool> {
        if d.nat || s.nat {
            return Some(false);
        }
        let answer = self.exists_filters(s, d, netp);
        if d.load_balancer && answer == Some(true) {
            None
        } else {
            answer
        }
    }

    fn exists_filters(&mut self, s: &PairEnd, d: &PairEnd, netp: &Answer) -> Option<bool> {
        let (sa, da) = (&s.addrs, &d.addrs);
        let hits = |b: &crate::hs::HBox| {
            sa.ranges()
                .iter()
                .any(|(lo, hi)| b.lo[SRC] <= *hi && *lo <= b.hi[SRC])
                && da
                    .ranges()
                    .iter()
                    .any(|(lo, hi)| b.lo[DST] <= *hi && *lo <= b.hi[DST])
        };
        let keep = |set: &HeaderSet, base: u32, key: &mut Vec<u32>| -> Vec<crate::hs::HBox> {
            let mut kept = Vec::new();
            for (i, b) in set.boxes().iter().enumerate() {
                if hits(b) {
                    key.push(base + u32::try_from(i).unwrap_or(u32::MAX));
                    kept.push(*b);
                }
            }
            key.push(u32::MAX);
            kept
        };
        let mut key = vec![s.groups, d.groups, s.subnet, d.subnet];
        // The network part first: it is empty for most pairs (no route, or an ACL denies).
        let na = keep(&netp.allowed, 0, &mut key);
        let nu = keep(&netp.unknown, 1 << 30, &mut key);
        if na.is_empty() && nu.is_empty() {
            return Some(false);
        }
        let oa = keep(&s.out.allowed, 0, &mut key);
        let ou = keep(&s.out.unknown, 1 << 30, &mut key);
        let ia = keep(&d.inn.allowed, 0, &mut key);
        let iu = keep(&d.inn.unknown, 1 << 30, &mut key);
        // With one address on each side every kept box holds both, so the kept indices decide.
        let single = [sa, da]
            .iter()
            .all(|x| x.ranges().len() == 1 && x.ranges().first().is_some_and(|(l, h)| l == h));
        if single && let Some(v) = self.exists_memo.get(&key) {
            return *v;
        }
        let meet = |a: &[crate::hs::HBox], b: &[crate::hs::HBox], c: &[crate::hs::HBox]| -> bool {
            a.iter().any(|x| {
                b.iter()
                    .filter_map(|y| x.intersect(y))
                    .any(|xy| c.iter().filter_map(|z| xy.intersect(z)).any(|m| hits(&m)))
            })
        };
        let answer = if meet(&na, &oa, &ia) {
            Some(true)
        } else {
            let om: Vec<_> = oa.iter().chain(&ou).copied().collect();
            let im: Vec<_> = ia.iter().chain(&iu).copied().collect();
            let nm: Vec<_> = na.iter().chain(&nu).copied().collect();
            if meet(&nm, &om, &im) {
                None
            } else {
                Some(false)
            }
        };
        if single {
            self.exists_memo.insert(key, answer);
        }
        answer
    }

    /// The matrix of [`Engine::decide_pair_exists`] over a list of ENIs (`None` entries: unknown ENI).
    pub fn decide_pair_matrix(
        &mut self,
        enis: &[Option<&NetworkInterface>],
    ) -> Vec<Vec<Option<bool>>> {
        let ends: Vec<Option<PairEnd>> = enis.iter().map(|e| e.map(|e| self.prepare(e))).collect();
        let mut nets: HashMap<(u32, u32), Rc<Answer>> = HashMap::new();
        let mut rows = Vec::with_capacity(ends.len());
        for (i, s) in ends.iter().enumerate() {
            let mut row = Vec::with_capacity(ends.len());
            for (j, d) in ends.iter().enumerate() {
                let cell = match (s, d) {
                    _ if i == j => Some(false),
                    (Some(s), Some(d)) => {
                        let netp = match nets.get(&(s.subnet, d.subnet)) {
                            Some(n) => Rc::clone(n),
                            None => {
                                let n = self.subnet_pair(&s.subnet_id, &d.subnet_id);
                                nets.insert((s.subnet, d.subnet), Rc::clone(&n));
                                n
                            }
                        };
                        self.exists_core(s, d, &netp)
                    }
                    _ => None,
                };
                row.push(cell);
            }
            rows.push(row);
        }
        rows
    }
}

/// What a pair decision needs from one ENI.
pub struct PairEnd {
    out: Rc<Answer>,
    inn: Rc<Answer>,
    addrs: IntervalSet,
    groups: u32,
    subnet: u32,
    subnet_id: String,
    nat: bool,
    load_balancer: bool,
}

/// Dimensions re-exported for report code.
pub const DIMS: [usize; 5] = [SRC, DST, PROTO, SPORT, DPORT];
