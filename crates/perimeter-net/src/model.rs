//! The VPC model: what the EC2 `describe-*` calls return, lowered to typed values with resolved
//! references. Pure data; built by [`crate::lower`], read by the engines.

use std::collections::HashMap;

use serde::Serialize;

use crate::hs::{Cidr, IntervalSet, Ip};

/// Where a model object came from: the file, the JSON pointer, account and region.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// File path as given to the loader, or a label for in-memory documents.
    pub file: String,
    /// JSON pointer of the object inside the file.
    pub pointer: String,
    /// Account (from the layout or the `OwnerId`).
    pub account: String,
    /// Region (from the layout).
    pub region: String,
}

/// Diagnostic severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// Input could not be used; part of the analysis is unknown.
    Error,
    /// Input was used with an assumption.
    Warning,
}

/// A problem in the input, with its location. The loader keeps going after every one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Diagnostic {
    /// Severity.
    pub severity: Severity,
    /// Stable code, `PERIMETER_NET_*`.
    pub code: &'static str,
    /// One lowercase line; user input in backticks.
    pub message: String,
    /// File.
    pub file: String,
    /// JSON pointer.
    pub pointer: String,
    /// AWS id of the object concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
}

/// IP protocol selector of a rule: all protocols (`-1`) or one number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// `-1`.
    All,
    /// One IP protocol number.
    Number(u8),
}

impl Protocol {
    /// Parse `-1`, `all`, `tcp`, `udp`, `icmp`, `icmpv6` or a number.
    #[must_use]
    pub fn parse(text: &str) -> Option<Protocol> {
        match text.trim().to_ascii_lowercase().as_str() {
            "-1" | "all" => Some(Protocol::All),
            "tcp" => Some(Protocol::Number(6)),
            "udp" => Some(Protocol::Number(17)),
            "icmp" => Some(Protocol::Number(1)),
            "icmpv6" | "58" => Some(Protocol::Number(58)),
            other => other.parse::<u8>().ok().map(Protocol::Number),
        }
    }

    /// Membership.
    #[must_use]
    pub fn matches(&self, proto: u8) -> bool {
        match self {
            Protocol::All => true,
            Protocol::Number(n) => *n == proto,
        }
    }

    /// As a protocol-dimension set.
    #[must_use]
    pub fn to_set(&self) -> IntervalSet {
        match self {
            Protocol::All => IntervalSet::interval(0, 255),
            Protocol::Number(n) => IntervalSet::point(u128::from(*n)),
        }
    }

    /// As AWS renders it in analysis output (`-1`, `tcp`, `udp`, `icmp` or the number).
    #[must_use]
    pub fn render(&self) -> String {
        match self {
            Protocol::All => "-1".to_owned(),
            Protocol::Number(6) => "tcp".to_owned(),
            Protocol::Number(17) => "udp".to_owned(),
            Protocol::Number(1) => "icmp".to_owned(),
            Protocol::Number(n) => n.to_string(),
        }
    }
}

/// Port (or ICMP type/code) constraints of a rule. Only TCP, UDP, ICMP and ICMPv6 rules have them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PortMatch {
    /// Source-port range (ICMP code), inclusive.
    pub sport: (u16, u16),
    /// Destination-port range (ICMP type), inclusive.
    pub dport: (u16, u16),
}

impl PortMatch {
    /// No constraint.
    pub const ANY: PortMatch = PortMatch {
        sport: (0, 65535),
        dport: (0, 65535),
    };

    /// Whether a packet's ports match.
    #[must_use]
    pub fn matches(&self, sport: u16, dport: u16) -> bool {
        self.sport.0 <= sport
            && sport <= self.sport.1
            && self.dport.0 <= dport
            && dport <= self.dport.1
    }
}

/// The peer of a security group rule (one per rule, as `describe-security-group-rules` lists them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SgPeer {
    /// `CidrIp` / `CidrIpv6`.
    Cidr(Cidr),
    /// `PrefixListId`.
    PrefixList(String),
    /// `UserIdGroupPairs[].GroupId`: the private addresses of the ENIs in that group.
    Group(String),
}

