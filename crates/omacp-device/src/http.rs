//! A minimal HTTP/1.1 GET client over `std::net::TcpStream` for continuous provisioning by
//! pull (security.md §6.2 (b), §6.3): `http://` only, bounded response size, connect and read
//! timeouts, `Connection: close`, identity or chunked bodies.
//!
//! TODO: https. The Trusted HTTP Context assumes the operator network protects the path;
//! over the open Internet the PROVURL host must be authenticated with TLS before a fetched
//! document may be treated as the TPS's.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Largest response (headers and body) read.
pub const MAX_RESPONSE: usize = 256 * 1024;

/// A fetch failure.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Not an `http://host[:port]/path` URL.
    #[error("unsupported URL (only http:// is implemented; https is a TODO)")]
    BadUrl,
    /// Network error.
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
    /// The response exceeds [`MAX_RESPONSE`].
    #[error("response larger than {MAX_RESPONSE} bytes")]
    TooLarge,
    /// The response is not HTTP/1.x as expected.
    #[error("malformed HTTP response: {0}")]
    Malformed(&'static str),
}

/// A response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// The Content-Type header value (empty if absent).
    pub content_type: String,
    /// The entity body.
    pub body: Vec<u8>,
}

/// Splits `http://host[:port]/path` into (host, port, path).
pub fn split_url(url: &str) -> Result<(String, u16, String), FetchError> {
    let rest = url
        .get(..7)
        .filter(|s| s.eq_ignore_ascii_case("http://"))
        .map(|_| &url[7..])
        .ok_or(FetchError::BadUrl)?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') || path.contains(['\r', '\n', ' ']) {
        return Err(FetchError::BadUrl);
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| FetchError::BadUrl)?),
        None => (authority, 80),
    };
    Ok((host.to_string(), port, path.to_string()))
}

/// GETs `url` with `timeout` for connect and each read.
pub fn get(url: &str, timeout: Duration) -> Result<Response, FetchError> {
    let (host, port, path) = split_url(url)?;
    let addr = (host.as_str(), port)
        .to_socket_addrs()?
        .next()
        .ok_or(FetchError::BadUrl)?;
    let mut s = TcpStream::connect_timeout(&addr, timeout)?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/vnd.wap.connectivity-wbxml, text/vnd.wap.connectivity-xml\r\nUser-Agent: omacp-device\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    // A server that closes with unread request bytes resets the connection; what arrived
    // before the reset is still a complete response when its framing says so.
    if let Err(e) = s.take(MAX_RESPONSE as u64 + 1).read_to_end(&mut raw)
        && (raw.is_empty() || e.kind() != std::io::ErrorKind::ConnectionReset)
    {
        return Err(e.into());
    }
    if raw.len() > MAX_RESPONSE {
        return Err(FetchError::TooLarge);
    }
    parse_response(&raw)
}

/// Parses a complete HTTP/1.x response.
pub fn parse_response(raw: &[u8]) -> Result<Response, FetchError> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or(FetchError::Malformed("no end of headers"))?;
    let head = std::str::from_utf8(&raw[..end]).map_err(|_| FetchError::Malformed("headers"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    if !parts.next().is_some_and(|v| v.starts_with("HTTP/1.")) {
        return Err(FetchError::Malformed("status line"));
    }
    let status = parts
        .next()
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or(FetchError::Malformed("status code"))?;
    let mut content_type = String::new();
    let mut chunked = false;
    let mut length = None;
    for l in lines {
        let Some((n, v)) = l.split_once(':') else {
            return Err(FetchError::Malformed("header line"));
        };
        let v = v.trim();
        if n.eq_ignore_ascii_case("content-type") {
            content_type = v.to_string();
        } else if n.eq_ignore_ascii_case("transfer-encoding") {
            chunked = v.eq_ignore_ascii_case("chunked");
        } else if n.eq_ignore_ascii_case("content-length") {
            length = Some(
                v.parse::<usize>()
                    .map_err(|_| FetchError::Malformed("content-length"))?,
            );
        }
    }
    let rest = &raw[end + 4..];
    let body = if chunked {
        dechunk(rest)?
    } else if let Some(n) = length {
        rest.get(..n)
            .ok_or(FetchError::Malformed("body shorter than content-length"))?
            .to_vec()
    } else {
        rest.to_vec()
    };
    Ok(Response {
        status,
        content_type,
        body,
    })
}

fn dechunk(mut b: &[u8]) -> Result<Vec<u8>, FetchError> {
    let mut out = Vec::new();
    loop {
        let eol = b
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or(FetchError::Malformed("chunk size"))?;
        let size_text =
            std::str::from_utf8(&b[..eol]).map_err(|_| FetchError::Malformed("chunk size"))?;
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| FetchError::Malformed("chunk size"))?;
        b = &b[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = b
            .get(..size)
            .ok_or(FetchError::Malformed("truncated chunk"))?;
        out.extend_from_slice(chunk);
        b = b
            .get(size + 2..)
            .ok_or(FetchError::Malformed("truncated chunk"))?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            split_url("http://h.example:8080/p?q").unwrap(),
            ("h.example".into(), 8080, "/p?q".into())
        );
        assert_eq!(split_url("HTTP://h").unwrap(), ("h".into(), 80, "/".into()));
        assert!(split_url("https://h/").is_err());
        assert!(split_url("http://h/a b").is_err());
    }

    #[test]
    fn responses() {
        let r = parse_response(
            b"HTTP/1.1 200 OK\r\nContent-Type: x/y\r\nContent-Length: 3\r\n\r\nabcdef",
        )
        .unwrap();
        assert_eq!(
            (r.status, r.content_type.as_str(), r.body.as_slice()),
            (200, "x/y", &b"abc"[..])
        );
        let r = parse_response(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(r.body, b"abc");
        assert!(parse_response(b"garbage").is_err());
        assert!(
            parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffff\r\nab")
                .is_err()
        );
    }
}
