//! A credential's connection information, from the shapes it is leaked in: a connection URI
//! (`postgresql://`, `mysql://`…), a JDBC URL, a libpq or ADO.NET/ODBC `key=value` string, a
//! `.pgpass` line. Parsing never guesses a host: a password without one is no credential here.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Postgres,
    Mysql,
    /// Named by the input but not spoken by this crate (the verdict says so).
    Other,
}

impl Engine {
    pub fn default_port(self) -> u16 {
        match self {
            Engine::Postgres => 5432,
            Engine::Mysql => 3306,
            Engine::Other => 0,
        }
    }

    /// The `engine` value of Secrets Manager's RDS rotation secrets.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
            Engine::Other => "other",
        }
    }
}

/// What the input demands of transport security (libpq `sslmode`, MySQL `ssl-mode`, ADO.NET
/// `Encrypt`/`SslMode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum TlsMode {
    /// Nothing said, or `disable`/`allow`/`prefer`: plaintext is what the input accepts.
    #[default]
    Optional,
    /// `require`, `verify-ca`, `verify-full`, `REQUIRED`, `VERIFY_IDENTITY`, `Encrypt=true`…
    Required,
}

/// Host, port, user, password (and database) of one credential.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Credential {
    pub engine: Engine,
    /// The engine's name as written (for `unknown: engine … not supported`).
    pub scheme: String,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    pub dbname: Option<String>,
    pub tls: TlsMode,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the password.
        write!(
            f,
            "{}://{}@{}:{}/{}",
            self.scheme,
            self.user,
            self.host,
            self.port,
            self.dbname.as_deref().unwrap_or("")
        )
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    #[error("no host: a password alone cannot be tried")]
    NoHost,
    #[error("no user name")]
    NoUser,
    #[error("no password")]
    NoPassword,
    #[error("port `{0}` is not a number from 1 to 65535")]
    BadPort(String),
    #[error("the line does not hold this password (changed since it was found?)")]
    NotOnLine,
    #[error("not a connection string unleak reads")]
    NotConnection,
}

/// SQLAlchemy-style `dialect+driver` schemes (`postgresql+psycopg2`) name the engine first.
fn engine_of(scheme: &str) -> Engine {
    let dialect = scheme.split('+').next().unwrap_or(scheme);
    match dialect.to_ascii_lowercase().as_str() {
        "postgres" | "postgresql" | "pgsql" | "psql" | "redshift" => Engine::Postgres,
        "mysql" | "mariadb" | "mysqlx" | "mysql2" => Engine::Mysql,
        _ => Engine::Other,
    }
}

fn tls_of(key: &str, value: &str) -> Option<TlsMode> {
    let k = key.to_ascii_lowercase().replace(['-', '_', ' '], "");
    let v = value.trim().to_ascii_lowercase().replace(['-', '_'], "");
    let required = match k.as_str() {
        "sslmode" => matches!(
            v.as_str(),
            "require" | "required" | "verifyca" | "verifyfull" | "verifyidentity"
        ),
        "ssl" | "usessl" | "requiressl" | "encrypt" | "tls" => {
            matches!(
                v.as_str(),
                "true" | "1" | "yes" | "required" | "strict" | "mandatory"
            )
        }
        _ => return None,
    };
    Some(if required {
        TlsMode::Required
    } else {
        TlsMode::Optional
    })
}

/// Parse any of the shapes this module reads.
pub fn parse(text: &str) -> Result<Credential, ParseError> {
    let t = text
        .trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == '`');
    if let Some(rest) = t.strip_prefix("jdbc:") {
        return parse_uri(rest, true);
    }
    if t.contains("://") {
        return parse_uri(t, false);
    }
    if t.contains('=') {
        return parse_key_values(t);
    }
    if t.matches(':').count() >= 4 {
        return parse_pgpass(t);
    }
    Err(ParseError::NotConnection)
}

