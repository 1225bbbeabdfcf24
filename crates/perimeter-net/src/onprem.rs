//! The on-prem side of hybrid connectivity: BGP between the routers read from IOS configurations
//! ([`crate::ios`]) and AWS (Direct Connect virtual interfaces and gateways, VPN connections on
//! virtual private gateways and transit gateways), computed once at load time. Pure.
//!
//! BGP runs in rounds until nothing changes (at most eight):
//!
//! 1. a session is up when a router's `neighbor` address is the Amazon address of an available VIF
//!    BGP peer or the AWS inside address of a VPN tunnel, `remote-as` is the AWS side's ASN, the
//!    router has an interface on the peer's subnet, and the VPN is not static-routes-only;
//! 2. each router announces its `network` prefixes that are in its routing table (as IOS requires),
//!    `0.0.0.0/0` to neighbors with `default-originate`, and (eBGP) its best learned route per
//!    prefix, with the communities its outbound route map sets;
//! 3. AWS installs them: on the VGW (private VIF, VPN), on the Direct Connect gateway and from there
//!    in every transit gateway route table that has propagation enabled for the Direct Connect
//!    gateway attachment, and for a transit gateway VPN in the tables propagating the VPN attachment.
//!    Direct Connect routes get local preference 200, or 300 / 200 / 150 with the AWS communities
//!    7224:7300 / 7224:7200 / 7224:7100; VPN static routes 110; VPN BGP routes 100; at equal
//!    preference the shorter AS path wins;
//! 4. AWS announces to the router: the attached VPC CIDRs from a VGW, the allowed prefixes of the
//!    Direct Connect gateway association, and the routes of the transit gateway route table
//!    associated with a VPN attachment; the router installs them as eBGP routes (distance 20).
//!
//! A receiver drops a route whose AS path holds its own ASN (the loop check), which is also what
//! stops a router from learning its own prefixes back. AWS does not pass routes between two
//! on-prem connections of one VGW (VPN CloudHub is not modelled).

use crate::hs::{Cidr, Ip};
use crate::model::{
    AwsEntry, CustomerRouter, Diagnostic, Network, OnPremRoute, RouterHop, RouterRoute, Severity,
    StaticNextHop, TgwRoute,
};

/// Local preference of BGP routes learned over a VPN.
pub const VPN_BGP_PREF: u32 = 100;
/// Preference of VPN static routes (AWS prefers them to VPN BGP routes, Direct Connect to both).
pub const VPN_STATIC_PREF: u32 = 110;
/// Local preference of Direct Connect routes without a preference community.
pub const DX_DEFAULT_PREF: u32 = 200;

/// The local preference AWS gives a Direct Connect route by its communities.
#[must_use]
pub fn dx_local_pref(communities: &[String]) -> u32 {
    if communities.iter().any(|c| c == "7224:7300") {
        300
    } else if communities.iter().any(|c| c == "7224:7200") {
        DX_DEFAULT_PREF
    } else if communities.iter().any(|c| c == "7224:7100") {
        150
    } else {
        DX_DEFAULT_PREF
    }
}

/// The route an on-prem router uses: longest prefix, then lowest administrative distance.
#[must_use]
pub fn router_lookup(router: &CustomerRouter, dst: Ip) -> Option<&RouterRoute> {
    let mut best: Option<&RouterRoute> = None;
    for r in router.rib.iter().filter(|r| r.cidr.contains(dst)) {
        if best.is_none_or(|b| {
            (r.cidr.axis_len(), std::cmp::Reverse(r.admin))
                > (b.cidr.axis_len(), std::cmp::Reverse(b.admin))
        }) {
            best = Some(r);
        }
    }
    best
}

/// The route AWS uses among routes learned from on-prem: longest prefix, then highest preference,
/// then shortest AS path, then the first.
#[must_use]
pub fn best_onprem(routes: &[OnPremRoute], dst: Ip) -> Option<&OnPremRoute> {
    let mut best: Option<&OnPremRoute> = None;
    for r in routes.iter().filter(|r| r.cidr.contains(dst)) {
        if best
            .is_none_or(|b| (r.cidr.axis_len(), r.local_pref) > (b.cidr.axis_len(), b.local_pref))
        {
            best = Some(r);
        }
    }
    best
}

