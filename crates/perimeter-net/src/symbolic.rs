//! The symbolic engine: exact header sets instead of single packets.
//!
//! Every filter (security group, network ACL, route table) is compiled into a pair of header sets
//! ([`Answer`]): headers it certainly admits, and headers whose fate depends on data missing from the
//! snapshot. Paths are then computed with set algebra:
//!
//! - internet → internet gateway → subnet (network ACL in) → ENI (security groups), and the reply back
//!   through the network ACL and a route to the same internet gateway;
//! - ENI → ENI in one subnet, across subnets of one VPC (local route), across VPC peering, transit
//!   gateways (route tables, the AZ rule, peering attachments), VGWs and Direct Connect / VPN through
//!   the on-prem routers and back, IPv6 through internet gateways, and through one NAT gateway (the
//!   source rewrite is pulled back onto the original headers), with the reply walked back;
//! - on-prem router ↔ ENI ([`Engine::decide_router_pair`]).
//!
//! Routing is destination-only, so each gateway's table is a partition of the destination axis,
//! followed recursively with a depth bound. What stays unknown: routes to appliances, a second NAT
//! translation, loops beyond the bound, missing data, and what load balancers forward. The concrete
//! walker ([`crate::walk`]) is the reference; the property tests check that the two agree.

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
    // Longest prefix, then the kind of route, then the first route.
    let mut entries = Vec::new();
    for (i, r) in rt.routes.iter().enumerate() {
        let kind = kind_rank(r);
        for c in &r.destinations {
            entries.push((*c, (c.axis_len(), kind, std::cmp::Reverse(i)), i));
        }
    }
    let parts: Vec<(IntervalSet, usize)> = lpm_partition(entries)
        .into_iter()
        .map(|(i, s)| (s, i))
        .collect();
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
    v6_cache: HashMap<String, IntervalSet>,
    /// Subnet pairs whose forward route goes through a NAT gateway (security groups then apply to
    /// translated headers, so the pair is decided on its full set).
    nat_pairs: HashMap<(u32, u32), bool>,
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
            v6_cache: HashMap::new(),
            nat_pairs: HashMap::new(),
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
            let mut private = private_set().clone();
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
        let (fwd_route, nats) = self.hop_condition(s_subnet, &s_vpc, &d_vpc, d_subnet);
        let key = (
            self.intern(vec![s_subnet.to_owned()]),
            self.intern(vec![d_subnet.to_owned()]),
        );
        self.nat_pairs.insert(key, !nats.is_empty());
        let direct = out
            .then(&fwd_route)
            .then(&self.acl(d_subnet, false))
            .then(&self.sg(d_groups, false));
        // Reply from the destination back to the source.
        let rep = direct.replies().restrict(DST, &s_addrs);
        let direct = self.leg(&rep, d_subnet, s_subnet).replies();
        let mut total = direct;
        for (nat, part) in nats {
            let a = self.nat_path(
                &out.restrict(DST, &part),
                &nat,
                s_subnet,
                d_subnet,
                d_groups,
            );
            total = union(&total, &a);
        }
        total
    }

    /// Headers leaving `from_subnet` (VPC `from_vpc`) that the route table sends to `to_subnet` in
    /// `to_vpc`, arriving at its VPC router: through the local route, an active peering connection,
    /// transit gateways (route tables, peering attachments), a VGW, Direct Connect and VPN to the
    /// on-prem routers and back, or an internet gateway (IPv6 addresses of the other VPC, which the
    /// internet hands back untranslated). Destinations routed to a NAT gateway are returned
    /// separately (the caller follows the translation); appliances and other targets are unknown.
    fn hop_condition(
        &mut self,
        from_subnet: &str,
        from_vpc: &str,
        to_vpc: &str,
        to_subnet: &str,
    ) -> (Answer, Vec<(String, IntervalSet)>) {
        let net = self.net;
        let compiled = self.routes(from_subnet);
        let Some(rt) = net
            .subnets
            .get(from_subnet)
            .and_then(|s| s.route_table_id.as_ref())
            .and_then(|id| net.route_tables.get(id))
        else {
            return (Answer::all_unknown(), Vec::new());
        };
        let Some(to) = net.subnets.get(to_subnet) else {
            return (Answer::all_unknown(), Vec::new());
        };
        let az = net
            .subnets
            .get(from_subnet)
            .map(|s| s.az.clone())
            .unwrap_or_default();
        let to_addrs = cidr_set(&to.cidrs);
        let in_vpc = net
            .vpcs
            .get(to_vpc)
            .map_or(IntervalSet::empty(), |v| cidr_set(&v.cidrs));
        let goal = Goal::Vpc(to_vpc.to_owned());
        let mut flow = Flow::default();
        let mut extra = HeaderSet::empty();
        let mut nats = Vec::new();
        flow.unknown = compiled.unknown.clone();
        for (set, i) in &compiled.parts {
            let Some(r) = rt.routes.get(*i) else { continue };
            let part = set.intersect(&to_addrs);
            if part.is_empty() || r.blackhole {
                continue;
            }
            match &r.target {
                RouteTarget::Local if from_vpc == to_vpc => {
                    flow.good = flow.good.union(&part.intersect(&in_vpc));
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
                    let peer_set = cidr_set(&peer.1);
                    flow.good = flow
                        .good
                        .union(&part.intersect(&peer_set).intersect(&in_vpc));
                }
                RouteTarget::Local => {}
                RouteTarget::InternetGateway(g) => {
                    let (boxes, unknown) = self.igw_hairpin(g, from_vpc, &part, to_vpc);
                    extra = extra.union(&boxes);
                    flow.unknown = flow.unknown.union(&unknown);
                }
                RouteTarget::NatGateway(n) => nats.push((n.clone(), part)),
                RouteTarget::TransitGateway(t) => {
                    let f = self.tgw_from_vpc(t, from_vpc, &az, &part, &goal);
                    flow.add(&f);
                }
                RouteTarget::VpnGateway(v) => {
                    let f = self.vgw_out(v, from_vpc, &part, &goal);
                    flow.add(&f);
                }
                // Gateway endpoints and egress-only gateways lead out of the network.
                RouteTarget::VpcEndpoint(_) | RouteTarget::EgressOnlyInternetGateway(_) => {}
                // Appliances and other targets are not modelled (the walker says unknown too).
                RouteTarget::NetworkInterface(_) | RouteTarget::Other(_) => {
                    flow.unknown = flow.unknown.union(&part);
                }
            }
        }
        // The VPC router delivers to the first subnet holding the address; keep those of `to_subnet`.
        let mine = self.delivered(to_vpc, to_subnet);
        let unknown = flow.unknown.intersect(&to_addrs);
        let good = flow.good.intersect(&mine).subtract(&unknown);
        let allowed = HeaderSet::all()
            .restrict(DST, &good)
            .union(&extra.restrict(DST, &mine.subtract(&unknown)));
        (
            Answer {
                allowed,
                unknown: HeaderSet::all().restrict(DST, &unknown),
            },
            nats,
        )
    }

    /// IPv6 destinations routed to internet gateway `g` that come back in to `to_vpc` through its
    /// internet gateway (IPv6 is not translated): allowed headers (IPv6 internet sources only, as the
    /// walker checks) and unknown destinations.
    fn igw_hairpin(
        &mut self,
        g: &str,
        from_vpc: &str,
        part: &IntervalSet,
        to_vpc: &str,
    ) -> (HeaderSet, IntervalSet) {
        let net = self.net;
        let attached = net
            .internet_gateways
            .get(g)
            .is_some_and(|x| x.vpc_ids.iter().any(|v| v == from_vpc));
        if !attached {
            return if net.igw_unknown_vpcs.contains(from_vpc) {
                (HeaderSet::empty(), part.clone())
            } else {
                (HeaderSet::empty(), IntervalSet::empty())
            };
        }
        let owned = self
            .v6_of_vpc(to_vpc)
            .intersect(part)
            .subtract(private_set());
        if owned.is_empty() {
            return (HeaderSet::empty(), IntervalSet::empty());
        }
        if !net.derived.vpc_igw.contains_key(to_vpc) {
            return if net.igw_unknown_vpcs.contains(to_vpc) {
                (HeaderSet::empty(), owned)
            } else {
                (HeaderSet::empty(), IntervalSet::empty())
            };
        }
        let v6 = IntervalSet::interval(crate::hs::V4_BASE, crate::hs::V4_END)
            .complement(u128::MAX)
            .subtract(private_set());
        (
            HeaderSet::all().restrict(SRC, &v6).restrict(DST, &owned),
            IntervalSet::empty(),
        )
    }

    fn v6_of_vpc(&mut self, vpc: &str) -> IntervalSet {
        if let Some(s) = self.v6_cache.get(vpc) {
            return s.clone();
        }
        let net = self.net;
        let set = IntervalSet::from_ranges(
            net.network_interfaces
                .iter()
                .filter(|e| e.vpc_id == vpc)
                .flat_map(|e| e.ipv6.iter().map(|ip| (*ip, *ip)))
                .filter(|(ip, _)| net.derived.v6_owner.contains_key(ip))
                .collect(),
        );
        self.v6_cache.insert(vpc.to_owned(), set.clone());
        set
    }

    /// Destinations sent from a subnet of `from_vpc` (zone `az`) to transit gateway `tgw` that reach
    /// the goal `to`.
    fn tgw_from_vpc(
        &mut self,
        tgw: &str,
        from_vpc: &str,
        az: &str,
        part: &IntervalSet,
        to: &Goal,
    ) -> Flow {
        let net = self.net;
        let Some(att) = net
            .tgw_attachments
            .iter()
            .find(|a| a.tgw_id == tgw && a.resource_type == "vpc" && a.resource_id == from_vpc)
        else {
            return Flow::default();
        };
        let azs: Vec<&str> = att
            .subnet_ids
            .iter()
            .filter_map(|s| net.subnets.get(s))
            .map(|s| s.az.as_str())
            .collect();
        if !att.subnet_ids.is_empty() && !azs.is_empty() && !azs.contains(&az) {
            return Flow::default();
        }
        self.tgw_table(tgw, &att.id.clone(), part, to, 0)
    }

    /// Destinations arriving at transit gateway `tgw` from attachment `att` that reach the VPC router
    /// goal `to` (the walker's `tgw_route`).
    fn tgw_table(
        &mut self,
        tgw: &str,
        att: &str,
        dsts: &IntervalSet,
        to: &Goal,
        depth: usize,
    ) -> Flow {
        let net = self.net;
        if depth > 4 {
            return Flow::unknown(dsts);
        }
        let Some(a) = net.tgw_attachments.get(&format!("{tgw}/{att}")) else {
            return Flow::unknown(dsts);
        };
        let Some(rtb) = a
            .route_table_id
            .as_ref()
            .and_then(|id| net.tgw_route_tables.get(id))
        else {
            return Flow::default();
        };
        let entries: Vec<(crate::hs::Cidr, (u8, u8, usize), usize)> = rtb
            .routes
            .iter()
            .enumerate()
            .map(|(i, r)| {
                (
                    r.cidr,
                    (
                        r.cidr.axis_len(),
                        crate::walk::tgw_route_priority(net, tgw, r),
                        i,
                    ),
                    i,
                )
            })
            .collect();
        let mut flow = Flow::default();
        for (i, won) in lpm_partition(entries) {
            let part = won.intersect(dsts);
            let Some(r) = rtb.routes.get(i) else { continue };
            if part.is_empty() || r.blackhole {
                continue;
            }
            let Some(target) = &r.attachment_id else {
                continue;
            };
            let Some(t) = net
                .tgw_attachments
                .get(&format!("{tgw}/{target}"))
                .or_else(|| net.tgw_attachments.iter().find(|a| a.id == *target))
            else {
                flow.unknown = flow.unknown.union(&part);
                continue;
            };
            match t.resource_type.as_str() {
                "vpc" => {
                    let Some(v) = net.vpcs.get(&t.resource_id) else {
                        flow.unknown = flow.unknown.union(&part);
                        continue;
                    };
                    if to.is_vpc(&v.id) {
                        flow.good = flow.good.union(&part.intersect(&cidr_set(&v.cidrs)));
                    }
                }
                "peering" => {
                    let f = self.tgw_table(&t.resource_id.clone(), target, &part, to, depth + 1);
                    flow.add(&f);
                }
                "direct-connect-gateway" | "vpn" => {
                    let routes = net.onprem_routes(t).unwrap_or_default();
                    let f = self.onprem(routes, &part, to, depth + 1);
                    flow.add(&f);
                }
                _ => {}
            }
        }
        flow
    }

    /// Destinations handed to on-prem by a gateway that learned `routes`, that the routers send back
    /// into AWS to the goal `to` (or keep, when the goal is that router).
    fn onprem(
        &mut self,
        routes: &[crate::model::OnPremRoute],
        dsts: &IntervalSet,
        to: &Goal,
        depth: usize,
    ) -> Flow {
        // Longest prefix, then the highest preference, the shortest AS path; the first of equals (as
        // the walker).
        let entries = routes
            .iter()
            .enumerate()
            .map(|(i, r)| {
                (
                    r.cidr,
                    (
                        r.cidr.axis_len(),
                        r.local_pref,
                        usize::MAX - r.as_path.len(),
                        usize::MAX - i,
                    ),
                    i,
                )
            })
            .collect();
        let mut flow = Flow::default();
        for (i, won) in lpm_partition(entries) {
            let part = won.intersect(dsts);
            if part.is_empty() {
                continue;
            }
            if let Some(router) = routes.get(i).and_then(|r| r.router.clone()) {
                let f = self.router(&router, &part, to, depth + 1);
                flow.add(&f);
            }
        }
        flow
    }

    /// Destinations an on-prem router takes (when it is the goal) or forwards back into AWS to the
    /// goal `to`.
    fn router(&mut self, name: &str, dsts: &IntervalSet, to: &Goal, depth: usize) -> Flow {
        let net = self.net;
        if depth > 12 {
            return Flow::unknown(dsts);
        }
        let Some(router) = net.customer_routers.get(name) else {
            return Flow::unknown(dsts);
        };
        let own = IntervalSet::from_ranges(router.addresses().map(|a| (a, a)).collect());
        let mut flow = Flow::default();
        if to.is_router(name) {
            flow.good = dsts.intersect(&own);
        }
        let dsts = dsts.subtract(&own);
        let entries = router
            .rib
            .iter()
            .enumerate()
            .map(|(i, r)| {
                (
                    r.cidr,
                    (r.cidr.axis_len(), u8::MAX - r.admin, usize::MAX - i),
                    i,
                )
            })
            .collect();
        for (i, won) in lpm_partition(entries) {
            let part = won.intersect(&dsts);
            let Some(r) = router.rib.get(i) else { continue };
            if part.is_empty() {
                continue;
            }
            match &r.next_hop {
                crate::model::RouterHop::Null0 | crate::model::RouterHop::Beyond(_) => {}
                crate::model::RouterHop::Aws(crate::model::AwsEntry::VpnGateway {
                    vgw_id, ..
                }) => {
                    let Some(g) = net.vpn_gateways.get(vgw_id) else {
                        flow.unknown = flow.unknown.union(&part);
                        continue;
                    };
                    if let Some(vpc) = g.vpc_ids.first()
                        && to.is_vpc(vpc)
                        && let Some(v) = net.vpcs.get(vpc)
                    {
                        flow.good = flow.good.union(&part.intersect(&cidr_set(&v.cidrs)));
                    }
                }
                crate::model::RouterHop::Aws(crate::model::AwsEntry::TransitGateway {
                    tgw_id,
                    attachment_id,
                    ..
                }) => {
                    let f = self.tgw_table(
                        &tgw_id.clone(),
                        &attachment_id.clone(),
                        &part,
                        to,
                        depth + 1,
                    );
                    flow.add(&f);
                }
            }
        }
        flow
    }

    /// Destinations sent from `from_vpc` to VGW `vgw` that come back through on-prem routers.
    fn vgw_out(&mut self, vgw: &str, from_vpc: &str, dsts: &IntervalSet, to: &Goal) -> Flow {
        let net = self.net;
        let Some(g) = net
            .vpn_gateways
            .get(vgw)
            .filter(|g| g.vpc_ids.iter().any(|v| v == from_vpc))
        else {
            return Flow::default();
        };
        // Only destinations whose best learned route leads to a modelled router go on; static
        // routes to unmodelled peers leave the network, and the rest has no route.
        self.onprem(&g.learned, dsts, to, 0)
    }

    /// The conditions on a packet that leaves subnet `from` (past its ENI) and arrives at an ENI of
    /// subnet `to`, before that ENI's security groups: delivered directly inside one subnet, else
    /// network ACL out, route(s), network ACL in. Destinations routed to a NAT gateway are unknown
    /// here (a second translation is not followed).
    /// `input` is what is known of the headers so far; it is narrowed first, which keeps the sets
    /// small.
    fn leg(&mut self, input: &Answer, from: &str, to: &str) -> Answer {
        let net = self.net;
        let (Some(f), Some(t)) = (net.subnets.get(from), net.subnets.get(to)) else {
            return input.then(&Answer::all_unknown());
        };
        let (f_addrs, t_addrs) = (cidr_set(&f.cidrs), cidr_set(&t.cidrs));
        if from == to {
            return input.restrict(DST, &f_addrs);
        }
        let (f_vpc, t_vpc) = (f.vpc_id.clone(), t.vpc_id.clone());
        let pre = input
            .restrict(DST, &t_addrs.subtract(&f_addrs))
            .then(&self.acl(from, true));
        let (hop, nats) = self.hop_condition(from, &f_vpc, &t_vpc, to);
        let mut a = pre.then(&hop);
        for (_, part) in nats {
            let c = pre.restrict(DST, &part);
            a = union(
                &a,
                &Answer {
                    allowed: HeaderSet::empty(),
                    unknown: c.allowed.union(&c.unknown),
                },
            );
        }
        a.then(&self.acl(to, false))
    }

    /// Connections from subnet `s` to ENIs with `d_groups` in subnet `d` through NAT gateway
    /// `nat_id`, for the headers `out` that reach it: the source becomes the NAT gateway's address
    /// (protocols tcp, udp, icmp), the reply comes back to it and is translated back.
    fn nat_path(
        &mut self,
        out: &Answer,
        nat_id: &str,
        s: &str,
        d: &str,
        d_groups: &[String],
    ) -> Answer {
        let net = self.net;
        let Some(nat) = net.nat_gateways.get(nat_id) else {
            return Answer::default();
        };
        let Some(&(npriv, _)) = nat.addresses.first() else {
            return Answer {
                allowed: HeaderSet::empty(),
                unknown: out.allowed.union(&out.unknown),
            };
        };
        let nsub = nat.subnet_id.clone();
        let mut f = out.clone();
        if nsub != s {
            f = f.then(&self.acl(&nsub, false));
        }
        let protos = IntervalSet::from_ranges(vec![(1, 1), (6, 6), (17, 17)]);
        let f = f.restrict(PROTO, &protos);
        if f.is_empty() {
            return f;
        }
        // After the translation (source = the NAT gateway's address): on to the destination, and
        // its reply back to the NAT gateway.
        let to_dst = self
            .leg(&Answer::all(), &nsub, d)
            .then(&self.sg(d_groups, false));
        let back = self.nat_return(d, &nsub, npriv);
        let translated = to_dst.then(&back.replies());
        let point = IntervalSet::point(npriv);
        let pre = Answer {
            allowed: translated.allowed.restrict(SRC, &point).forget(SRC),
            unknown: translated.unknown.restrict(SRC, &point).forget(SRC),
        };
        // The reply, translated back, from the NAT gateway's subnet to the source.
        let home = self.leg(&Answer::all(), &nsub, s);
        f.then(&pre).then(&home.replies())
    }

    /// Replies from subnet `d` to the NAT gateway's address `npriv` in subnet `nsub`.
    fn nat_return(&mut self, d: &str, nsub: &str, npriv: Ip) -> Answer {
        let net = self.net;
        let Some(ds) = net.subnets.get(d) else {
            return Answer::all_unknown();
        };
        let point = IntervalSet::point(npriv);
        if ds.cidrs.iter().any(|c| c.contains(npriv)) {
            // Delivered inside the subnet to the NAT gateway's interface.
            return if net.eni_by_private(&ds.vpc_id, npriv).is_some() {
                Answer::all().restrict(DST, &point)
            } else {
                Answer::default()
            };
        }
        self.leg(&Answer::all().restrict(DST, &point), d, nsub)
    }

    /// The addresses of a subnet that its VPC router delivers there (to the first subnet holding
    /// them, as the walker does).
    fn delivered(&self, vpc: &str, subnet: &str) -> IntervalSet {
        let mut owned = IntervalSet::empty();
        for sn in self.net.subnets.iter().filter(|s| s.vpc_id == vpc) {
            let cs = cidr_set(&sn.cidrs);
            if sn.id == subnet {
                return cs.subtract(&owned);
            }
            owned = owned.union(&cs);
        }
        IntervalSet::empty()
    }

    /// Headers leaving subnet `from` (past its ENI) that reach on-prem router `router`: network ACL
    /// out, then routes through transit gateways, VGWs, Direct Connect and VPN. Routes to NAT
    /// gateways and appliances are unknown here.
    fn leg_to_router(&mut self, from: &str, router: &str) -> Answer {
        let net = self.net;
        let Some(f) = net.subnets.get(from) else {
            return Answer::all_unknown();
        };
        let (vpc, az, f_addrs) = (f.vpc_id.clone(), f.az.clone(), cidr_set(&f.cidrs));
        let compiled = self.routes(from);
        let Some(rt) = f
            .route_table_id
            .as_ref()
            .and_then(|id| net.route_tables.get(id))
        else {
            return Answer::all_unknown();
        };
        let goal = Goal::Router(router.to_owned());
        let mut flow = Flow::unknown(&compiled.unknown);
        for (part, i) in &compiled.parts {
            let Some(r) = rt.routes.get(*i) else { continue };
            if r.blackhole {
                continue;
            }
            match &r.target {
                RouteTarget::TransitGateway(t) => {
                    let f = self.tgw_from_vpc(t, &vpc, &az, part, &goal);
                    flow.add(&f);
                }
                RouteTarget::VpnGateway(v) => {
                    let f = self.vgw_out(v, &vpc, part, &goal);
                    flow.add(&f);
                }
                RouteTarget::NatGateway(_)
                | RouteTarget::NetworkInterface(_)
                | RouteTarget::Other(_) => flow.unknown = flow.unknown.union(part),
                _ => {}
            }
        }
        let unknown = flow.unknown.subtract(&f_addrs);
        let good = flow.good.subtract(&f_addrs).subtract(&unknown);
        Answer::all()
            .restrict(DST, &full(DST).subtract(&f_addrs))
            .then(&self.acl(from, true))
            .then(&Answer {
                allowed: HeaderSet::all().restrict(DST, &good),
                unknown: HeaderSet::all().restrict(DST, &unknown),
            })
    }

    /// Exactly which headers open a connection between on-prem router `router` (one of its
    /// addresses) and ENI `eni` (one of its addresses), reply included: from the router when
    /// `from_router`, else from the ENI.
    #[must_use]
    pub fn decide_router_pair(
        &mut self,
        router: &str,
        eni: &NetworkInterface,
        from_router: bool,
    ) -> Answer {
        let net = self.net;
        let Some(r) = net.customer_routers.get(router) else {
            return Answer::all_unknown();
        };
        if net.is_nat_eni(eni) {
            return Answer::default();
        }
        let Some(sub) = net.subnets.get(&eni.subnet_id) else {
            return Answer::all_unknown();
        };
        let own = IntervalSet::from_ranges(r.addresses().map(|a| (a, a)).collect());
        let e_addrs = addr_set(eni);
        // Towards the ENI: the router's forwarding to its VPC, delivered to its subnet, ACL in.
        let inbound = self.router(router, &e_addrs, &Goal::Vpc(eni.vpc_id.clone()), 0);
        let in_unknown = inbound.unknown.intersect(&cidr_set(&sub.cidrs));
        let in_good = inbound
            .good
            .intersect(&self.delivered(&eni.vpc_id, &eni.subnet_id))
            .subtract(&in_unknown);
        let to_eni = Answer {
            allowed: HeaderSet::all().restrict(DST, &in_good),
            unknown: HeaderSet::all().restrict(DST, &in_unknown),
        }
        .then(&self.acl(&eni.subnet_id, false));
        let to_router = self.leg_to_router(&eni.subnet_id, router);
        let a = if from_router {
            let fwd = Answer::all()
                .restrict(SRC, &own)
                .restrict(DST, &e_addrs)
                .then(&to_eni)
                .then(&self.sg(&eni.groups, false));
            fwd.replies().then(&to_router).replies()
        } else {
            let fwd = Answer::all()
                .restrict(SRC, &e_addrs)
                .restrict(DST, &own)
                .then(&self.sg(&eni.groups, true))
                .then(&to_router);
            fwd.replies().then(&to_eni).replies()
        };
        if eni.is_load_balancer() {
            return Answer {
                allowed: HeaderSet::empty(),
                unknown: a.allowed.union(&a.unknown),
            };
        }
        a
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
            group_list: eni.groups.clone(),
            nat: self.net.is_nat_eni(eni),
            load_balancer: eni.is_load_balancer(),
        }
    }

    fn exists_core(&mut self, s: &PairEnd, d: &PairEnd, netp: &Answer) -> Option<bool> {
        if d.nat || s.nat {
            return Some(false);
        }
        let through_nat = self
            .nat_pairs
            .get(&(s.subnet, d.subnet))
            .copied()
            .unwrap_or(false);
        let answer = if through_nat {
            // Security groups of the destination see translated headers: decide on the full set.
            let a = self
                .pair_class(&s.subnet_id, &s.group_list, &d.subnet_id, &d.group_list)
                .restrict(SRC, &s.addrs)
                .restrict(DST, &d.addrs);
            if !a.allowed.is_empty() {
                Some(true)
            } else if a.unknown.is_empty() {
                Some(false)
            } else {
                None
            }
        } else {
            self.exists_filters(s, d, netp)
        };
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

/// Where a routed packet should end up: the VPC router of a VPC, or an on-prem router.
enum Goal {
    Vpc(String),
    Router(String),
}

impl Goal {
    fn is_vpc(&self, id: &str) -> bool {
        matches!(self, Goal::Vpc(v) if v == id)
    }

    fn is_router(&self, name: &str) -> bool {
        matches!(self, Goal::Router(r) if r == name)
    }
}

/// Destination sets: those that arrive where wanted, and those whose fate is unknown.
#[derive(Clone, Debug, Default)]
struct Flow {
    good: IntervalSet,
    unknown: IntervalSet,
}

impl Flow {
    fn unknown(dsts: &IntervalSet) -> Flow {
        Flow {
            good: IntervalSet::empty(),
            unknown: dsts.clone(),
        }
    }

    fn add(&mut self, other: &Flow) {
        self.good = self.good.union(&other.good);
        self.unknown = self.unknown.union(&other.unknown);
    }
}

fn cidr_set(cs: &[crate::hs::Cidr]) -> IntervalSet {
    IntervalSet::from_ranges(cs.iter().map(|c| (c.lo, c.hi())).collect())
}

fn private_set() -> &'static IntervalSet {
    static SET: std::sync::OnceLock<IntervalSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        cidr_set(
            &PRIVATE_BLOCKS
                .iter()
                .filter_map(|c| crate::hs::Cidr::parse(c))
                .collect::<Vec<_>>(),
        )
    })
}

