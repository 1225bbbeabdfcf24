//! Hybrid connectivity without the corpora: two VPCs, each with a virtual private gateway and a
//! private Direct Connect virtual interface to the same on-prem router, which routes between them.
//! The expected outcomes follow from AWS's and IOS's rules as docs/vpc-model.md states them.

#![expect(clippy::unwrap_used, reason = "test helpers")]

use perimeter_net::hs::{Packet, parse_ip};
use perimeter_net::lower::{DocumentSource, NetworkBuilder};
use perimeter_net::model::Network;
use perimeter_net::symbolic::Engine;
use perimeter_net::walk::{Disposition, Landing, Start, eval_flow};
use serde_json::json;

const ROUTER: &str = "hostname core1
!
interface Loopback0
 ip address 192.168.255.1 255.255.255.255
interface GigabitEthernet0/0
 ip address 169.254.1.2 255.255.255.252
interface GigabitEthernet0/1
 ip address 169.254.2.2 255.255.255.252
interface GigabitEthernet0/2
 ip address 172.31.0.1 255.255.255.0
!
ip route 192.168.0.0 255.255.0.0 Null0
!
router bgp 65100
 neighbor 169.254.1.1 remote-as 64601
 neighbor 169.254.2.1 remote-as REMOTE_B
 address-family ipv4 unicast
  network 192.168.0.0 mask 255.255.0.0
  network 172.16.0.0 mask 255.240.0.0
 exit-address-family
router ospf 1
 network 172.31.0.0 0.0.0.255 area 0
";