/// One security group rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SgRule {
    /// Egress rule.
    pub egress: bool,
    /// Protocol.
    pub protocol: Protocol,
    /// Ports (ignored for protocols without ports).
    pub ports: PortMatch,
    /// `FromPort`, `ToPort` as written, for reports.
    pub port_range: Option<(i64, i64)>,
    /// Peer.
    pub peer: SgPeer,
    /// JSON pointer of the permission.
    pub pointer: String,
}

/// A security group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityGroup {
    /// `sg-…`.
    pub id: String,
    /// `GroupName`.
    pub name: String,
    /// VPC.
    pub vpc_id: String,
    /// Rules, ingress and egress.
    pub rules: Vec<SgRule>,
    /// Source.
    pub origin: Origin,
}

/// One network ACL entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AclEntry {
    /// `RuleNumber` (32767 is the default `*` rule).
    pub rule_number: i64,
    /// Egress entry.
    pub egress: bool,
    /// Allow or deny.
    pub allow: bool,
    /// Protocol.
    pub protocol: Protocol,
    /// Ports.
    pub ports: PortMatch,
    /// `PortRange` as written.
    pub port_range: Option<(i64, i64)>,
    /// `CidrBlock` or `Ipv6CidrBlock`: the source for ingress, the destination for egress.
    pub cidr: Cidr,
}

/// A network ACL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkAcl {
    /// `acl-…`.
    pub id: String,
    /// VPC.
    pub vpc_id: String,
    /// `IsDefault`.
    pub is_default: bool,
    /// Entries sorted by rule number (ties keep file order).
    pub entries: Vec<AclEntry>,
    /// Subnets associated explicitly.
    pub subnet_ids: Vec<String>,
    /// Source.
    pub origin: Origin,
}

/// The target of a route.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RouteTarget {
    /// `GatewayId: local`.
    Local,
    /// `igw-…`.
    InternetGateway(String),
    /// `eigw-…`.
    EgressOnlyInternetGateway(String),
    /// `nat-…`.
    NatGateway(String),
    /// `pcx-…`.
    VpcPeeringConnection(String),
    /// `tgw-…`.
    TransitGateway(String),
    /// `vgw-…`.
    VpnGateway(String),
    /// `vpce-…` (gateway endpoint).
    VpcEndpoint(String),
    /// `eni-…` or an instance id (middlebox).
    NetworkInterface(String),
    /// A target kind the model does not follow (carrier, local gateway, core network, …).
    Other(String),
}

/// One route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// Destination blocks: one CIDR, or the CIDRs of a prefix list.
    pub destinations: Vec<Cidr>,
    /// `DestinationCidrBlock` / `DestinationIpv6CidrBlock` as written.
    pub destination_cidr: Option<String>,
    /// `DestinationPrefixListId`.
    pub prefix_list_id: Option<String>,
    /// Whether the prefix list could not be resolved (its CIDRs are unknown).
    pub prefix_list_unknown: bool,
    /// Target.
    pub target: RouteTarget,
    /// `State` is `blackhole`.
    pub blackhole: bool,
    /// `Origin`.
    pub origin: Option<String>,
}

/// A route table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteTable {
    /// `rtb-…`.
    pub id: String,
    /// VPC.
    pub vpc_id: String,
    /// Main route table of its VPC.
    pub main: bool,
    /// Explicitly associated subnets.
    pub subnet_ids: Vec<String>,
    /// Routes.
    pub routes: Vec<Route>,
    /// Source.
    pub origin: Origin,
}

/// A VPC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vpc {
    /// `vpc-…`.
    pub id: String,
    /// IPv4 and IPv6 CIDR blocks.
    pub cidrs: Vec<Cidr>,
    /// Owner.
    pub owner: String,
    /// Source.
    pub origin: Origin,
}