/// One BGP session between a router and AWS.
struct Session {
    neighbor: Ip,
    /// The VIF or VPN connection.
    via: String,
    /// Direct Connect (else VPN).
    dx: bool,
    /// Where the router's routes land, with what AWS announces back over each.
    entries: Vec<(AwsEntry, Vec<Cidr>)>,
    /// The AWS side's ASN (the neighbor's `remote-as`).
    aws_asn: Option<u32>,
}

fn vpc_v4_cidrs(net: &Network, vgw_id: &str) -> Vec<Cidr> {
    net.vpn_gateways
        .get(vgw_id)
        .map(|g| {
            g.vpc_ids
                .iter()
                .filter_map(|v| net.vpcs.get(v))
                .flat_map(|v| v.cidrs.iter().copied())
                .filter(|c| crate::hs::is_v4(c.lo))
                .collect()
        })
        .unwrap_or_default()
}

fn tgw_attachment(net: &Network, tgw: &str, kind: &str, resource: &str) -> Option<String> {
    net.tgw_attachments
        .iter()
        .find(|a| a.tgw_id == tgw && a.resource_type == kind && a.resource_id == resource)
        .map(|a| a.id.clone())
}

fn on_link(router: &CustomerRouter, ip: Ip) -> bool {
    router
        .interfaces
        .iter()
        .filter(|i| !i.shutdown)
        .any(|i| i.subnet().is_some_and(|c| c.contains(ip)))
}

/// The AWS peer at `addr`: the session's entries, or why there is none.
fn find_session(
    net: &Network,
    router: &CustomerRouter,
    addr: Ip,
    remote_as: Option<u32>,
) -> Result<Session, String> {
    let peer = crate::hs::render_ip(addr);
    let check_asn = |aws: Option<u32>| -> Result<(), String> {
        match (remote_as, aws) {
            (Some(r), Some(a)) if r != a => Err(format!(
                "`remote-as {r}` of neighbor `{peer}` is not the AWS side's ASN {a}"
            )),
            _ => Ok(()),
        }
    };
    if !on_link(router, addr) {
        return Err(format!(
            "no interface of `{}` is on the subnet of neighbor `{peer}`",
            router.name
        ));
    }
    if let Some(vif) = net
        .virtual_interfaces
        .iter()
        .find(|v| v.peers.iter().any(|(a, _, _)| *a == addr))
    {
        let mut entries = Vec::new();
        if let Some(vgw) = &vif.vgw_id {
            check_asn(net.vpn_gateways.get(vgw).and_then(|g| g.amazon_asn))?;
            if net.vpn_gateways.get(vgw).is_none() {
                return Err(format!(
                    "virtual interface `{}` is on `{vgw}`, which is not in the snapshot",
                    vif.id
                ));
            }
            entries.push((
                AwsEntry::VpnGateway {
                    vgw_id: vgw.clone(),
                    via: vif.id.clone(),
                    dxgw_id: None,
                },
                vpc_v4_cidrs(net, vgw),
            ));
        } else if let Some(d) = &vif.dxgw_id {
            let Some(dxgw) = net.dx_gateways.get(d) else {
                return Err(format!(
                    "virtual interface `{}` is on Direct Connect gateway `{d}`, which is not in the snapshot",
                    vif.id
                ));
            };
            check_asn(dxgw.amazon_asn)?;
            for (gw, kind, allowed) in &dxgw.associations {
                if kind == "transitGateway" {
                    if let Some(att) = tgw_attachment(net, gw, "direct-connect-gateway", d) {
                        entries.push((
                            AwsEntry::TransitGateway {
                                tgw_id: gw.clone(),
                                attachment_id: att,
                                via: vif.id.clone(),
                                dxgw_id: Some(d.clone()),
                            },
                            allowed.clone(),
                        ));
                    }
                } else if net.vpn_gateways.get(gw).is_some() {
                    let adverts = if allowed.is_empty() {
                        vpc_v4_cidrs(net, gw)
                    } else {
                        allowed.clone()
                    };
                    entries.push((
                        AwsEntry::VpnGateway {
                            vgw_id: gw.clone(),
                            via: vif.id.clone(),
                            dxgw_id: Some(d.clone()),
                        },
                        adverts,
                    ));
                }
            }
        }
        return Ok(Session {
            neighbor: addr,
            via: vif.id.clone(),
            dx: true,
            entries,
            aws_asn: remote_as,
        });
    }
    for vpn in net.vpn_connections.iter() {
        let Some(t) = vpn.tunnels.iter().find(|t| t.aws_inside == Some(addr)) else {
            continue;
        };
        if vpn.static_only {
            return Err(format!(
                "vpn connection `{}` uses static routes only: no bgp with `{peer}`",
                vpn.id
            ));
        }
        check_asn(t.aws_asn)?;
        let mut entries = Vec::new();
        if let Some(vgw) = &vpn.vgw_id {
            entries.push((
                AwsEntry::VpnGateway {
                    vgw_id: vgw.clone(),
                    via: vpn.id.clone(),
                    dxgw_id: None,
                },
                vpc_v4_cidrs(net, vgw),
            ));
        }
        if let Some(tgw) = &vpn.tgw_id
            && let Some(att) = tgw_attachment(net, tgw, "vpn", &vpn.id)
        {
            // What the attachment's route table holds is filled in once AWS has learned everything.
            entries.push((
                AwsEntry::TransitGateway {
                    tgw_id: tgw.clone(),
                    attachment_id: att,
                    via: vpn.id.clone(),
                    dxgw_id: None,
                },
                Vec::new(),
            ));
        }
        return Ok(Session {
            neighbor: addr,
            via: vpn.id.clone(),
            dx: false,
            entries,
            aws_asn: remote_as,
        });
    }
    Err(format!(
        "neighbor `{peer}` is no virtual interface bgp peer or vpn tunnel address in the snapshot"
    ))
}

