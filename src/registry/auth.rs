//! Registry authentication challenges (RFC 7235 `WWW-Authenticate`) and the
//! Bearer token flow of the distribution spec ("Token Authentication
//! Specification", docker/distribution docs/spec/auth/token.md; OAuth2
//! refresh tokens per docs/spec/auth/oauth.md): token responses with their
//! lifetime, and the scopes rcon asks for.
//!
//! Only parsing and the token response shape live here; the HTTP requests are
//! made by [`super::client`].

use serde::Deserialize;

/// One authentication challenge from a `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// `Bearer realm="…",service="…",scope="…"`: get a token from `realm`.
    Bearer {
        /// Token endpoint URL.
        realm: String,
        /// `service` parameter to pass to the token endpoint.
        service: Option<String>,
        /// `scope` the registry asks for, if it said.
        scope: Option<String>,
    },
    /// `Basic realm="…"`: needs a user name and password.
    Basic {
        /// The realm, for messages.
        realm: Option<String>,
    },
}

/// The token endpoint's answer: `token`, or OAuth2's `access_token`.
#[derive(Debug, Deserialize)]
pub struct TokenResponse {
    /// The bearer token (Docker's name).
    #[serde(default)]
    pub token: Option<String>,
    /// The bearer token (OAuth2's name).
    #[serde(default)]
    pub access_token: Option<String>,
    /// Lifetime in seconds (the spec's default is 60).
    #[serde(default)]
    pub expires_in: Option<u64>,
    /// An OAuth2 refresh token, when the server issued one (`offline_token`).
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// Default token lifetime when the server does not say, seconds.
pub const DEFAULT_TOKEN_LIFETIME: u64 = 60;

impl TokenResponse {
    /// The token, whichever field holds it.
    pub fn into_token(self) -> Option<String> {
        self.token.filter(|t| !t.is_empty()).or(self.access_token.filter(|t| !t.is_empty()))
    }

    /// How long the token may be used, seconds.
    pub fn lifetime(&self) -> u64 {
        self.expires_in.unwrap_or(DEFAULT_TOKEN_LIFETIME)
    }
}

/// Parses a `WWW-Authenticate` header value into its challenges, in order.
/// Unknown schemes are skipped; malformed parameters end the parse (what was
/// parsed so far is returned). Scheme and parameter names are
/// case-insensitive; values may be tokens or quoted strings with `\` escapes.
pub fn parse_challenges(header: &str) -> Vec<Challenge> {
    let mut out = Vec::new();
    let mut p = Parser { s: header.as_bytes(), i: 0 };
    loop {
        p.skip(|c| c == b' ' || c == b'\t' || c == b',');
        let scheme = p.token();
        if scheme.is_empty() {
            break;
        }
        let mut params: Vec<(String, String)> = Vec::new();
        loop {
            p.skip(|c| c == b' ' || c == b'\t' || c == b',');
            let save = p.i;
            let name = p.token();
            p.skip(|c| c == b' ' || c == b'\t');
            if name.is_empty() || p.peek() != Some(b'=') {
                // The next challenge's scheme (or the end).
                p.i = save;
                break;
            }
            p.i += 1;
            p.skip(|c| c == b' ' || c == b'\t');
            let value = if p.peek() == Some(b'"') { p.quoted() } else { Some(p.token()) };
            let Some(value) = value else { break };
            params.push((name.to_ascii_lowercase(), value));
        }
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        match scheme.to_ascii_lowercase().as_str() {
            "bearer" => {
                if let Some(realm) = get("realm") {
                    out.push(Challenge::Bearer { realm, service: get("service"), scope: get("scope") });
                }
            }
            "basic" => out.push(Challenge::Basic { realm: get("realm") }),
            _ => {}
        }
        if p.i >= p.s.len() {
            break;
        }
    }
    out
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn skip(&mut self, f: impl Fn(u8) -> bool) {
        while self.peek().is_some_and(&f) {
            self.i += 1;
        }
    }
    /// An RFC 7230 token (plus `/` and `:`, which appear unquoted in the wild).
    fn token(&mut self) -> String {
        let start = self.i;
        self.skip(|c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~/:".contains(&c));
        String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
    }
    /// A quoted string starting at `"`; `None` if unterminated.
    fn quoted(&mut self) -> Option<String> {
        self.i += 1;
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                b'"' => return Some(String::from_utf8_lossy(&out).into_owned()),
                b'\\' => {
                    if let Some(n) = self.peek() {
                        out.push(n);
                        self.i += 1;
                    }
                }
                _ => out.push(c),
            }
        }
        None
    }
}

/// The token scope for pulling `repository` (`repository:library/busybox:pull`).
pub fn pull_scope(repository: &str) -> String {
    format!("repository:{repository}:pull")
}

/// The token scope for pushing to `repository` (`repository:app:pull,push`).
pub fn push_scope(repository: &str) -> String {
    format!("repository:{repository}:pull,push")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_challenge() {
        let h = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull""#;
        assert_eq!(
            parse_challenges(h),
            vec![Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/busybox:pull".into()),
            }]
        );
    }

    #[test]
    fn variants() {
        // Case-insensitive scheme and names, spaces, unquoted values, escapes.
        let h = r#"bearer  Realm = "http://127.0.0.1:1/t\"x" , SERVICE=reg"#;
        assert_eq!(
            parse_challenges(h),
            vec![Challenge::Bearer {
                realm: "http://127.0.0.1:1/t\"x".into(),
                service: Some("reg".into()),
                scope: None
            }]
        );
        assert_eq!(
            parse_challenges(r#"Basic realm="Registry Realm""#),
            vec![Challenge::Basic { realm: Some("Registry Realm".into()) }]
        );
        assert_eq!(parse_challenges("Basic"), vec![Challenge::Basic { realm: None }]);
        // Several challenges in one header; unknown schemes skipped.
        let h = r#"Negotiate abc, Basic realm="r", Bearer realm="https://a/t",scope="s""#;
        let c = parse_challenges(h);
        assert_eq!(c.len(), 2, "{c:?}");
        assert!(matches!(&c[1], Challenge::Bearer { scope: Some(s), .. } if s == "s"));
        // A Bearer challenge without a realm is useless.
        assert_eq!(parse_challenges(r#"Bearer service="x""#), vec![]);
        assert_eq!(parse_challenges(""), vec![]);
        assert_eq!(parse_challenges(r#"Bearer realm="unterminated"#), vec![]);
    }

    #[test]
    fn token_response() {
        let t: TokenResponse = serde_json::from_str(r#"{"token":"abc","expires_in":300}"#).unwrap();
        assert_eq!(t.into_token().as_deref(), Some("abc"));
        let t: TokenResponse = serde_json::from_str(r#"{"access_token":"xyz"}"#).unwrap();
        assert_eq!(t.into_token().as_deref(), Some("xyz"));
        let t: TokenResponse = serde_json::from_str(r#"{"token":""}"#).unwrap();
        assert_eq!(t.into_token(), None);
        assert_eq!(pull_scope("library/busybox"), "repository:library/busybox:pull");
    }
}