/// A subnet with its resolved route table and network ACL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subnet {
    /// `subnet-…`.
    pub id: String,
    /// VPC.
    pub vpc_id: String,
    /// IPv4 and IPv6 CIDR blocks.
    pub cidrs: Vec<Cidr>,
    /// Availability zone.
    pub az: String,
    /// Route table in effect (explicit association, else the VPC's main table); `None` is unknown.
    pub route_table_id: Option<String>,
    /// Network ACL in effect.
    pub acl: AclRef,
    /// Source.
    pub origin: Origin,
}

/// How a subnet's network ACL is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AclRef {
    /// This ACL.
    Acl(String),
    /// The snapshot holds no network ACL data for this region: traffic is not filtered (Batfish does the same).
    NotLoaded,
    /// ACL data is loaded but none applies to this subnet: unknown.
    Missing,
}

/// One private address of an ENI with its public address, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EniAddress {
    /// Private address.
    pub private: Ip,
    /// Public address (auto-assigned or Elastic IP).
    pub public: Option<Ip>,
    /// Primary private address.
    pub primary: bool,
}

/// A network interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkInterface {
    /// `eni-…`.
    pub id: String,
    /// Subnet.
    pub subnet_id: String,
    /// VPC.
    pub vpc_id: String,
    /// IPv4 addresses.
    pub addresses: Vec<EniAddress>,
    /// IPv6 addresses.
    pub ipv6: Vec<Ip>,
    /// Security groups.
    pub groups: Vec<String>,
    /// Attached instance.
    pub instance_id: Option<String>,
    /// `InterfaceType` (`interface`, `nat_gateway`, `vpc_endpoint`, `network_load_balancer`, …).
    pub interface_type: String,
    /// `Description`.
    pub description: String,
    /// `RequesterManaged`.
    pub requester_managed: bool,
    /// Source.
    pub origin: Origin,
}

impl NetworkInterface {
    /// Whether the ENI owns a private address.
    #[must_use]
    pub fn owns(&self, ip: Ip) -> bool {
        self.addresses.iter().any(|a| a.private == ip) || self.ipv6.contains(&ip)
    }

    /// The primary private IPv4 address.
    #[must_use]
    pub fn primary_ip(&self) -> Option<Ip> {
        self.addresses
            .iter()
            .find(|a| a.primary)
            .or_else(|| self.addresses.first())
            .map(|a| a.private)
            .or_else(|| self.ipv6.first().copied())
    }

    /// A load balancer's interface: its listeners decide what it accepts, and they are not modelled.
    #[must_use]
    pub fn is_load_balancer(&self) -> bool {
        matches!(
            self.interface_type.as_str(),
            "network_load_balancer" | "gateway_load_balancer"
        ) || self.description.starts_with("ELB ")
    }

    /// The first public address.
    #[must_use]
    pub fn public_ip(&self) -> Option<Ip> {
        self.addresses.iter().find_map(|a| a.public)
    }
}

/// A running instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    /// `i-…`.
    pub id: String,
    /// ENIs, primary (device index 0) first.
    pub eni_ids: Vec<String>,
    /// `Name` tag.
    pub name: Option<String>,
    /// Source.
    pub origin: Origin,
}

/// An internet gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InternetGateway {
    /// `igw-…`.
    pub id: String,
    /// Attached VPCs (state `available`/`attached`).
    pub vpc_ids: Vec<String>,
    /// Source.
    pub origin: Origin,
}

/// An egress-only internet gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EgressOnlyInternetGateway {
    /// `eigw-…`.
    pub id: String,
    /// Attached VPCs.
    pub vpc_ids: Vec<String>,
}

/// A NAT gateway (state `available`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NatGateway {
    /// `nat-…`.
    pub id: String,
    /// Subnet.
    pub subnet_id: String,
    /// VPC.
    pub vpc_id: String,
    /// `(private, public)` address pairs; public is absent for private NAT gateways.
    pub addresses: Vec<(Ip, Option<Ip>)>,
    /// ENIs.
    pub eni_ids: Vec<String>,
}

/// A VPC endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VpcEndpoint {
    /// `vpce-…`.
    pub id: String,
    /// `Gateway`, `Interface`, `GatewayLoadBalancer`.
    pub endpoint_type: String,
    /// VPC.
    pub vpc_id: String,
    /// Service name.
    pub service_name: String,
    /// Interface endpoint ENIs.
    pub eni_ids: Vec<String>,
}

