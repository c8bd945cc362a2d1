//! A deliberately small HTTP/1.1 client for `omacp campaign`: plain `http://` over a
//! blocking socket, one request per connection, JSON bodies. No TLS stack is linked in;
//! reach an `https://` server through a local TLS-terminating proxy or tunnel.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use anyhow::{Context, bail};

/// A server base URL, split.
#[derive(Debug, Clone)]
pub(crate) struct Server {
    /// `host:port`.
    pub hostport: String,
    /// Path prefix (no trailing `/`).
    pub prefix: String,
}

impl Server {
    /// Parses `http://host[:port][/prefix]`.
    pub fn parse(url: &str) -> anyhow::Result<Server> {
        if url.starts_with("https://") {
            bail!(
                "--server: https is not built in (no TLS stack in this client); use a local tunnel or proxy"
            );
        }
        let rest = url
            .strip_prefix("http://")
            .context("--server must start with http://")?;
        let (hostport, prefix) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
            None => (rest, ""),
        };
        if hostport.is_empty() {
            bail!("--server: no host");
        }
        let hostport = if hostport
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            hostport.to_owned()
        } else {
            format!("{hostport}:80")
        };
        Ok(Server {
            hostport,
            prefix: prefix.to_owned(),
        })
    }

    /// Sends one request; returns the status and the body.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&serde_json::Value>,
    ) -> anyhow::Result<(u16, String)> {
        let mut s = TcpStream::connect(&self.hostport)
            .with_context(|| format!("connecting to {}", self.hostport))?;
        s.set_read_timeout(Some(Duration::from_secs(120)))?;
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let host = &self.hostport;
        let mut req = format!(
            "{method} {}{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nAccept: application/json\r\n\
             Authorization: Bearer {token}\r\nContent-Length: {}\r\n",
            self.prefix,
            body.len()
        );
        if !body.is_empty() {
            req.push_str("Content-Type: application/json\r\n");
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes())?;
        s.write_all(body.as_bytes())?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).context("reading the answer")?;
        parse_response(&raw)
    }
}

fn parse_response(raw: &[u8]) -> anyhow::Result<(u16, String)> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("malformed HTTP answer")?;
    let head = std::str::from_utf8(&raw[..split]).context("malformed HTTP header")?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .context("malformed HTTP status line")?;
    let chunked = lines.any(|l| {
        l.to_ascii_lowercase()
            .starts_with("transfer-encoding: chunked")
    });
    let mut body = raw[split + 4..].to_vec();
    if chunked {
        body = dechunk(&body)?;
    }
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

fn dechunk(mut b: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = b
            .windows(2)
            .position(|w| w == b"\r\n")
            .context("malformed chunk")?;
        let size = std::str::from_utf8(&b[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next()?.trim(), 16).ok())
            .context("malformed chunk size")?;
        b = &b[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = b.get(..size).context("truncated chunk")?;
        out.extend_from_slice(chunk);
        b = b.get(size + 2..).context("truncated chunk")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_answers() {
        let s = Server::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(
            (s.hostport.as_str(), s.prefix.as_str()),
            ("127.0.0.1:8080", "")
        );
        assert_eq!(
            Server::parse("http://omacp/x").unwrap().hostport,
            "omacp:80"
        );
        assert!(Server::parse("https://omacp").is_err());
        let (st, body) = parse_response(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}").unwrap();
        assert_eq!((st, body.as_str()), (200, "{}"));
        let (st, body) = parse_response(
            b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!((st, body.as_str()), (201, "abcde"));
    }
}