fn vpc(n: u8, vgw_asn: u32) -> Vec<serde_json::Value> {
    let vpc = format!("vpc-{n}");
    let subnet = format!("subnet-{n}");
    let eni = format!("eni-{n}");
    let ip = format!("10.{n}.0.10");
    vec![
        json!({"Vpcs": [{"VpcId": vpc, "CidrBlock": format!("10.{n}.0.0/16")}]}),
        json!({"Subnets": [{"SubnetId": subnet, "VpcId": vpc, "CidrBlock": format!("10.{n}.0.0/24"), "AvailabilityZone": "us-east-1a"}]}),
        json!({"RouteTables": [{"RouteTableId": format!("rtb-{n}"), "VpcId": vpc,
            "Associations": [{"Main": true, "RouteTableId": format!("rtb-{n}")}],
            "Routes": [
                {"DestinationCidrBlock": format!("10.{n}.0.0/16"), "GatewayId": "local", "State": "active"},
                {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": format!("vgw-{n}"), "State": "active"}]}]}),
        json!({"SecurityGroups": [{"GroupId": format!("sg-{n}"), "VpcId": vpc,
            "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
                              {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "192.168.0.0/16"}]}],
            "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}),
        json!({"NetworkInterfaces": [{"NetworkInterfaceId": eni, "SubnetId": subnet, "VpcId": vpc,
            "PrivateIpAddress": ip, "PrivateIpAddresses": [{"Primary": true, "PrivateIpAddress": ip}],
            "Groups": [{"GroupId": format!("sg-{n}")}], "Attachment": {"InstanceId": format!("i-{n}"), "DeviceIndex": 0}}]}),
        json!({"VpnGateways": [{"VpnGatewayId": format!("vgw-{n}"), "State": "available", "AmazonSideAsn": vgw_asn,
            "VpcAttachments": [{"State": "attached", "VpcId": vpc}]}]}),
        json!({"VirtualInterfaces": [{"VirtualInterfaceId": format!("dxvif-{n}"), "VirtualInterfaceType": "private",
            "VirtualGatewayId": format!("vgw-{n}"), "VirtualInterfaceState": "available",
            "BgpPeers": [{"Asn": 65100, "AmazonAddress": format!("169.254.{n}.1/30"), "CustomerAddress": format!("169.254.{n}.2/30"), "BgpPeerState": "available"}]}]}),
    ]
}

fn network(remote_b: &str) -> Network {
    let mut b = NetworkBuilder::new();
    let src = DocumentSource {
        file: "hybrid.json".to_owned(),
        ..DocumentSource::default()
    };
    for d in vpc(1, 64601).into_iter().chain(vpc(2, 64602)) {
        b.add_document(&d, &src);
    }
    b.add_router_config(
        &ROUTER.replace("REMOTE_B", remote_b),
        &DocumentSource {
            file: "configs/core1.cfg".to_owned(),
            ..DocumentSource::default()
        },
    );
    b.finish()
}

fn packet(src: &str, dst: &str, proto: u8, dport: u16) -> Packet {
    Packet {
        src: parse_ip(src).unwrap(),
        dst: parse_ip(dst).unwrap(),
        proto,
        sport: 49152,
        dport,
    }
}

#[test]
fn on_prem_router_routes_between_two_vpcs() {
    let net = network("64602");
    // The router learned both VPCs over BGP and passes each on to the other VGW (eBGP); its
    // 192.168/16 reached both VGWs, 172.16/12 did not (no route for it in the router's table, so
    // IOS does not announce it).
    let codes: Vec<&str> = net.diagnostics.iter().map(|d| d.code).collect();
    assert!(
        codes.contains(&"PERIMETER_NET_BGP_NETWORK_NOT_ANNOUNCED"),
        "{codes:?}"
    );
    assert!(
        codes.contains(&"PERIMETER_NET_IOS_NOT_MODELLED"),
        "{codes:?}"
    ); // router ospf
    assert!(
        !codes.contains(&"PERIMETER_NET_BGP_SESSION_DOWN"),
        "{codes:?}"
    );

    // Instance → router loopback: VGW, the VIF, the router accepts.
    let f = eval_flow(
        &net,
        &Start::Eni("eni-1".to_owned()),
        packet("10.1.0.10", "192.168.255.1", 6, 22),
    );
    assert!(f.established, "{:?}", f.forward.block);
    assert_eq!(f.forward.landing, Landing::Router("core1".to_owned()));
    let ids: Vec<&str> = f.forward.steps.iter().map(|s| s.id.as_str()).collect();
    assert!(ids.ends_with(&["vgw-1", "dxvif-1", "core1"]), "{ids:?}");

    // Another address of 192.168/16: the router's Null0 route discards it.
    let f = eval_flow(
        &net,
        &Start::Eni("eni-1".to_owned()),
        packet("10.1.0.10", "192.168.7.7", 6, 22),
    );
    assert_eq!(f.forward.disposition, Disposition::NullRouted);

    // VPC 1 → VPC 2 through on-prem: out over VIF 1, back in over VIF 2, allowed by sg-2 on tcp/22.
    let f = eval_flow(
        &net,
        &Start::Eni("eni-1".to_owned()),
        packet("10.1.0.10", "10.2.0.10", 6, 22),
    );
    assert!(f.established, "{:?} {:?}", f.forward.block, f.reply);
    assert_eq!(f.forward.landing, Landing::Eni("eni-2".to_owned()));
    let ids: Vec<&str> = f.forward.steps.iter().map(|s| s.id.as_str()).collect();
    for hop in ["vgw-1", "dxvif-1", "core1", "dxvif-2", "vgw-2", "eni-2"] {
        assert!(ids.contains(&hop), "{hop} not in {ids:?}");
    }
    // The symbolic engine follows the same path: exactly tcp/22 (sg-2 admits nothing else from 10/8).
    let mut engine = Engine::new(&net);
    let (e1, e2) = (
        net.network_interfaces.get("eni-1").unwrap(),
        net.network_interfaces.get("eni-2").unwrap(),
    );
    let a = engine.decide_pair(e1, e2);
    assert!(a.unknown.is_empty());
    assert!(a.allowed.contains(&packet("10.1.0.10", "10.2.0.10", 6, 22)));
    assert!(!a.allowed.contains(&packet("10.1.0.10", "10.2.0.10", 6, 23)));
    assert!(
        !a.allowed
            .contains(&packet("10.1.0.10", "10.2.0.10", 17, 22))
    );
    assert_eq!(engine.decide_pair_exists(e1, e2), Some(true));

    // Router ↔ instance in the symbolic engine: sg-2 admits 192.168/16 on every protocol, nothing
    // from 172.31.0.0/24 (the router's other interface); the walker says the same.
    let a = engine.decide_router_pair("core1", e2, true);
    assert!(a.unknown.is_empty());
    for (p, expected) in [
        (packet("192.168.255.1", "10.2.0.10", 17, 53), true),
        (packet("172.31.0.1", "10.2.0.10", 6, 22), false),
    ] {
        assert_eq!(a.allowed.contains(&p), expected, "{p:?}");
        let f = eval_flow(&net, &Start::Router("core1".to_owned()), p);
        assert_eq!(
            f.established && f.forward.landing == Landing::Eni("eni-2".to_owned()),
            expected
        );
    }
    let a = engine.decide_router_pair("core1", e1, false);
    assert!(
        a.allowed
            .contains(&packet("10.1.0.10", "192.168.255.1", 6, 22))
    );
    // From the router: it sends from its loopback by default, and sg-2 admits 192.168/16 entirely.
    let f = eval_flow(
        &net,
        &Start::Router("core1".to_owned()),
        packet("192.168.255.1", "10.2.0.10", 17, 53),
    );
    assert!(f.established, "{:?}", f.forward.block);
    // No route on the router for an address nobody announced.
    let f = eval_flow(
        &net,
        &Start::Router("core1".to_owned()),
        packet("192.168.255.1", "10.9.0.1", 6, 22),
    );
    assert_eq!(f.forward.disposition, Disposition::NoRoute);
}

#[test]
fn wrong_remote_as_keeps_the_session_down() {
    // `remote-as` 64999 is not vgw-2's ASN: no routes either way over VIF 2.
    let net = network("64999");
    assert!(
        net.diagnostics
            .iter()
            .any(|d| d.code == "PERIMETER_NET_BGP_SESSION_DOWN" && d.message.contains("64999"))
    );
    let f = eval_flow(
        &net,
        &Start::Eni("eni-1".to_owned()),
        packet("10.1.0.10", "10.2.0.10", 6, 22),
    );
    // The router never learned VPC 2, so it announced nothing for it to vgw-1: no route there.
    assert_eq!(f.forward.disposition, Disposition::NoRoute);
    assert_eq!(
        f.forward.block.as_ref().map(|b| b.component.as_str()),
        Some("vgw-1")
    );
    // And the router itself has no route to VPC 2.
    let f = eval_flow(
        &net,
        &Start::Router("core1".to_owned()),
        packet("192.168.255.1", "10.2.0.10", 6, 22),
    );
    assert_eq!(f.forward.disposition, Disposition::NoRoute);
    assert_eq!(
        f.forward.block.as_ref().map(|b| b.component.as_str()),
        Some("core1")
    );
    // VPC 2's VGW learned nothing: no route to on-prem.
    let f = eval_flow(
        &net,
        &Start::Eni("eni-2".to_owned()),
        packet("10.2.0.10", "192.168.255.1", 6, 22),
    );
    assert_eq!(f.forward.disposition, Disposition::NoRoute);
    let mut engine = Engine::new(&net);
    let (e1, e2) = (
        net.network_interfaces.get("eni-1").unwrap(),
        net.network_interfaces.get("eni-2").unwrap(),
    );
    assert_eq!(engine.decide_pair_exists(e1, e2), Some(false));
}
