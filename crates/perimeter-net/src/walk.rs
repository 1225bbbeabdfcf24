//! The concrete packet walker: one packet, one hop at a time. This is the reference semantics of the
//! model and the oracle for [`crate::symbolic`].
//!
//! A walk records every component it passes ([`Step`]) with the rule it used, and ends with a
//! [`Disposition`] (Batfish's closed set, plus `Unknown`) and, when blocked, a [`Block`] naming the
//! component, the rule and the AWS explanation code.

use crate::hs::{
    Cidr, Ip, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, Packet, is_icmp, parse_ip,
};
use crate::model::{
    AclRef, Network, NetworkInterface, Protocol, Route, RouteTarget, SgPeer, SgRule,
};

/// Longest walk; Reachability Analyzer gives up at 64 hops too.
pub const MAX_STEPS: usize = 64;

/// How a walk ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Disposition {
    /// A component owning the destination address took the packet.
    Accepted,
    /// Dropped by an inbound filter (security group, network ACL, gateway).
    DeniedIn,
    /// Dropped by an outbound filter.
    DeniedOut,
    /// No route matched.
    NoRoute,
    /// A blackhole route, or address space no subnet covers.
    NullRouted,
    /// Routed to the subnet, but no interface owns the address.
    NeighborUnreachable,
    /// Left the modelled network (internet, VPN peer, AWS service).
    ExitsNetwork,
    /// The snapshot lacks what is needed to decide.
    Unknown,
}

/// The network ACL entry a walk used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AclRuleHit {
    /// ACL.
    pub acl_id: String,
    /// Rule number.
    pub rule_number: i64,
    /// Egress.
    pub egress: bool,
    /// Allow.
    pub allow: bool,
    /// Protocol as AWS renders it.
    pub protocol: String,
    /// CIDR.
    pub cidr: String,
    /// Port range as written.
    pub port_range: Option<(i64, i64)>,
}

/// The security group rule a walk used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SgRuleHit {
    /// Group.
    pub group_id: String,
    /// Egress.
    pub egress: bool,
    /// Protocol.
    pub protocol: String,
    /// `CidrIp`.
    pub cidr: Option<String>,
    /// Prefix list.
    pub prefix_list_id: Option<String>,
    /// Referenced group.
    pub referenced_group_id: Option<String>,
    /// Port range as written.
    pub port_range: Option<(i64, i64)>,
}

/// The route a walk used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteHit {
    /// Route table.
    pub route_table_id: String,
    /// Destination CIDR as written.
    pub destination_cidr: Option<String>,
    /// Destination prefix list.
    pub prefix_list_id: Option<String>,
    /// Target.
    pub target: RouteTarget,
    /// `active` or `blackhole`.
    pub state: &'static str,
    /// `Origin`.
    pub origin: Option<String>,
}

/// The transit gateway route a walk used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TgwRouteHit {
    /// Route table.
    pub route_table_id: String,
    /// Destination.
    pub destination_cidr: String,
    /// Attachment.
    pub attachment_id: Option<String>,
    /// `static` / `propagated`.
    pub route_type: String,
    /// `active` / `blackhole`.
    pub state: &'static str,
}

/// One component on a path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Step {
    /// Component id.
    pub id: String,
    /// Component kind (`instance`, `network-interface`, `security-group`, `network-acl`, `route-table`,
    /// `internet-gateway`, `nat-gateway`, `vpc-peering-connection`, `transit-gateway`,
    /// `transit-gateway-route-table`, `vpn-gateway`, `vpc-endpoint`, `egress-only-internet-gateway`, `internet`,
    /// `direct-connect-gateway`, `virtual-interface`, `vpn-connection`, `customer-gateway` for an on-prem router).
    pub kind: &'static str,
    /// VPC.
    pub vpc: Option<String>,
    /// Subnet.
    pub subnet: Option<String>,
    /// ACL rule used.
    pub acl_rule: Option<AclRuleHit>,
    /// Security group rule used.
    pub sg_rule: Option<SgRuleHit>,
    /// Route used.
    pub route: Option<RouteHit>,
    /// Transit gateway route used.
    pub tgw_route: Option<TgwRouteHit>,
    /// Header before the component, when it rewrites the header.
    pub inbound: Option<Packet>,
    /// Header after the component, when it rewrites the header.
    pub outbound: Option<Packet>,
}

/// Why a walk stopped short.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// AWS Reachability Analyzer explanation code, or `UNKNOWN_RESOURCE`-style codes for unknowns.
    pub code: &'static str,
    /// The blocking component.
    pub component: String,
    /// Its kind.
    pub kind: &'static str,
    /// `ingress` / `egress`.
    pub direction: Option<&'static str>,
    /// The deciding ACL rule (a deny, or the implicit default).
    pub acl_rule: Option<AclRuleHit>,
    /// The security groups that had no matching rule.
    pub security_groups: Vec<String>,
    /// The route table that lacked a route.
    pub route_table: Option<String>,
    /// One line, lowercase.
    pub message: String,
}

/// Where a walk ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Landing {
    /// At this ENI.
    Eni(String),
    /// On the internet.
    Internet,
    /// Behind this VPN gateway.
    VpnGateway(String),
    /// At an AWS service through a gateway endpoint, or at a transit gateway's VPN/DX attachment.
    Outside(String),
    /// At an on-prem router (read from its configuration) that owns the destination.
    Router(String),
    /// Nowhere (dropped).
    Nowhere,
}

/// One walk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    /// Outcome.
    pub disposition: Disposition,
    /// Components in order.
    pub steps: Vec<Step>,
    /// Why it stopped, when it did not reach a destination.
    pub block: Option<Block>,
    /// Where it ended.
    pub landing: Landing,
    /// The header as it arrived.
    pub final_packet: Packet,
}

/// Where a walk starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Start {
    /// Sent by this ENI (its security groups' egress rules apply).
    Eni(String),
    /// Injected at a subnet's router, after any ENI (Batfish's subnet start).
    Subnet(String),
    /// Injected at a VPC's router.
    Vpc(String),
    /// From the internet.
    Internet,
    /// From the internet through this internet gateway only.
    InternetGateway(String),
    /// From the VPN side of this virtual private gateway.
    VpnGateway(String),
    /// Sent by this on-prem router (read from its configuration).
    Router(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Forward,
    Return,
}

struct Walker<'a> {
    net: &'a Network,
    mode: Mode,
    steps: Vec<Step>,
    nat_sessions: Vec<(String, Ip, Ip)>,
    /// Load balancer translations: (ENI, packet sent to the target, packet the client sent).
    lb_sessions: Vec<(String, Packet, Packet)>,
    only_igw: Option<String>,
    /// The walk started on the internet.
    from_internet: bool,
    /// Filters to pass through anyway (component, direction), to find further blocking components.
    relax: Vec<(String, String)>,
    /// Blocks passed through because they were relaxed.
    relaxed_blocks: Vec<Block>,
}

struct End {
    disposition: Disposition,
    block: Option<Block>,
    landing: Landing,
    packet: Packet,
}

fn end(disposition: Disposition, landing: Landing, packet: Packet) -> End {
    End {
        disposition,
        block: None,
        landing,
        packet,
    }
}

fn blocked(disposition: Disposition, packet: Packet, b: Block) -> End {
    End {
        disposition,
        block: Some(b),
        landing: Landing::Nowhere,
        packet,
    }
}

fn block(code: &'static str, component: &str, kind: &'static str, message: String) -> Block {
    Block {
        code,
        component: component.to_owned(),
        kind,
        direction: None,
        acl_rule: None,
        security_groups: Vec::new(),
        route_table: None,
        message,
    }
}

fn unknown(packet: Packet, component: &str, kind: &'static str, message: String) -> End {
    blocked(
        Disposition::Unknown,
        packet,
        block("UNKNOWN_RESOURCE", component, kind, message),
    )
}

/// Private address space the internet does not route (RFC 1918, RFC 6598, loopback, link-local, unique local).
#[must_use]
pub fn is_private(ip: Ip) -> bool {
    static BLOCKS: std::sync::OnceLock<Vec<Cidr>> = std::sync::OnceLock::new();
    BLOCKS
        .get_or_init(|| {
            PRIVATE_BLOCKS
                .iter()
                .filter_map(|c| Cidr::parse(c))
                .collect()
        })
        .iter()
        .any(|c| c.contains(ip))
}

/// Blocks treated as non-internet by [`is_private`].
pub const PRIVATE_BLOCKS: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "fc00::/7",
    "fe80::/10",
    "::1/128",
];

/// Result of a security group evaluation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SgVerdict {
    /// This rule admits the packet.
    Allowed(SgRuleHit),
    /// No rule admits it.
    Denied,
    /// Only rules with unknown peers could admit it.
    Unknown(String),
}

fn sg_hit(group_id: &str, r: &SgRule) -> SgRuleHit {
    let (cidr, prefix_list_id, referenced_group_id) = match &r.peer {
        SgPeer::Cidr(c) => (Some(c.to_string()), None, None),
        SgPeer::PrefixList(p) => (None, Some(p.clone()), None),
        SgPeer::Group(g) => (None, None, Some(g.clone())),
    };
    SgRuleHit {
        group_id: group_id.to_owned(),
        egress: r.egress,
        protocol: r.protocol.render(),
        cidr,
        prefix_list_id,
        referenced_group_id,
        port_range: r.port_range,
    }
}

