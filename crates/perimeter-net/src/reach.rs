//! Path questions, as Reachability Analyzer asks them (`CreateNetworkInsightsPath`), and the
//! all-pairs matrix between instances.

use serde::Serialize;
use serde_json::Value;

use crate::hs::{Cidr, DPORT, HeaderSet, IntervalSet, Ip, PROTO, Packet, SRC, parse_ip, render_ip};
use crate::model::{Network, NetworkInterface};
use crate::report::{NetworkInsightsAnalysis, render_explanation, render_path};
use crate::symbolic::Engine;
use crate::walk::{Disposition, Flow, Landing, Start, eval_flow};

/// A path question (`CreateNetworkInsightsPath` request fields).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathRequest {
    /// `Source`: instance, ENI, internet gateway, `internet`, VPN gateway, VPC endpoint, subnet, VPC, or an address.
    pub source: String,
    /// `Destination`: instance, ENI, internet gateway, `internet`, VPC endpoint, or a CIDR/address.
    pub destination: Option<String>,
    /// `SourceIp` / `FilterAtSource.SourceAddress`.
    pub source_ip: Option<String>,
    /// `DestinationIp` / `FilterAtSource.DestinationAddress`.
    pub destination_ip: Option<String>,
    /// `Protocol` (`tcp`, `udp`, `icmp`, or a number).
    pub protocol: Option<String>,
    /// `DestinationPort` / `FilterAtSource.DestinationPortRange.FromPort`.
    pub destination_port: Option<u16>,
    /// `FilterAtSource.SourcePortRange.FromPort`.
    pub source_port: Option<u16>,
}

/// A question that cannot be answered as asked.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RequestError {
    /// The request JSON is malformed.
    #[error("invalid request: {0}")]
    Invalid(String),
    /// A named resource is not in the snapshot.
    #[error("`{0}` is not in the snapshot")]
    NotFound(String),
}

fn port_from(v: &Value) -> Option<u16> {
    v.as_u64().and_then(|n| u16::try_from(n).ok())
}

/// Parse the `CreateNetworkInsightsPath` request shape (`--cli-input-json`).
///
/// # Errors
/// [`RequestError::Invalid`] when `Source` is missing or a field has the wrong type.
pub fn parse_path_request(v: &Value) -> Result<PathRequest, RequestError> {
    let obj = v
        .as_object()
        .ok_or_else(|| RequestError::Invalid("expected a json object".to_owned()))?;
    let text = |k: &str| -> Result<Option<String>, RequestError> {
        match obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(RequestError::Invalid(format!("`{k}` must be a string"))),
        }
    };
    let source =
        text("Source")?.ok_or_else(|| RequestError::Invalid("`Source` is required".to_owned()))?;
    let mut req = PathRequest {
        source,
        destination: text("Destination")?,
        source_ip: text("SourceIp")?,
        destination_ip: text("DestinationIp")?,
        protocol: text("Protocol")?,
        destination_port: None,
        source_port: None,
    };
    if let Some(p) = obj.get("DestinationPort") {
        req.destination_port = Some(port_from(p).ok_or_else(|| {
            RequestError::Invalid("`DestinationPort` must be a port number".to_owned())
        })?);
    }
    for key in ["FilterAtSource", "FilterAtDestination"] {
        let Some(f) = obj.get(key) else { continue };
        if let Some(a) = f.get("SourceAddress").and_then(Value::as_str) {
            req.source_ip.get_or_insert_with(|| a.to_owned());
        }
        if let Some(a) = f.get("DestinationAddress").and_then(Value::as_str) {
            req.destination_ip.get_or_insert_with(|| a.to_owned());
        }
        if let Some(p) = f
            .get("DestinationPortRange")
            .and_then(|r| r.get("FromPort"))
            .and_then(port_from)
        {
            req.destination_port.get_or_insert(p);
        }
        if let Some(p) = f
            .get("SourcePortRange")
            .and_then(|r| r.get("FromPort"))
            .and_then(port_from)
        {
            req.source_port.get_or_insert(p);
        }
    }
    Ok(req)
}

/// The address a default internet host uses when none is given.
pub const DEFAULT_INTERNET_ADDRESS: &str = "8.8.8.8";

/// The ephemeral source port used when none is given (Batfish's choice too).
pub const DEFAULT_SOURCE_PORT: u16 = 49152;

