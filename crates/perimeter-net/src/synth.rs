//! Synthetic networks for property tests and benchmarks: deterministic, seeded, emitted as the
//! `describe-*` JSON documents the loader reads (so generation also exercises lowering).

use serde_json::{Value, json};

use crate::lower::{DocumentSource, NetworkBuilder};
use crate::model::Network;

/// A small deterministic generator (SplitMix64).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// Seeded generator.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`0` when `n == 0`).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        usize::try_from(self.next_u64() % u64::try_from(n).unwrap_or(1)).unwrap_or(0)
    }

    /// True with probability `pct`/100.
    pub fn chance(&mut self, pct: u64) -> bool {
        self.next_u64() % 100 < pct
    }

    /// One element of a slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }
}

/// Size of a synthetic network.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// VPCs.
    pub vpcs: usize,
    /// Subnets per VPC.
    pub subnets_per_vpc: usize,
    /// Network interfaces (each attached to an instance).
    pub enis: usize,
    /// Security groups.
    pub security_groups: usize,
    /// Rules per security group (ingress and egress together).
    pub rules_per_group: usize,
    /// Network ACLs.
    pub network_acls: usize,
    /// Entries per network ACL.
    pub entries_per_acl: usize,
    /// Route tables.
    pub route_tables: usize,
    /// Percentage of ENIs with a public address.
    pub public_pct: u64,
    /// Add inconsistencies (references to deleted groups) with this percentage per rule.
    pub dangling_pct: u64,
    /// Add a transit gateway (two route tables, propagations, static and blackhole routes) and a
    /// NAT gateway per VPC, with routes to them.
    pub transit: bool,
}

impl Shape {
    /// A small network for property tests.
    #[must_use]
    pub fn small() -> Self {
        Shape {
            vpcs: 2,
            subnets_per_vpc: 3,
            enis: 12,
            security_groups: 6,
            rules_per_group: 6,
            network_acls: 4,
            entries_per_acl: 5,
            route_tables: 4,
            public_pct: 60,
            dangling_pct: 3,
            transit: false,
        }
    }

    /// A small network with a transit gateway and NAT gateways, for property tests.
    #[must_use]
    pub fn small_transit() -> Self {
        Shape {
            vpcs: 4,
            subnets_per_vpc: 3,
            enis: 16,
            network_acls: 4,
            route_tables: 12,
            transit: true,
            dangling_pct: 0,
            ..Shape::small()
        }
    }
}

const PORTS: &[(i64, i64)] = &[
    (22, 22),
    (80, 80),
    (443, 443),
    (3306, 3306),
    (1024, 65535),
    (0, 65535),
    (3389, 3389),
    (8000, 8100),
];
const PROTOS: &[&str] = &["-1", "tcp", "tcp", "tcp", "udp", "icmp", "6", "50"];

fn set(v: &mut Value, key: &str, value: Value) {
    if let Some(o) = v.as_object_mut() {
        o.insert(key.to_owned(), value);
    }
}

fn v4(a: u32) -> String {
    std::net::Ipv4Addr::from(a).to_string()
}