fn warn(router: &CustomerRouter, code: &'static str, message: String) -> Diagnostic {
    Diagnostic {
        severity: Severity::Warning,
        code,
        message,
        file: router.file.clone(),
        pointer: String::new(),
        resource_id: Some(router.name.clone()),
    }
}

/// Push unless present; whether it was pushed.
fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) -> bool {
    if v.contains(&x) {
        return false;
    }
    v.push(x);
    true
}

/// Install a route AWS learned at an entry point (and propagate it into transit gateway tables).
fn install(
    net: &mut Network,
    entry: &AwsEntry,
    route: OnPremRoute,
    props: &[(String, String)],
) -> bool {
    match entry {
        AwsEntry::VpnGateway { vgw_id, .. } => net
            .vpn_gateways
            .get_mut(vgw_id)
            .is_some_and(|g| push_unique(&mut g.learned, route)),
        AwsEntry::TransitGateway {
            attachment_id,
            dxgw_id,
            via,
            ..
        } => {
            let cidr = route.cidr;
            let new = match dxgw_id {
                Some(d) => net
                    .dx_gateways
                    .get_mut(d)
                    .is_some_and(|g| push_unique(&mut g.routes, route)),
                None => net
                    .vpn_connections
                    .get_mut(via)
                    .is_some_and(|v| push_unique(&mut v.routes, route)),
            };
            propagate(net, attachment_id, cidr, props);
            new
        }
    }
}

fn propagate(net: &mut Network, attachment_id: &str, cidr: Cidr, props: &[(String, String)]) {
    for (rtb, _) in props.iter().filter(|(_, a)| a == attachment_id) {
        if let Some(t) = net.tgw_route_tables.get_mut(rtb) {
            push_unique(
                &mut t.routes,
                TgwRoute {
                    cidr,
                    attachment_id: Some(attachment_id.to_owned()),
                    route_type: "propagated".to_owned(),
                    blackhole: false,
                },
            );
        }
    }
}

/// BGP rounds before giving up on convergence (each round moves routes one hop further).
const MAX_BGP_ROUNDS: usize = 8;

/// A router during BGP.
struct RouterState {
    name: String,
    /// `router bgp` AS number.
    asn: Option<u32>,
    /// Connected and static routes.
    rib: Vec<RouterRoute>,
    /// Established sessions with the communities announced over each.
    sessions: Vec<(Session, Vec<String>)>,
    /// `network` prefixes that are announced (they are in the routing table).
    announced: Vec<Cidr>,
    /// Neighbors with `default-originate`.
    default_originate: Vec<Ip>,
    /// Routes learned from AWS.
    bgp: Vec<RouterRoute>,
}