fn eni_of<'a>(net: &'a Network, id: &str) -> Option<&'a NetworkInterface> {
    if id.starts_with("i-") {
        let inst = net.instances.get(id)?;
        return inst
            .eni_ids
            .first()
            .and_then(|e| net.network_interfaces.get(e));
    }
    if id.starts_with("vpce-") {
        let ep = net.vpc_endpoints.get(id)?;
        return ep
            .eni_ids
            .first()
            .and_then(|e| net.network_interfaces.get(e));
    }
    net.network_interfaces.get(id)
}

enum Dest {
    Eni(String, Ip),
    Endpoint(String, Ip),
    Internet(Ip, Option<String>),
    Address(Ip),
    /// An on-prem router (by name) and one of its addresses.
    Router(String, Ip),
}

/// The address an on-prem router sends from by default: a loopback's, else the first interface's.
fn router_address(r: &crate::model::CustomerRouter) -> Option<Ip> {
    let up = || r.interfaces.iter().filter(|i| !i.shutdown);
    up().find(|i| i.name.to_ascii_lowercase().starts_with("loopback") && i.address.is_some())
        .or_else(|| up().find(|i| i.address.is_some()))
        .and_then(|i| i.address.map(|(a, _)| a))
}

/// Answer one path question.
///
/// # Errors
/// [`RequestError`] when the request names something the snapshot lacks or is malformed.
pub fn analyze_path(
    net: &Network,
    req: &PathRequest,
) -> Result<NetworkInsightsAnalysis, RequestError> {
    let mut warnings: Vec<String> = Vec::new();
    let proto = match req.protocol.as_deref() {
        None => 6,
        Some(p) => match crate::model::Protocol::parse(p) {
            Some(crate::model::Protocol::Number(n)) => n,
            _ => {
                return Err(RequestError::Invalid(format!(
                    "protocol `{p}` must be tcp, udp, icmp or a number"
                )));
            }
        },
    };
    let parse_addr = |t: &str| -> Result<Ip, RequestError> {
        parse_ip(t)
            .or_else(|| Cidr::parse(t).map(|c| c.lo))
            .ok_or_else(|| RequestError::Invalid(format!("`{t}` is not an ip address")))
    };
    // Source.
    let src_text = req.source.as_str();
    let (start, mut src_ip, src_eni) = if src_text == "internet" || src_text.starts_with("igw-") {
        if src_text.starts_with("igw-") && net.internet_gateways.get(src_text).is_none() {
            return Err(RequestError::NotFound(src_text.to_owned()));
        }
        let start = if src_text == "internet" {
            Start::Internet
        } else {
            Start::InternetGateway(src_text.to_owned())
        };
        (
            start,
            req.source_ip.as_deref().map(parse_addr).transpose()?,
            None,
        )
    } else if src_text.starts_with("vgw-") {
        if net.vpn_gateways.get(src_text).is_none() {
            return Err(RequestError::NotFound(src_text.to_owned()));
        }
        (
            Start::VpnGateway(src_text.to_owned()),
            req.source_ip.as_deref().map(parse_addr).transpose()?,
            None,
        )
    } else if let Some(router) = net.customer_routers.get(src_text) {
        // An on-prem router read from its configuration: it sends from its first address
        // (loopbacks first) unless told otherwise.
        let ip = match req.source_ip.as_deref() {
            Some(t) => parse_addr(t)?,
            None => router_address(router).ok_or_else(|| {
                RequestError::Invalid(format!("router `{src_text}` has no address"))
            })?,
        };
        (Start::Router(router.name.clone()), Some(ip), None)
    } else if src_text.starts_with("subnet-") {
        (
            Start::Subnet(src_text.to_owned()),
            req.source_ip.as_deref().map(parse_addr).transpose()?,
            None,
        )
    } else if src_text.starts_with("vpc-") {
        (
            Start::Vpc(src_text.to_owned()),
            req.source_ip.as_deref().map(parse_addr).transpose()?,
            None,
        )
    } else if let Some(eni) = eni_of(net, src_text) {
        let ip = match req.source_ip.as_deref() {
            Some(t) => parse_addr(t)?,
            None => eni
                .primary_ip()
                .ok_or_else(|| RequestError::Invalid(format!("`{src_text}` has no address")))?,
        };
        (Start::Eni(eni.id.clone()), Some(ip), Some(eni))
    } else if let Ok(ip) = parse_addr(src_text) {
        match net
            .derived
            .private_owner
            .iter()
            .find(|((_, a), _)| *a == ip)
            .and_then(|(_, e)| net.network_interfaces.get(e))
        {
            Some(eni) => (Start::Eni(eni.id.clone()), Some(ip), Some(eni)),
            None => (Start::Internet, Some(ip), None),
        }
    } else {
        return Err(RequestError::NotFound(src_text.to_owned()));
    };
    let from_outside = matches!(start, Start::Internet | Start::InternetGateway(_));
    // Destination.
    let dest = match req.destination.as_deref() {
        None => match req.destination_ip.as_deref() {
            Some(t) => Dest::Address(parse_addr(t)?),
            None => {
                return Err(RequestError::Invalid(
                    "a destination or destination address is required".to_owned(),
                ));
            }
        },
        Some("internet") => {
            let ip = match req.destination_ip.as_deref() {
                Some(t) => parse_addr(t)?,
                None => {
                    warnings.push(format!(
                        "destination address not given; used {DEFAULT_INTERNET_ADDRESS}"
                    ));
                    parse_addr(DEFAULT_INTERNET_ADDRESS)?
                }
            };
            Dest::Internet(ip, None)
        }
        Some(d) if d.starts_with("igw-") => {
            if net.internet_gateways.get(d).is_none() {
                return Err(RequestError::NotFound(d.to_owned()));
            }
            let ip = match req.destination_ip.as_deref() {
                Some(t) => parse_addr(t)?,
                None => {
                    warnings.push(format!(
                        "destination address not given; used {DEFAULT_INTERNET_ADDRESS}"
                    ));
                    parse_addr(DEFAULT_INTERNET_ADDRESS)?
                }
            };
            Dest::Internet(ip, Some(d.to_owned()))
        }
        Some(d) => {
            if let Some(eni) = eni_of(net, d) {
                let ip = match req.destination_ip.as_deref() {
                    Some(t) => parse_addr(t)?,
                    None if from_outside => {
                        match eni.public_ip().or_else(|| eni.ipv6.first().copied()) {
                            Some(p) => p,
                            None => {
                                warnings.push(format!(
                                    "`{d}` has no public address; used its private address"
                                ));
                                eni.primary_ip().ok_or_else(|| {
                                    RequestError::Invalid(format!("`{d}` has no address"))
                                })?
                            }
                        }
                    }
                    None => eni
                        .primary_ip()
                        .ok_or_else(|| RequestError::Invalid(format!("`{d}` has no address")))?,
                };
                Dest::Eni(eni.id.clone(), ip)
            } else if let Some(router) = net.customer_routers.get(d) {
                let ip = match req.destination_ip.as_deref() {
                    Some(t) => parse_addr(t)?,
                    None => router_address(router).ok_or_else(|| {
                        RequestError::Invalid(format!("router `{d}` has no address"))
                    })?,
                };
                Dest::Router(router.name.clone(), ip)
            } else if let Some(c) = Cidr::parse(d) {
                let ip = if c.v4 && c.len < 31 || !c.v4 && c.len < 127 {
                    c.lo + 1
                } else {
                    c.lo
                };
                Dest::Address(ip)
            } else if d.starts_with("vpce-") && net.vpc_endpoints.get(d).is_some() {
                // A gateway endpoint: the service's addresses are the CIDRs of the prefix list its
                // routes use.
                let ip = match req.destination_ip.as_deref() {
                    Some(t) => parse_addr(t)?,
                    None => {
                        let cidr = net
                            .route_tables
                            .iter()
                            .flat_map(|rt| rt.routes.iter())
                            .find(|r| {
                                r.target == crate::model::RouteTarget::VpcEndpoint(d.to_owned())
                            })
                            .and_then(|r| r.destinations.first().copied())
                            .ok_or_else(|| {
                                RequestError::Invalid(format!(
                                    "no route uses gateway endpoint `{d}`; give --destination-ip"
                                ))
                            })?;
                        warnings.push(format!("destination address not given; used {} from the endpoint's prefix list", render_ip(cidr.lo + 1)));
                        cidr.lo + 1
                    }
                };
                Dest::Endpoint(d.to_owned(), ip)
            } else {
                return Err(RequestError::NotFound(d.to_owned()));
            }
        }
    };
    let dst_ip = match &dest {
        Dest::Eni(_, ip)
        | Dest::Endpoint(_, ip)
        | Dest::Internet(ip, _)
        | Dest::Address(ip)
        | Dest::Router(_, ip) => *ip,
    };
    // Fill unspecified fields from the symbolic engine's witness, when it has one.
    let mut dport = req.destination_port;
    let mut sport = req.source_port;
    let mut engine = Engine::new(net);
    let witness_set: Option<HeaderSet> = match (&dest, src_eni) {
        (Dest::Eni(d, _), Some(s)) => net
            .network_interfaces
            .get(d)
            .map(|de| engine.decide_pair(s, de).allowed),
        (Dest::Eni(d, _), None) if from_outside => net
            .network_interfaces
            .get(d)
            .map(|de| engine.decide_exposure(de).allowed),
        _ => None,
    };
    if let Some(set) = witness_set {
        let mut set = set
            .restrict(PROTO, &IntervalSet::point(u128::from(proto)))
            .restrict(crate::hs::DST, &IntervalSet::point(dst_ip));
        if let Some(ip) = src_ip {
            set = set.restrict(SRC, &IntervalSet::point(ip));
        } else if let Some(def) = parse_ip(DEFAULT_INTERNET_ADDRESS) {
            let with_default = set.restrict(SRC, &IntervalSet::point(def));
            if !with_default.is_empty() {
                set = with_default;
            }
        }
        if let Some(p) = dport {
            set = set.restrict(DPORT, &IntervalSet::point(u128::from(p)));
        }
        if let Some(p) = sport {
            set = set.restrict(crate::hs::SPORT, &IntervalSet::point(u128::from(p)));
        } else {
            let eph = set.restrict(
                crate::hs::SPORT,
                &IntervalSet::point(u128::from(DEFAULT_SOURCE_PORT)),
            );
            if !eph.is_empty() {
                set = eph;
            }
        }
        if let Some(w) = set.witness() {
            if dport.is_none() {
                warnings.push(format!("destination port not given; analysed port {} (some port the symbolic engine found open)", w.dport));
                dport = Some(w.dport);
            }
            if src_ip.is_none() {
                src_ip = Some(w.src);
            }
            sport.get_or_insert(w.sport);
        }
    }
    let src_ip = match src_ip {
        Some(ip) => ip,
        None => {
            warnings.push(format!(
                "source address not given; used {DEFAULT_INTERNET_ADDRESS}"
            ));
            parse_addr(DEFAULT_INTERNET_ADDRESS)?
        }
    };
    let dport = dport.unwrap_or_else(|| {
        warnings
            .push("destination port not given and no open port found; analysed port 0".to_owned());
        0
    });
    let packet = Packet {
        src: src_ip,
        dst: dst_ip,
        proto,
        sport: sport.unwrap_or(DEFAULT_SOURCE_PORT),
        dport,
    };
    let flow = eval_flow(net, &start, packet);
    let dest_ok = match &dest {
        Dest::Eni(id, _) => {
            // A load balancer passes the connection on to a target.
            flow.forward.landing == Landing::Eni(id.clone())
                || (net
                    .network_interfaces
                    .get(id)
                    .is_some_and(NetworkInterface::is_load_balancer)
                    && flow.forward.disposition == Disposition::Accepted
                    && flow.forward.steps.iter().any(|s| s.id == *id))
        }
        Dest::Internet(_, igw) => {
            flow.forward.landing == Landing::Internet
                && igw
                    .as_ref()
                    .is_none_or(|g| flow.forward.steps.iter().any(|s| s.id == *g))
        }
        Dest::Endpoint(id, _) => flow.forward.landing == Landing::Outside(id.clone()),
        Dest::Router(name, _) => flow.forward.landing == Landing::Router(name.clone()),
        Dest::Address(_) => matches!(
            flow.forward.disposition,
            Disposition::Accepted | Disposition::ExitsNetwork
        ),
    };
    // Reachability Analyzer names every blocking component: pass each security group or network
    // ACL block through and walk again, up to four times.
    let mut extra = Vec::new();
    if !(flow.established && dest_ok) {
        let mut relax: Vec<(String, String)> = Vec::new();
        let mut current = flow.clone();
        for _ in 0..4 {
            let Some(b) = current
                .forward
                .block
                .clone()
                .or_else(|| current.reply.as_ref().and_then(|r| r.block.clone()))
            else {
                break;
            };
            if !matches!(b.code, "SUBNET_ACL_RESTRICTION" | "ENI_SG_RULES_MISMATCH") {
                break;
            }
            relax.push((
                b.component.clone(),
                b.direction.unwrap_or_default().to_owned(),
            ));
            current = crate::walk::eval_flow_relaxed(net, &start, packet, &relax);
            let next = current
                .forward
                .block
                .clone()
                .or_else(|| current.reply.as_ref().and_then(|r| r.block.clone()));
            if let Some(n) = next
                && !relax
                    .iter()
                    .any(|(c, d)| *c == n.component && d == n.direction.unwrap_or_default())
            {
                extra.push(n);
            }
        }
    }
    let mut analysis = render_analysis(net, &flow, dest_ok, warnings);
    analysis
        .explanations
        .extend(extra.iter().map(render_explanation));
    Ok(analysis)
}

