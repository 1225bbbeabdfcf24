//! A small reader for Cisco IOS router configurations: the on-prem side of VPN and Direct Connect
//! connections (Batfish's `configs/` folder next to `aws_configs/`).
//!
//! Only what decides forwarding towards AWS is read: `hostname`, interfaces with their IPv4 address
//! and `shutdown` state, static routes (`ip route`), and `router bgp` with its neighbors
//! (`remote-as`, `activate`, `route-map … out`, `default-originate`), `network` statements, and the
//! `set community` of permit-all route-map clauses. Every other stanza or line becomes a
//! `PERIMETER_NET_IOS_NOT_MODELLED` warning with its line number, never silence: crypto (the IPsec
//! tunnels are assumed up), OSPF and other routing processes, access lists, match clauses, …
//!
//! Pure: text in, [`CustomerRouter`] and diagnostics out.

use crate::hs::{Cidr, Ip, ip_from_v4};
use crate::model::{
    BgpNeighbor, CustomerRouter, Diagnostic, RouterInterface, RouterStaticRoute, Severity,
    StaticNextHop,
};

/// Lines inside an interface that cannot change forwarding in this model (read, no effect).
const INTERFACE_NO_EFFECT: &[&str] = &[
    "description",
    "duplex",
    "speed",
    "media-type",
    "negotiation",
    "no negotiation",
    "ip tcp adjust-mss",
    "ip virtual-reassembly",
    "ip mtu",
    "mtu",
    "no ip proxy-arp",
    "no ip redirects",
    "no ip unreachables",
    "tunnel source",
    "tunnel destination",
    "tunnel mode",
    "tunnel protection",
    "ip ospf network",
];

/// Lines inside `router bgp` with no effect on which routes are exchanged in this model.
const BGP_NO_EFFECT: &[&str] = &[
    "bgp router-id",
    "bgp log-neighbor-changes",
    "exit-address-family",
    "exit",
    "address-family ipv4",
];

/// Top-level lines with no effect on forwarding.
const TOP_NO_EFFECT: &[&str] = &[
    "version",
    "service",
    "boot-start-marker",
    "boot-end-marker",
    "end",
    "exit",
    "ip domain",
    "no ip domain",
    "ip ssh",
    "username",
    "ip community-list",
    "multilink",
    "no ip cef",
    "no ipv6 cef",
    "no ip icmp",
    "ip tcp synwait-time",
    "aaa",
    "line",
    "logging",
    "banner",
];

fn starts(line: &str, prefixes: &[&str]) -> bool {
    prefixes
        .iter()
        .any(|p| line == *p || line.starts_with(&format!("{p} ")))
}

fn mask_len(mask: &str) -> Option<u8> {
    let m: std::net::Ipv4Addr = mask.parse().ok()?;
    let bits = u32::from(m);
    let len = bits.leading_ones();
    (bits.checked_shl(len).unwrap_or(0) == 0).then(|| u8::try_from(len).ok())?
}

fn v4(text: &str) -> Option<Ip> {
    text.parse::<std::net::Ipv4Addr>().ok().map(ip_from_v4)
}

fn cidr(addr: &str, len: u8) -> Option<Cidr> {
    Cidr::parse(&format!("{addr}/{len}"))
}