fn ports_apply(proto: u8) -> bool {
    proto == PROTO_TCP || proto == PROTO_UDP || is_icmp(proto)
}

/// Evaluate the security groups of an ENI on one packet (`egress` selects the rule direction).
#[must_use]
pub fn eval_security_groups(
    net: &Network,
    groups: &[String],
    egress: bool,
    p: &Packet,
) -> SgVerdict {
    let peer_ip = if egress { p.dst } else { p.src };
    let mut unknown_reason = None;
    for g in groups {
        let Some(sg) = net.security_groups.get(g) else {
            unknown_reason
                .get_or_insert_with(|| format!("security group `{g}` is not in the snapshot"));
            continue;
        };
        for r in sg.rules.iter().filter(|r| r.egress == egress) {
            if !r.protocol.matches(p.proto) {
                continue;
            }
            if r.protocol != Protocol::All
                && ports_apply(p.proto)
                && !r.ports.matches(p.sport, p.dport)
            {
                continue;
            }
            match net.peer_set(&r.peer) {
                Some(set) if set.contains(peer_ip) => return SgVerdict::Allowed(sg_hit(g, r)),
                Some(_) => {}
                None => {
                    unknown_reason.get_or_insert_with(|| {
                        format!(
                            "a rule of `{g}` references `{}`, which is not in the snapshot",
                            peer_name(&r.peer)
                        )
                    });
                }
            }
        }
    }
    match unknown_reason {
        Some(r) => SgVerdict::Unknown(r),
        None => SgVerdict::Denied,
    }
}

fn peer_name(p: &SgPeer) -> String {
    match p {
        SgPeer::Cidr(c) => c.to_string(),
        SgPeer::PrefixList(x) | SgPeer::Group(x) => x.clone(),
    }
}

/// Result of a network ACL evaluation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AclVerdict {
    /// Allowed by this rule (`None` when no ACL data was loaded).
    Allowed(Option<AclRuleHit>),
    /// Denied by this rule (`rule_number` 32767 is the default rule).
    Denied(AclRuleHit),
    /// Unknown.
    Unknown(String),
}

/// Evaluate a subnet's network ACL on one packet, first match by rule number.
#[must_use]
pub fn eval_network_acl(net: &Network, subnet_id: &str, egress: bool, p: &Packet) -> AclVerdict {
    let Some(subnet) = net.subnets.get(subnet_id) else {
        return AclVerdict::Unknown(format!("subnet `{subnet_id}` is not in the snapshot"));
    };
    let acl_id = match &subnet.acl {
        AclRef::Acl(a) => a,
        AclRef::NotLoaded => return AclVerdict::Allowed(None),
        AclRef::Missing => {
            return AclVerdict::Unknown(format!(
                "subnet `{subnet_id}` has no network acl in the snapshot"
            ));
        }
    };
    let Some(acl) = net.network_acls.get(acl_id) else {
        return AclVerdict::Unknown(format!("network acl `{acl_id}` is not in the snapshot"));
    };
    let peer = if egress { p.dst } else { p.src };
    for e in acl.entries.iter().filter(|e| e.egress == egress) {
        if !e.protocol.matches(p.proto) || !e.cidr.contains(peer) {
            continue;
        }
        if e.protocol != Protocol::All && ports_apply(p.proto) && !e.ports.matches(p.sport, p.dport)
        {
            continue;
        }
        let hit = AclRuleHit {
            acl_id: acl.id.clone(),
            rule_number: e.rule_number,
            egress,
            allow: e.allow,
            protocol: e.protocol.render(),
            cidr: e.cidr.to_string(),
            port_range: e.port_range,
        };
        return if e.allow {
            AclVerdict::Allowed(Some(hit))
        } else {
            AclVerdict::Denied(hit)
        };
    }
    AclVerdict::Denied(AclRuleHit {
        acl_id: acl.id.clone(),
        rule_number: 32767,
        egress,
        allow: false,
        protocol: "-1".to_owned(),
        cidr: if crate::hs::is_v4(peer) {
            "0.0.0.0/0".to_owned()
        } else {
            "::/0".to_owned()
        },
        port_range: None,
    })
}

/// Result of a route lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteVerdict<'a> {
    /// This route wins.
    Route(&'a Route),
    /// No route matches.
    NoRoute,
    /// A route with unknown destinations could win.
    Unknown(String),
}

fn route_rank(r: &Route, dst: Ip) -> Option<(u8, u8)> {
    let best = r
        .destinations
        .iter()
        .filter(|c| c.contains(dst))
        .map(Cidr::axis_len)
        .max()?;
    let kind = if r.target == RouteTarget::Local {
        2
    } else if r.prefix_list_id.is_none() {
        1
    } else {
        0
    };
    Some((best, kind))
}

/// Longest-prefix match in a route table. Ties: the local route, then CIDR routes, then prefix-list routes.
#[must_use]
pub fn lookup_route<'a>(net: &'a Network, route_table_id: &str, dst: Ip) -> RouteVerdict<'a> {
    let Some(rt) = net.route_tables.get(route_table_id) else {
        return RouteVerdict::Unknown(format!(
            "route table `{route_table_id}` is not in the snapshot"
        ));
    };
    let mut best: Option<((u8, u8), &Route)> = None;
    for r in &rt.routes {
        if let Some(rank) = route_rank(r, dst)
            && best.is_none_or(|(b, _)| rank > b)
        {
            best = Some((rank, r));
        }
    }
    let unknown_pl = rt.routes.iter().find(|r| r.prefix_list_unknown);
    match (best, unknown_pl) {
        (Some((_, r)), _) if r.target == RouteTarget::Local => RouteVerdict::Route(r),
        (_, Some(u)) => RouteVerdict::Unknown(format!(
            "route table `{route_table_id}` routes prefix list `{}`, whose cidrs are not in the snapshot",
            u.prefix_list_id.clone().unwrap_or_default()
        )),
        (Some((_, r)), None) => RouteVerdict::Route(r),
        (None, None) => RouteVerdict::NoRoute,
    }
}

fn route_hit(rtb: &str, r: &Route) -> RouteHit {
    RouteHit {
        route_table_id: rtb.to_owned(),
        destination_cidr: r.destination_cidr.clone(),
        prefix_list_id: r.prefix_list_id.clone(),
        target: r.target.clone(),
        state: if r.blackhole { "blackhole" } else { "active" },
        origin: r.origin.clone(),
    }
}

impl<'a> Walker<'a> {
    /// Whether a blocking filter is relaxed; records it when it is.
    fn relaxed(&mut self, b: &Block) -> bool {
        let dir = b.direction.unwrap_or_default();
        if self
            .relax
            .iter()
            .any(|(c, d)| *c == b.component && d == dir)
        {
            self.relaxed_blocks.push(b.clone());
            return true;
        }
        false
    }

    /// The hops of a packet coming into AWS from an on-prem router: the Direct Connect virtual
    /// interface or VPN connection it crosses, and the Direct Connect gateway when there is one.
    fn enter_via(&mut self, via: &str, dxgw_id: Option<&str>) {
        self.step(via, via_kind(via));
        if let Some(d) = dxgw_id {
            self.step(d, "direct-connect-gateway");
        }
    }