/// The learned routes a router announces on: per prefix, the shortest AS path (first of equals).
fn best_bgp(routes: &[RouterRoute]) -> Vec<&RouterRoute> {
    let mut best: Vec<&RouterRoute> = Vec::new();
    for r in routes {
        match best.iter_mut().find(|b| b.cidr == r.cidr) {
            Some(b) if r.as_path.len() < b.as_path.len() => *b = r,
            Some(_) => {}
            None => best.push(r),
        }
    }
    best
}

/// What AWS announces over a session's entry, with AS paths: a VGW's VPC CIDRs and a Direct
/// Connect gateway's allowed prefixes (`adverts`), or the routes of the transit gateway route table
/// associated with a VPN attachment (with the on-prem AS path of those learned from on-prem).
fn aws_announcements(
    net: &Network,
    entry: &AwsEntry,
    adverts: &[Cidr],
    aws_asn: Option<u32>,
) -> Vec<(Cidr, Vec<u32>)> {
    let own: Vec<u32> = aws_asn.into_iter().collect();
    let AwsEntry::TransitGateway {
        tgw_id,
        attachment_id,
        dxgw_id: None,
        ..
    } = entry
    else {
        return adverts.iter().map(|c| (*c, own.clone())).collect();
    };
    let Some(rtb) = net
        .tgw_attachments
        .get(&format!("{tgw_id}/{attachment_id}"))
        .and_then(|a| a.route_table_id.as_ref())
        .and_then(|rtb| net.tgw_route_tables.get(rtb))
    else {
        return Vec::new();
    };
    let mut out: Vec<(Cidr, Vec<u32>)> = Vec::new();
    for r in rtb
        .routes
        .iter()
        .filter(|r| !r.blackhole && crate::hs::is_v4(r.cidr.lo))
    {
        if out.iter().any(|(c, _)| *c == r.cidr) {
            continue;
        }
        // The route the table uses for this prefix decides the path.
        let Some(best) = rtb
            .routes
            .iter()
            .filter(|x| x.cidr == r.cidr && !x.blackhole)
            .max_by_key(|x| crate::walk::tgw_route_priority(net, tgw_id, x))
        else {
            continue;
        };
        let learned = best.attachment_id.as_ref().and_then(|a| {
            let att = net.tgw_attachments.get(&format!("{tgw_id}/{a}"))?;
            net.onprem_routes(att)?
                .iter()
                .filter(|x| x.cidr == r.cidr)
                .min_by_key(|x| x.as_path.len())
                .map(|x| x.as_path.clone())
        });
        let mut path = own.clone();
        path.extend(learned.unwrap_or_default());
        out.push((r.cidr, path));
    }
    out
}

/// A router's connected and static routes and its sessions with AWS.
fn router_state(
    net: &Network,
    router: &CustomerRouter,
    diags: &mut Vec<Diagnostic>,
) -> RouterState {
    let mut rib = Vec::new();
    for i in router.interfaces.iter().filter(|i| !i.shutdown) {
        if let Some(c) = i.subnet() {
            rib.push(RouterRoute {
                cidr: c,
                protocol: "connected",
                admin: 0,
                next_hop: RouterHop::Beyond(i.name.clone()),
                as_path: Vec::new(),
            });
        }
    }
    let mut ups = Vec::new();
    for n in &router.neighbors {
        if n.remote_as.is_none() {
            continue;
        }
        match find_session(net, router, n.address, n.remote_as) {
            Ok(s) => ups.push(s),
            Err(why) => diags.push(warn(
                router,
                "PERIMETER_NET_BGP_SESSION_DOWN",
                format!("bgp session of `{}` is not established: {why}", router.name),
            )),
        }
    }
    // Static routes: through a session's peer address towards AWS, else beyond the router.
    for st in &router.static_routes {
        let hop = match &st.next_hop {
            StaticNextHop::Null0 => RouterHop::Null0,
            StaticNextHop::Address(ip) => ups
                .iter()
                .find(|s| s.neighbor == *ip)
                .and_then(|s| s.entries.first())
                .map_or_else(
                    || RouterHop::Beyond(crate::hs::render_ip(*ip)),
                    |(e, _)| RouterHop::Aws(e.clone()),
                ),
            StaticNextHop::Interface(name) => RouterHop::Beyond(name.clone()),
        };
        rib.push(RouterRoute {
            cidr: st.cidr,
            protocol: "static",
            admin: 1,
            next_hop: hop,
            as_path: Vec::new(),
        });
    }
    let mut announced = Vec::new();
    for c in &router.networks {
        if rib.iter().any(|r| r.cidr == *c) {
            announced.push(*c);
        } else {
            diags.push(warn(
                router,
                "PERIMETER_NET_BGP_NETWORK_NOT_ANNOUNCED",
                format!(
                    "`network {c}` of `{}` is not announced: no route for it in the router's table",
                    router.name
                ),
            ));
        }
    }
    let mut sessions = Vec::new();
    for s in ups {
        let Some(n) = router.neighbors.iter().find(|n| n.address == s.neighbor) else {
            continue;
        };
        let communities = match &n.route_map_out {
            None => Vec::new(),
            Some(name) => match router.route_maps.iter().find(|m| m.0 == *name) {
                Some(m) => m.1.clone(),
                None => {
                    diags.push(warn(
                        router,
                        "PERIMETER_NET_BGP_SESSION_DOWN",
                        format!(
                            "route map `{name}` of `{}` is not defined: nothing is announced to `{}`",
                            router.name,
                            crate::hs::render_ip(s.neighbor)
                        ),
                    ));
                    continue;
                }
            },
        };
        sessions.push((s, communities));
    }
    RouterState {
        name: router.name.clone(),
        asn: router.asn,
        rib,
        sessions,
        announced,
        default_originate: router
            .neighbors
            .iter()
            .filter(|n| n.default_originate)
            .map(|n| n.address)
            .collect(),
        bgp: Vec::new(),
    }
}