/// Generate a network: returns the `describe-*` documents.
#[must_use]
pub fn generate_documents(seed: u64, shape: &Shape) -> Vec<Value> {
    let mut r = Rng::new(seed);
    let mut vpcs = Vec::new();
    let mut subnets = Vec::new();
    let mut subnet_cidrs: Vec<(String, String, u32)> = Vec::new(); // (subnet, vpc, base)
    let mut igws = Vec::new();
    for v in 0..shape.vpcs {
        let vpc = format!("vpc-{v:08x}");
        let base: u32 = (10 << 24) | (u32::try_from(v).unwrap_or(0) << 16);
        vpcs.push(json!({"VpcId": vpc, "CidrBlock": format!("{}/16", v4(base)), "OwnerId": "111122223333",
            "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": format!("2600:1f18:{v:x}::/56"), "Ipv6CidrBlockState": {"State": "associated"}}]}));
        if v % 3 != 2 || shape.vpcs == 1 {
            igws.push(json!({"InternetGatewayId": format!("igw-{v:08x}"), "Attachments": [{"State": "available", "VpcId": vpc}]}));
        }
        for s in 0..shape.subnets_per_vpc {
            let sb = base | (u32::try_from(s).unwrap_or(0) << 10);
            let id = format!("subnet-{v:04x}{s:04x}");
            subnets.push(json!({"SubnetId": id, "VpcId": vpc, "CidrBlock": format!("{}/22", v4(sb)),
                "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": format!("2600:1f18:{v:x}:{s:x}::/64"), "Ipv6CidrBlockState": {"State": "associated"}}], "AvailabilityZone": format!("us-east-1{}", if s.is_multiple_of(2) { "a" } else { "b" })}));
            subnet_cidrs.push((id, vpc.clone(), sb));
        }
    }
    // Peering between consecutive VPC pairs.
    let mut peerings = Vec::new();
    for v in (0..shape.vpcs.saturating_sub(1)).step_by(2) {
        peerings.push(json!({
            "VpcPeeringConnectionId": format!("pcx-{v:08x}"),
            "Status": {"Code": "active"},
            "RequesterVpcInfo": {"VpcId": format!("vpc-{v:08x}"), "CidrBlock": format!("10.{v}.0.0/16")},
            "AccepterVpcInfo": {"VpcId": format!("vpc-{:08x}", v + 1), "CidrBlock": format!("10.{}.0.0/16", v + 1)},
        }));
    }
    let sg_ids: Vec<String> = (0..shape.security_groups)
        .map(|i| format!("sg-{i:08x}"))
        .collect();
    let cidr_pool = |r: &mut Rng| -> String {
        match r.below(7) {
            0 | 1 => "0.0.0.0/0".to_owned(),
            2 => "10.0.0.0/8".to_owned(),
            3 => format!("10.{}.0.0/16", r.below(shape.vpcs.max(1))),
            4 => format!("{}.{}.0.0/16", 1 + r.below(200), r.below(256)),
            5 => "8.8.8.0/24".to_owned(),
            _ => format!(
                "10.{}.{}.0/24",
                r.below(shape.vpcs.max(1)),
                r.below(shape.subnets_per_vpc.max(1))
            ),
        }
    };
    let mut sgs = Vec::new();
    for (i, id) in sg_ids.iter().enumerate() {
        let vpc = format!("vpc-{:08x}", i % shape.vpcs.max(1));
        let mut ingress = Vec::new();
        let mut egress = Vec::new();
        for _ in 0..shape.rules_per_group {
            let proto = r.pick(PROTOS).copied().unwrap_or("tcp");
            let (from, to) = r.pick(PORTS).copied().unwrap_or((0, 65535));
            let mut perm = json!({"IpProtocol": proto, "IpRanges": [], "UserIdGroupPairs": [], "PrefixListIds": [], "Ipv6Ranges": []});
            if proto != "-1" && proto != "50" {
                set(
                    &mut perm,
                    "FromPort",
                    if proto == "icmp" {
                        json!(-1)
                    } else {
                        json!(from)
                    },
                );
                set(
                    &mut perm,
                    "ToPort",
                    if proto == "icmp" {
                        json!(-1)
                    } else {
                        json!(to)
                    },
                );
            }
            if r.chance(shape.dangling_pct) {
                set(
                    &mut perm,
                    "UserIdGroupPairs",
                    json!([{"GroupId": "sg-deleted0", "UserId": "111122223333"}]),
                );
            } else if r.chance(25) {
                set(
                    &mut perm,
                    "UserIdGroupPairs",
                    json!([{"GroupId": r.pick(&sg_ids).cloned().unwrap_or_default(), "UserId": "111122223333"}]),
                );
            } else if r.chance(20) {
                let c = if r.chance(50) {
                    "::/0"
                } else {
                    "2600:1f18::/32"
                };
                set(&mut perm, "Ipv6Ranges", json!([{"CidrIpv6": c}]));
            } else {
                set(
                    &mut perm,
                    "IpRanges",
                    json!([{"CidrIp": cidr_pool(&mut r)}]),
                );
            }
            if r.chance(50) {
                ingress.push(perm)
            } else {
                egress.push(perm)
            }
        }
        if r.chance(60) {
            egress.push(json!({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}));
        }
        if shape.transit && r.chance(60) {
            // East-west traffic is what the transit networks are for.
            ingress.push(json!({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}], "Ipv6Ranges": [{"CidrIpv6": "2600:1f18::/32"}]}));
        }
        sgs.push(json!({"GroupId": id, "GroupName": format!("g{i}"), "VpcId": vpc, "IpPermissions": ingress, "IpPermissionsEgress": egress}));
    }
    // Network ACLs: one default per VPC plus custom ones associated with random subnets.
    let mut acls = Vec::new();
    let mut acl_of_subnet: Vec<(String, String)> = Vec::new();
    for a in 0..shape.network_acls {
        let vpc_idx = a % shape.vpcs.max(1);
        let vpc = format!("vpc-{vpc_idx:08x}");
        let mut entries = Vec::new();
        for egress in [false, true] {
            for k in 0..shape.entries_per_acl {
                let proto = r.pick(&["-1", "6", "6", "17", "1"]).copied().unwrap_or("6");
                let (from, to) = r.pick(PORTS).copied().unwrap_or((0, 65535));
                let mut e = json!({"RuleNumber": 100 + 10 * k, "Protocol": proto, "RuleAction": if r.chance(75) { "allow" } else { "deny" }, "Egress": egress});
                if r.chance(20) {
                    set(
                        &mut e,
                        "Ipv6CidrBlock",
                        json!(if r.chance(60) {
                            "::/0"
                        } else {
                            "2600:1f18::/32"
                        }),
                    );
                } else {
                    set(&mut e, "CidrBlock", json!(cidr_pool(&mut r)));
                }
                if proto == "6" || proto == "17" {
                    set(&mut e, "PortRange", json!({"From": from, "To": to}));
                }
                if proto == "1" {
                    set(&mut e, "IcmpTypeCode", json!({"Type": -1, "Code": -1}));
                }
                entries.push(e);
            }
            if shape.transit && r.chance(75) {
                // Mostly open ACLs, so that east-west paths through the gateways are often taken.
                entries.push(json!({"RuleNumber": 900, "Protocol": "-1", "RuleAction": "allow", "Egress": egress, "CidrBlock": "0.0.0.0/0"}));
                entries.push(json!({"RuleNumber": 901, "Protocol": "-1", "RuleAction": "allow", "Egress": egress, "Ipv6CidrBlock": "::/0"}));
            }
            entries.push(json!({"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": egress, "CidrBlock": "0.0.0.0/0"}));
        }
        let is_default = a < shape.vpcs;
        let mut assoc = Vec::new();
        if !is_default {
            for (sid, svpc, _) in &subnet_cidrs {
                if *svpc == vpc && r.chance(50) && !acl_of_subnet.iter().any(|(s, _)| s == sid) {
                    assoc.push(json!({"SubnetId": sid, "NetworkAclId": format!("acl-{a:08x}")}));
                    acl_of_subnet.push((sid.clone(), format!("acl-{a:08x}")));
                }
            }
        }
        acls.push(json!({"NetworkAclId": format!("acl-{a:08x}"), "VpcId": vpc, "IsDefault": is_default, "Entries": entries, "Associations": assoc}));
    }
    // Route tables: a main one per VPC, the rest associated with random subnets.
    let mut rts = Vec::new();
    let mut rt_assigned: Vec<String> = Vec::new();
    for t in 0..shape.route_tables.max(shape.vpcs) {
        let vpc_idx = t % shape.vpcs.max(1);
        let vpc = format!("vpc-{vpc_idx:08x}");
        let mut routes = vec![
            json!({"DestinationCidrBlock": format!("10.{vpc_idx}.0.0/16"), "GatewayId": "local", "State": "active", "Origin": "CreateRouteTable"}),
            json!({"DestinationIpv6CidrBlock": format!("2600:1f18:{vpc_idx:x}::/56"), "GatewayId": "local", "State": "active", "Origin": "CreateRouteTable"}),
        ];
        if vpc_idx % 3 != 2 && r.chance(80) {
            routes.push(json!({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": format!("igw-{vpc_idx:08x}"), "State": "active", "Origin": "CreateRoute"}));
            if r.chance(70) {
                routes.push(json!({"DestinationIpv6CidrBlock": "::/0", "GatewayId": format!("igw-{vpc_idx:08x}"), "State": "active", "Origin": "CreateRoute"}));
            }
        }
        if r.chance(30) {
            routes.push(json!({"DestinationCidrBlock": format!("{}.0.0.0/8", 1 + r.below(100)), "GatewayId": format!("igw-{vpc_idx:08x}"), "State": "blackhole", "Origin": "CreateRoute"}));
        }
        let peer = if vpc_idx.is_multiple_of(2) {
            vpc_idx + 1
        } else {
            vpc_idx.saturating_sub(1)
        };
        if peer < shape.vpcs && peer != vpc_idx && r.chance(70) {
            let pcx = format!("pcx-{:08x}", vpc_idx.min(peer));
            routes.push(json!({"DestinationCidrBlock": format!("10.{peer}.0.0/16"), "VpcPeeringConnectionId": pcx, "State": "active", "Origin": "CreateRoute"}));
        }
        if shape.transit {
            if r.chance(45) {
                routes.push(json!({"DestinationCidrBlock": "10.0.0.0/8", "TransitGatewayId": "tgw-00000001", "State": "active", "Origin": "CreateRoute"}));
            }
            if r.chance(20) {
                routes.push(json!({"DestinationIpv6CidrBlock": "2600:1f18::/32", "TransitGatewayId": "tgw-00000001", "State": "active", "Origin": "CreateRoute"}));
            }
            let nat = format!("nat-{vpc_idx:08x}");
            if r.chance(35) {
                // A route more specific than the local one, through the VPC's NAT gateway.
                let k = r.below(shape.subnets_per_vpc.max(1));
                let sb = (10u32 << 24)
                    | (u32::try_from(vpc_idx).unwrap_or(0) << 16)
                    | (u32::try_from(k).unwrap_or(0) << 10);
                routes.push(json!({"DestinationCidrBlock": format!("{}/22", v4(sb)), "NatGatewayId": nat, "State": "active", "Origin": "CreateRoute"}));
            }
            if vpc_idx < 2 && shape.vpcs > 1 && r.chance(35) {
                // The other of the first two VPCs through this VPC's VGW and the on-prem router.
                let other = 1 - vpc_idx;
                routes.push(json!({"DestinationCidrBlock": format!("10.{other}.0.0/16"), "GatewayId": format!("vgw-{vpc_idx:08x}"), "State": "active", "Origin": "CreateRoute"}));
            }
            if r.chance(40) {
                let other = r.below(shape.vpcs.max(1));
                if other != vpc_idx {
                    routes.push(json!({"DestinationCidrBlock": format!("10.{other}.0.0/16"), "NatGatewayId": nat, "State": "active", "Origin": "CreateRoute"}));
                }
            }
        }
        let main = t < shape.vpcs;
        let mut assoc = Vec::new();
        if main {
            assoc.push(json!({"Main": true, "RouteTableId": format!("rtb-{t:08x}")}));
        } else {
            for (sid, svpc, _) in &subnet_cidrs {
                if *svpc == vpc && r.chance(50) && !rt_assigned.contains(sid) {
                    assoc.push(json!({"Main": false, "SubnetId": sid, "RouteTableId": format!("rtb-{t:08x}")}));
                    rt_assigned.push(sid.clone());
                }
            }
        }
        rts.push(json!({"RouteTableId": format!("rtb-{t:08x}"), "VpcId": vpc, "Associations": assoc, "Routes": routes}));
    }
    // ENIs and instances.
    let mut enis = Vec::new();
    let mut reservations = Vec::new();
    let mut used = vec![0u32; subnet_cidrs.len()];
    for e in 0..shape.enis {
        let k = r.below(subnet_cidrs.len());
        let Some((sid, vpc, sb)) = subnet_cidrs.get(k).cloned() else {
            break;
        };
        let Some(slot) = used.get_mut(k) else { break };
        let host = 4 + *slot * 2;
        *slot += 1;
        let ip = v4(sb + (host % 1016));
        let ip2 = v4(sb + ((host + 1) % 1016));
        let vpc_idx = u32::from_str_radix(vpc.trim_start_matches("vpc-"), 16).unwrap_or(0);
        let vpc_groups: Vec<&String> = sg_ids
            .iter()
            .enumerate()
            .filter(|(i, _)| u32::try_from(i % shape.vpcs.max(1)).unwrap_or(0) == vpc_idx)
            .map(|(_, g)| g)
            .collect();
        let n_groups = 1 + r.below(2);
        let mut groups = Vec::new();
        for _ in 0..n_groups {
            if let Some(g) = r.pick(&vpc_groups) {
                groups.push(json!({"GroupId": g, "GroupName": g}));
            }
        }
        let public = r.chance(shape.public_pct);
        let eni_id = format!("eni-{e:08x}");
        let mut primary = json!({"Primary": true, "PrivateIpAddress": ip});
        if public {
            let e32 = u32::try_from(e).unwrap_or(0);
            set(
                &mut primary,
                "Association",
                json!({"PublicIp": v4((54 << 24) | (e32 + 1))}),
            );
        }
        let mut addrs = vec![primary];
        if r.chance(20) {
            addrs.push(json!({"Primary": false, "PrivateIpAddress": ip2}));
        }
        let mut eni = json!({
            "NetworkInterfaceId": eni_id, "SubnetId": sid, "VpcId": vpc, "InterfaceType": "interface",
            "PrivateIpAddress": ip, "PrivateIpAddresses": addrs, "Groups": groups,
            "Attachment": {"InstanceId": format!("i-{e:08x}"), "DeviceIndex": 0}
        });
        if r.chance(30) {
            // subnet-VVVVSSSS → 2600:1f18:V:S::host
            let hex = sid.trim_start_matches("subnet-");
            let (vh, sh) = hex.split_at(hex.len().min(4));
            let vn = u32::from_str_radix(vh, 16).unwrap_or(0);
            let sn = u32::from_str_radix(sh, 16).unwrap_or(0);
            set(
                &mut eni,
                "Ipv6Addresses",
                json!([{"Ipv6Address": format!("2600:1f18:{vn:x}:{sn:x}::{host:x}")}]),
            );
        }
        reservations.push(json!({"Instances": [{"InstanceId": format!("i-{e:08x}"), "State": {"Name": "running"}, "SubnetId": sid, "VpcId": vpc, "PrivateIpAddress": ip, "NetworkInterfaces": [eni.clone()]}]}));
        enis.push(eni);
    }
    let mut docs = Vec::new();
    if shape.transit {
        docs.extend(transit_documents(&mut r, shape, &subnet_cidrs, &mut enis));
    }
    docs.extend([
        json!({"Vpcs": vpcs}),
        json!({"Subnets": subnets}),
        json!({"InternetGateways": igws}),
        json!({"VpcPeeringConnections": peerings}),
        json!({"SecurityGroups": sgs}),
        json!({"NetworkAcls": acls}),
        json!({"RouteTables": rts}),
        json!({"NetworkInterfaces": enis}),
        json!({"Reservations": reservations}),
    ]);
    docs
}

/// The transit gateway and NAT gateway documents of a [`Shape::transit`] network.
fn transit_documents(
    r: &mut Rng,
    shape: &Shape,
    subnet_cidrs: &[(String, String, u32)],
    enis: &mut Vec<Value>,
) -> Vec<Value> {
    let tgw = "tgw-00000001";
    let mut attachments = Vec::new();
    let mut vpc_attachments = Vec::new();
    let mut nats = Vec::new();
    for v in 0..shape.vpcs {
        let vpc = format!("vpc-{v:08x}");
        let att = format!("tgw-attach-{v:08x}");
        let mut a = json!({"TransitGatewayAttachmentId": att, "TransitGatewayId": tgw, "ResourceType": "vpc",
            "ResourceId": vpc, "State": "available"});
        // One VPC's attachment has no route table association.
        if v != 3 {
            set(
                &mut a,
                "Association",
                json!({"State": "associated", "TransitGatewayRouteTableId": format!("tgw-rtb-{:08x}", v % 2)}),
            );
        }
        attachments.push(a);
        // Attachment subnets: zone a only for odd VPCs (zone-b subnets' routes to the TGW drop).
        let mut subnets = vec![format!("subnet-{v:04x}0000")];
        if v % 2 == 0 && shape.subnets_per_vpc > 1 {
            subnets.push(format!("subnet-{v:04x}0001"));
        }
        vpc_attachments.push(json!({"TransitGatewayAttachmentId": att, "TransitGatewayId": tgw, "VpcId": vpc, "State": "available", "SubnetIds": subnets}));
        // A NAT gateway in the first subnet of the VPC, with its interface.
        if let Some((sid, _, sb)) = subnet_cidrs.iter().find(|(_, sv, _)| *sv == vpc) {
            let private = v4(sb + 1015);
            let v32 = u32::try_from(v).unwrap_or(0);
            let public = v4((52 << 24) | (v32 + 1));
            let eni = format!("eni-nat{v:05x}");
            nats.push(json!({"NatGatewayId": format!("nat-{v:08x}"), "State": "available", "SubnetId": sid, "VpcId": vpc,
                "NatGatewayAddresses": [{"PrivateIp": private, "PublicIp": public, "NetworkInterfaceId": eni}]}));
            enis.push(json!({"NetworkInterfaceId": eni, "SubnetId": sid, "VpcId": vpc, "InterfaceType": "nat_gateway",
                "PrivateIpAddress": private, "PrivateIpAddresses": [{"Primary": true, "PrivateIpAddress": private, "Association": {"PublicIp": public}}],
                "Groups": [], "RequesterManaged": true}));
        }
    }
    let mut propagations = Vec::new();
    let mut statics = Vec::new();
    for t in 0..2usize {
        let rtb = format!("tgw-rtb-{t:08x}");
        let props: Vec<Value> = (0..shape.vpcs)
            .filter(|_| r.chance(70))
            .map(|v| json!({"TransitGatewayAttachmentId": format!("tgw-attach-{v:08x}"), "ResourceType": "vpc", "State": "enabled"}))
            .collect();
        propagations.push(json!({"TransitGatewayRouteTableId": rtb, "TransitGatewayRouteTablePropagations": props}));
        let mut routes = Vec::new();
        if r.chance(50) {
            routes.push(json!({"DestinationCidrBlock": format!("10.{}.{}.0/24", r.below(shape.vpcs.max(1)), 4 * r.below(shape.subnets_per_vpc.max(1))), "Type": "static", "State": "blackhole"}));
        }
        if r.chance(60) {
            let v = r.below(shape.vpcs.max(1));
            routes.push(json!({"DestinationCidrBlock": "10.0.0.0/12", "Type": "static", "State": "active",
                "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": format!("tgw-attach-{v:08x}"), "ResourceType": "vpc"}]}));
        }
        statics.push(json!({"TransitGatewayRouteTableId": rtb, "Routes": routes}));
    }
    // The first two VPCs each have a VGW with a private virtual interface to one on-prem router
    // (`ROUTER_CONFIG`), which joins them over BGP.
    let mut vgws = Vec::new();
    let mut vifs = Vec::new();
    for v in 0..shape.vpcs.min(2) {
        vgws.push(json!({"VpnGatewayId": format!("vgw-{v:08x}"), "State": "available", "AmazonSideAsn": 64600 + v,
            "VpcAttachments": [{"State": "attached", "VpcId": format!("vpc-{v:08x}")}]}));
        vifs.push(json!({"VirtualInterfaceId": format!("dxvif-{v:08x}"), "VirtualInterfaceType": "private",
            "VirtualGatewayId": format!("vgw-{v:08x}"), "VirtualInterfaceState": "available",
            "BgpPeers": [{"Asn": 65100, "AmazonAddress": format!("169.254.{v}.1/30"), "CustomerAddress": format!("169.254.{v}.2/30"), "BgpPeerState": "available"}]}));
    }
    vec![
        json!({"VpnGateways": vgws}),
        json!({"VirtualInterfaces": vifs}),
        json!({"TransitGatewayAttachments": attachments}),
        json!({"TransitGatewayVpcAttachments": vpc_attachments}),
        json!({"TransitGatewayRouteTables": [
            {"TransitGatewayRouteTableId": "tgw-rtb-00000000", "TransitGatewayId": tgw, "State": "available"},
            {"TransitGatewayRouteTableId": "tgw-rtb-00000001", "TransitGatewayId": tgw, "State": "available"}]}),
        json!({"TransitGatewayPropagations": propagations}),
        json!({"TransitGatewayStaticRoutes": statics}),
        json!({"NatGateways": nats}),
    ]
}