/// The classful length IOS assumes for `network A` without a mask.
fn classful_len(addr: &str) -> u8 {
    let first = addr
        .split('.')
        .next()
        .and_then(|o| o.parse::<u8>().ok())
        .unwrap_or(0);
    if addr == "0.0.0.0" {
        0
    } else if first < 128 {
        8
    } else if first < 192 {
        16
    } else {
        24
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Block {
    None,
    Interface,
    Bgp,
    RouteMap,
    /// A stanza that was already reported as not modelled: its children are part of it.
    Skipped,
}

struct Parser<'a> {
    file: &'a str,
    diags: Vec<Diagnostic>,
    router: CustomerRouter,
}

impl Parser<'_> {
    fn not_modelled(&mut self, line_no: usize, line: &str, what: &str) {
        self.diags.push(Diagnostic {
            severity: Severity::Warning,
            code: "PERIMETER_NET_IOS_NOT_MODELLED",
            message: format!("`{line}` is not modelled ({what})"),
            file: self.file.to_owned(),
            pointer: format!("line {line_no}"),
            resource_id: Some(self.router.name.clone()),
        });
    }

    fn bad(&mut self, line_no: usize, line: &str) {
        self.diags.push(Diagnostic {
            severity: Severity::Error,
            code: "PERIMETER_NET_IOS_BAD_LINE",
            message: format!("cannot read `{line}`; ignored"),
            file: self.file.to_owned(),
            pointer: format!("line {line_no}"),
            resource_id: Some(self.router.name.clone()),
        });
    }

    fn neighbor(&mut self, ip: Ip) -> &mut BgpNeighbor {
        let pos = match self.router.neighbors.iter().position(|n| n.address == ip) {
            Some(p) => p,
            None => {
                self.router.neighbors.push(BgpNeighbor {
                    address: ip,
                    remote_as: None,
                    route_map_out: None,
                    default_originate: false,
                });
                self.router.neighbors.len() - 1
            }
        };
        #[expect(
            clippy::indexing_slicing,
            reason = "position found above or element pushed above"
        )]
        &mut self.router.neighbors[pos]
    }

    fn top(&mut self, n: usize, line: &str, words: &[&str]) -> Block {
        match words {
            ["hostname", name] => {
                self.router.name = (*name).to_owned();
                Block::None
            }
            ["interface", name] => {
                self.router.interfaces.push(RouterInterface {
                    name: (*name).to_owned(),
                    address: None,
                    shutdown: false,
                });
                Block::Interface
            }
            ["ip", "route", rest @ ..] => {
                self.static_route(n, line, rest);
                Block::None
            }
            ["router", "bgp", asn] => {
                match asn.parse::<u32>() {
                    Ok(a) => self.router.asn = Some(a),
                    Err(_) => self.bad(n, line),
                }
                Block::Bgp
            }
            ["route-map", name, "permit", ..] => {
                self.router
                    .route_maps
                    .push(((*name).to_owned(), Vec::new(), false));
                Block::RouteMap
            }
            _ if starts(line, TOP_NO_EFFECT) => Block::Skipped,
            _ => {
                let what = if line.starts_with("crypto") {
                    "ipsec settings: tunnels are assumed up"
                } else if line.starts_with("router ") {
                    "only bgp is read"
                } else {
                    "no effect on the analysed routes is assumed"
                };
                self.not_modelled(n, line, what);
                Block::Skipped
            }
        }
    }

    fn static_route(&mut self, n: usize, line: &str, rest: &[&str]) {
        let (Some(addr), Some(mask)) = (rest.first(), rest.get(1)) else {
            self.bad(n, line);
            return;
        };
        let Some(c) = mask_len(mask).and_then(|l| cidr(addr, l)) else {
            self.bad(n, line);
            return;
        };
        let hop = match (rest.get(2), rest.get(3)) {
            (Some(h), _) if h.eq_ignore_ascii_case("null0") => StaticNextHop::Null0,
            (Some(h), _) if v4(h).is_some() => StaticNextHop::Address(v4(h).unwrap_or_default()),
            // `ip route A M IFACE NEXT-HOP`: the next hop decides.
            (Some(_), Some(h)) if v4(h).is_some() => {
                StaticNextHop::Address(v4(h).unwrap_or_default())
            }
            (Some(iface), _) => StaticNextHop::Interface((*iface).to_owned()),
            _ => {
                self.bad(n, line);
                return;
            }
        };
        self.router.static_routes.push(RouterStaticRoute {
            cidr: c,
            next_hop: hop,
            line: n,
        });
    }

    fn interface(&mut self, n: usize, line: &str, words: &[&str]) {
        let Some(iface) = self.router.interfaces.last_mut() else {
            return;
        };
        match words {
            ["ip", "address", a, m] => match mask_len(m).zip(v4(a)) {
                Some((len, ip)) => iface.address = Some((ip, len)),
                None => self.bad(n, line),
            },
            ["no", "ip", "address"] => iface.address = None,
            ["shutdown"] => iface.shutdown = true,
            ["no", "shutdown"] => iface.shutdown = false,
            _ if starts(line, INTERFACE_NO_EFFECT) => {}
            ["ip", "access-group", ..] => {
                self.not_modelled(n, line, "interface access lists are not evaluated")
            }
            _ => self.not_modelled(n, line, "interface setting"),
        }
    }

    fn bgp(&mut self, n: usize, line: &str, words: &[&str]) {
        match words {
            ["neighbor", ip, rest @ ..] => {
                let Some(ip) = v4(ip) else {
                    self.not_modelled(n, line, "bgp peer groups are not read");
                    return;
                };
                match rest {
                    ["remote-as", asn] => match asn.parse::<u32>() {
                        Ok(a) => self.neighbor(ip).remote_as = Some(a),
                        Err(_) => self.bad(n, line),
                    },
                    ["activate"] => {
                        self.neighbor(ip);
                    }
                    ["route-map", name, "out"] => {
                        self.neighbor(ip).route_map_out = Some((*name).to_owned())
                    }
                    ["default-originate"] => self.neighbor(ip).default_originate = true,
                    ["send-community", ..]
                    | ["timers", ..]
                    | ["soft-reconfiguration", ..]
                    | ["description", ..] => {}
                    _ => self.not_modelled(n, line, "bgp neighbor setting"),
                }
            }
            ["network", addr, "mask", m] => match mask_len(m).and_then(|l| cidr(addr, l)) {
                Some(c) if !self.router.networks.contains(&c) => self.router.networks.push(c),
                Some(_) => {}
                None => self.bad(n, line),
            },
            ["network", addr] => match cidr(addr, classful_len(addr)) {
                Some(c) if !self.router.networks.contains(&c) => self.router.networks.push(c),
                Some(_) => {}
                None => self.bad(n, line),
            },
            _ if starts(line, BGP_NO_EFFECT) => {}
            _ => self.not_modelled(n, line, "bgp setting"),
        }
    }

    fn route_map(&mut self, n: usize, line: &str, words: &[&str]) {
        let Some(rm) = self.router.route_maps.last_mut() else {
            return;
        };
        match words {
            ["set", "community", values @ ..] => {
                rm.1.extend(
                    values
                        .iter()
                        .filter(|v| v.contains(':'))
                        .map(|v| (*v).to_owned()),
                );
            }
            _ => {
                rm.2 = true;
                self.not_modelled(n, line, "only `set community` of route maps is read");
            }
        }
    }
}