/// `scheme://user:password@host:port/db?params` (percent-decoded); JDBC puts the user and
/// password in the parameters instead.
pub fn parse_uri(uri: &str, jdbc: bool) -> Result<Credential, ParseError> {
    let (before, rest) = uri.split_once("://").ok_or(ParseError::NotConnection)?;
    let scheme = scheme_at_end(before).ok_or(ParseError::NotConnection)?;
    let (rest, query) = match rest.split_once('?') {
        Some((a, q)) => (a, q),
        None => (rest, ""),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    // The last `@` ends the user info: a password may hold a raw `@`.
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let (mut user, mut password) = match userinfo {
        Some(ui) => match ui.split_once(':') {
            Some((u, p)) => (Some(decode(u)), Some(decode(p))),
            None => (Some(decode(ui)), None),
        },
        None => (None, None),
    };
    let mut tls = TlsMode::Optional;
    let mut host_param = None;
    let mut port_param = None;
    for kv in query.split('&').filter(|s| !s.is_empty()) {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        let v = decode(v);
        match k.to_ascii_lowercase().as_str() {
            "user" | "username" => user = user.or(Some(v)),
            "password" | "pwd" => password = password.or(Some(v)),
            "host" => host_param = Some(v),
            "port" => port_param = Some(v),
            _ => {
                if let Some(m) = tls_of(k, &v) {
                    tls = tls.max_required(m)
                }
            }
        }
    }
    let _ = jdbc;
    // A list of hosts (`h1,h2`) is tried in order by clients; the first is judged.
    let first = hostport.split(',').next().unwrap_or("");
    let (host, port) = split_host_port(first)?;
    let host = host.or(host_param).ok_or(ParseError::NoHost)?;
    let engine = engine_of(&scheme);
    let port = match port.or(port_param) {
        Some(p) => parse_port(&p)?,
        None => engine.default_port(),
    };
    let db = decode(path);
    Ok(Credential {
        engine,
        scheme,
        host,
        port,
        user: user.filter(|u| !u.is_empty()).ok_or(ParseError::NoUser)?,
        password: password
            .filter(|p| !p.is_empty())
            .ok_or(ParseError::NoPassword)?,
        dbname: (!db.is_empty()).then_some(db),
        tls,
    })
}

impl TlsMode {
    fn max_required(self, other: TlsMode) -> TlsMode {
        if self == TlsMode::Required || other == TlsMode::Required {
            TlsMode::Required
        } else {
            TlsMode::Optional
        }
    }
}

/// The URI scheme that ends `before` (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`),
/// without whatever the line put in front of it (`DATABASE_URL=postgres`, `url: mysql`,
/// `x=jdbc:mariadb`): those once made the scheme `DATABASE_URL=postgres`, an engine "not
/// supported", so a live database URL was judged unknown.
fn scheme_at_end(before: &str) -> Option<String> {
    let is_scheme = |c: char| c.is_ascii_alphanumeric() || "+-.".contains(c);
    let start = before
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_scheme(c))
        .last()
        .map(|(i, _)| i)?;
    let scheme = before[start..].trim_start_matches(|c: char| !c.is_ascii_alphabetic());
    (!scheme.is_empty()).then(|| scheme.to_string())
}

fn split_host_port(s: &str) -> Result<(Option<String>, Option<String>), ParseError> {
    if s.is_empty() {
        return Ok((None, None));
    }
    if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or(ParseError::NoHost)?;
        let port = after.strip_prefix(':').map(str::to_string);
        return Ok((Some(h.to_string()), port));
    }
    Ok(match s.rsplit_once(':') {
        Some((h, p)) => (Some(decode(h)), Some(p.to_string())),
        None => (Some(decode(s)), None),
    })
}

fn parse_port(p: &str) -> Result<u16, ParseError> {
    p.trim()
        .parse::<u16>()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| ParseError::BadPort(p.to_string()))
}