/// The on-prem router of [`Shape::transit`] networks: BGP with the VGWs of the first two VPCs.
pub const ROUTER_CONFIG: &str = "hostname core
interface Loopback0
 ip address 192.168.255.1 255.255.255.255
interface GigabitEthernet0/0
 ip address 169.254.0.2 255.255.255.252
interface GigabitEthernet0/1
 ip address 169.254.1.2 255.255.255.252
ip route 192.168.0.0 255.255.0.0 Null0
router bgp 65100
 neighbor 169.254.0.1 remote-as 64600
 neighbor 169.254.1.1 remote-as 64601
 network 192.168.0.0 mask 255.255.0.0
";

/// Generate and lower a network.
#[must_use]
pub fn generate_network(seed: u64, shape: &Shape) -> Network {
    let mut b = NetworkBuilder::new();
    let src = DocumentSource {
        file: format!("synthetic/{seed}/network.json"),
        ..DocumentSource::default()
    };
    for d in generate_documents(seed, shape) {
        b.add_document(&d, &src);
    }
    if shape.transit {
        b.add_router_config(
            ROUTER_CONFIG,
            &DocumentSource {
                file: format!("synthetic/{seed}/configs/core.cfg"),
                ..DocumentSource::default()
            },
        );
    }
    b.finish()
}