/// A VPC peering connection (status `active`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VpcPeeringConnection {
    /// `pcx-…`.
    pub id: String,
    /// Requester VPC and its CIDRs.
    pub requester: (String, Vec<Cidr>),
    /// Accepter VPC and its CIDRs.
    pub accepter: (String, Vec<Cidr>),
}

/// A transit gateway attachment as one transit gateway sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TgwAttachment {
    /// `tgw-attach-…`.
    pub id: String,
    /// Transit gateway.
    pub tgw_id: String,
    /// `vpc`, `peering`, `vpn`, `direct-connect-gateway`, …
    pub resource_type: String,
    /// VPC id, peer TGW id, …
    pub resource_id: String,
    /// Associated route table.
    pub route_table_id: Option<String>,
    /// For VPC attachments, the attachment subnets.
    pub subnet_ids: Vec<String>,
}

/// A transit gateway route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TgwRoute {
    /// Destination.
    pub cidr: Cidr,
    /// Target attachment; `None` for blackhole.
    pub attachment_id: Option<String>,
    /// `static` or `propagated`.
    pub route_type: String,
    /// Blackhole.
    pub blackhole: bool,
}

/// A transit gateway route table with static and propagated routes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TgwRouteTable {
    /// `tgw-rtb-…`.
    pub id: String,
    /// Transit gateway.
    pub tgw_id: String,
    /// Routes.
    pub routes: Vec<TgwRoute>,
}

/// A virtual private gateway with the static routes of its VPN connections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VpnGateway {
    /// `vgw-…`.
    pub id: String,
    /// Attached VPCs.
    pub vpc_ids: Vec<String>,
    /// Static routes of its VPN connections (`Routes[].DestinationCidrBlock`).
    pub routes: Vec<Cidr>,
    /// Tunnel outside addresses.
    pub outside_ips: Vec<Ip>,
    /// `AmazonSideAsn`.
    pub amazon_asn: Option<u32>,
    /// Routes learned from on-prem (private VIFs, VPN BGP, VPN static routes with their router).
    pub learned: Vec<OnPremRoute>,
}

/// An on-prem router, read from an IOS configuration ([`crate::ios`]), with the routes it ends up
/// with once BGP with AWS has converged ([`crate::onprem`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CustomerRouter {
    /// `hostname`, else the file name (as Batfish names it).
    pub name: String,
    /// The configuration file.
    pub file: String,
    /// Interfaces.
    pub interfaces: Vec<RouterInterface>,
    /// `ip route` lines.
    pub static_routes: Vec<RouterStaticRoute>,
    /// `router bgp` AS number.
    pub asn: Option<u32>,
    /// BGP neighbors.
    pub neighbors: Vec<BgpNeighbor>,
    /// BGP `network` statements.
    pub networks: Vec<Cidr>,
    /// Route maps: name, communities set by its permit clause, whether it has clauses not read.
    pub route_maps: Vec<(String, Vec<String>, bool)>,
    /// The routing table after BGP with AWS (connected, static, BGP), computed at load time.
    pub rib: Vec<RouterRoute>,
}

impl CustomerRouter {
    /// The addresses of its (not shut down) interfaces.
    pub fn addresses(&self) -> impl Iterator<Item = Ip> + '_ {
        self.interfaces
            .iter()
            .filter(|i| !i.shutdown)
            .filter_map(|i| i.address.map(|(a, _)| a))
    }

    /// Whether an address belongs to one of its (not shut down) interfaces.
    #[must_use]
    pub fn owns(&self, ip: Ip) -> bool {
        self.addresses().any(|a| a == ip)
    }
}

/// A router interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouterInterface {
    /// Name (`GigabitEthernet0/0`).
    pub name: String,
    /// IPv4 address and prefix length.
    pub address: Option<(Ip, u8)>,
    /// `shutdown`.
    pub shutdown: bool,
}

