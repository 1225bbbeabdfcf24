//! Report types. Their shapes mirror the EC2 API (botocore `ec2` model: `NetworkInsightsAnalysis`,
//! `PathComponent`, `Explanation`, `AnalysisAclRule`, …) field for field; only these types derive
//! `Serialize`.

use serde::Serialize;

use crate::hs::{Packet, render_ip};
use crate::model::{Network, RouteTarget};
use crate::walk::{Block, Step, Trace};

/// `AnalysisComponent`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AnalysisComponent {
    /// Id.
    pub id: String,
    /// Name tag, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `PortRange`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PortRange {
    /// First port.
    pub from: i64,
    /// Last port.
    pub to: i64,
}

/// `AnalysisAclRule`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AnalysisAclRule {
    /// CIDR.
    pub cidr: String,
    /// Egress.
    pub egress: bool,
    /// Port range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_range: Option<PortRange>,
    /// Protocol.
    pub protocol: String,
    /// `allow` / `deny`.
    pub rule_action: String,
    /// Rule number.
    pub rule_number: i64,
}

/// `AnalysisSecurityGroupRule`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AnalysisSecurityGroupRule {
    /// CIDR.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
    /// `ingress` / `egress`.
    pub direction: String,
    /// Group.
    pub security_group_id: String,
    /// Port range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_range: Option<PortRange>,
    /// Prefix list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix_list_id: Option<String>,
    /// Protocol.
    pub protocol: String,
}

/// `AnalysisRouteTableRoute`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AnalysisRouteTableRoute {
    /// Destination CIDR.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_cidr: Option<String>,
    /// Destination prefix list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_prefix_list_id: Option<String>,
    /// Egress-only internet gateway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub egress_only_internet_gateway_id: Option<String>,
    /// Gateway (`local`, `igw-…`, `vgw-…`, `vpce-…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_id: Option<String>,
    /// NAT gateway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nat_gateway_id: Option<String>,
    /// ENI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_interface_id: Option<String>,
    /// Origin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// Transit gateway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transit_gateway_id: Option<String>,
    /// Peering connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_peering_connection_id: Option<String>,
    /// State.
    pub state: String,
}

/// `TransitGatewayRouteTableRoute`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TransitGatewayRouteTableRoute {
    /// Destination.
    pub destination_cidr: String,
    /// State.
    pub state: String,
    /// `static` / `propagated`.
    pub route_origin: String,
    /// Attachment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachment_id: Option<String>,
}

/// `AnalysisPacketHeader`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AnalysisPacketHeader {
    /// Destination addresses.
    pub destination_addresses: Vec<String>,
    /// Destination ports.
    pub destination_port_ranges: Vec<PortRange>,
    /// Protocol.
    pub protocol: String,
    /// Source addresses.
    pub source_addresses: Vec<String>,
    /// Source ports.
    pub source_port_ranges: Vec<PortRange>,
}

impl AnalysisPacketHeader {
    /// One packet as a header.
    #[must_use]
    pub fn from_packet(p: &Packet) -> Self {
        AnalysisPacketHeader {
            destination_addresses: vec![render_ip(p.dst)],
            destination_port_ranges: vec![PortRange {
                from: i64::from(p.dport),
                to: i64::from(p.dport),
            }],
            protocol: render_protocol(p.proto),
            source_addresses: vec![render_ip(p.src)],
            source_port_ranges: vec![PortRange {
                from: i64::from(p.sport),
                to: i64::from(p.sport),
            }],
        }
    }
}

/// `PathComponent`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PathComponent {
    /// Position, from 1.
    pub sequence_number: i64,
    /// ACL rule used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acl_rule: Option<AnalysisAclRule>,
    /// The component.
    pub component: AnalysisComponent,
    /// Header after the component.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbound_header: Option<AnalysisPacketHeader>,
    /// Header before the component.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbound_header: Option<AnalysisPacketHeader>,
    /// Route used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route_table_route: Option<AnalysisRouteTableRoute>,
    /// Security group rule used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_group_rule: Option<AnalysisSecurityGroupRule>,
    /// Subnet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet: Option<AnalysisComponent>,
    /// VPC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc: Option<AnalysisComponent>,
    /// Transit gateway route used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transit_gateway_route_table_route: Option<TransitGatewayRouteTableRoute>,
}