/// Build the analysis report from a flow.
#[must_use]
pub fn render_analysis(
    net: &Network,
    flow: &Flow,
    dest_ok: bool,
    warnings: Vec<String>,
) -> NetworkInsightsAnalysis {
    let found = flow.established && dest_ok;
    let mut explanations = Vec::new();
    if let Some(b) = &flow.forward.block {
        explanations.push(render_explanation(b));
    } else if let Some(r) = &flow.reply
        && let Some(b) = &r.block
    {
        explanations.push(render_explanation(b));
    } else if !dest_ok
        && matches!(
            flow.forward.disposition,
            Disposition::Accepted | Disposition::ExitsNetwork
        )
    {
        let last = flow
            .forward
            .steps
            .last()
            .map(|s| s.id.clone())
            .unwrap_or_default();
        explanations.push(render_explanation(&crate::walk::Block {
            code: "NO_POSSIBLE_DESTINATION",
            component: last,
            kind: "",
            direction: None,
            acl_rule: None,
            security_groups: Vec::new(),
            route_table: None,
            message: "the packet reached a different destination".to_owned(),
        }));
    }
    let unknown_block = [Some(&flow.forward), flow.reply.as_ref()]
        .into_iter()
        .flatten()
        .find(|t| t.disposition == Disposition::Unknown)
        .and_then(|t| t.block.as_ref());
    NetworkInsightsAnalysis {
        status: if unknown_block.is_some() {
            "failed".to_owned()
        } else {
            "succeeded".to_owned()
        },
        status_message: unknown_block.map(|b| format!("unknown: {}", b.message)),
        warning_message: if warnings.is_empty() {
            None
        } else {
            Some(warnings.join("; "))
        },
        network_path_found: found,
        forward_path_components: render_path(net, &flow.forward.steps),
        return_path_components: flow
            .reply
            .as_ref()
            .map(|r| render_path(net, &r.steps))
            .unwrap_or_default(),
        explanations,
    }
}

