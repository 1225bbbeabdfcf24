//! The loader: layouts, diagnostics with file and JSON pointer, recovery, the bundled example
//! account, and the path-request and analysis shapes.

#![expect(clippy::unwrap_used, reason = "test helpers")]

use std::path::{Path, PathBuf};

use perimeter_net::exposure::decide_exposure_report;
use perimeter_net::load::{LoadError, load_snapshot};
use perimeter_net::reach::{
    PathRequest, RequestError, analyze_path, decide_all_pairs, parse_path_request,
};
use serde_json::json;

fn example_account() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/account")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("perimeter-net-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("us-east-1")).unwrap();
    dir
}

/// One row: files to write, then the diagnostics expected as (code, file suffix, pointer).
fn check(name: &str, files: &[(&str, &str)], expected: &[(&str, &str, &str)]) {
    let dir = scratch(name);
    for (f, text) in files {
        std::fs::write(dir.join("us-east-1").join(f), text).unwrap();
    }
    let net = load_snapshot(&dir).unwrap();
    let got: Vec<(String, String, String)> = net
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.code.to_owned(),
                d.file.rsplit('/').next().unwrap_or_default().to_owned(),
                d.pointer.clone(),
            )
        })
        .collect();
    for (code, file, pointer) in expected {
        assert!(
            got.iter()
                .any(|(c, f, p)| c == code && f == file && p == pointer),
            "{name}: expected {code} at {file}#{pointer}, got {got:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn diagnostics_name_file_and_pointer() {
    let vpcs = r#"{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]}"#;
    check(
        "badjson",
        &[
            ("ec2-describe-vpcs.json", vpcs),
            ("ec2-describe-subnets.json", "{\"Subnets\": ["),
        ],
        &[("PERIMETER_NET_BAD_JSON", "ec2-describe-subnets.json", "")],
    );
    check(
        "badcidr",
        &[(
            "ec2-describe-vpcs.json",
            r#"{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/33"}]}"#,
        )],
        &[(
            "PERIMETER_NET_BAD_CIDR",
            "ec2-describe-vpcs.json",
            "/Vpcs/0/CidrBlock",
        )],
    );
    check(
        "missingid",
        &[(
            "ec2-describe-subnets.json",
            r#"{"Subnets": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/24"}]}"#,
        )],
        &[(
            "PERIMETER_NET_MISSING_FIELD",
            "ec2-describe-subnets.json",
            "/Subnets/0",
        )],
    );
    check(
        "badprotocol",
        &[(
            "ec2-describe-security-groups.json",
            r#"{"SecurityGroups": [{"GroupId": "sg-1", "VpcId": "vpc-1", "IpPermissions": [{"IpProtocol": "bogus", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}"#,
        )],
        &[(
            "PERIMETER_NET_BAD_PROTOCOL",
            "ec2-describe-security-groups.json",
            "/SecurityGroups/0/IpPermissions/0/IpProtocol",
        )],
    );
    check(
        "norttable",
        &[
            ("ec2-describe-vpcs.json", vpcs),
            (
                "ec2-describe-subnets.json",
                r#"{"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.0.0/24"}]}"#,
            ),
            ("ec2-describe-route-tables.json", r#"{"RouteTables": []}"#),
        ],
        &[(
            "PERIMETER_NET_NO_ROUTE_TABLE",
            "ec2-describe-subnets.json",
            "/Subnets/0",
        )],
    );
}

#[test]
fn malformed_file_does_not_stop_the_rest() {
    let dir = scratch("recover");
    std::fs::write(
        dir.join("us-east-1/ec2-describe-vpcs.json"),
        r#"{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]}"#,
    )
    .unwrap();
    std::fs::write(dir.join("us-east-1/ec2-describe-subnets.json"), "not json").unwrap();
    // Other services' files are skipped, not parsed.
    std::fs::write(
        dir.join("us-east-1/iam-get-account-authorization-details.json"),
        "{}",
    )
    .unwrap();
    let net = load_snapshot(&dir).unwrap();
    assert_eq!(net.vpcs.len(), 1);
    assert_eq!(net.vpcs.get("vpc-1").unwrap().origin.region, "us-east-1");
    assert_eq!(
        net.diagnostics
            .iter()
            .filter(|d| d.code == "PERIMETER_NET_BAD_JSON")
            .count(),
        1
    );
    assert!(!net.diagnostics.iter().any(|d| d.file.contains("iam-")));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn missing_folder_is_an_error() {
    let err = load_snapshot(Path::new("/nonexistent/perimeter-snapshot")).unwrap_err();
    assert!(matches!(err, LoadError::Folder { .. }));
    assert!(
        err.to_string()
            .starts_with("cannot read snapshot folder `/nonexistent/perimeter-snapshot`")
    );
}

#[test]
fn example_account_has_one_exposed_and_one_private_instance() {
    // examples/account is generated by scripts/make-example-vpc.py: `web` in a public subnet with an
    // Elastic IP and tcp/22 + tcp/443 open to 0.0.0.0/0; `db` in a private subnet.
    let net = load_snapshot(&example_account()).unwrap();
    let web = net
        .instances
        .iter()
        .find(|i| i.name.as_deref() == Some("web"))
        .unwrap();
    let db = net
        .instances
        .iter()
        .find(|i| i.name.as_deref() == Some("db"))
        .unwrap();
    let report = decide_exposure_report(&net);
    assert_eq!(report.findings.len(), 1);
    let f = &report.findings[0];
    assert_eq!(f.instance_id.as_deref(), Some(web.id.as_str()));
    assert_eq!(f.public_ips, ["203.0.113.10"]);
    assert_eq!(f.severity, "CRITICAL");
    assert_eq!(f.exposures.len(), 1);
    let e = &f.exposures[0];
    assert_eq!(e.protocol, "tcp");
    let ports: Vec<(i64, i64)> = e
        .destination_port_ranges
        .iter()
        .map(|p| (p.from, p.to))
        .collect();
    assert_eq!(ports, [(22, 22), (443, 443)]);
    assert_eq!(e.source_addresses, ["0.0.0.0/0"]);
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.instance_id.as_deref() == Some(db.id.as_str()))
    );

    // From the internet to the database: it has no public address, so the path is not found.
    let a = analyze_path(
        &net,
        &PathRequest {
            source: "internet".into(),
            destination: Some(db.id.clone()),
            protocol: Some("tcp".into()),
            destination_port: Some(5432),
            ..PathRequest::default()
        },
    )
    .unwrap();
    assert!(!a.network_path_found);
    // web → db on 5432 is allowed by the db group's reference to the web group.
    let a = analyze_path(
        &net,
        &PathRequest {
            source: web.id.clone(),
            destination: Some(db.id.clone()),
            protocol: Some("tcp".into()),
            destination_port: Some(5432),
            ..PathRequest::default()
        },
    )
    .unwrap();
    assert!(a.network_path_found, "{a:?}");
    let a = analyze_path(
        &net,
        &PathRequest {
            source: web.id.clone(),
            destination: Some(db.id.clone()),
            protocol: Some("tcp".into()),
            destination_port: Some(3306),
            ..PathRequest::default()
        },
    )
    .unwrap();
    assert!(!a.network_path_found);
    assert_eq!(a.explanations[0].explanation_code, "ENI_SG_RULES_MISMATCH");
    assert_eq!(a.explanations[0].direction.as_deref(), Some("ingress"));

    let pairs = decide_all_pairs(&net);
    assert_eq!(pairs.instances.len(), 2);
    assert_eq!(pairs.reachable_pairs, 2);
}

#[test]
fn path_request_shape() {
    // CreateNetworkInsightsPath request fields (botocore ec2 model).
    let req = parse_path_request(&json!({
        "Source": "igw-1", "Destination": "i-1", "Protocol": "tcp", "DestinationPort": 22,
        "FilterAtSource": {"SourceAddress": "198.51.100.7", "SourcePortRange": {"FromPort": 40000, "ToPort": 40000}}
    }))
    .unwrap();
    assert_eq!(req.source, "igw-1");
    assert_eq!(req.destination.as_deref(), Some("i-1"));
    assert_eq!(req.destination_port, Some(22));
    assert_eq!(req.source_ip.as_deref(), Some("198.51.100.7"));
    assert_eq!(req.source_port, Some(40000));
    assert!(matches!(
        parse_path_request(&json!({"Destination": "i-1"})),
        Err(RequestError::Invalid(_))
    ));
    assert!(matches!(
        parse_path_request(&json!({"Source": 3})),
        Err(RequestError::Invalid(_))
    ));
}

#[test]
fn analysis_json_mirrors_the_ec2_model() {
    let net = load_snapshot(&example_account()).unwrap();
    let web = net
        .instances
        .iter()
        .find(|i| i.name.as_deref() == Some("web"))
        .unwrap();
    let a = analyze_path(
        &net,
        &PathRequest {
            source: "internet".into(),
            destination: Some(web.id.clone()),
            protocol: Some("tcp".into()),
            destination_port: Some(22),
            ..PathRequest::default()
        },
    )
    .unwrap();
    let v = serde_json::to_value(&a).unwrap();
    // NetworkInsightsAnalysis members.
    for key in [
        "Status",
        "NetworkPathFound",
        "ForwardPathComponents",
        "ReturnPathComponents",
        "Explanations",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["NetworkPathFound"], json!(true));
    // PathComponent members: SequenceNumber, Component{Id}, AclRule, SecurityGroupRule, RouteTableRoute.
    let fwd = v["ForwardPathComponents"].as_array().unwrap();
    assert_eq!(fwd[0]["SequenceNumber"], json!(1));
    assert!(
        fwd[0]["Component"]["Id"]
            .as_str()
            .unwrap()
            .starts_with("igw-")
    );
    let acl = fwd.iter().find_map(|c| c.get("AclRule")).unwrap();
    for key in ["Cidr", "Egress", "Protocol", "RuleAction", "RuleNumber"] {
        assert!(acl.get(key).is_some(), "AclRule lacks {key}");
    }
    let sg = fwd.iter().find_map(|c| c.get("SecurityGroupRule")).unwrap();
    assert_eq!(sg["Direction"], json!("ingress"));
    assert_eq!(sg["PortRange"], json!({"From": 22, "To": 22}));
    let ret = v["ReturnPathComponents"].as_array().unwrap();
    let route = ret.iter().find_map(|c| c.get("RouteTableRoute")).unwrap();
    assert_eq!(route["DestinationCidr"], json!("0.0.0.0/0"));
    assert!(route["GatewayId"].as_str().unwrap().starts_with("igw-"));
}

#[test]
fn cloudmapper_elbv2_files() {
    // CloudMapper names per-resource calls with the quote_plus-encoded parent ARN.
    let dir = scratch("elbv2");
    let r = dir.join("us-east-1");
    let lb = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/front/abc";
    let tg = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/web/def";
    let quote = |s: &str| s.replace(':', "%3A").replace('/', "%2F");
    std::fs::write(r.join("elbv2-describe-load-balancers.json"), json!({"LoadBalancers": [{"LoadBalancerArn": lb, "LoadBalancerName": "front", "Type": "network", "State": {"Code": "active"}}]}).to_string()).unwrap();
    std::fs::write(
        r.join("elbv2-describe-target-groups.json"),
        json!({"TargetGroups": [{"TargetGroupArn": tg, "TargetType": "instance", "Port": 8080}]})
            .to_string(),
    )
    .unwrap();
    for (d, body) in [
        (
            "elbv2-describe-listeners",
            json!({"Listeners": [{"LoadBalancerArn": lb, "ListenerArn": "l-1", "Port": 443, "Protocol": "TCP", "DefaultActions": [{"Type": "forward", "TargetGroupArn": tg}]}]}),
        ),
        (
            "elbv2-describe-load-balancer-attributes",
            json!({"Attributes": [{"Key": "load_balancing.cross_zone.enabled", "Value": "true"}]}),
        ),
    ] {
        std::fs::create_dir_all(r.join(d)).unwrap();
        std::fs::write(r.join(d).join(quote(lb)), body.to_string()).unwrap();
    }
    std::fs::create_dir_all(r.join("elbv2-describe-target-health")).unwrap();
    std::fs::write(
        r.join("elbv2-describe-target-health").join(quote(tg)),
        json!({"TargetHealthDescriptions": [{"Target": {"Id": "i-1", "Port": 8080}, "TargetHealth": {"State": "healthy"}}]}).to_string(),
    )
    .unwrap();
    let net = load_snapshot(&dir).unwrap();
    let lbv = net.load_balancers.get(lb).unwrap();
    assert!(lbv.listeners_known, "{lbv:?} {:?}", net.diagnostics);
    assert!(lbv.cross_zone);
    assert_eq!(lbv.listeners[0].port, 443);
    assert_eq!(
        net.target_groups.get(tg).unwrap().targets,
        [("i-1".to_owned(), Some(8080), true)]
    );
    let _ = std::fs::remove_dir_all(&dir);
}