/// `Explanation`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Explanation {
    /// The network ACL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acl: Option<AnalysisComponent>,
    /// The deciding ACL rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acl_rule: Option<AnalysisAclRule>,
    /// The blocking component.
    pub component: AnalysisComponent,
    /// `ingress` / `egress`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// Explanation code.
    pub explanation_code: String,
    /// Route table without a route.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route_table: Option<AnalysisComponent>,
    /// Security groups without a matching rule.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_groups: Vec<AnalysisComponent>,
    /// Network interface.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_interface: Option<AnalysisComponent>,
}

/// `NetworkInsightsAnalysis` (the fields an offline analysis can fill).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkInsightsAnalysis {
    /// `succeeded`, or `failed` when the answer is unknown.
    pub status: String,
    /// Why the status is `failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// Assumptions made (defaults chosen for unspecified fields).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning_message: Option<String>,
    /// Whether the destination is reachable and the reply returns.
    pub network_path_found: bool,
    /// Forward path.
    pub forward_path_components: Vec<PathComponent>,
    /// Return path.
    pub return_path_components: Vec<PathComponent>,
    /// Why not.
    pub explanations: Vec<Explanation>,
}

fn comp(id: &str) -> AnalysisComponent {
    AnalysisComponent {
        id: id.to_owned(),
        name: None,
    }
}

/// Render an IP protocol number as AWS does.
#[must_use]
pub fn render_protocol(p: u8) -> String {
    match p {
        6 => "tcp".to_owned(),
        17 => "udp".to_owned(),
        1 => "icmp".to_owned(),
        n => n.to_string(),
    }
}

fn port_range(r: Option<(i64, i64)>) -> Option<PortRange> {
    r.map(|(from, to)| PortRange { from, to })
}

fn acl_rule(h: &crate::walk::AclRuleHit) -> AnalysisAclRule {
    AnalysisAclRule {
        cidr: h.cidr.clone(),
        egress: h.egress,
        port_range: port_range(h.port_range),
        protocol: h.protocol.clone(),
        rule_action: if h.allow {
            "allow".to_owned()
        } else {
            "deny".to_owned()
        },
        rule_number: h.rule_number,
    }
}

fn route(h: &crate::walk::RouteHit) -> AnalysisRouteTableRoute {
    let mut r = AnalysisRouteTableRoute {
        destination_cidr: h.destination_cidr.clone(),
        destination_prefix_list_id: h.prefix_list_id.clone(),
        origin: h.origin.clone(),
        state: h.state.to_owned(),
        ..AnalysisRouteTableRoute::default()
    };
    match &h.target {
        RouteTarget::Local => r.gateway_id = Some("local".to_owned()),
        RouteTarget::InternetGateway(x)
        | RouteTarget::VpnGateway(x)
        | RouteTarget::VpcEndpoint(x)
        | RouteTarget::Other(x) => {
            r.gateway_id = Some(x.clone());
        }
        RouteTarget::EgressOnlyInternetGateway(x) => {
            r.egress_only_internet_gateway_id = Some(x.clone())
        }
        RouteTarget::NatGateway(x) => r.nat_gateway_id = Some(x.clone()),
        RouteTarget::VpcPeeringConnection(x) => r.vpc_peering_connection_id = Some(x.clone()),
        RouteTarget::TransitGateway(x) => r.transit_gateway_id = Some(x.clone()),
        RouteTarget::NetworkInterface(x) => r.network_interface_id = Some(x.clone()),
    }
    r
}

/// Render a walk's steps as path components.
#[must_use]
pub fn render_path(net: &Network, steps: &[Step]) -> Vec<PathComponent> {
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let name = if s.kind == "instance" {
                net.instances.get(&s.id).and_then(|x| x.name.clone())
            } else {
                None
            };
            PathComponent {
                sequence_number: i64::try_from(i + 1).unwrap_or(i64::MAX),
                acl_rule: s.acl_rule.as_ref().map(acl_rule),
                component: AnalysisComponent {
                    id: s.id.clone(),
                    name,
                },
                outbound_header: s.outbound.as_ref().map(AnalysisPacketHeader::from_packet),
                inbound_header: s.inbound.as_ref().map(AnalysisPacketHeader::from_packet),
                route_table_route: s.route.as_ref().map(route),
                security_group_rule: s.sg_rule.as_ref().map(|h| AnalysisSecurityGroupRule {
                    cidr: h.cidr.clone(),
                    direction: if h.egress {
                        "egress".to_owned()
                    } else {
                        "ingress".to_owned()
                    },
                    security_group_id: h.group_id.clone(),
                    port_range: port_range(h.port_range),
                    prefix_list_id: h
                        .prefix_list_id
                        .clone()
                        .or_else(|| h.referenced_group_id.clone()),
                    protocol: h.protocol.clone(),
                }),
                subnet: s.subnet.as_deref().map(comp),
                vpc: s.vpc.as_deref().map(comp),
                transit_gateway_route_table_route: s.tgw_route.as_ref().map(|t| {
                    TransitGatewayRouteTableRoute {
                        destination_cidr: t.destination_cidr.clone(),
                        state: t.state.to_owned(),
                        route_origin: t.route_type.clone(),
                        attachment_id: t.attachment_id.clone(),
                    }
                }),
            }
        })
        .collect()
}