impl RouterInterface {
    /// The block its address is on (the connected route).
    #[must_use]
    pub fn subnet(&self) -> Option<Cidr> {
        self.address
            .and_then(|(a, len)| Cidr::parse(&format!("{}/{len}", crate::hs::render_ip(a))))
    }
}

/// An `ip route` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouterStaticRoute {
    /// Destination.
    pub cidr: Cidr,
    /// Next hop.
    pub next_hop: StaticNextHop,
    /// Line in the configuration.
    pub line: usize,
}

/// The next hop of a static route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StaticNextHop {
    /// `Null0`: discard.
    Null0,
    /// Out of an interface.
    Interface(String),
    /// To an address.
    Address(Ip),
}

/// A BGP neighbor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BgpNeighbor {
    /// Peer address.
    pub address: Ip,
    /// `remote-as`.
    pub remote_as: Option<u32>,
    /// `route-map NAME out`.
    pub route_map_out: Option<String>,
    /// `default-originate`.
    pub default_originate: bool,
}

/// A route of an on-prem router.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouterRoute {
    /// Destination.
    pub cidr: Cidr,
    /// `connected`, `static` or `bgp`.
    pub protocol: &'static str,
    /// Administrative distance (0 connected, 1 static, 20 eBGP).
    pub admin: u8,
    /// Where packets go.
    pub next_hop: RouterHop,
    /// BGP AS path as the router received it (empty for connected and static routes).
    pub as_path: Vec<u32>,
}

/// Where an on-prem router sends a packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouterHop {
    /// Discard (`Null0`).
    Null0,
    /// Onto a connected link or a next hop beyond the router that is not modelled.
    Beyond(String),
    /// Into AWS over a BGP session or a static route through a VPN tunnel or virtual interface.
    Aws(AwsEntry),
}

/// Where traffic from on-prem enters AWS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AwsEntry {
    /// A virtual private gateway (private VIF, or a VPN connection on the VGW).
    VpnGateway {
        /// `vgw-…`.
        vgw_id: String,
        /// The VIF or VPN connection (`dxvif-…`, `vpn-…`).
        via: String,
        /// The Direct Connect gateway in between, if any.
        dxgw_id: Option<String>,
    },
    /// A transit gateway attachment (Direct Connect gateway or VPN attachment).
    TransitGateway {
        /// `tgw-…`.
        tgw_id: String,
        /// `tgw-attach-…`.
        attachment_id: String,
        /// The VIF or VPN connection.
        via: String,
        /// The Direct Connect gateway in between, if any.
        dxgw_id: Option<String>,
    },
}

/// A route AWS learned from on-prem (BGP over a VIF or VPN tunnel, or a VPN static route).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnPremRoute {
    /// Destination.
    pub cidr: Cidr,
    /// The on-prem router, if modelled.
    pub router: Option<String>,
    /// The VIF or VPN connection it was learned over.
    pub via: String,
    /// Preference among routes of the same length (Direct Connect 150/200/300 by community, VPN
    /// static 110, VPN BGP 100).
    pub local_pref: u32,
    /// BGP AS path as AWS received it (empty for static routes); shorter wins at equal preference.
    pub as_path: Vec<u32>,
}

/// A Direct Connect virtual interface (state `available`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VirtualInterface {
    /// `dxvif-…`.
    pub id: String,
    /// `private`, `transit` or `public`.
    pub vif_type: String,
    /// For a private VIF on a VGW.
    pub vgw_id: Option<String>,
    /// For a VIF on a Direct Connect gateway.
    pub dxgw_id: Option<String>,
    /// BGP peers: (Amazon address, customer address, customer ASN).
    pub peers: Vec<(Ip, Option<Ip>, Option<u32>)>,
}

/// A Direct Connect gateway (global) with its associations and what it learned from on-prem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectConnectGateway {
    /// Id (a UUID).
    pub id: String,
    /// `AmazonSideAsn`.
    pub amazon_asn: Option<u32>,
    /// Associations (state `associated`): gateway id, `transitGateway` / `virtualPrivateGateway`,
    /// allowed prefixes (advertised to on-prem).
    pub associations: Vec<(String, String, Vec<Cidr>)>,
    /// Routes learned over its VIFs.
    pub routes: Vec<OnPremRoute>,
}

