//! Scenario tests, the Batfish way: real-shaped `aws ec2 describe-*` JSON, one flow per row, with the
//! expected disposition, the components on the path and the explanation code.
//!
//! Expected values follow the AWS documentation, not the code's output:
//! - NACLs are stateless, evaluated in rule-number order, first match wins, ending in the `*` deny;
//!   replies need their own outbound rule, typically ephemeral ports 1024-65535
//!   (VPC user guide, "Control subnet traffic with network ACLs", "Ephemeral ports");
//! - security groups are stateful allow lists and may reference other groups
//!   (VPC user guide, "Security group rules");
//! - the IGW translates between an instance's public IPv4 address and its private address, and passes
//!   IPv6 unchanged; a NAT gateway translates the source to its own address and accepts only replies;
//!   a gateway endpoint is reached through a prefix-list route (VPC user guide, route tables, NAT
//!   gateways, gateway endpoints);
//! - a peering connection needs routes in both VPCs (VPC peering guide, "Update your route tables");
//! - same-subnet traffic is not filtered by the subnet's NACL (NACLs apply at the subnet boundary);
//! - explanation codes: Reachability Analyzer explanation codes page.

#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::too_many_arguments,
    reason = "test helpers"
)]

use perimeter_net::exposure::decide_exposure_report;
use perimeter_net::hs::{Packet, parse_ip};
use perimeter_net::lower::{DocumentSource, NetworkBuilder};
use perimeter_net::model::Network;
use perimeter_net::symbolic::Engine;
use perimeter_net::walk::{Disposition, Start, eval_flow};
use serde_json::{Value, json};

fn acl_entry(
    n: i64,
    egress: bool,
    proto: &str,
    action: &str,
    cidr: &str,
    ports: Option<(i64, i64)>,
) -> Value {
    let mut e = json!({"RuleNumber": n, "Egress": egress, "Protocol": proto, "RuleAction": action});
    let key = if cidr.contains(':') {
        "Ipv6CidrBlock"
    } else {
        "CidrBlock"
    };
    e[key] = json!(cidr);
    if let Some((a, b)) = ports {
        e["PortRange"] = json!({"From": a, "To": b});
    }
    e
}

fn eni(
    id: &str,
    subnet: &str,
    vpc: &str,
    ip: &str,
    public: Option<&str>,
    v6: Option<&str>,
    groups: &[&str],
    instance: Option<&str>,
    kind: &str,
) -> Value {
    let mut addr = json!({"Primary": true, "PrivateIpAddress": ip});
    if let Some(p) = public {
        addr["Association"] = json!({"PublicIp": p, "IpOwnerId": "amazon"});
    }
    let mut e = json!({
        "NetworkInterfaceId": id, "SubnetId": subnet, "VpcId": vpc, "InterfaceType": kind, "Status": "in-use",
        "PrivateIpAddress": ip, "PrivateIpAddresses": [addr],
        "Groups": groups.iter().map(|g| json!({"GroupId": g, "GroupName": g})).collect::<Vec<_>>(),
        "Ipv6Addresses": v6.map(|a| vec![json!({"Ipv6Address": a})]).unwrap_or_default(),
    });
    if let Some(p) = public {
        e["Association"] = json!({"PublicIp": p});
    }
    if let Some(i) = instance {
        e["Attachment"] = json!({"InstanceId": i, "DeviceIndex": 0, "Status": "attached"});
    }
    e
}