    fn step(&mut self, id: &str, kind: &'static str) -> &mut Step {
        self.steps.push(Step {
            id: id.to_owned(),
            kind,
            ..Step::default()
        });
        let last = self.steps.len() - 1;
        #[expect(
            clippy::indexing_slicing,
            reason = "index of the element pushed on the line above"
        )]
        &mut self.steps[last]
    }

    fn too_long(&self) -> bool {
        self.steps.len() > MAX_STEPS * 4
    }

    fn start(&mut self, start: &Start, p: Packet) -> End {
        match start {
            Start::Eni(id) => self.leave_eni(id, p),
            Start::Subnet(id) => self.leave_subnet(id, p, None),
            Start::Vpc(id) => self.vpc_router(id, p, None),
            Start::Internet => {
                self.from_internet = true;
                self.internet(p)
            }
            Start::InternetGateway(id) => {
                self.only_igw = Some(id.clone());
                self.internet(p)
            }
            Start::VpnGateway(id) => self.enter_from_vgw(id, p),
            Start::Router(name) => self.router(name, p),
        }
    }

    fn leave_eni(&mut self, eni_id: &str, p: Packet) -> End {
        let net = self.net;
        let Some(eni) = net.network_interfaces.get(eni_id) else {
            return unknown(
                p,
                eni_id,
                "network-interface",
                format!("network interface `{eni_id}` is not in the snapshot"),
            );
        };
        if let Some(inst) = &eni.instance_id {
            let s = self.step(inst, "instance");
            s.vpc = Some(eni.vpc_id.clone());
            s.subnet = Some(eni.subnet_id.clone());
        }
        let s = self.step(eni_id, "network-interface");
        s.vpc = Some(eni.vpc_id.clone());
        s.subnet = Some(eni.subnet_id.clone());
        if !eni.owns(p.src) {
            let mut b = block(
                "ENI_SOURCE_DEST_CHECK_RESTRICTION",
                eni_id,
                "network-interface",
                format!(
                    "`{eni_id}` does not own source address `{}`",
                    crate::hs::render_ip(p.src)
                ),
            );
            b.direction = Some("egress");
            return blocked(Disposition::DeniedOut, p, b);
        }
        if self.mode == Mode::Forward && !eni.groups.is_empty() {
            match eval_security_groups(net, &eni.groups, true, &p) {
                SgVerdict::Allowed(hit) => {
                    let s = self.step(&hit.group_id.clone(), "security-group");
                    s.sg_rule = Some(hit);
                }
                SgVerdict::Denied => {
                    let mut b = block(
                        "ENI_SG_RULES_MISMATCH",
                        eni_id,
                        "network-interface",
                        format!(
                            "no egress rule of the security groups of `{eni_id}` admits the packet"
                        ),
                    );
                    b.direction = Some("egress");
                    b.security_groups.clone_from(&eni.groups);
                    if !self.relaxed(&b) {
                        return blocked(Disposition::DeniedOut, p, b);
                    }
                }
                SgVerdict::Unknown(r) => return unknown(p, eni_id, "network-interface", r),
            }
        }
        self.leave_subnet(&eni.subnet_id.clone(), p, Some(eni))
    }

    fn check_acl(&mut self, subnet_id: &str, egress: bool, p: &Packet) -> Option<End> {
        match eval_network_acl(self.net, subnet_id, egress, p) {
            AclVerdict::Allowed(Some(hit)) => {
                let s = self.step(&hit.acl_id.clone(), "network-acl");
                s.subnet = Some(subnet_id.to_owned());
                s.acl_rule = Some(hit);
                None
            }
            AclVerdict::Allowed(None) => None,
            AclVerdict::Denied(hit) => {
                let dir = if egress { "egress" } else { "ingress" };
                let mut b = block(
                    "SUBNET_ACL_RESTRICTION",
                    &hit.acl_id,
                    "network-acl",
                    format!(
                        "network acl `{}` rule {} denies {dir} traffic of subnet `{subnet_id}`",
                        hit.acl_id,
                        if hit.rule_number == 32767 {
                            "*".to_owned()
                        } else {
                            hit.rule_number.to_string()
                        }
                    ),
                );
                b.direction = Some(dir);
                b.acl_rule = Some(hit);
                if self.relaxed(&b) {
                    return None;
                }
                Some(blocked(
                    if egress {
                        Disposition::DeniedOut
                    } else {
                        Disposition::DeniedIn
                    },
                    *p,
                    b,
                ))
            }
            AclVerdict::Unknown(r) => Some(unknown(*p, subnet_id, "subnet", r)),
        }
    }

    fn leave_subnet(&mut self, subnet_id: &str, p: Packet, from: Option<&NetworkInterface>) -> End {
        if self.too_long() {
            return unknown(
                p,
                subnet_id,
                "subnet",
                "path exceeds the hop limit (routing loop)".to_owned(),
            );
        }
        let net = self.net;
        let Some(subnet) = net.subnets.get(subnet_id) else {
            return unknown(
                p,
                subnet_id,
                "subnet",
                format!("subnet `{subnet_id}` is not in the snapshot"),
            );
        };
        // Same-subnet traffic goes straight to the neighbour: no network ACL, no route table.
        if subnet.cidrs.iter().any(|c| c.contains(p.dst)) {
            return match net.eni_by_private(&subnet.vpc_id, p.dst) {
                Some(dst) if from.is_none_or(|f| f.id != dst.id) => {
                    self.arrive_eni(&dst.id.clone(), p)
                }
                Some(_) => end(
                    Disposition::Accepted,
                    Landing::Eni(from.map(|f| f.id.clone()).unwrap_or_default()),
                    p,
                ),
                None => blocked(
                    Disposition::NeighborUnreachable,
                    p,
                    block(
                        "NO_POSSIBLE_DESTINATION",
                        subnet_id,
                        "subnet",
                        format!(
                            "no network interface in subnet `{subnet_id}` owns `{}`",
                            crate::hs::render_ip(p.dst)
                        ),
                    ),
                ),
            };
        }
        if let Some(e) = self.check_acl(subnet_id, true, &p) {
            return e;
        }
        let Some(rtb) = subnet.route_table_id.clone() else {
            return unknown(
                p,
                subnet_id,
                "subnet",
                format!("subnet `{subnet_id}` has no route table in the snapshot"),
            );
        };
        let route = match lookup_route(net, &rtb, p.dst) {
            RouteVerdict::Route(r) => r,
            RouteVerdict::NoRoute => {
                let s = self.step(&rtb, "route-table");
                s.vpc = Some(subnet.vpc_id.clone());
                s.subnet = Some(subnet_id.to_owned());
                let mut b = block(
                    "NO_ROUTE_TO_DESTINATION",
                    &rtb,
                    "route-table",
                    format!(
                        "route table `{rtb}` has no route to `{}`",
                        crate::hs::render_ip(p.dst)
                    ),
                );
                b.route_table = Some(rtb.clone());
                return blocked(Disposition::NoRoute, p, b);
            }
            RouteVerdict::Unknown(r) => return unknown(p, &rtb, "route-table", r),
        };
        let s = self.step(&rtb, "route-table");
        s.vpc = Some(subnet.vpc_id.clone());
        s.subnet = Some(subnet_id.to_owned());
        s.route = Some(route_hit(&rtb, route));
        if route.blackhole {
            let mut b = block(
                "BAD_STATE_ROUTE",
                &rtb,
                "route-table",
                format!("the matching route in `{rtb}` is a blackhole"),
            );
            b.route_table = Some(rtb.clone());
            return blocked(Disposition::NullRouted, p, b);
        }
        let vpc = subnet.vpc_id.clone();
        match route.target.clone() {
            RouteTarget::Local => self.vpc_router(&vpc, p, Some(subnet_id)),
            RouteTarget::InternetGateway(igw) => self.igw_out(&igw, &vpc, p),
            RouteTarget::NatGateway(nat) => self.nat(&nat, subnet_id, p),
            RouteTarget::VpcPeeringConnection(pcx) => self.peering(&pcx, &vpc, p),
            RouteTarget::TransitGateway(tgw) => self.tgw_from_vpc(&tgw, &vpc, &subnet.az, p),
            RouteTarget::VpnGateway(vgw) => self.vgw_out(&vgw, &vpc, p),
            RouteTarget::VpcEndpoint(vpce) => self.gateway_endpoint(&vpce, p),
            RouteTarget::EgressOnlyInternetGateway(eigw) => self.eigw(&eigw, &vpc, p),
            RouteTarget::NetworkInterface(x) => unknown(
                p,
                &x,
                "network-interface",
                format!("routing through appliance `{x}` is not modelled"),
            ),
            RouteTarget::Other(x) => unknown(
                p,
                &x,
                "route-table",
                format!("route target `{x}` is not modelled"),
            ),
        }
    }

    fn vpc_router(&mut self, vpc_id: &str, p: Packet, from_subnet: Option<&str>) -> End {
        let net = self.net;
        if !net.vpc_contains(vpc_id, p.dst) && net.vpcs.get(vpc_id).is_some() {
            return blocked(
                Disposition::NoRoute,
                p,
                block(
                    "VPC_LOCAL_ROUTE_CIDR_RESTRICTION",
                    vpc_id,
                    "vpc",
                    format!(
                        "`{}` is not in the cidrs of `{vpc_id}`",
                        crate::hs::render_ip(p.dst)
                    ),
                ),
            );
        }
        let Some(subnet) = net.subnet_for(vpc_id, p.dst) else {
            return blocked(
                Disposition::NullRouted,
                p,
                block(
                    "NO_POSSIBLE_DESTINATION",
                    vpc_id,
                    "vpc",
                    format!(
                        "no subnet of `{vpc_id}` holds `{}`",
                        crate::hs::render_ip(p.dst)
                    ),
                ),
            );
        };
        if from_subnet == Some(subnet.id.as_str()) {
            // Routed back into the source subnet by the local route: deliver directly.
            return match net.eni_by_private(vpc_id, p.dst) {
                Some(dst) => self.arrive_eni(&dst.id.clone(), p),
                None => blocked(
                    Disposition::NeighborUnreachable,
                    p,
                    block(
                        "NO_POSSIBLE_DESTINATION",
                        &subnet.id,
                        "subnet",
                        format!(
                            "no network interface owns `{}`",
                            crate::hs::render_ip(p.dst)
                        ),
                    ),
                ),
            };
        }
        self.enter_subnet(&subnet.id.clone(), vpc_id, p)
    }

    fn enter_subnet(&mut self, subnet_id: &str, vpc_id: &str, p: Packet) -> End {
        if let Some(e) = self.check_acl(subnet_id, false, &p) {
            return e;
        }
        if let Some(nat) =
            self.net.nat_gateways.iter().find(|n| {
                n.subnet_id == subnet_id && n.addresses.iter().any(|(pv, _)| *pv == p.dst)
            })
        {
            let nat_id = nat.id.clone();
            self.step(&nat_id, "nat-gateway").subnet = Some(subnet_id.to_owned());
            return self.nat_inbound(&nat_id, p);
        }
        match self.net.eni_by_private(vpc_id, p.dst) {
            Some(dst) if dst.subnet_id == subnet_id => self.arrive_eni(&dst.id.clone(), p),
            _ => blocked(
                Disposition::NeighborUnreachable,
                p,
                block(
                    "NO_POSSIBLE_DESTINATION",
                    subnet_id,
                    "subnet",
                    format!(
                        "no network interface in subnet `{subnet_id}` owns `{}`",
                        crate::hs::render_ip(p.dst)
                    ),
                ),
            ),
        }
    }

    fn arrive_eni(&mut self, eni_id: &str, p: Packet) -> End {
        let net = self.net;
        let Some(eni) = net.network_interfaces.get(eni_id) else {
            return unknown(
                p,
                eni_id,
                "network-interface",
                format!("network interface `{eni_id}` is not in the snapshot"),
            );
        };
        if let Some(nat) = net.nat_gateways.iter().find(|n| {
            n.eni_ids.iter().any(|e| e == eni_id) || n.addresses.iter().any(|(pv, _)| *pv == p.dst)
        }) {
            let nat_id = nat.id.clone();
            self.step(&nat_id, "nat-gateway").subnet = Some(nat.subnet_id.clone());
            return self.nat_inbound(&nat_id, p);
        }
        if eni.is_load_balancer() {
            match self.mode {
                Mode::Forward => return self.load_balancer(eni, p),
                Mode::Return => {
                    if let Some(original) = self
                        .lb_sessions
                        .iter()
                        .find(|(e, q, _)| e == eni_id && q.dst == p.src && q.src == p.dst)
                        .map(|(_, _, o)| *o)
                    {
                        let r = original.reply();
                        let s = self.step(eni_id, "network-interface");
                        s.inbound = Some(p);
                        s.outbound = Some(r);
                        return self.leave_subnet(&eni.subnet_id.clone(), r, Some(eni));
                    }
                }
            }
        }
        if self.mode == Mode::Forward && !eni.groups.is_empty() {
            match eval_security_groups(net, &eni.groups, false, &p) {
                SgVerdict::Allowed(hit) => {
                    let s = self.step(&hit.group_id.clone(), "security-group");
                    s.sg_rule = Some(hit);
                }
                SgVerdict::Denied => {
                    let mut b = block(
                        "ENI_SG_RULES_MISMATCH",
                        eni_id,
                        "network-interface",
                        format!(
                            "no ingress rule of the security groups of `{eni_id}` admits the packet"
                        ),
                    );
                    b.direction = Some("ingress");
                    b.security_groups.clone_from(&eni.groups);
                    if !self.relaxed(&b) {
                        return blocked(Disposition::DeniedIn, p, b);
                    }
                }
                SgVerdict::Unknown(r) => return unknown(p, eni_id, "network-interface", r),
            }
        }
        let s = self.step(eni_id, "network-interface");
        s.vpc = Some(eni.vpc_id.clone());
        s.subnet = Some(eni.subnet_id.clone());
        if let Some(inst) = &eni.instance_id {
            self.step(inst, "instance").vpc = Some(eni.vpc_id.clone());
        }
        end(Disposition::Accepted, Landing::Eni(eni_id.to_owned()), p)
    }

    /// A packet arriving at a load balancer's interface: listener, then forwarding to a healthy target.
    fn load_balancer(&mut self, eni: &NetworkInterface, p: Packet) -> End {
        let net = self.net;
        let eni_id = eni.id.clone();
        let Some(lb) = net.load_balancer_of(eni) else {
            return unknown(
                p,
                &eni_id,
                "network-interface",
                format!("`{eni_id}` belongs to a load balancer that is not in the snapshot"),
            );
        };
        if !lb.listeners_known {
            return unknown(
                p,
                &eni_id,
                "network-interface",
                format!(
                    "the listeners of load balancer `{}` are not in the snapshot",
                    lb.name
                ),
            );
        }
        if !eni.groups.is_empty() {
            match eval_security_groups(net, &eni.groups, false, &p) {
                SgVerdict::Allowed(hit) => {
                    let s = self.step(&hit.group_id.clone(), "security-group");
                    s.sg_rule = Some(hit);
                }
                SgVerdict::Denied => {
                    let mut b = block(
                        "ENI_SG_RULES_MISMATCH",
                        &eni_id,
                        "network-interface",
                        format!(
                            "no ingress rule of the security groups of `{eni_id}` admits the packet"
                        ),
                    );
                    b.direction = Some("ingress");
                    b.security_groups.clone_from(&eni.groups);
                    if !self.relaxed(&b) {
                        return blocked(Disposition::DeniedIn, p, b);
                    }
                }
                SgVerdict::Unknown(r) => return unknown(p, &eni_id, "network-interface", r),
            }
        }
        let s = self.step(&eni_id, "network-interface");
        s.vpc = Some(eni.vpc_id.clone());
        s.subnet = Some(eni.subnet_id.clone());
        let Some(listener) = lb
            .listeners
            .iter()
            .find(|l| l.port == p.dport && l.takes(p.proto))
        else {
            return blocked(
                Disposition::DeniedIn,
                p,
                block(
                    "ELBV2_LISTENER_PORT_RESTRICTION",
                    &lb.arn,
                    "load-balancer",
                    format!(
                        "load balancer `{}` has no listener for {} port {}",
                        lb.name,
                        crate::report::render_protocol(p.proto),
                        p.dport
                    ),
                ),
            );
        };
        self.step(&listener.arn, "load-balancer-listener");
        // Healthy targets, in this zone first; other zones only with cross-zone load balancing.
        let az = net
            .subnets
            .get(&eni.subnet_id)
            .map(|s| s.az.clone())
            .unwrap_or_default();
        let mut candidates: Vec<(Ip, u16, bool, String)> = Vec::new();
        for tg in listener
            .target_groups
            .iter()
            .filter_map(|a| net.target_groups.get(a))
        {
            for (id, port, healthy) in &tg.targets {
                if !healthy {
                    continue;
                }
                let target_eni = if id.starts_with("i-") {
                    net.instances
                        .get(id)
                        .and_then(|i| i.eni_ids.first())
                        .and_then(|e| net.network_interfaces.get(e))
                } else {
                    parse_ip(id).and_then(|ip| net.eni_by_private(&eni.vpc_id, ip))
                };
                let ip = match (target_eni, parse_ip(id)) {
                    (_, Some(ip)) => ip,
                    (Some(t), None) => match t.primary_ip() {
                        Some(ip) => ip,
                        None => continue,
                    },
                    (None, None) => continue,
                };
                let same_zone = target_eni
                    .and_then(|t| net.subnets.get(&t.subnet_id))
                    .is_some_and(|s| s.az == az);
                let preserve = lb.lb_type == "network" && tg.target_type == "instance";
                candidates.push((
                    ip,
                    port.or(tg.port).unwrap_or(listener.port),
                    preserve,
                    if same_zone {
                        String::new()
                    } else {
                        "x".to_owned()
                    },
                ));
            }
        }
        candidates.sort_by(|a, b| a.3.cmp(&b.3));
        let chosen = candidates
            .iter()
            .find(|c| c.3.is_empty() || lb.cross_zone)
            .cloned();
        let Some((ip, port, preserve, _)) = chosen else {
            return blocked(
                Disposition::DeniedIn,
                p,
                block(
                    "ELBV2_NO_TARGETS_IN_AZ",
                    &lb.arn,
                    "load-balancer",
                    format!(
                        "load balancer `{}` has no healthy target it can use in `{az}`",
                        lb.name
                    ),
                ),
            );
        };
        let own = eni.primary_ip().unwrap_or(p.dst);
        let q = Packet {
            src: if preserve { p.src } else { own },
            dst: ip,
            proto: p.proto,
            sport: p.sport,
            dport: port,
        };
        if !preserve {
            self.lb_sessions.push((eni_id.clone(), q, p));
        }
        if let Some(s) = self.steps.iter_mut().rev().find(|s| s.id == eni_id) {
            s.inbound = Some(p);
            s.outbound = Some(q);
        }
        self.leave_subnet(&eni.subnet_id.clone(), q, Some(eni))
    }

    /// A packet addressed to a NAT gateway's own private address.
    fn nat_inbound(&mut self, nat_id: &str, p: Packet) -> End {
        if self.mode == Mode::Return
            && let Some(pos) = self
                .nat_sessions
                .iter()
                .position(|(n, _, translated)| n == nat_id && *translated == p.dst)
            && let Some((_, original, _)) = self.nat_sessions.get(pos).cloned()
        {
            // Reply to a translated session: the NAT gateway restores the original address.
            let q = Packet { dst: original, ..p };
            let Some(nat) = self.net.nat_gateways.get(nat_id) else {
                return unknown(
                    p,
                    nat_id,
                    "nat-gateway",
                    format!("nat gateway `{nat_id}` is not in the snapshot"),
                );
            };
            if let Some(s) = self.steps.last_mut() {
                s.inbound = Some(p);
                s.outbound = Some(q);
            }
            let (subnet, vpc) = (nat.subnet_id.clone(), nat.vpc_id.clone());
            let Some(sn) = self.net.subnets.get(&subnet) else {
                return unknown(
                    q,
                    &subnet,
                    "subnet",
                    format!("subnet `{subnet}` is not in the snapshot"),
                );
            };
            if sn.cidrs.iter().any(|c| c.contains(q.dst)) {
                return match self.net.eni_by_private(&vpc, q.dst) {
                    Some(e) => self.arrive_eni(&e.id.clone(), q),
                    None => blocked(
                        Disposition::NeighborUnreachable,
                        q,
                        block(
                            "NO_POSSIBLE_DESTINATION",
                            &subnet,
                            "subnet",
                            "no network interface owns the original source".to_owned(),
                        ),
                    ),
                };
            }
            return self.leave_subnet(&subnet, q, None);
        }
        blocked(
            Disposition::DeniedIn,
            p,
            block(
                "NO_POSSIBLE_DESTINATION",
                nat_id,
                "nat-gateway",
                format!("nat gateway `{nat_id}` accepts no connection addressed to itself"),
            ),
        )
    }

    fn nat(&mut self, nat_id: &str, from_subnet: &str, p: Packet) -> End {
        let net = self.net;
        let Some(nat) = net.nat_gateways.get(nat_id) else {
            return blocked(
                Disposition::NullRouted,
                p,
                block(
                    "BAD_STATE",
                    nat_id,
                    "nat-gateway",
                    format!("nat gateway `{nat_id}` is not available in the snapshot"),
                ),
            );
        };
        if nat.subnet_id != from_subnet
            && let Some(e) = self.check_acl(&nat.subnet_id.clone(), false, &p)
        {
            return e;
        }
        let s = self.step(nat_id, "nat-gateway");
        s.subnet = Some(nat.subnet_id.clone());
        s.vpc = Some(nat.vpc_id.clone());
        if ![PROTO_TCP, PROTO_UDP, PROTO_ICMP].contains(&p.proto) {
            return blocked(
                Disposition::DeniedIn,
                p,
                block(
                    "PROTOCOL_RESTRICTION",
                    nat_id,
                    "nat-gateway",
                    format!("nat gateway `{nat_id}` translates only tcp, udp and icmp"),
                ),
            );
        }
        let Some(&(private, _)) = nat.addresses.first() else {
            return unknown(
                p,
                nat_id,
                "nat-gateway",
                format!("nat gateway `{nat_id}` has no address in the snapshot"),
            );
        };
        let q = Packet { src: private, ..p };
        self.nat_sessions.push((nat_id.to_owned(), p.src, private));
        if let Some(s) = self.steps.last_mut() {
            s.inbound = Some(p);
            s.outbound = Some(q);
        }
        self.leave_subnet(&nat.subnet_id.clone(), q, None)
    }

    fn public_of(&self, vpc_id: &str, private: Ip) -> Option<Ip> {
        if let Some(eni) = self.net.eni_by_private(vpc_id, private)
            && let Some(a) = eni.addresses.iter().find(|a| a.private == private)
            && a.public.is_some()
        {
            return a.public;
        }
        self.net
            .nat_gateways
            .iter()
            .filter(|n| n.vpc_id == vpc_id)
            .flat_map(|n| n.addresses.iter())
            .find(|(pv, _)| *pv == private)
            .and_then(|(_, pb)| *pb)
    }

    fn igw_out(&mut self, igw_id: &str, vpc_id: &str, p: Packet) -> End {
        let net = self.net;
        let attached = net
            .internet_gateways
            .get(igw_id)
            .is_some_and(|g| g.vpc_ids.iter().any(|v| v == vpc_id));
        if !attached && net.igw_unknown_vpcs.contains(vpc_id) {
            return unknown(
                p,
                igw_id,
                "internet-gateway",
                format!("internet gateway `{igw_id}` is not in the snapshot"),
            );
        }
        if !attached {
            return blocked(
                Disposition::NullRouted,
                p,
                block(
                    "BAD_STATE_ATTACHMENT",
                    igw_id,
                    "internet-gateway",
                    format!(
                        "internet gateway `{igw_id}` is not attached to `{vpc_id}` in the snapshot"
                    ),
                ),
            );
        }
        self.step(igw_id, "internet-gateway").vpc = Some(vpc_id.to_owned());
        let q = if crate::hs::is_v4(p.src) {
            let Some(public) = self.public_of(vpc_id, p.src) else {
                let mut b = block(
                    "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS",
                    igw_id,
                    "internet-gateway",
                    format!(
                        "source `{}` has no public address",
                        crate::hs::render_ip(p.src)
                    ),
                );
                b.direction = Some("egress");
                return blocked(Disposition::DeniedIn, p, b);
            };
            Packet { src: public, ..p }
        } else {
            p
        };
        if let Some(s) = self.steps.last_mut()
            && q != p
        {
            s.inbound = Some(p);
            s.outbound = Some(q);
        }
        if is_private(q.dst) {
            let mut b = block(
                "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS",
                igw_id,
                "internet-gateway",
                format!("`{}` is a private address", crate::hs::render_ip(q.dst)),
            );
            b.direction = Some("egress");
            return blocked(Disposition::DeniedOut, q, b);
        }
        // A reply to a connection from the internet goes back to its sender.
        if self.mode == Mode::Return && self.from_internet {
            return end(Disposition::ExitsNetwork, Landing::Internet, q);
        }
        // Hairpin: a public address of this snapshot is reached back through the internet (replies
        // of connections between two resources of the snapshot too).
        if net.derived.public_owner.contains_key(&q.dst)
            || net.derived.v6_owner.contains_key(&q.dst)
            || self.nat_public(q.dst).is_some()
            || self.vgw_outside(q.dst).is_some()
        {
            self.step("internet", "internet");
            return self.internet(q);
        }
        end(Disposition::ExitsNetwork, Landing::Internet, q)
    }

    fn nat_public(&self, ip: Ip) -> Option<(String, Ip)> {
        self.net.nat_gateways.iter().find_map(|n| {
            n.addresses
                .iter()
                .find(|(_, pb)| *pb == Some(ip))
                .map(|(pv, _)| (n.id.clone(), *pv))
        })
    }

    fn vgw_outside(&self, ip: Ip) -> Option<String> {
        self.net
            .vpn_gateways
            .iter()
            .find(|g| g.outside_ips.contains(&ip))
            .map(|g| g.id.clone())
    }

    fn internet(&mut self, p: Packet) -> End {
        if self.too_long() {
            return unknown(
                p,
                "internet",
                "internet",
                "path exceeds the hop limit".to_owned(),
            );
        }
        let net = self.net;
        if is_private(p.dst) || crate::hs::is_v4(p.src) != crate::hs::is_v4(p.dst) {
            return blocked(
                Disposition::NullRouted,
                p,
                block(
                    "NO_POSSIBLE_DESTINATION",
                    "internet",
                    "internet",
                    format!(
                        "`{}` is not routable on the internet",
                        crate::hs::render_ip(p.dst)
                    ),
                ),
            );
        }
        if let Some(vgw) = self.vgw_outside(p.dst) {
            self.step(&vgw, "vpn-gateway");
            return end(Disposition::Accepted, Landing::VpnGateway(vgw), p);
        }
        let owner = net
            .derived
            .public_owner
            .get(&p.dst)
            .map(|(e, pv)| (net.network_interfaces.get(e).map(|x| x.vpc_id.clone()), *pv))
            .or_else(|| {
                net.derived.v6_owner.get(&p.dst).map(|e| {
                    (
                        net.network_interfaces.get(e).map(|x| x.vpc_id.clone()),
                        p.dst,
                    )
                })
            });
        let nat = self.nat_public(p.dst);
        let (vpc, private) = match (owner, &nat) {
            (Some((Some(v), pv)), _) => (v, pv),
            (_, Some((nat_id, pv))) => match net.nat_gateways.get(nat_id) {
                Some(n) => (n.vpc_id.clone(), *pv),
                None => return end(Disposition::ExitsNetwork, Landing::Internet, p),
            },
            _ => {
                // From the internet, an address in AWS's EC2 space that nobody in the snapshot
                // holds belongs to another account (or nobody): AWS's network never hands it to
                // the snapshot.
                if self.from_internet
                    && self.mode == Mode::Forward
                    && crate::aws_ranges::is_ec2_space(p.dst)
                {
                    return blocked(
                        Disposition::NullRouted,
                        p,
                        block(
                            "NO_POSSIBLE_DESTINATION",
                            "aws-backbone",
                            "internet",
                            format!(
                                "`{}` is AWS EC2 address space that no resource of the snapshot holds",
                                crate::hs::render_ip(p.dst)
                            ),
                        ),
                    );
                }
                if let Some(igw) = self.only_igw.clone() {
                    let mut b = block(
                        "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS",
                        &igw,
                        "internet-gateway",
                        format!(
                            "`{}` is not a public address of the vpc of `{igw}`",
                            crate::hs::render_ip(p.dst)
                        ),
                    );
                    b.direction = Some("ingress");
                    return blocked(Disposition::DeniedIn, p, b);
                }
                return end(Disposition::ExitsNetwork, Landing::Internet, p);
            }
        };
        let Some(igw) = net.derived.vpc_igw.get(&vpc).cloned() else {
            if net.igw_unknown_vpcs.contains(&vpc) {
                return unknown(
                    p,
                    &vpc,
                    "vpc",
                    format!("internet gateways of `{vpc}` are not in the snapshot"),
                );
            }
            return blocked(
                Disposition::NullRouted,
                p,
                block(
                    "NO_POSSIBLE_DESTINATION",
                    &vpc,
                    "vpc",
                    format!("`{vpc}` has no internet gateway attached"),
                ),
            );
        };
        if let Some(only) = &self.only_igw
            && *only != igw
        {
            let mut b = block(
                "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS",
                only,
                "internet-gateway",
                format!(
                    "`{}` is not a public address of the vpc of `{only}`",
                    crate::hs::render_ip(p.dst)
                ),
            );
            b.direction = Some("ingress");
            return blocked(Disposition::DeniedIn, p, b);
        }
        let q = Packet { dst: private, ..p };
        let s = self.step(&igw, "internet-gateway");
        s.vpc = Some(vpc.clone());
        s.inbound = Some(p);
        s.outbound = Some(q);
        if is_private(p.src) {
            let mut b = block(
                "IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS",
                &igw,
                "internet-gateway",
                format!(
                    "source `{}` is a private address",
                    crate::hs::render_ip(p.src)
                ),
            );
            b.direction = Some("ingress");
            return blocked(Disposition::DeniedIn, p, b);
        }
        self.vpc_router(&vpc, q, None)
    }

    fn peering(&mut self, pcx_id: &str, vpc_id: &str, p: Packet) -> End {
        let net = self.net;
        let Some(pcx) = net.vpc_peering_connections.get(pcx_id) else {
            return blocked(
                Disposition::NullRouted,
                p,
                block(
                    "BAD_STATE",
                    pcx_id,
                    "vpc-peering-connection",
                    format!("peering connection `{pcx_id}` is not active in the snapshot"),
                ),
            );
        };
        let (peer, peer_cidrs) = if pcx.requester.0 == vpc_id {
            (&pcx.accepter.0, &pcx.accepter.1)
        } else if pcx.accepter.0 == vpc_id {
            (&pcx.requester.0, &pcx.requester.1)
        } else {
            return blocked(
                Disposition::NullRouted,
                p,
                block(
                    "BAD_STATE_ATTACHMENT",
                    pcx_id,
                    "vpc-peering-connection",
                    format!("`{pcx_id}` does not connect `{vpc_id}`"),
                ),
            );
        };
        self.step(pcx_id, "vpc-peering-connection").vpc = Some(peer.clone());
        if !peer_cidrs.iter().any(|c| c.contains(p.dst)) {
            return blocked(
                Disposition::NoRoute,
                p,
                block(
                    "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR",
                    pcx_id,
                    "vpc-peering-connection",
                    format!(
                        "`{}` is not in the cidrs of `{peer}`",
                        crate::hs::render_ip(p.dst)
                    ),
                ),
            );
        }
        if net.vpcs.get(peer).is_none() {
            return unknown(
                p,
                peer,
                "vpc",
                format!("peer vpc `{peer}` is not in the snapshot"),
            );
        }
        self.vpc_router(&peer.clone(), p, None)
    }

    fn tgw_from_vpc(&mut self, tgw_id: &str, vpc_id: &str, az: &str, p: Packet) -> End {
        let net = self.net;
        let Some(att) = net
            .tgw_attachments
            .iter()
            .find(|a| a.tgw_id == tgw_id && a.resource_type == "vpc" && a.resource_id == vpc_id)
        else {
            return blocked(
                Disposition::NullRouted,
                p,
                block(
                    "BAD_STATE_ATTACHMENT",
                    tgw_id,
                    "transit-gateway",
                    format!("`{vpc_id}` has no available attachment to `{tgw_id}`"),
                ),
            );
        };
        let s = self.step(tgw_id, "transit-gateway");
        s.vpc = Some(vpc_id.to_owned());
        let subnet_azs: Vec<&str> = att
            .subnet_ids
            .iter()
            .filter_map(|s| net.subnets.get(s))
            .map(|s| s.az.as_str())
            .collect();
        if !att.subnet_ids.is_empty() && !subnet_azs.is_empty() && !subnet_azs.contains(&az) {
            return blocked(
                Disposition::NullRouted,
                p,
                block(
                    "TGW_ROUTE_AZ_RESTRICTION",
                    &att.id,
                    "transit-gateway-attachment",
                    format!(
                        "attachment `{}` has no subnet in availability zone `{az}`",
                        att.id
                    ),
                ),
            );
        }
        self.tgw_route(tgw_id, &att.id.clone(), p, 0)
    }

    fn tgw_route(&mut self, tgw_id: &str, att_id: &str, p: Packet, depth: usize) -> End {
        let net = self.net;
        if depth > 4 {
            return unknown(
                p,
                tgw_id,
                "transit-gateway",
                "transit gateway peering chain too long".to_owned(),
            );
        }
        let key = format!("{tgw_id}/{att_id}");
        let Some(att) = net.tgw_attachments.get(&key) else {
            return unknown(
                p,
                att_id,
                "transit-gateway-attachment",
                format!("attachment `{att_id}` of `{tgw_id}` is not in the snapshot"),
            );
        };
        let Some(rtb_id) = att.route_table_id.clone() else {
            return blocked(
                Disposition::NoRoute,
                p,
                block(
                    "TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION",
                    att_id,
                    "transit-gateway-attachment",
                    format!("attachment `{att_id}` has no route table association"),
                ),
            );
        };
        let Some(rtb) = net.tgw_route_tables.get(&rtb_id) else {
            let mut b = block(
                "NO_ROUTE_TO_DESTINATION",
                &rtb_id,
                "transit-gateway-route-table",
                format!("transit gateway route table `{rtb_id}` has no routes in the snapshot"),
            );
            b.route_table = Some(rtb_id.clone());
            return blocked(Disposition::NoRoute, p, b);
        };
        let best = rtb
            .routes
            .iter()
            .filter(|r| r.cidr.contains(p.dst))
            .max_by_key(|r| (r.cidr.axis_len(), tgw_route_priority(net, tgw_id, r)));
        let Some(route) = best else {
            self.step(&rtb_id, "transit-gateway-route-table");
            let mut b = block(
                "NO_ROUTE_TO_DESTINATION",
                &rtb_id,
                "transit-gateway-route-table",
                format!(
                    "transit gateway route table `{rtb_id}` has no route to `{}`",
                    crate::hs::render_ip(p.dst)
                ),
            );
            b.route_table = Some(rtb_id.clone());
            return blocked(Disposition::NoRoute, p, b);
        };
        let s = self.step(&rtb_id, "transit-gateway-route-table");
        s.tgw_route = Some(TgwRouteHit {
            route_table_id: rtb_id.clone(),
            destination_cidr: route.cidr.to_string(),
            attachment_id: route.attachment_id.clone(),
            route_type: route.route_type.clone(),
            state: if route.blackhole {
                "blackhole"
            } else {
                "active"
            },
        });
        let Some(target) = route.attachment_id.clone().filter(|_| !route.blackhole) else {
            return blocked(
                Disposition::NullRouted,
                p,
                block(
                    "TGW_RTB_BAD_STATE_ROUTE",
                    &rtb_id,
                    "transit-gateway-route-table",
                    "the matching transit gateway route is a blackhole".to_owned(),
                ),
            );
        };
        let Some(t) = net
            .tgw_attachments
            .get(&format!("{tgw_id}/{target}"))
            .or_else(|| net.tgw_attachments.iter().find(|a| a.id == target))
        else {
            return unknown(
                p,
                &target,
                "transit-gateway-attachment",
                format!("attachment `{target}` is not in the snapshot"),
            );
        };
        match t.resource_type.as_str() {
            "vpc" => {
                let vpc = t.resource_id.clone();
                if net.vpcs.get(&vpc).is_none() {
                    return unknown(
                        p,
                        &vpc,
                        "vpc",
                        format!("vpc `{vpc}` is not in the snapshot"),
                    );
                }
                self.vpc_router(&vpc, p, None)
            }
            "peering" => {
                let peer_tgw = t.resource_id.clone();
                self.step(&peer_tgw, "transit-gateway");
                self.tgw_route(&peer_tgw, &target, p, depth + 1)
            }
            kind @ ("direct-connect-gateway" | "vpn") => {
                let kind = if kind == "vpn" {
                    "vpn-connection"
                } else {
                    "direct-connect-gateway"
                };
                let gw = t.resource_id.clone();
                let routes = net.onprem_routes(t).unwrap_or_default();
                self.step(&gw, kind);
                self.towards_onprem(&gw, kind, routes, p)
            }
            other => end(
                Disposition::ExitsNetwork,
                Landing::Outside(format!("{other}:{}", t.resource_id)),
                p,
            ),
        }
    }

    /// Leave AWS towards on-prem through a gateway that learned `routes` (a Direct Connect
    /// gateway, a VPN connection or a VGW). With no learned routes at all, the far side is not
    /// modelled and the packet leaves the network.
    fn towards_onprem(
        &mut self,
        gw: &str,
        kind: &'static str,
        routes: &'a [crate::model::OnPremRoute],
        p: Packet,
    ) -> End {
        if routes.is_empty() {
            return end(
                Disposition::ExitsNetwork,
                Landing::Outside(format!("{kind}:{gw}")),
                p,
            );
        }
        let Some(best) = crate::onprem::best_onprem(routes, p.dst) else {
            let mut b = block(
                "NO_ROUTE_TO_DESTINATION",
                gw,
                kind,
                format!(
                    "`{gw}` learned no route to `{}` from on-prem",
                    crate::hs::render_ip(p.dst)
                ),
            );
            b.route_table = None;
            return blocked(Disposition::NoRoute, p, b);
        };
        self.onprem_route(gw, best, p)
    }

    /// Leave AWS towards on-prem over `best`, the learned route gateway `gw` uses.
    fn onprem_route(&mut self, gw: &str, best: &crate::model::OnPremRoute, p: Packet) -> End {
        let via_kind = via_kind(&best.via);
        // The learned route the gateway uses, on the gateway's step.
        let hit = RouteHit {
            route_table_id: gw.to_owned(),
            destination_cidr: Some(best.cidr.to_string()),
            prefix_list_id: None,
            target: RouteTarget::Other(best.via.clone()),
            state: "active",
            origin: Some(if best.as_path.is_empty() {
                "static".to_owned()
            } else {
                "bgp".to_owned()
            }),
        };
        if let Some(s) = self.steps.iter_mut().rev().find(|s| s.id == gw) {
            s.route = Some(hit);
        }
        if self.steps.last().is_none_or(|s| s.id != best.via) {
            self.step(&best.via.clone(), via_kind);
        }
        match &best.router {
            Some(r) => self.router(&r.clone(), p),
            None => end(
                Disposition::ExitsNetwork,
                Landing::Outside(format!("{via_kind}:{}", best.via)),
                p,
            ),
        }
    }

    /// An on-prem router takes a packet it owns, or forwards it by its routing table.
    fn router(&mut self, name: &str, p: Packet) -> End {
        let net = self.net;
        if self.too_long() {
            return unknown(
                p,
                name,
                "customer-gateway",
                "path exceeds the hop limit (routing loop)".to_owned(),
            );
        }
        let Some(router) = net.customer_routers.get(name) else {
            return unknown(
                p,
                name,
                "customer-gateway",
                format!("router `{name}` is not in the snapshot"),
            );
        };
        self.step(name, "customer-gateway");
        if router.owns(p.dst) {
            return end(Disposition::Accepted, Landing::Router(name.to_owned()), p);
        }
        let Some(route) = crate::onprem::router_lookup(router, p.dst) else {
            let mut b = block(
                "NO_ROUTE_TO_DESTINATION",
                name,
                "customer-gateway",
                format!(
                    "router `{name}` has no route to `{}`",
                    crate::hs::render_ip(p.dst)
                ),
            );
            b.route_table = None;
            return blocked(Disposition::NoRoute, p, b);
        };
        // The route the router uses, on its step.
        let target = match &route.next_hop {
            crate::model::RouterHop::Null0 => "Null0".to_owned(),
            crate::model::RouterHop::Beyond(x) => x.clone(),
            crate::model::RouterHop::Aws(
                crate::model::AwsEntry::VpnGateway { via, .. }
                | crate::model::AwsEntry::TransitGateway { via, .. },
            ) => via.clone(),
        };
        if let Some(s) = self.steps.last_mut() {
            s.route = Some(RouteHit {
                route_table_id: name.to_owned(),
                destination_cidr: Some(route.cidr.to_string()),
                prefix_list_id: None,
                target: RouteTarget::Other(target),
                state: if route.next_hop == crate::model::RouterHop::Null0 {
                    "blackhole"
                } else {
                    "active"
                },
                origin: Some(route.protocol.to_owned()),
            });
        }
        match &route.next_hop {
            crate::model::RouterHop::Null0 => blocked(
                Disposition::NullRouted,
                p,
                block(
                    "BAD_STATE_ROUTE",
                    name,
                    "customer-gateway",
                    format!("router `{name}` discards `{}` (route to Null0)", route.cidr),
                ),
            ),
            crate::model::RouterHop::Beyond(x) => end(
                Disposition::ExitsNetwork,
                Landing::Outside(format!("{name}:{x}")),
                p,
            ),
            crate::model::RouterHop::Aws(entry) => match entry.clone() {
                crate::model::AwsEntry::VpnGateway {
                    vgw_id,
                    via,
                    dxgw_id,
                } => {
                    self.enter_via(&via, dxgw_id.as_deref());
                    self.enter_from_vgw(&vgw_id, p)
                }
                crate::model::AwsEntry::TransitGateway {
                    tgw_id,
                    attachment_id,
                    via,
                    dxgw_id,
                } => {
                    self.enter_via(&via, dxgw_id.as_deref());
                    self.step(&tgw_id, "transit-gateway");
                    self.tgw_route(&tgw_id, &attachment_id, p, 0)
                }
            },
        }
    }

    fn vgw_out(&mut self, vgw_id: &str, vpc_id: &str, p: Packet) -> End {
        let net = self.net;
        let Some(vgw) = net
            .vpn_gateways
            .get(vgw_id)
            .filter(|g| g.vpc_ids.iter().any(|v| v == vpc_id))
        else {
            return blocked(
                Disposition::NullRouted,
                p,
                block(
                    "BAD_STATE_ATTACHMENT",
                    vgw_id,
                    "vpn-gateway",
                    format!("`{vgw_id}` is not attached to `{vpc_id}` in the snapshot"),
                ),
            );
        };
        self.step(vgw_id, "vpn-gateway").vpc = Some(vpc_id.to_owned());
        // Routes learned from modelled on-prem routers decide first (the VGW's route priority).
        if let Some(best) = crate::onprem::best_onprem(&vgw.learned, p.dst)
            && best.router.is_some()
        {
            return self.onprem_route(vgw_id, best, p);
        }
        if self.mode == Mode::Return {
            return end(
                Disposition::ExitsNetwork,
                Landing::VpnGateway(vgw_id.to_owned()),
                p,
            );
        }
        if vgw.routes.iter().any(|c| c.contains(p.dst)) {
            return end(
                Disposition::ExitsNetwork,
                Landing::VpnGateway(vgw_id.to_owned()),
                p,
            );
        }
        let mut b = block(
            "NO_ROUTE_TO_DESTINATION",
            vgw_id,
            "vpn-gateway",
            format!(
                "the vpn connections of `{vgw_id}` have no route to `{}`",
                crate::hs::render_ip(p.dst)
            ),
        );
        b.route_table = None;
        blocked(Disposition::NoRoute, p, b)
    }

    fn enter_from_vgw(&mut self, vgw_id: &str, p: Packet) -> End {
        let net = self.net;
        let Some(vgw) = net.vpn_gateways.get(vgw_id) else {
            return unknown(
                p,
                vgw_id,
                "vpn-gateway",
                format!("vpn gateway `{vgw_id}` is not in the snapshot"),
            );
        };
        let Some(vpc) = vgw.vpc_ids.first().cloned() else {
            return blocked(
                Disposition::NoRoute,
                p,
                block(
                    "BAD_STATE_ATTACHMENT",
                    vgw_id,
                    "vpn-gateway",
                    format!("`{vgw_id}` is not attached to a vpc"),
                ),
            );
        };
        self.step(vgw_id, "vpn-gateway").vpc = Some(vpc.clone());
        if !net.vpc_contains(&vpc, p.dst) {
            return blocked(
                Disposition::NoRoute,
                p,
                block(
                    "NO_ROUTE_TO_DESTINATION",
                    vgw_id,
                    "vpn-gateway",
                    format!(
                        "`{vgw_id}` has no route to `{}`",
                        crate::hs::render_ip(p.dst)
                    ),
                ),
            );
        }
        self.vpc_router(&vpc, p, None)
    }

    fn gateway_endpoint(&mut self, vpce: &str, p: Packet) -> End {
        self.step(vpce, "vpc-endpoint");
        let echo =
            (p.proto == PROTO_ICMP || p.proto == PROTO_ICMPV6) && (p.dport == 8 || p.dport == 128);
        if p.proto != PROTO_TCP && !echo {
            return blocked(
                Disposition::DeniedOut,
                p,
                block(
                    "VPCE_GATEWAY_PROTOCOL_RESTRICTION",
                    vpce,
                    "vpc-endpoint",
                    format!("gateway endpoint `{vpce}` carries only tcp and icmp echo"),
                ),
            );
        }
        end(
            Disposition::ExitsNetwork,
            Landing::Outside(vpce.to_owned()),
            p,
        )
    }

    fn eigw(&mut self, eigw: &str, vpc_id: &str, p: Packet) -> End {
        let attached = self
            .net
            .egress_only_internet_gateways
            .get(eigw)
            .is_some_and(|g| g.vpc_ids.iter().any(|v| v == vpc_id));
        if !attached {
            return blocked(
                Disposition::NullRouted,
                p,
                block(
                    "BAD_STATE_ATTACHMENT",
                    eigw,
                    "egress-only-internet-gateway",
                    format!("`{eigw}` is not attached to `{vpc_id}`"),
                ),
            );
        }
        self.step(eigw, "egress-only-internet-gateway");
        if crate::hs::is_v4(p.dst) {
            return blocked(
                Disposition::DeniedOut,
                p,
                block(
                    "PROTOCOL_RESTRICTION",
                    eigw,
                    "egress-only-internet-gateway",
                    "egress-only internet gateways carry only ipv6".to_owned(),
                ),
            );
        }
        end(Disposition::ExitsNetwork, Landing::Internet, p)
    }
}

