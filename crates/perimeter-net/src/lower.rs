//! Lowering: parsed `describe-*` JSON documents → [`Network`]. Pure; the file system is in
//! [`crate::load`].
//!
//! Documents are dispatched on their top-level keys, as Batfish does, so both CloudMapper's
//! `ec2-describe-*.json` and Batfish's `Subnets.json` namings work. Every problem becomes a
//! [`Diagnostic`] with the file and JSON pointer; the rest keeps loading.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::hs::{Cidr, Ip, parse_ip};
use crate::model::{
    AclEntry, AclRef, Diagnostic, EgressOnlyInternetGateway, EniAddress, Instance, InternetGateway,
    NatGateway, Network, NetworkAcl, NetworkInterface, Origin, PortMatch, PrefixList, Protocol,
    Route, RouteTable, RouteTarget, SecurityGroup, Severity, SgPeer, SgRule, Subnet, TgwAttachment,
    TgwRoute, TgwRouteTable, Vpc, VpcEndpoint, VpcPeeringConnection, VpnGateway,
};
use crate::model::{DirectConnectGateway, OnPremRoute, VirtualInterface, VpnConnection, VpnTunnel};

/// Where a document came from.
#[derive(Clone, Debug, Default)]
pub struct DocumentSource {
    /// File path (for diagnostics).
    pub file: String,
    /// Account from the layout, if any.
    pub account: String,
    /// Region from the layout, if any.
    pub region: String,
    /// For per-resource files (`ec2-get-managed-prefix-list-entries/<id>`), the resource id.
    pub resource_id: Option<String>,
}

/// A peering connection before the VPCs are resolved: id, requester, accepter and their CIDRs.
type RawPeering = (String, String, String, Vec<Cidr>, Vec<Cidr>);

/// Accumulates documents, then resolves references in [`NetworkBuilder::finish`].
#[derive(Default)]
pub struct NetworkBuilder {
    net: Network,
    addresses: Vec<(Ip, Option<String>, Option<Ip>)>,
    instance_enis: Vec<NetworkInterface>,
    vpc_attachment_subnets: HashMap<String, Vec<String>>,
    propagations: Vec<(String, String)>,
    static_routes: Vec<(String, TgwRoute)>,
    vpn_routes: Vec<(String, Vec<Cidr>, Vec<Ip>)>,
    regions_with_acls: HashSet<String>,
    dirs_with_igws: HashSet<String>,
    vpc_region: HashMap<String, (String, String)>,
    peering_raw: Vec<RawPeering>,
    pending_listeners: Vec<(String, Vec<crate::model::Listener>)>,
    pending_cross_zone: Vec<String>,
    dx_associations: Vec<(String, String, String, Vec<Cidr>)>,
}

/// Keys the loader knows but does not model (no diagnostic).
const IGNORED_KEYS: &[&str] = &[
    "AvailabilityZones",
    "DhcpOptions",
    "InstanceStatuses",
    "PlacementGroups",
    "Tags",
    "ServiceNames",
    "ServiceDetails",
    "CustomerGateways",
    "DBInstances",
    "DomainStatusList",
    "Hosts",
    "MovingAddressStatuses",
    "Snapshots",
    "Regions",
    "NextToken",
    "ResponseMetadata",
    "TransitGatewayPeeringAttachments",
    "SecurityGroupRules",
];

fn ptr(base: &str, key: &str) -> String {
    format!("{base}/{}", key.replace('~', "~0").replace('/', "~1"))
}

fn ptr_i(base: &str, i: usize) -> String {
    format!("{base}/{i}")
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn tag_name(v: &Value) -> Option<String> {
    arr(v, "Tags")
        .iter()
        .find(|t| s(t, "Key") == Some("Name"))
        .and_then(|t| s(t, "Value"))
        .map(str::to_owned)
}

fn int(v: &Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(t) => t.parse().ok(),
        _ => None,
    }
}