/// Run BGP between the on-prem routers and AWS; fill the routers' routing tables, the VGWs',
/// Direct Connect gateways' and VPN connections' learned routes, and the transit gateway route
/// tables. `dx_associations`: (Direct Connect gateway, gateway id, gateway type, allowed prefixes);
/// `propagations`: (transit gateway route table, attachment).
pub fn resolve(
    net: &mut Network,
    dx_associations: &[(String, String, String, Vec<Cidr>)],
    propagations: &[(String, String)],
) {
    let mut diags = Vec::new();
    for (d, gw, kind, allowed) in dx_associations {
        match net.dx_gateways.get_mut(d) {
            Some(g) => g
                .associations
                .push((gw.clone(), kind.clone(), allowed.clone())),
            None => diags.push(Diagnostic {
                severity: Severity::Warning,
                code: "PERIMETER_NET_UNKNOWN_GATEWAY",
                message: format!(
                    "an association refers to Direct Connect gateway `{d}`, which is not in the snapshot"
                ),
                file: String::new(),
                pointer: String::new(),
                resource_id: Some(d.clone()),
            }),
        }
    }
    // VPN static routes (the VGW's `routes`, and transit gateway VPNs' `Routes`): the router is the
    // one holding a tunnel's customer inside address.
    let router_of_vpn = |net: &Network, vpn: &crate::model::VpnConnection| -> Option<String> {
        net.customer_routers
            .iter()
            .find(|r| {
                vpn.tunnels
                    .iter()
                    .any(|t| t.customer_inside.is_some_and(|ip| r.owns(ip)))
            })
            .map(|r| r.name.clone())
    };
    let vpns: Vec<crate::model::VpnConnection> = net.vpn_connections.iter().cloned().collect();
    for vpn in &vpns {
        let router = router_of_vpn(net, vpn);
        for r in &vpn.routes {
            let route = OnPremRoute {
                router: router.clone(),
                ..r.clone()
            };
            if let Some(vgw) = &vpn.vgw_id
                && let Some(g) = net.vpn_gateways.get_mut(vgw)
            {
                push_unique(&mut g.learned, route.clone());
            }
            if let Some(tgw) = &vpn.tgw_id
                && let Some(att) = tgw_attachment(net, tgw, "vpn", &vpn.id)
            {
                if let Some(v) = net.vpn_connections.get_mut(&vpn.id)
                    && let Some(slot) = v.routes.iter_mut().find(|x| x.cidr == r.cidr)
                {
                    slot.router.clone_from(&router);
                }
                propagate(net, &att, r.cidr, propagations);
            }
        }
    }
    // The routers' own routes and sessions.
    let mut states: Vec<RouterState> = net
        .customer_routers
        .iter()
        .map(|router| router_state(net, router, &mut diags))
        .collect();
    // BGP rounds until nothing changes: routers announce their networks and their best learned
    // routes (eBGP re-announces), AWS installs them; AWS announces back, routers install. A
    // receiver drops routes whose AS path holds its own ASN.
    let origin = |st: &RouterState, c: &Cidr| st.announced.contains(c);
    for _ in 0..MAX_BGP_ROUNDS {
        let mut changed = false;
        for st in &states {
            let own: Vec<u32> = st.asn.into_iter().collect();
            for (s, communities) in &st.sessions {
                let lp = if s.dx {
                    dx_local_pref(communities)
                } else {
                    VPN_BGP_PREF
                };
                let mut announce: Vec<(Cidr, Vec<u32>)> = Vec::new();
                for c in &st.announced {
                    announce.push((*c, own.clone()));
                }
                if st.default_originate.contains(&s.neighbor)
                    && let Some(d) = Cidr::parse("0.0.0.0/0")
                {
                    announce.push((d, own.clone()));
                }
                for r in best_bgp(&st.bgp) {
                    if origin(st, &r.cidr) {
                        continue;
                    }
                    let mut path = own.clone();
                    path.extend(r.as_path.iter().copied());
                    announce.push((r.cidr, path));
                }
                for (c, path) in announce {
                    if s.aws_asn.is_some_and(|a| path.contains(&a)) {
                        continue;
                    }
                    for (entry, _) in &s.entries {
                        changed |= install(
                            net,
                            entry,
                            OnPremRoute {
                                cidr: c,
                                router: Some(st.name.clone()),
                                via: s.via.clone(),
                                local_pref: lp,
                                as_path: path.clone(),
                            },
                            propagations,
                        );
                    }
                }
            }
        }
        for st in &mut states {
            let asn = st.asn;
            for (s, _) in &st.sessions {
                for (entry, adverts) in &s.entries {
                    for (c, path) in aws_announcements(net, entry, adverts, s.aws_asn) {
                        if asn.is_some_and(|a| path.contains(&a)) {
                            continue;
                        }
                        let route = RouterRoute {
                            cidr: c,
                            protocol: "bgp",
                            admin: 20,
                            next_hop: RouterHop::Aws(entry.clone()),
                            as_path: path,
                        };
                        if !st.bgp.contains(&route) {
                            st.bgp.push(route);
                            changed = true;
                        }
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    for st in states {
        if let Some(r) = net.customer_routers.get_mut(&st.name) {
            let mut bgp = st.bgp;
            // Shorter AS paths first: the router uses the first of equal routes.
            bgp.sort_by_key(|r| r.as_path.len());
            r.rib = st.rib;
            r.rib.extend(bgp);
        }
    }
    net.diagnostics.extend(diags);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_pref(communities: &[&str], expected: u32) {
        let c: Vec<String> = communities.iter().map(|x| (*x).to_owned()).collect();
        assert_eq!(dx_local_pref(&c), expected, "{communities:?}");
    }

    #[test]
    fn direct_connect_communities_set_the_local_preference() {
        // AWS Direct Connect: 7224:7100 low, 7224:7200 medium, 7224:7300 high; medium without one.
        check_pref(&[], 200);
        check_pref(&["7224:7200"], 200);
        check_pref(&["7224:7300"], 300);
        check_pref(&["7224:7100"], 150);
        check_pref(&["65000:1"], 200);
        assert!(dx_local_pref(&[]) > VPN_STATIC_PREF && VPN_STATIC_PREF > VPN_BGP_PREF);
    }

    #[test]
    fn longest_prefix_first_then_preference() {
        let route = |c: &str, lp: u32, via: &str| OnPremRoute {
            cidr: Cidr::parse(c).unwrap_or_else(|| unreachable!()),
            router: None,
            via: via.to_owned(),
            local_pref: lp,
            as_path: Vec::new(),
        };
        let routes = vec![
            route("10.0.0.0/8", 300, "a"),
            route("10.20.0.0/16", 150, "low"),
            route("10.20.0.0/16", 300, "high"),
            route("10.20.0.0/16", 100, "vpn"),
        ];
        let pick = |ip: &str| {
            best_onprem(&routes, crate::hs::parse_ip(ip).unwrap_or_default()).map(|r| r.via.clone())
        };
        assert_eq!(pick("10.20.0.1").as_deref(), Some("high"));
        assert_eq!(pick("10.30.0.1").as_deref(), Some("a"));
        assert_eq!(pick("11.0.0.1"), None);
    }
}