/// Read an IOS configuration. `file` names it in diagnostics and, without a `hostname`, names the
/// router (as Batfish does).
#[must_use]
pub fn parse_ios_config(text: &str, file: &str) -> (CustomerRouter, Vec<Diagnostic>) {
    let default_name = file.rsplit(['/', '\\']).next().unwrap_or(file).to_owned();
    let mut p = Parser {
        file,
        diags: Vec::new(),
        router: CustomerRouter {
            name: default_name,
            file: file.to_owned(),
            ..CustomerRouter::default()
        },
    };
    let mut block = Block::None;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('!') {
            continue;
        }
        let indented = raw.starts_with(' ') || raw.starts_with('\t');
        let words: Vec<&str> = line.split_whitespace().collect();
        if !indented {
            // `exit` at the top closes the stanza (AWS's generated configs write it that way).
            if line == "exit" || line == "end" {
                block = Block::None;
                continue;
            }
            block = p.top(n, line, &words);
            continue;
        }
        match block {
            Block::Interface => p.interface(n, line, &words),
            Block::Bgp => p.bgp(n, line, &words),
            Block::RouteMap => p.route_map(n, line, &words),
            Block::Skipped => {}
            Block::None => p.not_modelled(n, line, "indented line outside a known stanza"),
        }
    }
    (p.router, p.diags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hs::parse_ip;

    #[test]
    fn reads_interfaces_static_routes_and_bgp() {
        let text = "!\nhostname r1\ninterface Loopback0\n ip address 10.10.0.1 255.255.255.255\ninterface Gi0/0\n description x\n ip address 169.254.10.2 255.255.255.252\n shutdown\nip route 10.10.0.0 255.255.0.0 Null0\nip route 3.3.3.3 255.255.255.255 Ethernet0/0\nroute-map OUT permit 10\n set community 7224:7300\nrouter bgp 65001\n bgp router-id 10.10.0.1\n neighbor 169.254.10.1 remote-as 64513\n address-family ipv4 unicast\n  network 10.10.0.0 mask 255.255.0.0\n  network 0.0.0.0\n  neighbor 169.254.10.1 route-map OUT out\n  neighbor 169.254.10.1 default-originate\n exit-address-family\ncrypto isakmp policy 200\n encr aes\n";
        let (r, diags) = parse_ios_config(text, "configs/x.txt");
        assert_eq!(r.name, "r1");
        assert_eq!(r.interfaces.len(), 2);
        assert_eq!(
            r.interfaces.first().and_then(|i| i.address),
            Some((parse_ip("10.10.0.1").unwrap_or_default(), 32))
        );
        assert!(r.interfaces.get(1).is_some_and(|i| i.shutdown));
        assert_eq!(r.static_routes.len(), 2);
        assert_eq!(
            r.static_routes.first().map(|s| s.next_hop.clone()),
            Some(StaticNextHop::Null0)
        );
        assert_eq!(r.asn, Some(65001));
        let nb = r.neighbors.first().cloned();
        assert_eq!(nb.as_ref().and_then(|n| n.remote_as), Some(64513));
        assert_eq!(
            nb.as_ref().and_then(|n| n.route_map_out.clone()).as_deref(),
            Some("OUT")
        );
        assert!(nb.is_some_and(|n| n.default_originate));
        assert_eq!(
            r.networks
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            vec!["10.10.0.0/16", "0.0.0.0/0"]
        );
        assert_eq!(
            r.route_maps.first().map(|m| m.1.clone()),
            Some(vec!["7224:7300".to_owned()])
        );
        // The crypto stanza is reported once, with its line.
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags.first().is_some_and(|d| d.pointer == "line 22"
            && d.message
                == "`crypto isakmp policy 200` is not modelled (ipsec settings: tunnels are assumed up)"));
    }

    #[test]
    fn unknown_lines_become_diagnostics_and_file_names_the_router() {
        let text = "interface Tunnel1\n ip address 169.254.59.18 255.255.255.252\n ip access-group X in\nrouter ospf 1\n network 10.0.0.0 0.0.0.255 area 0\nrouter bgp 65000\n neighbor 1.2.3.4 peer-group FW\n bgp bestpath compare-routerid\nip route 1.0.0.0 255.0.0.300 Null0\n";
        let (r, diags) = parse_ios_config(text, "configs/vpn-1.txt");
        assert_eq!(r.name, "vpn-1.txt");
        let codes: Vec<(&str, &str)> = diags.iter().map(|d| (d.code, d.pointer.as_str())).collect();
        assert_eq!(
            codes,
            vec![
                ("PERIMETER_NET_IOS_NOT_MODELLED", "line 3"),
                ("PERIMETER_NET_IOS_NOT_MODELLED", "line 4"),
                ("PERIMETER_NET_IOS_NOT_MODELLED", "line 7"),
                ("PERIMETER_NET_IOS_NOT_MODELLED", "line 8"),
                ("PERIMETER_NET_IOS_BAD_LINE", "line 9"),
            ]
        );
    }
}
