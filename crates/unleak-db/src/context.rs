//! A found password's connection information, from the source lines around it: a connection
//! string on its own line that holds exactly this password, else host/port/user/database
//! assignments near it (`DB_HOST=…`, `host: …`, `"user": "…"`), the same idea as the scanner
//! pairing an AWS key id with the secret next to it. Only what is written there is used: no
//! default host, so a password with no host stays unjudged.

use crate::conn::{self, Credential, Engine, ParseError, TlsMode};

/// Lines either side of the password searched for its host, user, port and database.
pub const NEARBY: usize = 8;

/// `lines` is the file, `line` the password's 0-based line.
pub fn credential_for(
    lines: &[&str],
    line: usize,
    password: &str,
) -> Result<Credential, ParseError> {
    let Some(own) = lines.get(line) else {
        return Err(ParseError::NotConnection);
    };
    if let Some(c) = connection_on_line(own, password) {
        return Ok(c);
    }
    if !own.contains(password) {
        return Err(ParseError::NotOnLine);
    }
    nearby(lines, line, password)
}

/// A URI, JDBC URL, key=value string or `.pgpass` line on `text` whose password is `password`.
fn connection_on_line(text: &str, password: &str) -> Option<Credential> {
    let stop = |c: char| c.is_whitespace() || "\"'`<>".contains(c);
    let mut candidates: Vec<String> = Vec::new();
    for (i, _) in text.match_indices("://") {
        let start = text[..i].rfind(stop).map_or(0, |s| s + 1);
        let end = text[i..].find(stop).map_or(text.len(), |e| i + e);
        candidates.push(text[start..end].to_string());
    }
    // key=value strings are quoted as a whole, or are the whole line.
    for q in ['"', '\'', '`'] {
        candidates.extend(text.split(q).skip(1).step_by(2).map(str::to_string));
    }
    candidates.push(text.trim().to_string());
    candidates
        .iter()
        .filter_map(|c| conn::parse(c).ok())
        .find(|c| c.password == password)
}

fn nearby(lines: &[&str], line: usize, password: &str) -> Result<Credential, ParseError> {
    let lo = line.saturating_sub(NEARBY);
    let hi = (line + NEARBY + 1).min(lines.len());
    let (mut host, mut port, mut user, mut db, mut engine) = (None, None, None, None, None);
    let mut tls = TlsMode::Optional;
    // Nearest first: the closest assignment of each name wins.
    let mut order: Vec<usize> = (lo..hi).collect();
    order.sort_by_key(|&i| i.abs_diff(line));
    for i in order {
        let Some((key, value)) = assignment(lines[i]) else {
            continue;
        };
        let k = key.to_ascii_lowercase();
        let last = k.rsplit(['_', '.', '-']).next().unwrap_or(&k).to_string();
        let slot = match last.as_str() {
            "host" | "hostname" | "server" | "addr" | "address" | "endpoint" => &mut host,
            "port" => &mut port,
            "user" | "username" | "usr" | "uid" | "login" | "userid" => &mut user,
            "db" | "dbname" | "database" | "schema" => &mut db,
            "name" if k.contains("db") || k.contains("database") => &mut db,
            "engine" | "adapter" | "driver" | "dialect" | "client" | "type" => &mut engine,
            "sslmode" | "ssl" | "tls" | "encrypt" => {
                if conn::parse(&format!("postgresql://u:p@h/?{key}={value}"))
                    .is_ok_and(|c| c.tls == TlsMode::Required)
                {
                    tls = TlsMode::Required;
                }
                continue;
            }
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some((k, value));
        }
    }
    let (_, host) = host.ok_or(ParseError::NoHost)?;
    let user = user.ok_or(ParseError::NoUser)?.1;
    let hint = |s: &str| {
        let s = s.to_ascii_lowercase();
        if s.contains("postgres") || s.contains("pg") {
            Some(Engine::Postgres)
        } else if s.contains("mysql") || s.contains("maria") {
            Some(Engine::Mysql)
        } else {
            None
        }
    };
    let engine = engine
        .as_ref()
        .and_then(|(_, v)| hint(v))
        .or_else(|| hint(&host))
        .or_else(|| match port.as_ref().map(|(_, p)| p.as_str()) {
            Some("5432") => Some(Engine::Postgres),
            Some("3306") => Some(Engine::Mysql),
            _ => None,
        })
        .or_else(|| lines[lo..hi].iter().find_map(|l| hint(&assignment(l)?.0)))
        .unwrap_or(Engine::Other);
    let port = match port {
        Some((_, p)) => p
            .parse::<u16>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or(ParseError::BadPort(p))?,
        None => engine.default_port(),
    };
    Ok(Credential {
        engine,
        scheme: engine.as_str().to_string(),
        host,
        port,
        user,
        password: password.to_string(),
        dbname: db.map(|d| d.1),
        tls,
    })
}

/// `KEY = VALUE`, `KEY: VALUE`, `"KEY": "VALUE",`, `KEY => 'VALUE'`; quotes and a trailing
/// comma or semicolon removed. Values that look like code (`${…}`, `os.getenv(…)`) are none.
fn assignment(line: &str) -> Option<(String, String)> {
    let t = line.trim().trim_start_matches("export ");
    let sep = t.find(['=', ':'])?;
    let key = t[..sep]
        .trim()
        .trim_end_matches('=')
        .trim_matches(|c| c == '"' || c == '\'');
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    {
        return None;
    }
    let mut v = t[sep + 1..].trim_start_matches(['=', '>']).trim();
    v = v.trim_end_matches([',', ';']).trim();
    let v = v.trim_matches(|c| c == '"' || c == '\'');
    if v.is_empty() || v.contains(['$', '(', ')', '{', '}', ' ']) {
        return None;
    }
    Some((key.to_string(), v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_s_connection_string_or_the_nearest_assignments() {
        let f = [
            "x = 1",
            r#"DATABASE_URL="postgres://app:s3cr%40t@db.example:5433/shop""#,
        ];
        let c = credential_for(&f, 1, "s3cr@t").unwrap();
        assert_eq!(
            (c.host.as_str(), c.port, c.user.as_str()),
            ("db.example", 5433, "app")
        );
        let env = "DB_HOST=10.1.2.3\nDB_PORT=3306\nDB_USER=shop\nDB_NAME=shop\nDB_PASSWORD=pw-1\n";
        let lines: Vec<&str> = env.lines().collect();
        let c = credential_for(&lines, 4, "pw-1").unwrap();
        assert_eq!(
            (
                c.engine,
                c.host.as_str(),
                c.user.as_str(),
                c.dbname.as_deref()
            ),
            (Engine::Mysql, "10.1.2.3", "shop", Some("shop"))
        );
        let yaml = "production:\n  adapter: postgresql\n  host: pg.internal\n  username: rails\n  password: 'pw-2'\n";
        let lines: Vec<&str> = yaml.lines().collect();
        let c = credential_for(&lines, 4, "pw-2").unwrap();
        assert_eq!((c.engine, c.port), (Engine::Postgres, 5432));
        let alone = ["password = 'pw-3'"];
        assert_eq!(
            credential_for(&alone, 0, "pw-3").unwrap_err(),
            ParseError::NoHost
        );
        let code = ["host = os.getenv(\"H\")", "user = 'u'", "password = 'pw-4'"];
        assert_eq!(
            credential_for(&code, 2, "pw-4").unwrap_err(),
            ParseError::NoHost
        );
    }
}