/// Exact union of two tri-state answers.
fn union(a: &Answer, b: &Answer) -> Answer {
    let allowed = a.allowed.union(&b.allowed);
    Answer {
        unknown: a.unknown.union(&b.unknown).subtract(&allowed),
        allowed,
    }
}

/// Longest-prefix partition: for every entry `(cidr, key, index)`, the destinations it wins, by
/// index (an index may stand in several entries). The entry with the greatest key among those
/// holding an address wins it (keys start with the prefix length; callers encode their tie-breaks
/// in the rest).
fn lpm_partition<K: Ord>(
    mut entries: Vec<(crate::hs::Cidr, K, usize)>,
) -> Vec<(usize, IntervalSet)> {
    entries.sort_by(|a, b| b.1.cmp(&a.1));
    let mut covered = IntervalSet::empty();
    let mut won: HashMap<usize, IntervalSet> = HashMap::new();
    for (c, _, i) in entries {
        let set = c.to_set();
        let win = set.subtract(&covered);
        covered = covered.union(&set);
        if !win.is_empty() {
            let slot = won.entry(i).or_default();
            *slot = slot.union(&win);
        }
    }
    let mut won: Vec<(usize, IntervalSet)> = won.into_iter().collect();
    won.sort_by_key(|(i, _)| *i);
    won
}

/// What a pair decision needs from one ENI.
pub struct PairEnd {
    out: Rc<Answer>,
    inn: Rc<Answer>,
    addrs: IntervalSet,
    groups: u32,
    subnet: u32,
    subnet_id: String,
    group_list: Vec<String>,
    nat: bool,
    load_balancer: bool,
}

/// Dimensions re-exported for report code.
pub const DIMS: [usize; 5] = [SRC, DST, PROTO, SPORT, DPORT];