/// The step kind of the connection a packet crosses between AWS and on-prem: a Direct Connect
/// virtual interface (`dxvif-…`) or a VPN connection.
fn via_kind(via: &str) -> &'static str {
    if via.starts_with("dxvif-") {
        "virtual-interface"
    } else {
        "vpn-connection"
    }
}

/// AWS's order among transit gateway routes of the same prefix: static routes, then propagated
/// routes from VPC, Direct Connect gateway, Connect and VPN attachments, in that order.
#[must_use]
pub fn tgw_route_priority(net: &Network, tgw_id: &str, r: &crate::model::TgwRoute) -> u8 {
    if r.route_type != "propagated" {
        return 5;
    }
    let kind = r.attachment_id.as_ref().and_then(|a| {
        net.tgw_attachments
            .get(&format!("{tgw_id}/{a}"))
            .map(|x| x.resource_type.as_str())
    });
    match kind {
        Some("vpc") => 4,
        Some("direct-connect-gateway") => 3,
        Some("connect") => 2,
        Some("vpn") => 1,
        _ => 0,
    }
}

/// Walk one packet from a start.
#[must_use]
pub fn eval_walk(net: &Network, start: &Start, packet: Packet) -> Trace {
    let mut w = Walker {
        net,
        mode: Mode::Forward,
        steps: Vec::new(),
        nat_sessions: Vec::new(),
        lb_sessions: Vec::new(),
        only_igw: None,
        from_internet: false,
        relax: Vec::new(),
        relaxed_blocks: Vec::new(),
    };
    let e = w.start(start, packet);
    Trace {
        disposition: e.disposition,
        steps: w.steps,
        block: e.block,
        landing: e.landing,
        final_packet: e.packet,
    }
}