/// Two VPCs: `vpc-1` (public and private subnets, IGW, NAT, egress-only IGW, S3 gateway endpoint,
/// an interface endpoint, a blackhole route) and `vpc-2`, peered with `vpc-1`.
fn documents(peer_route_back: bool, main_route_table: bool) -> Vec<Value> {
    let mut rtb_b_routes = vec![
        json!({"DestinationCidrBlock": "10.1.0.0/16", "GatewayId": "local", "State": "active", "Origin": "CreateRouteTable"}),
    ];
    if peer_route_back {
        rtb_b_routes.push(json!({"DestinationCidrBlock": "10.0.0.0/16", "VpcPeeringConnectionId": "pcx-1", "State": "active", "Origin": "CreateRoute"}));
    }
    vec![
        json!({"Vpcs": [
            {"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "OwnerId": "111122223333",
             "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2600:1f18:1::/56", "Ipv6CidrBlockState": {"State": "associated"}}]},
            {"VpcId": "vpc-2", "CidrBlock": "10.1.0.0/16", "OwnerId": "111122223333"}]}),
        json!({"Subnets": [
            {"SubnetId": "subnet-pub", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24", "AvailabilityZone": "us-east-1a",
             "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2600:1f18:1:1::/64", "Ipv6CidrBlockState": {"State": "associated"}}]},
            {"SubnetId": "subnet-priv", "VpcId": "vpc-1", "CidrBlock": "10.0.2.0/24", "AvailabilityZone": "us-east-1b",
             "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2600:1f18:1:2::/64", "Ipv6CidrBlockState": {"State": "associated"}}]},
            {"SubnetId": "subnet-b", "VpcId": "vpc-2", "CidrBlock": "10.1.1.0/24", "AvailabilityZone": "us-east-1a"}]}),
        json!({"InternetGateways": [{"InternetGatewayId": "igw-1", "Attachments": [{"State": "available", "VpcId": "vpc-1"}]}]}),
        json!({"EgressOnlyInternetGateways": [{"EgressOnlyInternetGatewayId": "eigw-1", "Attachments": [{"State": "attached", "VpcId": "vpc-1"}]}]}),
        json!({"NatGateways": [{"NatGatewayId": "nat-1", "State": "available", "SubnetId": "subnet-pub", "VpcId": "vpc-1",
            "NatGatewayAddresses": [{"PrivateIp": "10.0.1.100", "PublicIp": "198.51.100.100", "NetworkInterfaceId": "eni-nat"}]}]}),
        json!({"VpcPeeringConnections": [{"VpcPeeringConnectionId": "pcx-1", "Status": {"Code": "active"},
            "RequesterVpcInfo": {"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}, "AccepterVpcInfo": {"VpcId": "vpc-2", "CidrBlock": "10.1.0.0/16"}}]}),
        json!({"PrefixLists": [{"PrefixListId": "pl-s3", "PrefixListName": "com.amazonaws.us-east-1.s3", "Cidrs": ["52.216.0.0/15"]}]}),
        json!({"VpcEndpoints": [
            {"VpcEndpointId": "vpce-s3", "VpcEndpointType": "Gateway", "VpcId": "vpc-1", "ServiceName": "com.amazonaws.us-east-1.s3", "State": "available", "RouteTableIds": ["rtb-pub"]},
            {"VpcEndpointId": "vpce-api", "VpcEndpointType": "Interface", "VpcId": "vpc-1", "ServiceName": "com.amazonaws.us-east-1.execute-api", "State": "available", "NetworkInterfaceIds": ["eni-vpce"]}]}),
        json!({"RouteTables": [
            {"RouteTableId": "rtb-pub", "VpcId": "vpc-1", "Associations": [{"Main": false, "SubnetId": "subnet-pub", "AssociationState": {"State": "associated"}}],
             "Routes": [
                {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active", "Origin": "CreateRouteTable"},
                {"DestinationIpv6CidrBlock": "2600:1f18:1::/56", "GatewayId": "local", "State": "active", "Origin": "CreateRouteTable"},
                {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "State": "active", "Origin": "CreateRoute"},
                {"DestinationIpv6CidrBlock": "::/0", "GatewayId": "igw-1", "State": "active", "Origin": "CreateRoute"},
                {"DestinationPrefixListId": "pl-s3", "GatewayId": "vpce-s3", "State": "active", "Origin": "CreateRoute"}]},
            {"RouteTableId": "rtb-priv", "VpcId": "vpc-1", "Associations": [{"Main": main_route_table, "AssociationState": {"State": "associated"}}],
             "Routes": [
                {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active", "Origin": "CreateRouteTable"},
                {"DestinationIpv6CidrBlock": "2600:1f18:1::/56", "GatewayId": "local", "State": "active", "Origin": "CreateRouteTable"},
                {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1", "State": "active", "Origin": "CreateRoute"},
                {"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-1", "State": "active", "Origin": "CreateRoute"},
                {"DestinationCidrBlock": "10.1.0.0/16", "VpcPeeringConnectionId": "pcx-1", "State": "active", "Origin": "CreateRoute"},
                {"DestinationCidrBlock": "192.0.2.0/24", "NatGatewayId": "nat-deleted", "State": "blackhole", "Origin": "CreateRoute"}]},
            {"RouteTableId": "rtb-b", "VpcId": "vpc-2", "Associations": [{"Main": true, "AssociationState": {"State": "associated"}}], "Routes": rtb_b_routes}]}),
        json!({"NetworkAcls": [
            {"NetworkAclId": "acl-pub", "VpcId": "vpc-1", "IsDefault": false, "Associations": [{"SubnetId": "subnet-pub", "NetworkAclId": "acl-pub"}],
             "Entries": [
                acl_entry(90, false, "6", "deny", "203.0.113.0/24", Some((22, 22))),
                acl_entry(100, false, "6", "allow", "0.0.0.0/0", Some((22, 22))),
                acl_entry(110, false, "6", "allow", "0.0.0.0/0", Some((443, 443))),
                acl_entry(111, false, "6", "allow", "::/0", Some((443, 443))),
                acl_entry(120, false, "6", "allow", "0.0.0.0/0", Some((1024, 65535))),
                acl_entry(121, false, "6", "allow", "::/0", Some((1024, 65535))),
                acl_entry(130, false, "-1", "allow", "10.0.0.0/16", None),
                acl_entry(150, false, "6", "allow", "0.0.0.0/0", Some((3389, 3389))),
                acl_entry(32767, false, "-1", "deny", "0.0.0.0/0", None),
                acl_entry(32768, false, "-1", "deny", "::/0", None),
                acl_entry(100, true, "6", "allow", "0.0.0.0/0", Some((1024, 65535))),
                acl_entry(101, true, "6", "allow", "::/0", Some((1024, 65535))),
                acl_entry(110, true, "6", "allow", "0.0.0.0/0", Some((443, 443))),
                acl_entry(111, true, "6", "allow", "::/0", Some((443, 443))),
                acl_entry(120, true, "-1", "allow", "10.0.0.0/16", None),
                acl_entry(32767, true, "-1", "deny", "0.0.0.0/0", None),
                acl_entry(32768, true, "-1", "deny", "::/0", None)]},
            {"NetworkAclId": "acl-default-1", "VpcId": "vpc-1", "IsDefault": true, "Associations": [{"SubnetId": "subnet-priv"}],
             "Entries": [acl_entry(100, false, "-1", "allow", "0.0.0.0/0", None), acl_entry(101, false, "-1", "allow", "::/0", None),
                         acl_entry(100, true, "-1", "allow", "0.0.0.0/0", None), acl_entry(101, true, "-1", "allow", "::/0", None)]},
            {"NetworkAclId": "acl-default-2", "VpcId": "vpc-2", "IsDefault": true, "Associations": [{"SubnetId": "subnet-b"}],
             "Entries": [acl_entry(100, false, "-1", "allow", "0.0.0.0/0", None), acl_entry(100, true, "-1", "allow", "0.0.0.0/0", None)]}]}),
        json!({"SecurityGroups": [
            {"GroupId": "sg-web", "GroupName": "web", "VpcId": "vpc-1",
             "IpPermissions": [
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}],
             "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]},
            {"GroupId": "sg-db", "GroupName": "db", "VpcId": "vpc-1",
             "IpPermissions": [
                {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": "sg-web", "UserId": "111122223333"}]},
                {"IpProtocol": "tcp", "FromPort": 6379, "ToPort": 6379, "UserIdGroupPairs": [{"GroupId": "sg-deleted", "UserId": "111122223333"}]}],
             "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]},
            {"GroupId": "sg-endpoint", "GroupName": "endpoint", "VpcId": "vpc-1",
             "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}],
             "IpPermissionsEgress": []},
            {"GroupId": "sg-peer", "GroupName": "peer", "VpcId": "vpc-2",
             "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}],
             "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}),
        json!({"NetworkInterfaces": [
            eni("eni-web", "subnet-pub", "vpc-1", "10.0.1.10", Some("198.51.100.10"), Some("2600:1f18:1:1::10"), &["sg-web"], Some("i-web"), "interface"),
            eni("eni-db", "subnet-priv", "vpc-1", "10.0.2.20", None, Some("2600:1f18:1:2::20"), &["sg-db"], Some("i-db"), "interface"),
            eni("eni-vpce", "subnet-priv", "vpc-1", "10.0.2.50", None, None, &["sg-endpoint"], None, "vpc_endpoint"),
            eni("eni-nat", "subnet-pub", "vpc-1", "10.0.1.100", Some("198.51.100.100"), None, &[], None, "nat_gateway"),
            eni("eni-peer", "subnet-b", "vpc-2", "10.1.1.30", None, None, &["sg-peer"], Some("i-peer"), "interface")]}),
        json!({"Reservations": [{"Instances": [
            {"InstanceId": "i-web", "State": {"Name": "running"}, "NetworkInterfaces": [{"NetworkInterfaceId": "eni-web", "SubnetId": "subnet-pub", "VpcId": "vpc-1", "Attachment": {"DeviceIndex": 0}}], "Tags": [{"Key": "Name", "Value": "web"}]},
            {"InstanceId": "i-db", "State": {"Name": "running"}, "NetworkInterfaces": [{"NetworkInterfaceId": "eni-db", "SubnetId": "subnet-priv", "VpcId": "vpc-1", "Attachment": {"DeviceIndex": 0}}]},
            {"InstanceId": "i-old", "State": {"Name": "terminated"}, "NetworkInterfaces": []}]}]}),
    ]
}

fn network(peer_route_back: bool, main_route_table: bool) -> Network {
    let mut b = NetworkBuilder::new();
    for (i, d) in documents(peer_route_back, main_route_table)
        .iter()
        .enumerate()
    {
        b.add_document(
            d,
            &DocumentSource {
                file: format!("scenario/{i}.json"),
                ..DocumentSource::default()
            },
        );
    }
    b.finish()
}

struct Row {
    name: &'static str,
    start: Start,
    src: &'static str,
    dst: &'static str,
    proto: u8,
    sport: u16,
    dport: u16,
    /// Forward disposition.
    disposition: Disposition,
    /// Connection established (forward reached and reply came back).
    established: bool,
    /// Components that must appear on the forward path, in order.
    hops: &'static [&'static str],
    /// Explanation code of the forward block, or of the reply block when the forward walk passed.
    code: Option<&'static str>,
    /// ACL rule number of the block, when an ACL blocks.
    acl_rule: Option<i64>,
}

fn eni_start(id: &str) -> Start {
    Start::Eni(id.to_owned())
}

fn check(net: &Network, row: &Row) {
    let p = Packet {
        src: parse_ip(row.src).unwrap(),
        dst: parse_ip(row.dst).unwrap(),
        proto: row.proto,
        sport: row.sport,
        dport: row.dport,
    };
    let flow = eval_flow(net, &row.start, p);
    assert_eq!(
        flow.forward.disposition, row.disposition,
        "{}: forward {:?}",
        row.name, flow.forward
    );
    assert_eq!(
        flow.established, row.established,
        "{}: reply {:?}",
        row.name, flow.reply
    );
    let ids: Vec<&str> = flow.forward.steps.iter().map(|s| s.id.as_str()).collect();
    let mut at = 0;
    for h in row.hops {
        let pos = ids[at..].iter().position(|x| x == h).unwrap_or_else(|| {
            panic!(
                "{}: hop {h} missing after position {at} in {ids:?}",
                row.name
            )
        });
        at += pos + 1;
    }
    let block = flow
        .forward
        .block
        .clone()
        .or_else(|| flow.reply.as_ref().and_then(|r| r.block.clone()));
    assert_eq!(
        block.as_ref().map(|b| b.code),
        row.code,
        "{}: block {block:?}",
        row.name
    );
    assert_eq!(
        block
            .as_ref()
            .and_then(|b| b.acl_rule.as_ref().map(|r| r.rule_number)),
        row.acl_rule,
        "{}",
        row.name
    );
}

#[test]
fn flows() {
    let net = network(false, true);
    let rows = [
        Row {
            name: "ssh from the internet to the web server",
            start: Start::Internet,
            src: "8.8.8.8",
            dst: "198.51.100.10",
            proto: 6,
            sport: 49152,
            dport: 22,
            disposition: Disposition::Accepted,
            established: true,
            hops: &["igw-1", "acl-pub", "sg-web", "eni-web", "i-web"],
            code: None,
            acl_rule: None,
        },
        Row {
            name: "ssh from a denied range hits NACL rule 90",
            start: Start::Internet,
            src: "203.0.113.5",
            dst: "198.51.100.10",
            proto: 6,
            sport: 49152,
            dport: 22,
            disposition: Disposition::DeniedIn,
            established: false,
            hops: &["igw-1"],
            code: Some("SUBNET_ACL_RESTRICTION"),
            acl_rule: Some(90),
        },
        Row {
            name: "reply to a client using source port 80 has no outbound NACL rule",
            start: Start::Internet,
            src: "8.8.8.8",
            dst: "198.51.100.10",
            proto: 6,
            sport: 80,
            dport: 443,
            disposition: Disposition::Accepted,
            established: false,
            hops: &["igw-1", "acl-pub", "sg-web", "eni-web"],
            code: Some("SUBNET_ACL_RESTRICTION"),
            acl_rule: Some(32767),
        },
        Row {
            name: "rdp passes the NACL but no security group rule",
            start: Start::Internet,
            src: "8.8.8.8",
            dst: "198.51.100.10",
            proto: 6,
            sport: 49152,
            dport: 3389,
            disposition: Disposition::DeniedIn,
            established: false,
            hops: &["igw-1", "acl-pub"],
            code: Some("ENI_SG_RULES_MISMATCH"),
            acl_rule: None,
        },
        Row {
            name: "private address from the internet",
            start: Start::Internet,
            src: "8.8.8.8",
            dst: "10.0.2.20",
            proto: 6,
            sport: 49152,
            dport: 5432,
            disposition: Disposition::NullRouted,
            established: false,
            hops: &[],
            code: Some("NO_POSSIBLE_DESTINATION"),
            acl_rule: None,
        },
        Row {
            name: "web to db through a security group reference",
            start: eni_start("eni-web"),
            src: "10.0.1.10",
            dst: "10.0.2.20",
            proto: 6,
            sport: 49152,
            dport: 5432,
            disposition: Disposition::Accepted,
            established: true,
            hops: &[
                "i-web",
                "eni-web",
                "sg-web",
                "acl-pub",
                "rtb-pub",
                "acl-default-1",
                "sg-db",
                "eni-db",
                "i-db",
            ],
            code: None,
            acl_rule: None,
        },
        Row {
            name: "web to db on a port only a deleted group may use",
            start: eni_start("eni-web"),
            src: "10.0.1.10",
            dst: "10.0.2.20",
            proto: 6,
            sport: 49152,
            dport: 6379,
            disposition: Disposition::Unknown,
            established: false,
            hops: &["rtb-pub"],
            code: Some("UNKNOWN_RESOURCE"),
            acl_rule: None,
        },
        Row {
            name: "db to the internet through the NAT gateway",
            start: eni_start("eni-db"),
            src: "10.0.2.20",
            dst: "8.8.8.8",
            proto: 6,
            sport: 49152,
            dport: 443,
            disposition: Disposition::ExitsNetwork,
            established: true,
            hops: &[
                "sg-db",
                "acl-default-1",
                "rtb-priv",
                "acl-pub",
                "nat-1",
                "acl-pub",
                "rtb-pub",
                "igw-1",
            ],
            code: None,
            acl_rule: None,
        },
        Row {
            name: "NAT gateway does not translate ESP",
            start: eni_start("eni-db"),
            src: "10.0.2.20",
            dst: "8.8.8.8",
            proto: 50,
            sport: 0,
            dport: 0,
            disposition: Disposition::DeniedIn,
            established: false,
            hops: &["rtb-priv", "nat-1"],
            code: Some("PROTOCOL_RESTRICTION"),
            acl_rule: None,
        },
        Row {
            name: "unsolicited packet to the NAT gateway's public address",
            start: Start::Internet,
            src: "8.8.8.8",
            dst: "198.51.100.100",
            proto: 6,
            sport: 443,
            dport: 49152,
            disposition: Disposition::DeniedIn,
            established: false,
            hops: &["igw-1", "nat-1"],
            code: Some("NO_POSSIBLE_DESTINATION"),
            acl_rule: None,
        },
        Row {
            name: "blackhole route",
            start: eni_start("eni-db"),
            src: "10.0.2.20",
            dst: "192.0.2.1",
            proto: 6,
            sport: 49152,
            dport: 443,
            disposition: Disposition::NullRouted,
            established: false,
            hops: &["rtb-priv"],
            code: Some("BAD_STATE_ROUTE"),
            acl_rule: None,
        },
        Row {
            name: "S3 through the gateway endpoint's prefix-list route",
            start: eni_start("eni-web"),
            src: "10.0.1.10",
            dst: "52.216.1.1",
            proto: 6,
            sport: 49152,
            dport: 443,
            disposition: Disposition::ExitsNetwork,
            established: true,
            hops: &["rtb-pub", "vpce-s3"],
            code: None,
            acl_rule: None,
        },
        Row {
            name: "interface endpoint is an ENI with its own security group",
            start: eni_start("eni-web"),
            src: "10.0.1.10",
            dst: "10.0.2.50",
            proto: 6,
            sport: 49152,
            dport: 443,
            disposition: Disposition::Accepted,
            established: true,
            hops: &["rtb-pub", "acl-default-1", "sg-endpoint", "eni-vpce"],
            code: None,
            acl_rule: None,
        },
        Row {
            name: "IPv6 from the web server to the internet through the IGW",
            start: eni_start("eni-web"),
            src: "2600:1f18:1:1::10",
            dst: "2001:db8::1",
            proto: 6,
            sport: 49152,
            dport: 443,
            disposition: Disposition::ExitsNetwork,
            established: true,
            hops: &["acl-pub", "rtb-pub", "igw-1"],
            code: None,
            acl_rule: None,
        },
        Row {
            name: "IPv6 from the internet to the web server, no translation",
            start: Start::Internet,
            src: "2001:db8::1",
            dst: "2600:1f18:1:1::10",
            proto: 6,
            sport: 49152,
            dport: 443,
            disposition: Disposition::Accepted,
            established: true,
            hops: &["igw-1", "acl-pub", "sg-web", "eni-web"],
            code: None,
            acl_rule: None,
        },
        Row {
            name: "IPv6 from the private subnet leaves through the egress-only IGW",
            start: eni_start("eni-db"),
            src: "2600:1f18:1:2::20",
            dst: "2606:4700::1111",
            proto: 6,
            sport: 49152,
            dport: 443,
            disposition: Disposition::ExitsNetwork,
            established: true,
            hops: &["rtb-priv", "eigw-1"],
            code: None,
            acl_rule: None,
        },
        Row {
            name: "peering without a route back: forward arrives, reply has no route",
            start: eni_start("eni-db"),
            src: "10.0.2.20",
            dst: "10.1.1.30",
            proto: 6,
            sport: 49152,
            dport: 22,
            disposition: Disposition::Accepted,
            established: false,
            hops: &["rtb-priv", "pcx-1", "acl-default-2", "sg-peer", "eni-peer"],
            code: Some("NO_ROUTE_TO_DESTINATION"),
            acl_rule: None,
        },
        Row {
            name: "to the peer from the public subnet: the outbound NACL has no rule for tcp/22 to 10.1/16",
            start: eni_start("eni-web"),
            src: "10.0.1.10",
            dst: "10.1.1.30",
            proto: 6,
            sport: 49152,
            dport: 22,
            disposition: Disposition::DeniedOut,
            established: false,
            hops: &["sg-web"],
            code: Some("SUBNET_ACL_RESTRICTION"),
            acl_rule: Some(32767),
        },
        Row {
            name: "no route to the peer from the public subnet: 0/0 goes to the IGW, which refuses private destinations",
            start: eni_start("eni-web"),
            src: "10.0.1.10",
            dst: "10.1.1.30",
            proto: 6,
            sport: 49152,
            dport: 443,
            disposition: Disposition::DeniedOut,
            established: false,
            hops: &["acl-pub", "rtb-pub", "igw-1"],
            code: Some("IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS"),
            acl_rule: None,
        },
        Row {
            name: "spoofed source address",
            start: eni_start("eni-web"),
            src: "10.0.1.99",
            dst: "10.0.2.20",
            proto: 6,
            sport: 49152,
            dport: 5432,
            disposition: Disposition::DeniedOut,
            established: false,
            hops: &["eni-web"],
            code: Some("ENI_SOURCE_DEST_CHECK_RESTRICTION"),
            acl_rule: None,
        },
    ];
    for row in &rows {
        check(&net, row);
    }
    // With the route back, the peering connection carries the connection.
    let peered = network(true, true);
    check(
        &peered,
        &Row {
            name: "peering with routes on both sides",
            start: eni_start("eni-db"),
            src: "10.0.2.20",
            dst: "10.1.1.30",
            proto: 6,
            sport: 49152,
            dport: 22,
            disposition: Disposition::Accepted,
            established: true,
            hops: &["rtb-priv", "pcx-1", "sg-peer", "eni-peer"],
            code: None,
            acl_rule: None,
        },
    );
}

#[test]
fn missing_route_table_is_unknown_not_unreachable() {
    // vpc-2 routes back to vpc-1, so only the missing table of subnet-priv stands in the way.
    let net = network(true, false);
    assert!(
        net.diagnostics
            .iter()
            .any(|d| d.code == "PERIMETER_NET_NO_ROUTE_TABLE"
                && d.resource_id.as_deref() == Some("subnet-priv")
                && d.file == "scenario/1.json"
                && d.pointer == "/Subnets/1")
    );
    check(
        &net,
        &Row {
            name: "db without a route table",
            start: eni_start("eni-db"),
            src: "10.0.2.20",
            dst: "10.1.1.30",
            proto: 6,
            sport: 49152,
            dport: 22,
            disposition: Disposition::Unknown,
            established: false,
            hops: &["sg-db", "acl-default-1"],
            code: Some("UNKNOWN_RESOURCE"),
            acl_rule: None,
        },
    );
    // The symbolic engine reports the pair as unknown too, never as unreachable.
    let mut engine = Engine::new(&net);
    let (db, peer) = (
        net.network_interfaces.get("eni-db").unwrap(),
        net.network_interfaces.get("eni-peer").unwrap(),
    );
    assert_eq!(engine.decide_pair_exists(db, peer), None);
}

#[test]
fn deleted_group_reference_is_reported() {
    let net = network(false, true);
    let d = net
        .diagnostics
        .iter()
        .find(|d| d.code == "PERIMETER_NET_UNKNOWN_SECURITY_GROUP")
        .unwrap();
    assert_eq!(d.resource_id.as_deref(), Some("sg-db"));
    assert_eq!(d.pointer, "/SecurityGroups/1/IpPermissions/1");
    assert!(d.message.contains("`sg-deleted`"));
    // Terminated instances are not modelled.
    assert!(net.instances.get("i-old").is_none());
}

#[test]
fn exposure_is_exact() {
    let net = network(false, true);
    let report = decide_exposure_report(&net);
    // Only the web server is exposed; the NAT gateway's address accepts no connection.
    let ids: Vec<&str> = report
        .findings
        .iter()
        .map(|f| f.network_interface_id.as_str())
        .collect();
    assert_eq!(ids, ["eni-web"]);
    let f = &report.findings[0];
    assert_eq!(f.severity, "CRITICAL");
    assert_eq!(f.status, "EXPOSED");
    let summary: Vec<(String, String, String, Option<String>)> = f
        .exposures
        .iter()
        .map(|e| {
            let ports = e
                .destination_port_ranges
                .iter()
                .map(|p| format!("{}-{}", p.from, p.to))
                .collect::<Vec<_>>()
                .join(",");
            let sports = e.source_port_ranges.as_ref().map(|r| {
                r.iter()
                    .map(|p| format!("{}-{}", p.from, p.to))
                    .collect::<Vec<_>>()
                    .join(",")
            });
            (
                e.protocol.clone(),
                ports,
                e.source_address_count.clone(),
                sports,
            )
        })
        .collect();
    // Internet IPv4 space (2^32 minus 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.168/16)
    // is 4,239,261,696 addresses. tcp/22 loses 203.0.113.0/24 (NACL rule 90) and 52.216.0.0/15 (the
    // reply would follow the S3 prefix-list route to the gateway endpoint, not the IGW).
    // Replies leave through outbound rules 100 (1024-65535) and 110 (443), so clients must use one of
    // those source ports.
    let v4_internet: u128 = 4_239_261_696;
    assert!(
        summary.contains(&(
            "tcp".into(),
            "22-22".into(),
            (v4_internet - 256 - 131_072).to_string(),
            Some("443-443,1024-65535".into())
        )),
        "{summary:?}"
    );
    // tcp/443 is open to IPv4 and IPv6 clients alike (rules 110/111 in, 100/101/110/111 out), so one
    // group holds both: the IPv4 internet minus the S3 prefix list, plus the IPv6 internet (all
    // IPv6 except the IPv4-mapped /96, fc00::/7, fe80::/10, ::1 and the VPC's own /56, whose
    // replies follow the local route instead of the IGW).
    let v6_internet: u128 =
        u128::MAX - (1u128 << 32) - (1u128 << 121) - (1u128 << 118) - (1u128 << 72);
    let v4_443 = v4_internet - 131_072;
    assert!(
        summary.contains(&(
            "tcp".into(),
            "443-443".into(),
            (v4_443 + v6_internet).to_string(),
            Some("443-443,1024-65535".into())
        )),
        "{summary:?}"
    );
    assert_eq!(summary.len(), 2, "{summary:?}");
    // The witness path names the rules.
    let hops: Vec<&str> = f
        .forward_path_components
        .iter()
        .map(|c| c.component.id.as_str())
        .collect();
    assert_eq!(hops, ["igw-1", "acl-pub", "sg-web", "eni-web", "i-web"]);
    assert_eq!(
        f.forward_path_components[1]
            .acl_rule
            .as_ref()
            .map(|r| r.rule_number),
        Some(100)
    );
    let ret: Vec<&str> = f
        .return_path_components
        .iter()
        .map(|c| c.component.id.as_str())
        .collect();
    assert_eq!(ret, ["i-web", "eni-web", "acl-pub", "rtb-pub", "igw-1"]);
}

/// The differential check of `engines.rs`, on this richer network (NAT, IPv6, endpoints, peering,
/// a deleted group): random packets from the internet and between interfaces.
#[test]
fn symbolic_agrees_with_walker_on_scenario_network() {
    use perimeter_net::synth::Rng;
    use perimeter_net::walk::Landing;
    for (peer_back, main) in [(false, true), (true, true), (true, false)] {
        let net = network(peer_back, main);
        let mut engine = Engine::new(&net);
        let mut r = Rng::new(7);
        let enis: Vec<_> = net.network_interfaces.iter().collect();
        let sources = [
            "8.8.8.8",
            "203.0.113.9",
            "52.216.3.3",
            "2001:db8::1",
            "2600:1f18:1:9::1",
            "10.0.1.10",
            "198.51.100.100",
        ];
        let ports = [
            0u16, 22, 80, 443, 3389, 5432, 6379, 1023, 1024, 49152, 65535,
        ];
        let protos = [6u8, 6, 17, 1, 0, 50];
        for _ in 0..3_000 {
            let d = *r.pick(&enis).unwrap();
            let mut dsts: Vec<u128> = d.addresses.iter().filter_map(|a| a.public).collect();
            dsts.extend(d.ipv6.iter().copied());
            let (proto, sport, dport) = (
                *r.pick(&protos).unwrap(),
                *r.pick(&ports).unwrap(),
                *r.pick(&ports).unwrap(),
            );
            if let Some(&dst) = r.pick(&dsts) {
                let p = Packet {
                    src: parse_ip(r.pick(&sources).unwrap()).unwrap(),
                    dst,
                    proto,
                    sport,
                    dport,
                };
                let a = engine.decide_exposure(d);
                let flow = eval_flow(&net, &Start::Internet, p);
                let concrete =
                    flow.established && flow.forward.landing == Landing::Eni(d.id.clone());
                if a.allowed.contains(&p) {
                    assert!(
                        concrete,
                        "exposure: symbolic yes, walker no: {p:?} {} {flow:?}",
                        d.id
                    );
                } else if !a.unknown.contains(&p) {
                    assert!(
                        !concrete,
                        "exposure: walker yes, symbolic no: {p:?} {} {flow:?}",
                        d.id
                    );
                }
            }
            let s = *r.pick(&enis).unwrap();
            if s.id == d.id {
                continue;
            }
            let mut sa: Vec<u128> = s.addresses.iter().map(|a| a.private).collect();
            sa.extend(s.ipv6.iter().copied());
            let mut da: Vec<u128> = d.addresses.iter().map(|a| a.private).collect();
            da.extend(d.ipv6.iter().copied());
            let p = Packet {
                src: *r.pick(&sa).unwrap(),
                dst: *r.pick(&da).unwrap(),
                proto,
                sport,
                dport,
            };
            let a = engine.decide_pair(s, d);
            let flow = eval_flow(&net, &Start::Eni(s.id.clone()), p);
            let concrete = flow.established && flow.forward.landing == Landing::Eni(d.id.clone());
            if a.allowed.contains(&p) {
                assert!(
                    concrete,
                    "pair: symbolic yes, walker no: {p:?} {} -> {} {flow:?}",
                    s.id, d.id
                );
            } else if !a.unknown.contains(&p) {
                assert!(
                    !concrete,
                    "pair: walker yes, symbolic no: {p:?} {} -> {} {flow:?}",
                    s.id, d.id
                );
            }
        }
    }
}

#[test]
fn analysis_names_every_blocking_component() {
    use perimeter_net::reach::{PathRequest, analyze_path};
    let net = network(false, true);
    // tcp/25 from the internet: the NACL has no rule for it (rule 120 admits only 1024-65535), and
    // neither has the security group.
    let a = analyze_path(
        &net,
        &PathRequest {
            source: "internet".into(),
            destination: Some("i-web".into()),
            protocol: Some("tcp".into()),
            destination_port: Some(25),
            ..PathRequest::default()
        },
    )
    .unwrap();
    assert!(!a.network_path_found);
    let codes: Vec<(&str, &str)> = a
        .explanations
        .iter()
        .map(|e| (e.explanation_code.as_str(), e.component.id.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            ("SUBNET_ACL_RESTRICTION", "acl-pub"),
            ("ENI_SG_RULES_MISMATCH", "eni-web")
        ]
    );
    assert_eq!(
        a.explanations[0].acl_rule.as_ref().map(|r| r.rule_number),
        Some(32767)
    );
    assert_eq!(
        a.explanations[1]
            .security_groups
            .iter()
            .map(|g| g.id.as_str())
            .collect::<Vec<_>>(),
        ["sg-web"]
    );
    // tcp/22 from the denied range: only the NACL blocks.
    let a = analyze_path(
        &net,
        &PathRequest {
            source: "internet".into(),
            source_ip: Some("203.0.113.5".into()),
            destination: Some("i-web".into()),
            protocol: Some("tcp".into()),
            destination_port: Some(22),
            ..PathRequest::default()
        },
    )
    .unwrap();
    let codes: Vec<&str> = a
        .explanations
        .iter()
        .map(|e| e.explanation_code.as_str())
        .collect();
    assert_eq!(codes, ["SUBNET_ACL_RESTRICTION"]);
    assert_eq!(
        a.explanations[0].acl_rule.as_ref().map(|r| r.rule_number),
        Some(90)
    );
}