/// One tunnel of a VPN connection, from its `CustomerGatewayConfiguration`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VpnTunnel {
    /// AWS outside address.
    pub aws_outside: Option<Ip>,
    /// AWS inside address (BGP peer of the customer gateway).
    pub aws_inside: Option<Ip>,
    /// Customer inside address.
    pub customer_inside: Option<Ip>,
    /// AWS-side ASN.
    pub aws_asn: Option<u32>,
}

/// A VPN connection (state `available`) on a VGW or a transit gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VpnConnection {
    /// `vpn-…`.
    pub id: String,
    /// VGW.
    pub vgw_id: Option<String>,
    /// Transit gateway.
    pub tgw_id: Option<String>,
    /// `Options.StaticRoutesOnly`.
    pub static_only: bool,
    /// Tunnels.
    pub tunnels: Vec<VpnTunnel>,
    /// Routes learned over its tunnels (transit gateway VPNs).
    pub routes: Vec<OnPremRoute>,
}

/// A managed prefix list with its entries, or unknown entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrefixList {
    /// `pl-…`.
    pub id: String,
    /// Name.
    pub name: String,
    /// CIDRs; `None` when only the list's header was loaded.
    pub cidrs: Option<Vec<Cidr>>,
}

/// An elastic load balancer (elbv2) with its listeners.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadBalancer {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// `network`, `application` or `gateway`.
    pub lb_type: String,
    /// Security groups (ALB, and NLBs created with groups).
    pub groups: Vec<String>,
    /// Listeners.
    pub listeners: Vec<Listener>,
    /// Whether listener data was loaded (otherwise what it accepts is unknown).
    pub listeners_known: bool,
    /// Cross-zone load balancing (`load_balancing.cross_zone.enabled`; ALBs always).
    pub cross_zone: bool,
}

/// A listener.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listener {
    /// ARN.
    pub arn: String,
    /// Port.
    pub port: u16,
    /// `TCP`, `UDP`, `TCP_UDP`, `TLS`, `HTTP`, `HTTPS`, `GENEVE`.
    pub protocol: String,
    /// Target groups of its forward actions.
    pub target_groups: Vec<String>,
}

impl Listener {
    /// Whether the listener takes this IP protocol.
    #[must_use]
    pub fn takes(&self, proto: u8) -> bool {
        match self.protocol.as_str() {
            "UDP" => proto == 17,
            "TCP_UDP" => proto == 6 || proto == 17,
            "GENEVE" => proto == 17,
            _ => proto == 6,
        }
    }
}

/// A target group with its registered targets and their health.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetGroup {
    /// ARN.
    pub arn: String,
    /// `instance`, `ip`, `lambda`, `alb`.
    pub target_type: String,
    /// Default port.
    pub port: Option<u16>,
    /// `(target id, port, healthy)`.
    pub targets: Vec<(String, Option<u16>, bool)>,
}

/// An id-indexed table.
#[derive(Clone, Debug)]
pub struct Table<T> {
    items: Vec<T>,
    index: HashMap<String, usize>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            items: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<T> Table<T> {
    /// Insert unless the id is taken; returns whether it was inserted.
    pub fn insert(&mut self, id: &str, item: T) -> bool {
        if self.index.contains_key(id) {
            return false;
        }
        self.index.insert(id.to_owned(), self.items.len());
        self.items.push(item);
        true
    }

    /// Lookup by id.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&T> {
        self.index.get(id).and_then(|&i| self.items.get(i))
    }

    /// Mutable lookup by id.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut T> {
        match self.index.get(id) {
            Some(&i) => self.items.get_mut(i),
            None => None,
        }
    }

    /// All items in insertion order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// All items, mutable.
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.items.iter_mut()
    }

    /// Number of items.
    #[must_use]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// The whole network of a snapshot (all accounts and regions).