/// A forward walk and, when it reached its destination, the walk of the reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flow {
    /// Forward path.
    pub forward: Trace,
    /// Return path (stateful: security groups are not evaluated on it).
    pub reply: Option<Trace>,
    /// Forward reached a destination and the reply came back to the source.
    pub established: bool,
}

/// Walk a packet and its reply. A connection is established when the forward walk is accepted (or
/// exits the network) and the reply, walked back from where the packet landed, returns to the start.
#[must_use]
pub fn eval_flow(net: &Network, start: &Start, packet: Packet) -> Flow {
    eval_flow_relaxed(net, start, packet, &[])
}

/// [`eval_flow`] with some blocking filters passed through (component id, direction), to find the
/// components that would block next (Reachability Analyzer lists every blocking component).
#[must_use]
pub fn eval_flow_relaxed(
    net: &Network,
    start: &Start,
    packet: Packet,
    relax: &[(String, String)],
) -> Flow {
    let mut w = Walker {
        net,
        mode: Mode::Forward,
        steps: Vec::new(),
        nat_sessions: Vec::new(),
        lb_sessions: Vec::new(),
        only_igw: None,
        from_internet: false,
        relax: relax.to_vec(),
        relaxed_blocks: Vec::new(),
    };
    let e = w.start(start, packet);
    let forward = Trace {
        disposition: e.disposition,
        steps: std::mem::take(&mut w.steps),
        block: e.block,
        landing: e.landing.clone(),
        final_packet: e.packet,
    };
    if !matches!(
        forward.disposition,
        Disposition::Accepted | Disposition::ExitsNetwork
    ) {
        return Flow {
            forward,
            reply: None,
            established: false,
        };
    }
    let reply_packet = e.packet.reply();
    w.mode = Mode::Return;
    w.only_igw = None;
    let r = match &e.landing {
        Landing::Eni(id) => w.leave_eni(id, reply_packet),
        Landing::Internet => w.internet(reply_packet),
        Landing::VpnGateway(id) => {
            // The VPN peer answers into the VPC; a reply to a tunnel address stays on the internet.
            if net
                .vpn_gateways
                .get(id)
                .is_some_and(|g| g.outside_ips.contains(&reply_packet.src))
            {
                end(Disposition::ExitsNetwork, Landing::Internet, reply_packet)
            } else {
                w.enter_from_vgw(id, reply_packet)
            }
        }
        Landing::Router(name) => w.router(name, reply_packet),
        Landing::Outside(_) | Landing::Nowhere => end(
            Disposition::ExitsNetwork,
            Landing::Outside(String::new()),
            reply_packet,
        ),
    };
    let reply = Trace {
        disposition: r.disposition,
        steps: w.steps,
        block: r.block,
        landing: r.landing.clone(),
        final_packet: r.packet,
    };
    let home = match start {
        Start::Eni(id) => {
            r.landing == Landing::Eni(id.clone()) && r.disposition == Disposition::Accepted
        }
        Start::Internet | Start::InternetGateway(_) => {
            r.landing == Landing::Internet && r.packet.dst == packet.src
        }
        Start::VpnGateway(id) => {
            r.landing == Landing::VpnGateway(id.clone())
                || matches!(r.landing, Landing::Router(_)) && r.disposition == Disposition::Accepted
        }
        Start::Router(name) => {
            r.landing == Landing::Router(name.clone()) && r.disposition == Disposition::Accepted
        }
        Start::Subnet(_) | Start::Vpc(_) => matches!(
            r.disposition,
            Disposition::Accepted | Disposition::ExitsNetwork
        ),
    };
    let home = home || matches!(e.landing, Landing::Outside(_));
    Flow {
        forward,
        reply: Some(reply),
        established: home,
    }
}