/// libpq (`host=h user=u password=p`, space-separated, values optionally single-quoted) and
/// ADO.NET/ODBC (`Server=h;User Id=u;Password=p`, `;`-separated) connection strings.
pub fn parse_key_values(s: &str) -> Result<Credential, ParseError> {
    let pairs = if s.contains(';') {
        s.split(';')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect::<Vec<_>>()
    } else {
        libpq_pairs(s)
    };
    let mut host = None;
    let mut port = None;
    let mut user = None;
    let mut password = None;
    let mut db = None;
    let mut tls = TlsMode::Optional;
    let mut engine = None;
    for (k, v) in pairs {
        let v = v.trim_matches(|c| c == '{' || c == '}').to_string();
        match k.to_ascii_lowercase().replace([' ', '_'], "").as_str() {
            "host" | "server" | "datasource" | "address" | "addr" | "hostname" => {
                // ADO.NET writes `Server=tcp:h,1433` or `h,port`.
                let h = v.trim_start_matches("tcp:");
                match h.split_once(',') {
                    Some((h, p)) => {
                        host = Some(h.to_string());
                        port = Some(p.to_string());
                    }
                    None => host = Some(h.to_string()),
                }
            }
            "port" => port = Some(v),
            "user" | "userid" | "uid" | "username" | "usr" => user = Some(v),
            "password" | "pwd" | "pass" => password = Some(v),
            "dbname" | "database" | "initialcatalog" | "db" => db = Some(v),
            "driver" | "provider" | "engine" => {
                let d = v.to_ascii_lowercase();
                engine = Some(if d.contains("postgres") || d.contains("npgsql") {
                    Engine::Postgres
                } else if d.contains("mysql") || d.contains("maria") {
                    Engine::Mysql
                } else {
                    Engine::Other
                });
            }
            other => {
                if let Some(m) = tls_of(other, &v) {
                    tls = tls.max_required(m)
                }
            }
        }
    }
    // A libpq string (space-separated, `dbname`) is PostgreSQL's; ADO.NET names its provider
    // or its port (3306: MySQL).
    let engine = engine.unwrap_or(if !s.contains(';') || port.as_deref() == Some("5432") {
        Engine::Postgres
    } else if port.as_deref() == Some("3306") {
        Engine::Mysql
    } else {
        Engine::Other
    });
    let host = host.filter(|h| !h.is_empty()).ok_or(ParseError::NoHost)?;
    let port = match port {
        Some(p) => parse_port(&p)?,
        None => engine.default_port(),
    };
    Ok(Credential {
        engine,
        scheme: engine.as_str().to_string(),
        host,
        port,
        user: user.filter(|u| !u.is_empty()).ok_or(ParseError::NoUser)?,
        password: password
            .filter(|p| !p.is_empty())
            .ok_or(ParseError::NoPassword)?,
        dbname: db.filter(|d| !d.is_empty()),
        tls,
    })
}

fn libpq_pairs(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let key: String = chars.by_ref().take_while(|&c| c != '=').collect();
        if key.is_empty() {
            break;
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'\'') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '\'' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        out.push((key.trim().to_string(), value));
    }
    out
}

/// `hostname:port:database:username:password` (`\:` and `\\` escaped); `*` as a host or
/// port names no one host, so it is no credential to try.
pub fn parse_pgpass(line: &str) -> Result<Credential, ParseError> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => cur.extend(chars.next()),
            ':' if fields.len() < 4 => fields.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    fields.push(cur);
    let [host, port, db, user, password] =
        <[String; 5]>::try_from(fields).map_err(|_| ParseError::NotConnection)?;
    if host.is_empty() || host == "*" {
        return Err(ParseError::NoHost);
    }
    let port = if port == "*" || port.is_empty() {
        5432
    } else {
        parse_port(&port)?
    };
    Ok(Credential {
        engine: Engine::Postgres,
        scheme: "postgresql".into(),
        host,
        port,
        user: Some(user)
            .filter(|u| !u.is_empty() && u != "*")
            .ok_or(ParseError::NoUser)?,
        password: Some(password)
            .filter(|p| !p.is_empty())
            .ok_or(ParseError::NoPassword)?,
        dbname: Some(db).filter(|d| !d.is_empty() && d != "*"),
        tls: TlsMode::Optional,
    })
}