/// One cell of the all-pairs matrix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PairReachability {
    /// Source instance.
    pub source: String,
    /// Destination instance.
    pub destination: String,
    /// `REACHABLE`, `UNREACHABLE` or `UNKNOWN`.
    pub status: String,
}

/// The reachability matrix between every pair of running instances (primary ENIs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AllPairsReport {
    /// Instances, in matrix order.
    pub instances: Vec<String>,
    /// `Matrix[i][j]`: from instance i to instance j (`R` reachable, `-` not, `?` unknown, `.` itself).
    pub matrix: Vec<String>,
    /// Reachable pairs.
    pub reachable_pairs: usize,
    /// Unknown pairs.
    pub unknown_pairs: usize,
}

/// Compute the all-pairs matrix with the symbolic engine: a pair is reachable when some header
/// (any protocol and ports) opens a connection, reply included.
#[must_use]
pub fn decide_all_pairs(net: &Network) -> AllPairsReport {
    let mut engine = Engine::new(net);
    let members: Vec<(String, Option<&NetworkInterface>)> = net
        .instances
        .iter()
        .map(|i| {
            (
                i.id.clone(),
                i.eni_ids
                    .first()
                    .and_then(|e| net.network_interfaces.get(e)),
            )
        })
        .collect();
    let enis: Vec<Option<&NetworkInterface>> = members.iter().map(|(_, e)| *e).collect();
    let cells = engine.decide_pair_matrix(&enis);
    let mut matrix = Vec::with_capacity(members.len());
    let (mut reachable, mut unknown) = (0, 0);
    for (i, row_cells) in cells.iter().enumerate() {
        let mut row = String::with_capacity(members.len());
        for (j, cell) in row_cells.iter().enumerate() {
            row.push(match cell {
                _ if i == j => '.',
                Some(true) => {
                    reachable += 1;
                    'R'
                }
                Some(false) => '-',
                None => {
                    unknown += 1;
                    '?'
                }
            });
        }
        matrix.push(row);
    }
    AllPairsReport {
        instances: members.into_iter().map(|(i, _)| i).collect(),
        matrix,
        reachable_pairs: reachable,
        unknown_pairs: unknown,
    }
}

/// Render an address (re-export for callers).
#[must_use]
pub fn render_address(ip: Ip) -> String {
    render_ip(ip)
}