/// Parse an address for a walk start (helper for callers that take text).
#[must_use]
pub fn parse_address(text: &str) -> Option<Ip> {
    parse_ip(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lower::{DocumentSource, NetworkBuilder};

    fn table(routes: serde_json::Value) -> Network {
        let mut b = NetworkBuilder::new();
        b.add_document(&serde_json::json!({"PrefixLists": [{"PrefixListId": "pl-1", "Cidrs": ["10.0.1.0/24", "52.0.0.0/8"]}]}), &DocumentSource::default());
        b.add_document(&serde_json::json!({"RouteTables": [{"RouteTableId": "rtb-1", "VpcId": "vpc-1", "Routes": routes}]}), &DocumentSource::default());
        b.finish()
    }

    fn check(routes: serde_json::Value, dst: &str, expected: Option<&str>) {
        let net = table(routes);
        let got = match lookup_route(&net, "rtb-1", parse_ip(dst).unwrap_or_default()) {
            RouteVerdict::Route(r) => Some(crate::report::target_name(&r.target)),
            RouteVerdict::NoRoute => None,
            RouteVerdict::Unknown(_) => Some("unknown".to_owned()),
        };
        assert_eq!(got.as_deref(), expected, "{dst}");
    }

    #[test]
    fn longest_prefix_wins_then_local_then_cidr_then_prefix_list() {
        let routes = serde_json::json!([
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
            {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "State": "active"},
            {"DestinationCidrBlock": "10.0.2.0/24", "NatGatewayId": "nat-1", "State": "active"},
            {"DestinationPrefixListId": "pl-1", "GatewayId": "vpce-1", "State": "active"},
            {"DestinationCidrBlock": "52.0.0.0/8", "TransitGatewayId": "tgw-1", "State": "active"},
            {"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-1", "State": "active"}
        ]);
        check(routes.clone(), "10.0.3.4", Some("local"));
        check(routes.clone(), "10.0.2.4", Some("nat-1")); // more specific than local
        check(routes.clone(), "10.0.1.4", Some("vpce-1")); // the prefix list's /24 beats the /16
        check(routes.clone(), "52.1.2.3", Some("tgw-1")); // same length: the CIDR route beats the prefix list
        check(routes.clone(), "8.8.8.8", Some("igw-1"));
        check(routes.clone(), "2001:db8::1", Some("eigw-1"));
        check(
            serde_json::json!([{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"}]),
            "8.8.8.8",
            None,
        );
        // A prefix list without entries makes non-local destinations unknown.
        let unknown_pl = serde_json::json!([
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"},
            {"DestinationPrefixListId": "pl-missing", "GatewayId": "vpce-1"},
            {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"}
        ]);
        check(unknown_pl.clone(), "8.8.8.8", Some("unknown"));
        check(unknown_pl, "10.0.0.9", Some("local"));
    }
}
