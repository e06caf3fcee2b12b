//! Who is on the other end of the connection.

use std::net::IpAddr;

/// The client's address: the TCP peer, or — only when a trusted proxy is configured — the
/// address that proxy appended last to `X-Forwarded-For`.
pub fn client_address(req: &poem::Request, trust_proxy: bool) -> IpAddr {
    let forwarded = trust_proxy
        .then(|| req.header("x-forwarded-for"))
        .flatten()
        .and_then(|list| list.rsplit(',').next())
        .and_then(|last| last.trim().parse().ok());
    forwarded
        .or_else(|| req.remote_addr().as_socket_addr().map(|addr| addr.ip()))
        .unwrap_or(IpAddr::from([0, 0, 0, 0]))
}