impl NetworkBuilder {
    /// A new, empty builder.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn diag(
        &mut self,
        severity: Severity,
        code: &'static str,
        message: String,
        src: &DocumentSource,
        pointer: &str,
        id: Option<&str>,
    ) {
        self.net.diagnostics.push(Diagnostic {
            severity,
            code,
            message,
            file: src.file.clone(),
            pointer: pointer.to_owned(),
            resource_id: id.map(str::to_owned),
        });
    }

    /// Record a problem found outside any document (for example a file that could not be read).
    pub fn push_diagnostic(&mut self, d: Diagnostic) {
        self.net.diagnostics.push(d);
    }

    fn origin(src: &DocumentSource, pointer: &str, owner: Option<&str>) -> Origin {
        Origin {
            file: src.file.clone(),
            pointer: pointer.to_owned(),
            account: if src.account.is_empty() {
                owner.unwrap_or_default().to_owned()
            } else {
                src.account.clone()
            },
            region: src.region.clone(),
        }
    }

    fn cidr(
        &mut self,
        text: Option<&str>,
        src: &DocumentSource,
        pointer: &str,
        id: Option<&str>,
    ) -> Option<Cidr> {
        let text = text?;
        let c = Cidr::parse(text);
        if c.is_none() {
            self.diag(
                Severity::Error,
                "PERIMETER_NET_BAD_CIDR",
                format!("`{text}` is not a CIDR block"),
                src,
                pointer,
                id,
            );
        }
        c
    }

    /// Add one parsed document.
    pub fn add_document(&mut self, doc: &Value, src: &DocumentSource) {
        let Some(obj) = doc.as_object() else {
            self.diag(
                Severity::Error,
                "PERIMETER_NET_BAD_DOCUMENT",
                "expected a JSON object at the top level".to_owned(),
                src,
                "",
                None,
            );
            return;
        };
        if let Some(pl_id) = &src.resource_id
            && obj.contains_key("Entries")
        {
            self.lower_prefix_list_entries(pl_id.clone(), doc, src);
            return;
        }
        // CloudMapper's per-resource elbv2 calls: the parent ARN is the file name.
        if let Some(arn) = &src.resource_id {
            if obj.contains_key("TargetHealthDescriptions") {
                let wrapped = serde_json::json!({"TargetGroupArn": arn, "TargetHealthDescriptions": obj.get("TargetHealthDescriptions")});
                self.lower_target_health(&wrapped, "", src);
                return;
            }
            if obj.contains_key("Attributes") {
                let wrapped = serde_json::json!({"LoadBalancerArn": arn, "Attributes": obj.get("Attributes")});
                self.lower_lb_attributes(&wrapped, "", src);
                return;
            }
        }
        for (key, value) in obj {
            let p = ptr("", key);
            let items = value.as_array().map_or(&[][..], Vec::as_slice);
            match key.as_str() {
                "Vpcs" => self.each(items, &p, src, Self::lower_vpc),
                "Subnets" => self.each(items, &p, src, Self::lower_subnet),
                "RouteTables" => self.each(items, &p, src, Self::lower_route_table),
                "NetworkAcls" => {
                    self.regions_with_acls.insert(dir_of(&src.file));
                    self.each(items, &p, src, Self::lower_acl);
                }
                "SecurityGroups" => self.each(items, &p, src, Self::lower_sg),
                "NetworkInterfaces" => self.each(items, &p, src, Self::lower_eni),
                "Reservations" => {
                    for (i, r) in items.iter().enumerate() {
                        let rp = ptr_i(&p, i);
                        for (j, inst) in arr(r, "Instances").iter().enumerate() {
                            self.lower_instance(inst, &ptr(&rp, &format!("Instances/{j}")), src);
                        }
                    }
                }
                "Instances" => self.each(items, &p, src, Self::lower_instance),
                "InternetGateways" => {
                    self.dirs_with_igws.insert(dir_of(&src.file));
                    self.each(items, &p, src, Self::lower_igw);
                }
                "EgressOnlyInternetGateways" => self.each(items, &p, src, Self::lower_eigw),
                "NatGateways" => self.each(items, &p, src, Self::lower_nat),
                "VpcEndpoints" => self.each(items, &p, src, Self::lower_endpoint),
                "VpcPeeringConnections" => self.each(items, &p, src, Self::lower_peering),
                "Addresses" => self.each(items, &p, src, Self::lower_address),
                "PrefixLists" => self.each(items, &p, src, Self::lower_prefix_list),
                "TransitGateways" => {}
                "TransitGatewayAttachments" => {
                    self.each(items, &p, src, Self::lower_tgw_attachment)
                }
                "TransitGatewayVpcAttachments" => {
                    self.each(items, &p, src, Self::lower_tgw_vpc_attachment)
                }
                "TransitGatewayRouteTables" => self.each(items, &p, src, Self::lower_tgw_rtb),
                "TransitGatewayPropagations" => {
                    self.each(items, &p, src, Self::lower_tgw_propagations)
                }
                "TransitGatewayStaticRoutes" => {
                    self.each(items, &p, src, Self::lower_tgw_static_routes)
                }
                "Routes" => {
                    // `search-transit-gateway-routes` output for one table: needs the table id from the file name.
                    if let Some(rtb) = src.resource_id.clone() {
                        let wrapped =
                            serde_json::json!({"TransitGatewayRouteTableId": rtb, "Routes": value});
                        self.lower_tgw_static_routes(&wrapped, &p, src);
                    }
                }
                "VpnGateways" => self.each(items, &p, src, Self::lower_vgw),
                "DirectConnectGateways" => self.each(items, &p, src, Self::lower_dxgw),
                "DirectConnectGatewayAssociations" => {
                    self.each(items, &p, src, Self::lower_dxgw_association)
                }
                "VirtualInterfaces" => self.each(items, &p, src, Self::lower_vif),
                "VpnConnections" => self.each(items, &p, src, Self::lower_vpn),
                "ManagedPrefixLists" => self.each(items, &p, src, Self::lower_prefix_list),
                "LoadBalancers" => self.each(items, &p, src, Self::lower_load_balancer),
                "LoadBalancerListeners" => self.each(items, &p, src, Self::lower_listeners),
                "Listeners" => {
                    let wrapped = serde_json::json!({"LoadBalancerArn": value.as_array().and_then(|l| l.first()).and_then(|l| s(l, "LoadBalancerArn")), "Listeners": value});
                    self.lower_listeners(&wrapped, &p, src);
                }
                "LoadBalancerAttributes" => self.each(items, &p, src, Self::lower_lb_attributes),
                "TargetGroups" => self.each(items, &p, src, Self::lower_target_group),
                "LoadBalancerTargetHealth" => self.each(items, &p, src, Self::lower_target_health),
                k if IGNORED_KEYS.contains(&k) => {}
                other => self.diag(
                    Severity::Warning,
                    "PERIMETER_NET_UNKNOWN_KEY",
                    format!("top-level key `{other}` is not a network resource list; ignored"),
                    src,
                    &p,
                    None,
                ),
            }
        }
    }

    fn each(
        &mut self,
        items: &[Value],
        base: &str,
        src: &DocumentSource,
        f: fn(&mut Self, &Value, &str, &DocumentSource),
    ) {
        for (i, item) in items.iter().enumerate() {
            f(self, item, &ptr_i(base, i), src);
        }
    }

    fn require<'a>(
        &mut self,
        v: &'a Value,
        key: &str,
        p: &str,
        src: &DocumentSource,
    ) -> Option<&'a str> {
        let out = s(v, key);
        if out.is_none() {
            self.diag(
                Severity::Error,
                "PERIMETER_NET_MISSING_FIELD",
                format!("missing string field `{key}`; object skipped"),
                src,
                p,
                None,
            );
        }
        out
    }

    fn duplicate(&mut self, id: &str, p: &str, src: &DocumentSource) {
        self.diag(
            Severity::Warning,
            "PERIMETER_NET_DUPLICATE_ID",
            format!("`{id}` appears more than once; the first one is used"),
            src,
            p,
            Some(id),
        );
    }

    fn lower_vpc(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(id) = self.require(v, "VpcId", p, src) else {
            return;
        };
        let mut cidrs = Vec::new();
        let mut seen = HashSet::new();
        let primary = s(v, "CidrBlock").map(str::to_owned);
        let assoc: Vec<(String, String)> = arr(v, "CidrBlockAssociationSet")
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                a.get("CidrBlockState")
                    .and_then(|st| s(st, "State"))
                    .is_none_or(|st| st == "associated")
            })
            .filter_map(|(i, a)| {
                Some((
                    s(a, "CidrBlock")?.to_owned(),
                    ptr(p, &format!("CidrBlockAssociationSet/{i}/CidrBlock")),
                ))
            })
            .collect();
        let v6: Vec<(String, String)> = arr(v, "Ipv6CidrBlockAssociationSet")
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                a.get("Ipv6CidrBlockState")
                    .and_then(|st| s(st, "State"))
                    .is_none_or(|st| st == "associated")
            })
            .filter_map(|(i, a)| {
                Some((
                    s(a, "Ipv6CidrBlock")?.to_owned(),
                    ptr(p, &format!("Ipv6CidrBlockAssociationSet/{i}/Ipv6CidrBlock")),
                ))
            })
            .collect();
        let mut all = Vec::new();
        if let Some(c) = primary {
            all.push((c, ptr(p, "CidrBlock")));
        }
        all.extend(assoc);
        all.extend(v6);
        for (text, cp) in all {
            if let Some(c) = self.cidr(Some(&text), src, &cp, Some(id))
                && seen.insert(c)
            {
                cidrs.push(c);
            }
        }
        let owner = s(v, "OwnerId");
        let vpc = Vpc {
            id: id.to_owned(),
            cidrs,
            owner: owner.unwrap_or_default().to_owned(),
            origin: Self::origin(src, p, owner),
        };
        self.vpc_region.insert(
            id.to_owned(),
            (vpc.origin.account.clone(), src.region.clone()),
        );
        if !self.net.vpcs.insert(id, vpc) {
            self.duplicate(id, p, src);
        }
    }

    fn lower_subnet(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(id) = self.require(v, "SubnetId", p, src) else {
            return;
        };
        let Some(vpc) = self.require(v, "VpcId", p, src) else {
            return;
        };
        let mut cidrs = Vec::new();
        if let Some(c) = self.cidr(s(v, "CidrBlock"), src, &ptr(p, "CidrBlock"), Some(id)) {
            cidrs.push(c);
        }
        for (i, a) in arr(v, "Ipv6CidrBlockAssociationSet").iter().enumerate() {
            let state = a.get("Ipv6CidrBlockState").and_then(|st| s(st, "State"));
            if state.is_some_and(|st| st != "associated") {
                continue;
            }
            if let Some(c) = self.cidr(
                s(a, "Ipv6CidrBlock"),
                src,
                &ptr(p, &format!("Ipv6CidrBlockAssociationSet/{i}/Ipv6CidrBlock")),
                Some(id),
            ) {
                cidrs.push(c);
            }
        }
        let subnet = Subnet {
            id: id.to_owned(),
            vpc_id: vpc.to_owned(),
            cidrs,
            az: s(v, "AvailabilityZone").unwrap_or_default().to_owned(),
            route_table_id: None,
            acl: AclRef::Missing,
            origin: Self::origin(src, p, s(v, "OwnerId")),
        };
        if !self.net.subnets.insert(id, subnet) {
            self.duplicate(id, p, src);
        }
    }

    fn lower_route_table(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(id) = self.require(v, "RouteTableId", p, src) else {
            return;
        };
        let Some(vpc) = self.require(v, "VpcId", p, src) else {
            return;
        };
        let mut main = false;
        let mut subnet_ids = Vec::new();
        for a in arr(v, "Associations") {
            let state = a.get("AssociationState").and_then(|st| s(st, "State"));
            if state.is_some_and(|st| st != "associated") {
                continue;
            }
            if a.get("Main").and_then(Value::as_bool) == Some(true) {
                main = true;
            }
            if let Some(sn) = s(a, "SubnetId") {
                subnet_ids.push(sn.to_owned());
            }
        }
        let mut routes = Vec::new();
        for (i, r) in arr(v, "Routes").iter().enumerate() {
            let rp = ptr_i(&ptr(p, "Routes"), i);
            if let Some(route) = self.lower_route(r, &rp, src, id) {
                routes.push(route);
            }
        }
        let rt = RouteTable {
            id: id.to_owned(),
            vpc_id: vpc.to_owned(),
            main,
            subnet_ids,
            routes,
            origin: Self::origin(src, p, s(v, "OwnerId")),
        };
        if !self.net.route_tables.insert(id, rt) {
            self.duplicate(id, p, src);
        }
    }

    fn lower_route(
        &mut self,
        r: &Value,
        rp: &str,
        src: &DocumentSource,
        rtb: &str,
    ) -> Option<Route> {
        let dest_text = s(r, "DestinationCidrBlock").or_else(|| s(r, "DestinationIpv6CidrBlock"));
        let pl = s(r, "DestinationPrefixListId");
        let target = if let Some(g) = s(r, "GatewayId") {
            if g == "local" {
                RouteTarget::Local
            } else if g.starts_with("igw-") {
                RouteTarget::InternetGateway(g.to_owned())
            } else if g.starts_with("vgw-") {
                RouteTarget::VpnGateway(g.to_owned())
            } else if g.starts_with("vpce-") {
                RouteTarget::VpcEndpoint(g.to_owned())
            } else {
                RouteTarget::Other(g.to_owned())
            }
        } else if let Some(n) = s(r, "NatGatewayId") {
            RouteTarget::NatGateway(n.to_owned())
        } else if let Some(x) = s(r, "VpcPeeringConnectionId") {
            RouteTarget::VpcPeeringConnection(x.to_owned())
        } else if let Some(x) = s(r, "TransitGatewayId") {
            RouteTarget::TransitGateway(x.to_owned())
        } else if let Some(x) = s(r, "EgressOnlyInternetGatewayId") {
            RouteTarget::EgressOnlyInternetGateway(x.to_owned())
        } else if let Some(x) = s(r, "NetworkInterfaceId").or_else(|| s(r, "InstanceId")) {
            RouteTarget::NetworkInterface(x.to_owned())
        } else {
            let other = ["CarrierGatewayId", "LocalGatewayId", "CoreNetworkArn"]
                .iter()
                .find_map(|k| s(r, k));
            RouteTarget::Other(other.unwrap_or("unknown").to_owned())
        };
        let blackhole = s(r, "State") == Some("blackhole");
        let mut destinations = Vec::new();
        if let Some(t) = dest_text {
            let key = if s(r, "DestinationCidrBlock").is_some() {
                "DestinationCidrBlock"
            } else {
                "DestinationIpv6CidrBlock"
            };
            destinations.push(self.cidr(Some(t), src, &ptr(rp, key), Some(rtb))?);
        } else if pl.is_none() {
            self.diag(
                Severity::Error,
                "PERIMETER_NET_MISSING_FIELD",
                "route has no destination; route skipped".to_owned(),
                src,
                rp,
                Some(rtb),
            );
            return None;
        }
        Some(Route {
            destinations,
            destination_cidr: dest_text.map(str::to_owned),
            prefix_list_id: pl.map(str::to_owned),
            prefix_list_unknown: false,
            target,
            blackhole,
            origin: s(r, "Origin").map(str::to_owned),
        })
    }

    fn lower_acl(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(id) = self.require(v, "NetworkAclId", p, src) else {
            return;
        };
        let Some(vpc) = self.require(v, "VpcId", p, src) else {
            return;
        };
        let mut entries = Vec::new();
        for (i, e) in arr(v, "Entries").iter().enumerate() {
            let ep = ptr_i(&ptr(p, "Entries"), i);
            let Some(rule_number) = int(e, "RuleNumber") else {
                self.diag(
                    Severity::Error,
                    "PERIMETER_NET_MISSING_FIELD",
                    "network acl entry has no `RuleNumber`; entry skipped".to_owned(),
                    src,
                    &ep,
                    Some(id),
                );
                continue;
            };
            let proto_text = s(e, "Protocol")
                .map(str::to_owned)
                .or_else(|| int(e, "Protocol").map(|n| n.to_string()));
            let Some(protocol) = proto_text.as_deref().and_then(Protocol::parse) else {
                self.diag(
                    Severity::Error,
                    "PERIMETER_NET_BAD_PROTOCOL",
                    format!(
                        "protocol `{}` is not understood; entry skipped",
                        proto_text.unwrap_or_default()
                    ),
                    src,
                    &ptr(&ep, "Protocol"),
                    Some(id),
                );
                continue;
            };
            let cidr_text = s(e, "CidrBlock").or_else(|| s(e, "Ipv6CidrBlock"));
            let Some(cidr) = self.cidr(cidr_text, src, &ptr(&ep, "CidrBlock"), Some(id)) else {
                if cidr_text.is_none() {
                    self.diag(
                        Severity::Error,
                        "PERIMETER_NET_MISSING_FIELD",
                        "network acl entry has no cidr block; entry skipped".to_owned(),
                        src,
                        &ep,
                        Some(id),
                    );
                }
                continue;
            };
            let (ports, port_range) = acl_ports(protocol, e);
            entries.push(AclEntry {
                rule_number,
                egress: e.get("Egress").and_then(Value::as_bool).unwrap_or(false),
                allow: s(e, "RuleAction").is_some_and(|a| a.eq_ignore_ascii_case("allow")),
                protocol,
                ports,
                port_range,
                cidr,
            });
        }
        entries.sort_by_key(|e| e.rule_number);
        let subnet_ids = arr(v, "Associations")
            .iter()
            .filter_map(|a| s(a, "SubnetId"))
            .map(str::to_owned)
            .collect();
        let acl = NetworkAcl {
            id: id.to_owned(),
            vpc_id: vpc.to_owned(),
            is_default: v.get("IsDefault").and_then(Value::as_bool).unwrap_or(false),
            entries,
            subnet_ids,
            origin: Self::origin(src, p, s(v, "OwnerId")),
        };
        if !self.net.network_acls.insert(id, acl) {
            self.duplicate(id, p, src);
        }
    }

    fn lower_sg(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(id) = self.require(v, "GroupId", p, src) else {
            return;
        };
        let mut rules = Vec::new();
        for (key, egress) in [("IpPermissions", false), ("IpPermissionsEgress", true)] {
            for (i, perm) in arr(v, key).iter().enumerate() {
                let pp = ptr_i(&ptr(p, key), i);
                let proto_text = s(perm, "IpProtocol")
                    .map(str::to_owned)
                    .or_else(|| int(perm, "IpProtocol").map(|n| n.to_string()));
                let Some(protocol) = proto_text.as_deref().and_then(Protocol::parse) else {
                    self.diag(
                        Severity::Error,
                        "PERIMETER_NET_BAD_PROTOCOL",
                        format!(
                            "protocol `{}` is not understood; permission skipped",
                            proto_text.unwrap_or_default()
                        ),
                        src,
                        &ptr(&pp, "IpProtocol"),
                        Some(id),
                    );
                    continue;
                };
                let (ports, port_range) = sg_ports(protocol, perm);
                let mut peers = Vec::new();
                for (j, r) in arr(perm, "IpRanges").iter().enumerate() {
                    if let Some(c) = self.cidr(
                        s(r, "CidrIp"),
                        src,
                        &format!("{pp}/IpRanges/{j}/CidrIp"),
                        Some(id),
                    ) {
                        peers.push(SgPeer::Cidr(c));
                    }
                }
                for (j, r) in arr(perm, "Ipv6Ranges").iter().enumerate() {
                    if let Some(c) = self.cidr(
                        s(r, "CidrIpv6"),
                        src,
                        &format!("{pp}/Ipv6Ranges/{j}/CidrIpv6"),
                        Some(id),
                    ) {
                        peers.push(SgPeer::Cidr(c));
                    }
                }
                for r in arr(perm, "PrefixListIds") {
                    if let Some(pl) = s(r, "PrefixListId") {
                        peers.push(SgPeer::PrefixList(pl.to_owned()));
                    }
                }
                for r in arr(perm, "UserIdGroupPairs") {
                    if let Some(g) = s(r, "GroupId") {
                        peers.push(SgPeer::Group(g.to_owned()));
                    }
                }
                for peer in peers {
                    rules.push(SgRule {
                        egress,
                        protocol,
                        ports,
                        port_range,
                        peer,
                        pointer: pp.clone(),
                    });
                }
            }
        }
        let sg = SecurityGroup {
            id: id.to_owned(),
            name: s(v, "GroupName").unwrap_or_default().to_owned(),
            vpc_id: s(v, "VpcId").unwrap_or_default().to_owned(),
            rules,
            origin: Self::origin(src, p, s(v, "OwnerId")),
        };
        if !self.net.security_groups.insert(id, sg) {
            self.duplicate(id, p, src);
        }
    }

    fn eni_from(
        &mut self,
        v: &Value,
        p: &str,
        src: &DocumentSource,
        fallback_subnet: Option<&str>,
        fallback_vpc: Option<&str>,
    ) -> Option<NetworkInterface> {
        let id = self.require(v, "NetworkInterfaceId", p, src)?;
        let subnet = s(v, "SubnetId").or(fallback_subnet);
        let vpc = s(v, "VpcId").or(fallback_vpc);
        let (Some(subnet), Some(vpc)) = (subnet, vpc) else {
            self.diag(
                Severity::Error,
                "PERIMETER_NET_MISSING_FIELD",
                format!("network interface `{id}` has no subnet or vpc; skipped"),
                src,
                p,
                Some(id),
            );
            return None;
        };
        let mut addresses = Vec::new();
        let outer_public = v
            .get("Association")
            .and_then(|a| s(a, "PublicIp"))
            .and_then(parse_ip);
        for (i, a) in arr(v, "PrivateIpAddresses").iter().enumerate() {
            let Some(text) = s(a, "PrivateIpAddress") else {
                continue;
            };
            let Some(private) = parse_ip(text) else {
                self.diag(
                    Severity::Error,
                    "PERIMETER_NET_BAD_IP",
                    format!("`{text}` is not an ip address"),
                    src,
                    &format!("{p}/PrivateIpAddresses/{i}/PrivateIpAddress"),
                    Some(id),
                );
                continue;
            };
            let public = a
                .get("Association")
                .and_then(|x| s(x, "PublicIp"))
                .and_then(parse_ip);
            let primary = a.get("Primary").and_then(Value::as_bool).unwrap_or(i == 0);
            addresses.push(EniAddress {
                private,
                public,
                primary,
            });
        }
        if addresses.is_empty()
            && let Some(private) = s(v, "PrivateIpAddress").and_then(parse_ip)
        {
            addresses.push(EniAddress {
                private,
                public: outer_public,
                primary: true,
            });
        }
        if let Some(pubip) = outer_public
            && !addresses.iter().any(|a| a.public.is_some())
            && let Some(first) = addresses.iter_mut().find(|a| a.primary)
        {
            first.public = Some(pubip);
        }
        let ipv6 = arr(v, "Ipv6Addresses")
            .iter()
            .filter_map(|a| s(a, "Ipv6Address"))
            .filter_map(parse_ip)
            .collect();
        let groups = arr(v, "Groups")
            .iter()
            .filter_map(|g| s(g, "GroupId"))
            .map(str::to_owned)
            .collect();
        let instance_id = v
            .get("Attachment")
            .and_then(|a| s(a, "InstanceId"))
            .map(str::to_owned);
        Some(NetworkInterface {
            id: id.to_owned(),
            subnet_id: subnet.to_owned(),
            vpc_id: vpc.to_owned(),
            addresses,
            ipv6,
            groups,
            instance_id,
            interface_type: s(v, "InterfaceType").unwrap_or("interface").to_owned(),
            description: s(v, "Description").unwrap_or_default().to_owned(),
            requester_managed: v
                .get("RequesterManaged")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            origin: Self::origin(src, p, s(v, "OwnerId")),
        })
    }

    fn lower_eni(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        if let Some(eni) = self.eni_from(v, p, src, None, None) {
            let id = eni.id.clone();
            if !self.net.network_interfaces.insert(&id, eni) {
                self.duplicate(&id, p, src);
            }
        }
    }

    fn lower_instance(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(id) = self.require(v, "InstanceId", p, src) else {
            return;
        };
        let state = v.get("State").and_then(|st| s(st, "Name"));
        if state.is_some_and(|st| st != "running") {
            return;
        }
        let mut enis: Vec<(i64, String)> = Vec::new();
        for (i, n) in arr(v, "NetworkInterfaces").iter().enumerate() {
            let np = format!("{p}/NetworkInterfaces/{i}");
            let mut eni = match self.eni_from(n, &np, src, s(v, "SubnetId"), s(v, "VpcId")) {
                Some(e) => e,
                None => continue,
            };
            eni.instance_id = Some(id.to_owned());
            let dev = n
                .get("Attachment")
                .and_then(|a| int(a, "DeviceIndex"))
                .unwrap_or(i64::try_from(i).unwrap_or(0));
            enis.push((dev, eni.id.clone()));
            self.instance_enis.push(eni);
        }
        if enis.is_empty() {
            // Old shape (Batfish's fixtures): one implicit interface from the top-level fields.
            if let (Some(sub), Some(vpc), Some(ip)) = (
                s(v, "SubnetId"),
                s(v, "VpcId"),
                s(v, "PrivateIpAddress").and_then(parse_ip),
            ) {
                let eni_id = format!("{id}-eth0");
                self.instance_enis.push(NetworkInterface {
                    id: eni_id.clone(),
                    subnet_id: sub.to_owned(),
                    vpc_id: vpc.to_owned(),
                    addresses: vec![EniAddress {
                        private: ip,
                        public: s(v, "PublicIpAddress").and_then(parse_ip),
                        primary: true,
                    }],
                    ipv6: Vec::new(),
                    groups: arr(v, "SecurityGroups")
                        .iter()
                        .filter_map(|g| s(g, "GroupId"))
                        .map(str::to_owned)
                        .collect(),
                    instance_id: Some(id.to_owned()),
                    interface_type: "interface".to_owned(),
                    description: String::new(),
                    requester_managed: false,
                    origin: Self::origin(src, p, None),
                });
                enis.push((0, eni_id));
            }
        }
        enis.sort();
        let inst = Instance {
            id: id.to_owned(),
            eni_ids: enis.into_iter().map(|(_, e)| e).collect(),
            name: tag_name(v),
            origin: Self::origin(src, p, None),
        };
        if !self.net.instances.insert(id, inst) {
            self.duplicate(id, p, src);
        }
    }

    fn lower_igw(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(id) = self.require(v, "InternetGatewayId", p, src) else {
            return;
        };
        let vpc_ids = arr(v, "Attachments")
            .iter()
            .filter(|a| s(a, "State").is_none_or(|st| st == "available" || st == "attached"))
            .filter_map(|a| s(a, "VpcId"))
            .map(str::to_owned)
            .collect();
        let igw = InternetGateway {
            id: id.to_owned(),
            vpc_ids,
            origin: Self::origin(src, p, s(v, "OwnerId")),
        };
        if !self.net.internet_gateways.insert(id, igw) {
            self.duplicate(id, p, src);
        }
    }

    fn lower_eigw(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(id) = self.require(v, "EgressOnlyInternetGatewayId", p, src) else {
            return;
        };
        let vpc_ids = arr(v, "Attachments")
            .iter()
            .filter(|a| s(a, "State").is_none_or(|st| st == "available" || st == "attached"))
            .filter_map(|a| s(a, "VpcId"))
            .map(str::to_owned)
            .collect();
        self.net.egress_only_internet_gateways.insert(
            id,
            EgressOnlyInternetGateway {
                id: id.to_owned(),
                vpc_ids,
            },
        );
    }

    fn lower_nat(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(id) = self.require(v, "NatGatewayId", p, src) else {
            return;
        };
        if s(v, "State").is_some_and(|st| st != "available") {
            return;
        }
        let (Some(subnet), Some(vpc)) = (s(v, "SubnetId"), s(v, "VpcId")) else {
            self.diag(
                Severity::Error,
                "PERIMETER_NET_MISSING_FIELD",
                format!("nat gateway `{id}` has no subnet or vpc; skipped"),
                src,
                p,
                Some(id),
            );
            return;
        };
        let mut addresses = Vec::new();
        let mut eni_ids = Vec::new();
        for a in arr(v, "NatGatewayAddresses") {
            if let Some(private) = s(a, "PrivateIp").and_then(parse_ip) {
                addresses.push((private, s(a, "PublicIp").and_then(parse_ip)));
            }
            if let Some(e) = s(a, "NetworkInterfaceId") {
                eni_ids.push(e.to_owned());
            }
        }
        let nat = NatGateway {
            id: id.to_owned(),
            subnet_id: subnet.to_owned(),
            vpc_id: vpc.to_owned(),
            addresses,
            eni_ids,
        };
        if !self.net.nat_gateways.insert(id, nat) {
            self.duplicate(id, p, src);
        }
    }

    fn lower_endpoint(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(id) = self.require(v, "VpcEndpointId", p, src) else {
            return;
        };
        if s(v, "State").is_some_and(|st| !st.eq_ignore_ascii_case("available")) {
            return;
        }
        let ep = VpcEndpoint {
            id: id.to_owned(),
            endpoint_type: s(v, "VpcEndpointType").unwrap_or("Gateway").to_owned(),
            vpc_id: s(v, "VpcId").unwrap_or_default().to_owned(),
            service_name: s(v, "ServiceName").unwrap_or_default().to_owned(),
            eni_ids: arr(v, "NetworkInterfaceIds")
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        };
        if !self.net.vpc_endpoints.insert(id, ep) {
            self.duplicate(id, p, src);
        }
    }

    fn lower_peering(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(id) = self.require(v, "VpcPeeringConnectionId", p, src) else {
            return;
        };
        if v.get("Status")
            .and_then(|st| s(st, "Code"))
            .is_some_and(|c| c != "active")
        {
            return;
        }
        let side = |key: &str| -> Option<(String, Vec<Cidr>)> {
            let info = v.get(key)?;
            let vpc = s(info, "VpcId")?.to_owned();
            let mut cidrs: Vec<Cidr> = arr(info, "CidrBlockSet")
                .iter()
                .filter_map(|c| s(c, "CidrBlock"))
                .filter_map(Cidr::parse)
                .collect();
            cidrs.extend(
                arr(info, "Ipv6CidrBlockSet")
                    .iter()
                    .filter_map(|c| s(c, "Ipv6CidrBlock"))
                    .filter_map(Cidr::parse),
            );
            if cidrs.is_empty()
                && let Some(c) = s(info, "CidrBlock").and_then(Cidr::parse)
            {
                cidrs.push(c);
            }
            Some((vpc, cidrs))
        };
        let (Some(req), Some(acc)) = (side("RequesterVpcInfo"), side("AccepterVpcInfo")) else {
            self.diag(
                Severity::Error,
                "PERIMETER_NET_MISSING_FIELD",
                format!("peering connection `{id}` lacks vpc info; skipped"),
                src,
                p,
                Some(id),
            );
            return;
        };
        self.peering_raw
            .push((id.to_owned(), req.0, acc.0, req.1, acc.1));
    }

    fn lower_address(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(text) = self.require(v, "PublicIp", p, src) else {
            return;
        };
        let Some(public) = parse_ip(text) else {
            self.diag(
                Severity::Error,
                "PERIMETER_NET_BAD_IP",
                format!("`{text}` is not an ip address"),
                src,
                &ptr(p, "PublicIp"),
                None,
            );
            return;
        };
        self.addresses.push((
            public,
            s(v, "NetworkInterfaceId").map(str::to_owned),
            s(v, "PrivateIpAddress").and_then(parse_ip),
        ));
    }

    fn lower_prefix_list(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(id) = self.require(v, "PrefixListId", p, src) else {
            return;
        };
        let cidrs = v.get("Cidrs").and_then(Value::as_array).map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .filter_map(Cidr::parse)
                .collect()
        });
        let name = s(v, "PrefixListName").unwrap_or_default().to_owned();
        match self.net.prefix_lists.get_mut(id) {
            Some(existing) => {
                if existing.cidrs.is_none() {
                    existing.cidrs = cidrs;
                }
            }
            None => {
                self.net.prefix_lists.insert(
                    id,
                    PrefixList {
                        id: id.to_owned(),
                        name,
                        cidrs,
                    },
                );
            }
        }
    }

    fn lower_prefix_list_entries(&mut self, id: String, v: &Value, _src: &DocumentSource) {
        let cidrs: Vec<Cidr> = arr(v, "Entries")
            .iter()
            .filter_map(|e| s(e, "Cidr"))
            .filter_map(Cidr::parse)
            .collect();
        match self.net.prefix_lists.get_mut(&id) {
            Some(pl) => pl.cidrs = Some(cidrs),
            None => {
                self.net.prefix_lists.insert(
                    &id,
                    PrefixList {
                        id: id.clone(),
                        name: String::new(),
                        cidrs: Some(cidrs),
                    },
                );
            }
        }
    }

    fn lower_load_balancer(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(arn) = self.require(v, "LoadBalancerArn", p, src) else {
            return;
        };
        if v.get("State")
            .and_then(|st| s(st, "Code"))
            .is_some_and(|c| c != "active")
        {
            return;
        }
        let lb_type = s(v, "Type").unwrap_or("application").to_owned();
        let lb = crate::model::LoadBalancer {
            arn: arn.to_owned(),
            name: s(v, "LoadBalancerName").unwrap_or_default().to_owned(),
            cross_zone: lb_type == "application",
            lb_type,
            groups: arr(v, "SecurityGroups")
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            listeners: Vec::new(),
            listeners_known: false,
        };
        self.net.load_balancers.insert(arn, lb);
    }

    fn lower_listeners(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(arn) = self.require(v, "LoadBalancerArn", p, src) else {
            return;
        };
        let mut listeners = Vec::new();
        for l in arr(v, "Listeners") {
            let Some(port) = int(l, "Port").and_then(|x| u16::try_from(x).ok()) else {
                continue;
            };
            let target_groups = arr(l, "DefaultActions")
                .iter()
                .filter(|a| s(a, "Type") == Some("forward"))
                .flat_map(|a| {
                    let mut v: Vec<String> = s(a, "TargetGroupArn")
                        .map(str::to_owned)
                        .into_iter()
                        .collect();
                    if let Some(fc) = a.get("ForwardConfig") {
                        v.extend(
                            arr(fc, "TargetGroups")
                                .iter()
                                .filter_map(|t| s(t, "TargetGroupArn"))
                                .map(str::to_owned),
                        );
                    }
                    v
                })
                .collect();
            listeners.push(crate::model::Listener {
                arn: s(l, "ListenerArn").unwrap_or_default().to_owned(),
                port,
                protocol: s(l, "Protocol").unwrap_or("TCP").to_owned(),
                target_groups,
            });
        }
        self.pending_listeners.push((arn.to_owned(), listeners));
    }

    fn lower_lb_attributes(&mut self, v: &Value, _p: &str, _src: &DocumentSource) {
        let Some(arn) = s(v, "LoadBalancerArn") else {
            return;
        };
        let cross = arr(v, "Attributes").iter().any(|a| {
            s(a, "Key") == Some("load_balancing.cross_zone.enabled")
                && s(a, "Value") == Some("true")
        });
        if cross {
            self.pending_cross_zone.push(arn.to_owned());
        }
    }

    fn lower_target_group(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(arn) = self.require(v, "TargetGroupArn", p, src) else {
            return;
        };
        let tg = crate::model::TargetGroup {
            arn: arn.to_owned(),
            target_type: s(v, "TargetType").unwrap_or("instance").to_owned(),
            port: int(v, "Port").and_then(|x| u16::try_from(x).ok()),
            targets: Vec::new(),
        };
        if self.net.target_groups.get(arn).is_none() {
            self.net.target_groups.insert(arn, tg);
        }
    }

    fn lower_target_health(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(arn) = self.require(v, "TargetGroupArn", p, src) else {
            return;
        };
        let targets: Vec<(String, Option<u16>, bool)> = arr(v, "TargetHealthDescriptions")
            .iter()
            .filter_map(|d| {
                let t = d.get("Target")?;
                let healthy = d
                    .get("TargetHealth")
                    .and_then(|h| s(h, "State"))
                    .is_none_or(|st| st == "healthy");
                Some((
                    s(t, "Id")?.to_owned(),
                    int(t, "Port").and_then(|x| u16::try_from(x).ok()),
                    healthy,
                ))
            })
            .collect();
        match self.net.target_groups.get_mut(arn) {
            Some(tg) => tg.targets.extend(targets),
            None => {
                self.net.target_groups.insert(
                    arn,
                    crate::model::TargetGroup {
                        arn: arn.to_owned(),
                        target_type: "instance".to_owned(),
                        port: None,
                        targets,
                    },
                );
            }
        }
    }

    fn lower_tgw_attachment(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(id) = self.require(v, "TransitGatewayAttachmentId", p, src) else {
            return;
        };
        if s(v, "State").is_some_and(|st| st != "available") {
            return;
        }
        let Some(tgw) = self.require(v, "TransitGatewayId", p, src) else {
            return;
        };
        let route_table_id = v
            .get("Association")
            .filter(|a| s(a, "State").is_none_or(|st| st == "associated"))
            .and_then(|a| s(a, "TransitGatewayRouteTableId"))
            .map(str::to_owned);
        let key = format!("{tgw}/{id}");
        let att = TgwAttachment {
            id: id.to_owned(),
            tgw_id: tgw.to_owned(),
            resource_type: s(v, "ResourceType").unwrap_or_default().to_owned(),
            resource_id: s(v, "ResourceId").unwrap_or_default().to_owned(),
            route_table_id,
            subnet_ids: Vec::new(),
        };
        self.net.tgw_attachments.insert(&key, att);
    }

    fn lower_tgw_vpc_attachment(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(id) = self.require(v, "TransitGatewayAttachmentId", p, src) else {
            return;
        };
        if s(v, "State").is_some_and(|st| st != "available") {
            return;
        }
        let subnets = arr(v, "SubnetIds")
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        self.vpc_attachment_subnets.insert(id.to_owned(), subnets);
    }

    fn lower_tgw_rtb(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(id) = self.require(v, "TransitGatewayRouteTableId", p, src) else {
            return;
        };
        if s(v, "State").is_some_and(|st| st != "available") {
            return;
        }
        let tgw = s(v, "TransitGatewayId").unwrap_or_default();
        if self.net.tgw_route_tables.get(id).is_none() {
            self.net.tgw_route_tables.insert(
                id,
                TgwRouteTable {
                    id: id.to_owned(),
                    tgw_id: tgw.to_owned(),
                    routes: Vec::new(),
                },
            );
        }
    }

    fn lower_tgw_propagations(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(rtb) = self.require(v, "TransitGatewayRouteTableId", p, src) else {
            return;
        };
        for prop in arr(v, "TransitGatewayRouteTablePropagations") {
            if s(prop, "State").is_some_and(|st| st != "enabled") {
                continue;
            }
            if let Some(att) = s(prop, "TransitGatewayAttachmentId") {
                self.propagations.push((rtb.to_owned(), att.to_owned()));
            }
        }
    }

    fn lower_tgw_static_routes(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(rtb) = self.require(v, "TransitGatewayRouteTableId", p, src) else {
            return;
        };
        for (i, r) in arr(v, "Routes").iter().enumerate() {
            let rp = format!("{p}/Routes/{i}");
            let Some(cidr) = self.cidr(
                s(r, "DestinationCidrBlock"),
                src,
                &format!("{rp}/DestinationCidrBlock"),
                Some(rtb),
            ) else {
                continue;
            };
            let blackhole = s(r, "State") == Some("blackhole");
            let attachment_id = arr(r, "TransitGatewayAttachments")
                .iter()
                .find_map(|a| s(a, "TransitGatewayAttachmentId"))
                .map(str::to_owned);
            self.static_routes.push((
                rtb.to_owned(),
                TgwRoute {
                    cidr,
                    attachment_id,
                    route_type: s(r, "Type").unwrap_or("static").to_owned(),
                    blackhole,
                },
            ));
        }
    }

    fn lower_vgw(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(id) = self.require(v, "VpnGatewayId", p, src) else {
            return;
        };
        if s(v, "State").is_some_and(|st| st != "available") {
            return;
        }
        let vpc_ids = arr(v, "VpcAttachments")
            .iter()
            .filter(|a| s(a, "State").is_none_or(|st| st == "attached"))
            .filter_map(|a| s(a, "VpcId"))
            .map(str::to_owned)
            .collect();
        self.net.vpn_gateways.insert(
            id,
            VpnGateway {
                id: id.to_owned(),
                vpc_ids,
                routes: Vec::new(),
                outside_ips: Vec::new(),
                amazon_asn: int(v, "AmazonSideAsn").and_then(|a| u32::try_from(a).ok()),
                learned: Vec::new(),
            },
        );
    }

    fn lower_dxgw(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(id) = self.require(v, "DirectConnectGatewayId", p, src) else {
            return;
        };
        if s(v, "DirectConnectGatewayState").is_some_and(|st| st != "available") {
            return;
        }
        // Direct Connect gateways are global: every region lists the same one.
        if self.net.dx_gateways.get(id).is_some() {
            return;
        }
        self.net.dx_gateways.insert(
            id,
            DirectConnectGateway {
                id: id.to_owned(),
                amazon_asn: int(v, "AmazonSideAsn").and_then(|a| u32::try_from(a).ok()),
                associations: Vec::new(),
                routes: Vec::new(),
            },
        );
    }

    fn lower_dxgw_association(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(dxgw) = self.require(v, "DirectConnectGatewayId", p, src) else {
            return;
        };
        if s(v, "AssociationState").is_some_and(|st| st != "associated") {
            return;
        }
        let gw = v.get("AssociatedGateway").unwrap_or(&Value::Null);
        let (Some(gw_id), Some(gw_type)) = (s(gw, "Id"), s(gw, "Type")) else {
            self.diag(
                Severity::Error,
                "PERIMETER_NET_MISSING_FIELD",
                "missing `AssociatedGateway.Id` or `.Type`; association skipped".to_owned(),
                src,
                p,
                Some(dxgw),
            );
            return;
        };
        let mut allowed = Vec::new();
        for (i, a) in arr(v, "AllowedPrefixesToDirectConnectGateway")
            .iter()
            .enumerate()
        {
            let pp = format!("{p}/AllowedPrefixesToDirectConnectGateway/{i}/Cidr");
            if let Some(c) = self.cidr(s(a, "Cidr"), src, &pp, Some(dxgw)) {
                allowed.push(c);
            }
        }
        self.dx_associations.push((
            dxgw.to_owned(),
            gw_id.to_owned(),
            gw_type.to_owned(),
            allowed,
        ));
    }

    fn lower_vif(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        let Some(id) = self.require(v, "VirtualInterfaceId", p, src) else {
            return;
        };
        if s(v, "VirtualInterfaceState").is_some_and(|st| st != "available") {
            return;
        }
        let addr = |x: Option<&str>| x.and_then(|t| parse_ip(t.split('/').next().unwrap_or(t)));
        let mut peers: Vec<(Ip, Option<Ip>, Option<u32>)> = arr(v, "BgpPeers")
            .iter()
            .filter(|b| s(b, "BgpPeerState").is_none_or(|st| st == "available"))
            .filter_map(|b| {
                Some((
                    addr(s(b, "AmazonAddress"))?,
                    addr(s(b, "CustomerAddress")),
                    int(b, "Asn").and_then(|a| u32::try_from(a).ok()),
                ))
            })
            .collect();
        if peers.is_empty()
            && let Some(a) = addr(s(v, "AmazonAddress"))
        {
            peers.push((
                a,
                addr(s(v, "CustomerAddress")),
                int(v, "Asn").and_then(|a| u32::try_from(a).ok()),
            ));
        }
        let nonempty = |k: &str| s(v, k).filter(|x| !x.is_empty()).map(str::to_owned);
        if !self.net.virtual_interfaces.insert(
            id,
            VirtualInterface {
                id: id.to_owned(),
                vif_type: s(v, "VirtualInterfaceType").unwrap_or_default().to_owned(),
                vgw_id: nonempty("VirtualGatewayId"),
                dxgw_id: nonempty("DirectConnectGatewayId"),
                peers,
            },
        ) {
            self.duplicate(id, p, src);
        }
    }

    /// Add an on-prem router configuration (Cisco IOS text).
    pub fn add_router_config(&mut self, text: &str, src: &DocumentSource) {
        let (router, diags) = crate::ios::parse_ios_config(text, &src.file);
        self.net.diagnostics.extend(diags);
        let name = router.name.clone();
        if !self.net.customer_routers.insert(&name, router) {
            self.diag(
                Severity::Warning,
                "PERIMETER_NET_DUPLICATE_ID",
                format!("router `{name}` appears more than once; the first one is used"),
                src,
                "",
                Some(&name),
            );
        }
    }

    fn lower_vpn(&mut self, v: &Value, p: &str, src: &DocumentSource) {
        if s(v, "State").is_some_and(|st| st != "available") {
            return;
        }
        let routes: Vec<Cidr> = arr(v, "Routes")
            .iter()
            .filter(|r| s(r, "State").is_none_or(|st| st == "available"))
            .filter_map(|r| s(r, "DestinationCidrBlock"))
            .filter_map(Cidr::parse)
            .collect();
        let outside: Vec<Ip> = arr(v, "VgwTelemetry")
            .iter()
            .filter_map(|t| s(t, "OutsideIpAddress"))
            .filter_map(parse_ip)
            .collect();
        let vgw = s(v, "VpnGatewayId").filter(|x| !x.is_empty());
        if let Some(vgw) = vgw {
            self.vpn_routes
                .push((vgw.to_owned(), routes.clone(), outside));
        }
        let Some(id) = self.require(v, "VpnConnectionId", p, src) else {
            return;
        };
        let tunnels = s(v, "CustomerGatewayConfiguration")
            .map(parse_tunnels)
            .unwrap_or_default();
        let static_only = v
            .get("Options")
            .and_then(|o| o.get("StaticRoutesOnly"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let conn = VpnConnection {
            id: id.to_owned(),
            vgw_id: vgw.map(str::to_owned),
            tgw_id: s(v, "TransitGatewayId")
                .filter(|x| !x.is_empty())
                .map(str::to_owned),
            static_only,
            tunnels,
            routes: routes
                .into_iter()
                .map(|cidr| OnPremRoute {
                    cidr,
                    router: None,
                    via: id.to_owned(),
                    local_pref: crate::onprem::VPN_STATIC_PREF,
                    as_path: Vec::new(),
                })
                .collect(),
        };
        if !self.net.vpn_connections.insert(id, conn) {
            self.duplicate(id, p, src);
        }
    }

    /// Resolve references, report inconsistencies, build indexes.
    #[must_use]
    pub fn finish(mut self) -> Network {
        // ENIs embedded in instances fill in ENIs missing from describe-network-interfaces.
        for eni in std::mem::take(&mut self.instance_enis) {
            let id = eni.id.clone();
            if let Some(existing) = self.net.network_interfaces.get_mut(&id) {
                if existing.instance_id.is_none() {
                    existing.instance_id = eni.instance_id.clone();
                }
            } else {
                self.net.network_interfaces.insert(&id, eni);
            }
        }
        // Elastic IPs.
        for (public, eni_id, private) in std::mem::take(&mut self.addresses) {
            let Some(eni_id) = eni_id else { continue };
            if let Some(eni) = self.net.network_interfaces.get_mut(&eni_id) {
                let slot = match private {
                    Some(pv) => eni.addresses.iter_mut().find(|a| a.private == pv),
                    None => eni.addresses.iter_mut().find(|a| a.primary),
                };
                if let Some(a) = slot
                    && a.public.is_none()
                {
                    a.public = Some(public);
                }
            }
        }
        // Peering connections need both VPCs' CIDRs; prefer the VPC objects when loaded.
        for (id, req, acc, req_c, acc_c) in std::mem::take(&mut self.peering_raw) {
            let rc = self.net.vpcs.get(&req).map_or(req_c, |v| v.cidrs.clone());
            let ac = self.net.vpcs.get(&acc).map_or(acc_c, |v| v.cidrs.clone());
            self.net.vpc_peering_connections.insert(
                &id,
                VpcPeeringConnection {
                    id: id.clone(),
                    requester: (req, rc),
                    accepter: (acc, ac),
                },
            );
        }
        // VPN routes onto their VGW.
        for (vgw, routes, outside) in std::mem::take(&mut self.vpn_routes) {
            if let Some(g) = self.net.vpn_gateways.get_mut(&vgw) {
                g.routes.extend(routes);
                g.outside_ips.extend(outside);
            }
        }
        // Listeners and attributes may be read before their load balancer.
        for (arn, listeners) in std::mem::take(&mut self.pending_listeners) {
            if let Some(lb) = self.net.load_balancers.get_mut(&arn) {
                lb.listeners.extend(listeners);
                lb.listeners_known = true;
            }
        }
        for arn in std::mem::take(&mut self.pending_cross_zone) {
            if let Some(lb) = self.net.load_balancers.get_mut(&arn) {
                lb.cross_zone = true;
            }
        }
        self.resolve_subnets();
        self.resolve_igw_knowledge();
        self.resolve_route_prefix_lists();
        self.resolve_tgw();
        let dx = std::mem::take(&mut self.dx_associations);
        let props = std::mem::take(&mut self.propagations);
        crate::onprem::resolve(&mut self.net, &dx, &props);
        self.check_references();
        let mut net = self.net;
        net.index();
        net
    }

    fn subnet_diag(&mut self, code: &'static str, message: String, subnet: &str) {
        let (file, pointer) = self
            .net
            .subnets
            .get(subnet)
            .map(|s| (s.origin.file.clone(), s.origin.pointer.clone()))
            .unwrap_or_default();
        self.net.diagnostics.push(Diagnostic {
            severity: Severity::Error,
            code,
            message,
            file,
            pointer,
            resource_id: Some(subnet.to_owned()),
        });
    }

    fn resolve_subnets(&mut self) {
        let mut explicit_rt: HashMap<String, String> = HashMap::new();
        let mut main_rt: HashMap<String, String> = HashMap::new();
        for rt in self.net.route_tables.iter() {
            for sn in &rt.subnet_ids {
                explicit_rt.insert(sn.clone(), rt.id.clone());
            }
            if rt.main {
                main_rt.insert(rt.vpc_id.clone(), rt.id.clone());
            }
        }
        let mut explicit_acl: HashMap<String, String> = HashMap::new();
        let mut default_acl: HashMap<String, String> = HashMap::new();
        for acl in self.net.network_acls.iter() {
            for sn in &acl.subnet_ids {
                explicit_acl.insert(sn.clone(), acl.id.clone());
            }
            if acl.is_default {
                default_acl.insert(acl.vpc_id.clone(), acl.id.clone());
            }
        }
        let mut problems = Vec::new();
        let regions = self.regions_with_acls.clone();
        for sn in self.net.subnets.iter_mut() {
            sn.route_table_id = explicit_rt
                .get(&sn.id)
                .or_else(|| main_rt.get(&sn.vpc_id))
                .cloned();
            if sn.route_table_id.is_none() {
                problems.push(("PERIMETER_NET_NO_ROUTE_TABLE", format!("subnet `{}` has no route table in the snapshot (no association and no main table for `{}`); its routing is unknown", sn.id, sn.vpc_id), sn.id.clone()));
            }
            sn.acl = match explicit_acl
                .get(&sn.id)
                .or_else(|| default_acl.get(&sn.vpc_id))
            {
                Some(a) => AclRef::Acl(a.clone()),
                None if regions.contains(&dir_of(&sn.origin.file)) => {
                    problems.push(("PERIMETER_NET_NO_NETWORK_ACL", format!("subnet `{}` has no network acl in the snapshot; traffic through it is unknown", sn.id), sn.id.clone()));
                    AclRef::Missing
                }
                None => AclRef::NotLoaded,
            };
        }
        let unfiltered: Vec<String> = self
            .net
            .subnets
            .iter()
            .filter(|s| s.acl == AclRef::NotLoaded)
            .map(|s| s.id.clone())
            .collect();
        for (code, msg, id) in problems {
            self.subnet_diag(code, msg, &id);
        }
        if let Some(first) = unfiltered.first() {
            let (file, pointer) = self
                .net
                .subnets
                .get(first)
                .map(|s| (s.origin.file.clone(), s.origin.pointer.clone()))
                .unwrap_or_default();
            self.net.diagnostics.push(Diagnostic {
                severity: Severity::Warning,
                code: "PERIMETER_NET_ACLS_NOT_LOADED",
                message: format!("no network acl data for {} subnet(s) (first `{first}`); network acls are not evaluated there", unfiltered.len()),
                file,
                pointer,
                resource_id: Some(first.clone()),
            });
        }
    }

    fn resolve_igw_knowledge(&mut self) {
        let attached: HashSet<String> = self
            .net
            .internet_gateways
            .iter()
            .flat_map(|g| g.vpc_ids.iter().cloned())
            .collect();
        let mut unknown = Vec::new();
        for v in self.net.vpcs.iter() {
            if !attached.contains(&v.id) && !self.dirs_with_igws.contains(&dir_of(&v.origin.file)) {
                unknown.push((
                    v.id.clone(),
                    v.origin.file.clone(),
                    v.origin.pointer.clone(),
                ));
            }
        }
        for (id, file, pointer) in unknown {
            self.net.diagnostics.push(Diagnostic {
                severity: Severity::Warning,
                code: "PERIMETER_NET_IGWS_NOT_LOADED",
                message: format!(
                    "no internet gateway data for `{id}`; its internet reachability is unknown"
                ),
                file,
                pointer,
                resource_id: Some(id.clone()),
            });
            self.net.igw_unknown_vpcs.insert(id);
        }
    }

    fn resolve_route_prefix_lists(&mut self) {
        let lists: HashMap<String, Option<Vec<Cidr>>> = self
            .net
            .prefix_lists
            .iter()
            .map(|p| (p.id.clone(), p.cidrs.clone()))
            .collect();
        let mut problems = Vec::new();
        for rt in self.net.route_tables.iter_mut() {
            for (i, r) in rt.routes.iter_mut().enumerate() {
                let Some(pl) = &r.prefix_list_id else {
                    continue;
                };
                if !r.destinations.is_empty() {
                    continue;
                }
                match lists.get(pl) {
                    Some(Some(cidrs)) => r.destinations = cidrs.clone(),
                    _ => {
                        r.prefix_list_unknown = true;
                        problems.push(Diagnostic {
                            severity: Severity::Error,
                            code: "PERIMETER_NET_UNKNOWN_PREFIX_LIST",
                            message: format!("route to prefix list `{pl}` in `{}`: the list's cidrs are not in the snapshot; traffic it may carry is unknown", rt.id),
                            file: rt.origin.file.clone(),
                            pointer: format!("{}/Routes/{i}/DestinationPrefixListId", rt.origin.pointer),
                            resource_id: Some(rt.id.clone()),
                        });
                    }
                }
            }
        }
        self.net.diagnostics.extend(problems);
    }

    fn resolve_tgw(&mut self) {
        for att in self.net.tgw_attachments.iter_mut() {
            if let Some(sn) = self.vpc_attachment_subnets.get(&att.id) {
                att.subnet_ids.clone_from(sn);
            }
        }
        // Propagated routes: the CIDRs of the attached VPC.
        let mut routes: Vec<(String, TgwRoute)> = Vec::new();
        for (rtb, att_id) in &self.propagations {
            let Some(att) = self
                .net
                .tgw_attachments
                .iter()
                .find(|a| &a.id == att_id && a.resource_type == "vpc")
            else {
                continue;
            };
            let Some(vpc) = self.net.vpcs.get(&att.resource_id) else {
                continue;
            };
            for c in &vpc.cidrs {
                routes.push((
                    rtb.clone(),
                    TgwRoute {
                        cidr: *c,
                        attachment_id: Some(att_id.clone()),
                        route_type: "propagated".to_owned(),
                        blackhole: false,
                    },
                ));
            }
        }
        routes.extend(std::mem::take(&mut self.static_routes));
        for (rtb, r) in routes {
            if self.net.tgw_route_tables.get(&rtb).is_none() {
                let tgw = self
                    .net
                    .tgw_attachments
                    .iter()
                    .find(|a| a.route_table_id.as_deref() == Some(&rtb))
                    .map(|a| a.tgw_id.clone())
                    .unwrap_or_default();
                self.net.tgw_route_tables.insert(
                    &rtb,
                    TgwRouteTable {
                        id: rtb.clone(),
                        tgw_id: tgw,
                        routes: Vec::new(),
                    },
                );
            }
            if let Some(t) = self.net.tgw_route_tables.get_mut(&rtb)
                && !t.routes.contains(&r)
            {
                t.routes.push(r);
            }
        }
    }

    fn check_references(&mut self) {
        let mut out = Vec::new();
        for sg in self.net.security_groups.iter() {
            for r in &sg.rules {
                match &r.peer {
                    SgPeer::Group(g) if self.net.security_groups.get(g).is_none() => out.push(Diagnostic {
                        severity: Severity::Error,
                        code: "PERIMETER_NET_UNKNOWN_SECURITY_GROUP",
                        message: format!("rule of `{}` references security group `{g}`, which is not in the snapshot (deleted or in another account); traffic it may admit is unknown", sg.id),
                        file: sg.origin.file.clone(),
                        pointer: r.pointer.clone(),
                        resource_id: Some(sg.id.clone()),
                    }),
                    SgPeer::PrefixList(pl) if self.net.prefix_list_cidrs(pl).is_none() => out.push(Diagnostic {
                        severity: Severity::Error,
                        code: "PERIMETER_NET_UNKNOWN_PREFIX_LIST",
                        message: format!("rule of `{}` references prefix list `{pl}`, whose cidrs are not in the snapshot; traffic it may admit is unknown", sg.id),
                        file: sg.origin.file.clone(),
                        pointer: r.pointer.clone(),
                        resource_id: Some(sg.id.clone()),
                    }),
                    _ => {}
                }
            }
        }
        for eni in self.net.network_interfaces.iter() {
            if self.net.subnets.get(&eni.subnet_id).is_none() {
                out.push(Diagnostic {
                    severity: Severity::Error,
                    code: "PERIMETER_NET_UNKNOWN_SUBNET",
                    message: format!("network interface `{}` is in subnet `{}`, which is not in the snapshot; its reachability is unknown", eni.id, eni.subnet_id),
                    file: eni.origin.file.clone(),
                    pointer: eni.origin.pointer.clone(),
                    resource_id: Some(eni.id.clone()),
                });
            }
            for g in &eni.groups {
                if self.net.security_groups.get(g).is_none() {
                    out.push(Diagnostic {
                        severity: Severity::Error,
                        code: "PERIMETER_NET_UNKNOWN_SECURITY_GROUP",
                        message: format!("network interface `{}` uses security group `{g}`, which is not in the snapshot; its filtering is unknown", eni.id),
                        file: eni.origin.file.clone(),
                        pointer: eni.origin.pointer.clone(),
                        resource_id: Some(eni.id.clone()),
                    });
                }
            }
        }
        for rt in self.net.route_tables.iter() {
            for (i, r) in rt.routes.iter().enumerate() {
                let missing = match &r.target {
                    RouteTarget::InternetGateway(x) => self
                        .net
                        .internet_gateways
                        .get(x)
                        .is_none()
                        .then(|| x.clone()),
                    RouteTarget::NatGateway(x) => {
                        self.net.nat_gateways.get(x).is_none().then(|| x.clone())
                    }
                    RouteTarget::VpcPeeringConnection(x) => self
                        .net
                        .vpc_peering_connections
                        .get(x)
                        .is_none()
                        .then(|| x.clone()),
                    _ => None,
                };
                if let Some(x) = missing
                    && !r.blackhole
                {
                    out.push(Diagnostic {
                        severity: Severity::Warning,
                        code: "PERIMETER_NET_UNKNOWN_ROUTE_TARGET",
                        message: format!("route in `{}` targets `{x}`, which is not in the snapshot or not active; traffic on it is dropped", rt.id),
                        file: rt.origin.file.clone(),
                        pointer: format!("{}/Routes/{i}", rt.origin.pointer),
                        resource_id: Some(rt.id.clone()),
                    });
                }
            }
        }
        self.net.diagnostics.extend(out);
    }
}

/// The tunnels of a VPN connection from its `CustomerGatewayConfiguration` XML (the addresses and
/// ASNs only; a plain scan of `<ipsec_tunnel>` elements).
fn parse_tunnels(xml: &str) -> Vec<VpnTunnel> {
    fn inner<'a>(text: &'a str, tag: &str) -> Option<&'a str> {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        let start = text.find(&open)? + open.len();
        let end = text.get(start..)?.find(&close)? + start;
        text.get(start..end)
    }
    let ip = |t: Option<&str>, tag: &str| {
        t.and_then(|x| inner(x, tag))
            .and_then(|x| inner(x, "ip_address"))
            .and_then(|x| parse_ip(x.trim()))
    };
    xml.split("<ipsec_tunnel>")
        .skip(1)
        .map(|t| {
            let aws = inner(t, "vpn_gateway");
            let cust = inner(t, "customer_gateway");
            VpnTunnel {
                aws_outside: ip(aws, "tunnel_outside_address"),
                aws_inside: ip(aws, "tunnel_inside_address"),
                customer_inside: ip(cust, "tunnel_inside_address"),
                aws_asn: aws
                    .and_then(|x| inner(x, "bgp"))
                    .and_then(|x| inner(x, "asn"))
                    .and_then(|x| x.trim().parse().ok()),
            }
        })
        .collect()
}