#[derive(Clone, Debug, Default)]
pub struct Network {
    /// VPCs.
    pub vpcs: Table<Vpc>,
    /// Subnets.
    pub subnets: Table<Subnet>,
    /// Route tables.
    pub route_tables: Table<RouteTable>,
    /// Network ACLs.
    pub network_acls: Table<NetworkAcl>,
    /// Security groups.
    pub security_groups: Table<SecurityGroup>,
    /// Network interfaces.
    pub network_interfaces: Table<NetworkInterface>,
    /// Running instances.
    pub instances: Table<Instance>,
    /// Internet gateways.
    pub internet_gateways: Table<InternetGateway>,
    /// Egress-only internet gateways.
    pub egress_only_internet_gateways: Table<EgressOnlyInternetGateway>,
    /// NAT gateways.
    pub nat_gateways: Table<NatGateway>,
    /// VPC endpoints.
    pub vpc_endpoints: Table<VpcEndpoint>,
    /// Peering connections.
    pub vpc_peering_connections: Table<VpcPeeringConnection>,
    /// Transit gateway attachments, keyed `tgw-id/attachment-id`.
    pub tgw_attachments: Table<TgwAttachment>,
    /// Transit gateway route tables.
    pub tgw_route_tables: Table<TgwRouteTable>,
    /// Virtual private gateways.
    pub vpn_gateways: Table<VpnGateway>,
    /// Prefix lists.
    pub prefix_lists: Table<PrefixList>,
    /// Load balancers, by ARN.
    pub load_balancers: Table<LoadBalancer>,
    /// Target groups, by ARN.
    pub target_groups: Table<TargetGroup>,
    /// VPN connections.
    pub vpn_connections: Table<VpnConnection>,
    /// Direct Connect virtual interfaces.
    pub virtual_interfaces: Table<VirtualInterface>,
    /// Direct Connect gateways.
    pub dx_gateways: Table<DirectConnectGateway>,
    /// On-prem routers read from IOS configurations, by name.
    pub customer_routers: Table<CustomerRouter>,
    /// VPCs whose internet gateways are unknown (no `describe-internet-gateways` data in their folder).
    pub igw_unknown_vpcs: std::collections::HashSet<String>,
    /// Problems found while loading and resolving.
    pub diagnostics: Vec<Diagnostic>,
    /// Derived indexes, built by [`Network::index`].
    pub derived: Derived,
}

/// Indexes derived from the tables.
#[derive(Clone, Debug, Default)]
pub struct Derived {
    /// Public address → (ENI, private address).
    pub public_owner: HashMap<Ip, (String, Ip)>,
    /// (VPC, private address) → ENI.
    pub private_owner: HashMap<(String, Ip), String>,
    /// Security group → private addresses of its member ENIs.
    pub group_members: HashMap<String, IntervalSet>,
    /// VPC → attached internet gateway.
    pub vpc_igw: HashMap<String, String>,
    /// IPv6 address → ENI (IPv6 addresses are reachable from the internet without translation).
    pub v6_owner: HashMap<Ip, String>,
}

impl Network {
    /// The routes learned from on-prem behind a transit gateway attachment to a Direct Connect
    /// gateway or a VPN connection (none when that resource is not in the snapshot); `None` for
    /// other attachments.
    #[must_use]
    pub fn onprem_routes(&self, att: &TgwAttachment) -> Option<&[OnPremRoute]> {
        let routes = match att.resource_type.as_str() {
            "direct-connect-gateway" => self.dx_gateways.get(&att.resource_id).map(|g| &g.routes),
            "vpn" => self
                .vpn_connections
                .get(&att.resource_id)
                .map(|v| &v.routes),
            _ => return None,
        };
        Some(routes.map(Vec::as_slice).unwrap_or_default())
    }