/// Percent-decoding (`%40` is `@`); invalid escapes stay as written.
pub fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() && s.is_char_boundary(i + 3) {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_jdbc_key_values_and_pgpass() {
        let c =
            parse("postgresql://app:p%40ss%2Fw@db.internal:6543/orders?sslmode=require").unwrap();
        assert_eq!(
            (
                c.engine,
                c.host.as_str(),
                c.port,
                c.user.as_str(),
                c.password.as_str()
            ),
            (Engine::Postgres, "db.internal", 6543, "app", "p@ss/w")
        );
        assert_eq!(
            (c.dbname.as_deref(), c.tls),
            (Some("orders"), TlsMode::Required)
        );
        let c = parse("mysql://root:x@y@10.0.0.5/app").unwrap();
        assert_eq!(
            (c.engine, c.port, c.password.as_str()),
            (Engine::Mysql, 3306, "x@y")
        );
        let c = parse("jdbc:postgresql://h:5433/db?user=u&password=p%26q&ssl=true").unwrap();
        assert_eq!(
            (c.user.as_str(), c.password.as_str(), c.tls),
            ("u", "p&q", TlsMode::Required)
        );
        let c = parse("host=h port=5439 dbname=d user=u password='a b\\'c'").unwrap();
        assert_eq!(
            (c.port, c.password.as_str(), c.engine),
            (5439, "a b'c", Engine::Postgres)
        );
        let c = parse("Server=h,3307;Database=d;Uid=u;Pwd={s;x};Driver={MySQL ODBC 8.0}");
        // `;` inside braces is not supported: the parse stops at it, the password is `{s`.
        assert!(c.is_ok());
        let c =
            parse("Server=h;Port=3306;Database=d;User Id=u;Password=s;SslMode=Required").unwrap();
        assert_eq!(
            (c.engine, c.tls, c.user.as_str()),
            (Engine::Mysql, TlsMode::Required, "u")
        );
        let c = parse("db.example:5432:*:app:pa\\:ss").unwrap();
        assert_eq!(
            (c.host.as_str(), c.password.as_str(), c.dbname),
            ("db.example", "pa:ss", None)
        );
        assert_eq!(parse("*:*:*:app:pw").unwrap_err(), ParseError::NoHost);
        assert_eq!(parse("postgres://u:p@/db").unwrap_err(), ParseError::NoHost);
        assert_eq!(
            parse("postgres://u@h/db").unwrap_err(),
            ParseError::NoPassword
        );
        assert_eq!(parse("redis://:p@h:6379").unwrap_err(), ParseError::NoUser);
        assert_eq!(parse("mongodb://u:p@h").unwrap().engine, Engine::Other);
        // What a line puts before the scheme is not part of it; a driver after `+` is not either.
        for (text, engine, scheme) in [
            (
                "DATABASE_URL=postgres://u:p@h/db",
                Engine::Postgres,
                "postgres",
            ),
            ("url: mysql://u:p@h/db", Engine::Mysql, "mysql"),
            (
                "(postgresql+psycopg2://u:p@h/db",
                Engine::Postgres,
                "postgresql+psycopg2",
            ),
            ("DB=mysql+pymysql://u:p@h", Engine::Mysql, "mysql+pymysql"),
            ("x=jdbc:mariadb://u:p@h", Engine::Mysql, "mariadb"),
        ] {
            let c = parse(text).unwrap();
            assert_eq!((c.engine, c.scheme.as_str()), (engine, scheme), "{text}");
        }
        assert_eq!(parse("=://u:p@h").unwrap_err(), ParseError::NotConnection);
        assert!(matches!(
            parse("postgres://u:p@h:99999/"),
            Err(ParseError::BadPort(_))
        ));
        assert!(!format!("{:?}", parse("postgres://u:hunter2@h/").unwrap()).contains("hunter2"));
    }
}