/// Render a block as an explanation.
#[must_use]
pub fn render_explanation(b: &Block) -> Explanation {
    Explanation {
        acl: b.acl_rule.as_ref().map(|r| comp(&r.acl_id)),
        acl_rule: b.acl_rule.as_ref().map(acl_rule),
        component: comp(&b.component),
        direction: b.direction.map(str::to_owned),
        explanation_code: b.code.to_owned(),
        route_table: b.route_table.as_deref().map(comp),
        security_groups: b.security_groups.iter().map(|g| comp(g)).collect(),
        network_interface: (b.kind == "network-interface").then(|| comp(&b.component)),
    }
}

/// One line per step, for text output.
#[must_use]
pub fn render_steps_text(trace: &Trace) -> Vec<String> {
    trace
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut line = format!("{:>3}  {:<28} {}", i + 1, s.kind, s.id);
            if let Some(r) = &s.acl_rule {
                let ports = r
                    .port_range
                    .map(|(a, b)| format!(" ports {a}-{b}"))
                    .unwrap_or_default();
                line.push_str(&format!(
                    "  rule {} {} {} {}{ports}",
                    if r.rule_number == 32767 {
                        "*".to_owned()
                    } else {
                        r.rule_number.to_string()
                    },
                    if r.allow { "allow" } else { "deny" },
                    r.protocol,
                    r.cidr
                ));
            }
            if let Some(r) = &s.sg_rule {
                let peer = r
                    .cidr
                    .clone()
                    .or_else(|| r.prefix_list_id.clone())
                    .or_else(|| r.referenced_group_id.clone())
                    .unwrap_or_default();
                let ports = r
                    .port_range
                    .map(|(a, b)| format!(" ports {a}-{b}"))
                    .unwrap_or_default();
                line.push_str(&format!(
                    "  {} {} {peer}{ports}",
                    if r.egress { "egress" } else { "ingress" },
                    r.protocol
                ));
            }
            if let Some(r) = &s.route {
                let dest = r
                    .destination_cidr
                    .clone()
                    .or_else(|| r.prefix_list_id.clone())
                    .unwrap_or_default();
                line.push_str(&format!("  route {dest} -> {}", target_name(&r.target)));
            }
            if let Some(t) = &s.tgw_route {
                line.push_str(&format!(
                    "  route {} -> {}",
                    t.destination_cidr,
                    t.attachment_id
                        .clone()
                        .unwrap_or_else(|| "blackhole".to_owned())
                ));
            }
            if let (Some(a), Some(b)) = (&s.inbound, &s.outbound) {
                line.push_str(&format!(
                    "  translates {}→{} to {}→{}",
                    render_ip(a.src),
                    render_ip(a.dst),
                    render_ip(b.src),
                    render_ip(b.dst)
                ));
            }
            line
        })
        .collect()
}

/// The name of a route target.
#[must_use]
pub fn target_name(t: &RouteTarget) -> String {
    match t {
        RouteTarget::Local => "local".to_owned(),
        RouteTarget::InternetGateway(x)
        | RouteTarget::EgressOnlyInternetGateway(x)
        | RouteTarget::NatGateway(x)
        | RouteTarget::VpcPeeringConnection(x)
        | RouteTarget::TransitGateway(x)
        | RouteTarget::VpnGateway(x)
        | RouteTarget::VpcEndpoint(x)
        | RouteTarget::NetworkInterface(x)
        | RouteTarget::Other(x) => x.clone(),
    }
}