    /// Build the derived indexes. Call after every change to the tables.
    pub fn index(&mut self) {
        let mut d = Derived::default();
        let mut members: HashMap<String, Vec<(u128, u128)>> = HashMap::new();
        for eni in self.network_interfaces.iter() {
            for a in &eni.addresses {
                d.private_owner
                    .insert((eni.vpc_id.clone(), a.private), eni.id.clone());
                if let Some(p) = a.public {
                    d.public_owner.insert(p, (eni.id.clone(), a.private));
                }
            }
            for ip in &eni.ipv6 {
                d.private_owner
                    .insert((eni.vpc_id.clone(), *ip), eni.id.clone());
                d.v6_owner.insert(*ip, eni.id.clone());
            }
            for g in &eni.groups {
                let list = members.entry(g.clone()).or_default();
                list.extend(eni.addresses.iter().map(|a| (a.private, a.private)));
                list.extend(eni.ipv6.iter().map(|ip| (*ip, *ip)));
            }
        }
        for (g, ranges) in members {
            d.group_members.insert(g, IntervalSet::from_ranges(ranges));
        }
        for igw in self.internet_gateways.iter() {
            for v in &igw.vpc_ids {
                d.vpc_igw.insert(v.clone(), igw.id.clone());
            }
        }
        self.derived = d;
    }

    /// The ENI that owns a private address in a VPC.
    #[must_use]
    pub fn eni_by_private(&self, vpc_id: &str, ip: Ip) -> Option<&NetworkInterface> {
        self.derived
            .private_owner
            .get(&(vpc_id.to_owned(), ip))
            .and_then(|id| self.network_interfaces.get(id))
    }

    /// Whether an ENI belongs to a NAT gateway (it accepts only replies to its translations).
    #[must_use]
    pub fn is_nat_eni(&self, eni: &NetworkInterface) -> bool {
        self.nat_gateways.iter().any(|n| {
            n.eni_ids.contains(&eni.id)
                || (n.vpc_id == eni.vpc_id && n.addresses.iter().any(|(pv, _)| eni.owns(*pv)))
        })
    }

    /// The load balancer an ENI belongs to (`Description` is `ELB <type>/<name>/<id>`).
    #[must_use]
    pub fn load_balancer_of(&self, eni: &NetworkInterface) -> Option<&LoadBalancer> {
        let suffix = eni.description.strip_prefix("ELB ")?;
        self.load_balancers
            .iter()
            .find(|lb| lb.arn.ends_with(&format!("loadbalancer/{suffix}")))
    }

    /// The subnet of a VPC whose CIDR holds an address.
    #[must_use]
    pub fn subnet_for(&self, vpc_id: &str, ip: Ip) -> Option<&Subnet> {
        self.subnets
            .iter()
            .find(|s| s.vpc_id == vpc_id && s.cidrs.iter().any(|c| c.contains(ip)))
    }

    /// Whether a VPC's CIDRs hold an address.
    #[must_use]
    pub fn vpc_contains(&self, vpc_id: &str, ip: Ip) -> bool {
        self.vpcs
            .get(vpc_id)
            .is_some_and(|v| v.cidrs.iter().any(|c| c.contains(ip)))
    }

    /// The CIDRs of a prefix list, if known.
    #[must_use]
    pub fn prefix_list_cidrs(&self, id: &str) -> Option<&Vec<Cidr>> {
        self.prefix_lists.get(id).and_then(|p| p.cidrs.as_ref())
    }

    /// The address set a security group rule's peer stands for; `None` when unknown.
    #[must_use]
    pub fn peer_set(&self, peer: &SgPeer) -> Option<std::borrow::Cow<'_, IntervalSet>> {
        use std::borrow::Cow;
        match peer {
            SgPeer::Cidr(c) => Some(Cow::Owned(c.to_set())),
            SgPeer::PrefixList(id) => self.prefix_list_cidrs(id).map(|cs| {
                Cow::Owned(IntervalSet::from_ranges(
                    cs.iter().map(|c| (c.lo, c.hi())).collect(),
                ))
            }),
            SgPeer::Group(g) => {
                self.security_groups.get(g)?;
                static EMPTY: IntervalSet = IntervalSet::EMPTY;
                Some(
                    self.derived
                        .group_members
                        .get(g)
                        .map_or(Cow::Borrowed(&EMPTY), Cow::Borrowed),
                )
            }
        }
    }
}