fn dir_of(file: &str) -> String {
    file.rsplit_once('/')
        .map_or(String::new(), |(d, _)| d.to_owned())
}

fn range_of(v: &Value, from: &str, to: &str) -> Option<(i64, i64)> {
    Some((int(v, from)?, int(v, to)?))
}

fn clamp_port(x: i64) -> u16 {
    u16::try_from(x.clamp(0, 65535)).unwrap_or(0)
}

fn port_interval(r: Option<(i64, i64)>) -> (u16, u16) {
    match r {
        Some((a, b)) if a >= 0 && b >= 0 => (clamp_port(a), clamp_port(b)),
        _ => (0, 65535),
    }
}

fn sg_ports(protocol: Protocol, perm: &Value) -> (PortMatch, Option<(i64, i64)>) {
    let written = range_of(perm, "FromPort", "ToPort");
    match protocol {
        Protocol::Number(6 | 17) => (
            PortMatch {
                sport: (0, 65535),
                dport: port_interval(written),
            },
            written,
        ),
        Protocol::Number(1 | 58) => {
            // FromPort is the ICMP type, ToPort the ICMP code; -1 means all.
            let (t, c) = written.unwrap_or((-1, -1));
            let ty = if t < 0 {
                (0, 65535)
            } else {
                (clamp_port(t), clamp_port(t))
            };
            let code = if c < 0 || t < 0 {
                (0, 65535)
            } else {
                (clamp_port(c), clamp_port(c))
            };
            (
                PortMatch {
                    sport: code,
                    dport: ty,
                },
                written,
            )
        }
        _ => (PortMatch::ANY, written),
    }
}

fn acl_ports(protocol: Protocol, e: &Value) -> (PortMatch, Option<(i64, i64)>) {
    match protocol {
        Protocol::Number(6 | 17) => {
            let written = e.get("PortRange").and_then(|r| range_of(r, "From", "To"));
            (
                PortMatch {
                    sport: (0, 65535),
                    dport: port_interval(written),
                },
                written,
            )
        }
        Protocol::Number(1 | 58) => {
            let tc = e.get("IcmpTypeCode");
            let t = tc.and_then(|x| int(x, "Type")).unwrap_or(-1);
            let c = tc.and_then(|x| int(x, "Code")).unwrap_or(-1);
            let ty = if t < 0 {
                (0, 65535)
            } else {
                (clamp_port(t), clamp_port(t))
            };
            let code = if c < 0 || t < 0 {
                (0, 65535)
            } else {
                (clamp_port(c), clamp_port(c))
            };
            (
                PortMatch {
                    sport: code,
                    dport: ty,
                },
                None,
            )
        }
        _ => (PortMatch::ANY, None),
    }
}
