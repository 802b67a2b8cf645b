//! Redaction for report bundles: what identifies a person, a machine or an account is replaced
//! by a stable placeholder (`<user-1>`, `<host-1>`, `<ip-1>`...), the same value by the same
//! placeholder everywhere in one bundle, so that the bundle still reads coherently.

use std::collections::HashMap;

use regex::{Captures, Regex};

/// Who and where this machine is: the values no pattern could know.
#[derive(Debug, Default, Clone)]
pub struct Identity {
    /// `$HOME`, shown as `~`.
    pub home: Option<String>,
    /// `$USER`, `$LOGNAME`, the home folder's name.
    pub users: Vec<String>,
    /// The host name (and its short form).
    pub hosts: Vec<String>,
}

impl Identity {
    /// This process's user, home and host.
    pub fn of_this_machine() -> Identity {
        let home = std::env::var("HOME").ok().filter(|h| h.len() > 1);
        let mut users: Vec<String> = ["USER", "LOGNAME", "USERNAME"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .collect();
        if let Some(name) = home
            .as_deref()
            .and_then(|h| h.trim_end_matches('/').rsplit('/').next())
        {
            users.push(name.to_string());
        }
        // The node name `check` records (CVDOCTOR_NODE) as well as the kernel's and the shell's.
        let mut hosts: Vec<String> = crate::probe::host::all_names()
            .into_iter()
            .chain(std::env::var("HOSTNAME").ok())
            .map(|h| h.trim().to_string())
            .collect();
        let short: Vec<String> = hosts
            .iter()
            .filter_map(|h| h.split('.').next().map(str::to_string))
            .collect();
        hosts.extend(short);
        Identity { home, users, hosts }.cleaned()
    }

    /// Drops values too short or too common to replace safely (`root`, `a`, `localhost`).
    fn cleaned(mut self) -> Identity {
        let keep =
            |v: &String| v.len() >= 3 && !["root", "localhost", "user"].contains(&v.as_str());
        self.users.retain(keep);
        self.hosts.retain(keep);
        self.users.sort_by_key(|u| std::cmp::Reverse(u.len()));
        self.users.dedup();
        self.hosts.sort_by_key(|h| std::cmp::Reverse(h.len()));
        self.hosts.dedup();
        self
    }
}

struct Kind {
    name: &'static str,
    pattern: Regex,
    /// Which capture group is the secret (0: the whole match).
    group: usize,
    /// Extra test on the match (IPv4 addresses must not be version numbers).
    accept: fn(&str) -> bool,
}

pub struct Redactor {
    identity: Identity,
    kinds: Vec<Kind>,
    /// `/home/NAME`, `/Users/NAME`, `C:\Users\NAME`: other people's names, too.
    homes: Regex,
    /// One compiled whole-word pattern per name or host, built the first time it is seen.
    words: HashMap<String, Regex>,
    /// Secret → placeholder, and how many of each kind so far.
    seen: HashMap<String, String>,
    counts: HashMap<&'static str, usize>,
}

fn always(_: &str) -> bool {
    true
}

/// A dotted quad is an address, not a version (`9.19.0.56`, `4.10.0.84`), when it is in a
/// private or loopback range or has a part of 100 or more.
fn looks_like_ip(quad: &str) -> bool {
    let parts: Vec<u32> = quad.split('.').filter_map(|p| p.parse().ok()).collect();
    parts.len() == 4
        && parts.iter().all(|&p| p <= 255)
        && ([10, 127, 169, 172, 192].contains(&parts[0]) || parts.iter().any(|&p| p >= 100))
}

/// Long mixed-case alphanumeric runs are keys; mangled C++ names (`_ZN...`) are not.
fn looks_like_key(text: &str) -> bool {
    let lower = text.chars().any(|c| c.is_ascii_lowercase());
    let upper = text.chars().any(|c| c.is_ascii_uppercase());
    let digit = text.chars().any(|c| c.is_ascii_digit());
    lower && upper && digit && !text.starts_with("_Z")
}

impl Redactor {
    pub fn new(identity: Identity) -> Redactor {
        let kind = |name, pattern: &str, group, accept| Kind {
            name,
            pattern: Regex::new(pattern).expect("redaction patterns compile"),
            group,
            accept,
        };
        let kinds = vec![
            kind(
                "gpu-uuid",
                r"\b(?:GPU|MIG)-[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\b",
                0,
                always,
            ),
            kind(
                "uuid",
                r"\b[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\b",
                0,
                always,
            ),
            kind(
                "serial",
                r"(?i)\bserial(?:[ _]?(?:number|no))?\b[\s:=]+([A-Za-z0-9-]{4,})",
                1,
                always,
            ),
            kind(
                "mac",
                r"\b[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\b",
                0,
                always,
            ),
            kind(
                "ip",
                r"(?:^|[^\w.-])(\d{1,3}(?:\.\d{1,3}){3})(?:$|[^\w.-]|\.(?:$|\s))",
                1,
                looks_like_ip,
            ),
            kind(
                "token",
                r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{20,}|hf_[A-Za-z0-9]{30,}|AKIA[0-9A-Z]{16}|sk-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|glpat-[A-Za-z0-9_-]{20,})",
                0,
                always,
            ),
            kind(
                "token",
                r#"(?i)\b(?:api[_-]?key|access[_-]?key|secret|token|password|passwd|pwd)\b["']?\s*[:=]\s*["']?([^\s"',;]{4,})"#,
                1,
                always,
            ),
            kind("token", r"\b[A-Za-z0-9+/]{32,}={0,2}", 0, looks_like_key),
        ];
        Redactor {
            identity,
            kinds,
            homes: Regex::new(r"(/home/|/Users/|\\Users\\)([^/\\\s]+)").expect("compiles"),
            words: HashMap::new(),
            seen: HashMap::new(),
            counts: HashMap::new(),
        }
    }

    fn placeholder(&mut self, kind: &'static str, secret: &str) -> String {
        if let Some(p) = self.seen.get(secret) {
            return p.clone();
        }
        let n = self.counts.entry(kind).or_insert(0);
        *n += 1;
        let p = format!("<{kind}-{n}>");
        self.seen.insert(secret.to_string(), p.clone());
        p
    }

    /// Replaces `word` where it is not part of a longer name (letters or digits around it).
    fn replace_word(&mut self, text: &str, word: &str, with: &str) -> String {
        let re = self.words.entry(word.to_string()).or_insert_with(|| {
            let pattern = format!(r"(^|[^A-Za-z0-9]){}($|[^A-Za-z0-9])", regex::escape(word));
            Regex::new(&pattern).expect("an escaped word compiles")
        });
        // Twice: adjacent occurrences share a separator the first pass consumed.
        let once = re.replace_all(text, |c: &Captures| format!("{}{with}{}", &c[1], &c[2]));
        re.replace_all(&once, |c: &Captures| format!("{}{with}{}", &c[1], &c[2]))
            .into_owned()
    }

    /// The text with every secret replaced.
    pub fn redact(&mut self, text: &str) -> String {
        let mut out = text.to_string();
        if let Some(home) = self.identity.home.clone() {
            out = out.replace(&format!("{home}/"), "~/");
            if out == home {
                out = "~".into();
            }
        }
        // Other people's homes, and this user's name wherever it appears.
        let mut names: Vec<String> = self
            .homes
            .captures_iter(&out)
            .map(|c| c[2].to_string())
            .filter(|n| n != "<" && !n.starts_with('<'))
            .collect();
        names.extend(self.identity.users.clone());
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        names.dedup();
        for name in names {
            if name.len() < 3 || ["shared", "runner", "Public"].contains(&name.as_str()) {
                continue;
            }
            let p = self.placeholder("user", &name);
            out = self.replace_word(&out, &name, &p);
        }
        for host in self.identity.hosts.clone() {
            let p = self.placeholder("host", &host);
            out = self.replace_word(&out, &host, &p);
        }
        for i in 0..self.kinds.len() {
            let (pattern, group, accept, name) = {
                let k = &self.kinds[i];
                (k.pattern.clone(), k.group, k.accept, k.name)
            };
            let mut replacements: Vec<(std::ops::Range<usize>, String)> = Vec::new();
            for caps in pattern.captures_iter(&out) {
                let Some(m) = caps.get(group) else { continue };
                if accept(m.as_str()) && !m.as_str().starts_with('<') {
                    replacements.push((m.range(), m.as_str().to_string()));
                }
            }
            // Numbered in reading order, replaced back to front so the ranges stay valid.
            let numbered: Vec<(std::ops::Range<usize>, String)> = replacements
                .into_iter()
                .map(|(range, secret)| (range, self.placeholder(name, &secret)))
                .collect();
            for (range, p) in numbered.into_iter().rev() {
                out.replace_range(range, &p);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor() -> Redactor {
        Redactor::new(
            Identity {
                home: Some("/home/alice".into()),
                users: vec!["alice".into()],
                hosts: vec!["gpu-node-17.lab.example.org".into(), "gpu-node-17".into()],
            }
            .cleaned(),
        )
    }

    #[test]
    fn each_kind_of_secret_is_replaced_and_versions_are_kept() {
        let mut r = redactor();
        let text = "python /home/alice/venv/bin/python on gpu-node-17 (gpu-node-17.lab.example.org), \
                    /home/bob/opencv, GPU-5fa2b3c4-1d2e-3f40-5a6b-7c8d9e0f1a2b, Serial Number: 1654321098765, \
                    eth0 00:1b:63:84:45:e6, 192.168.17.42 and 10.0.0.5, token=abc123SECRETvalue, \
                    ghp_0123456789abcdefghijABCDEFGHIJ012345, HF hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789, \
                    key Zm9vYmFyMTIzNDU2Nzg5MEFCQ0RFRkdISUpLTE1O; cuDNN 9.19.0.56, opencv-python 4.10.0.84, driver 580.159.04";
        let out = r.redact(text);
        for secret in [
            "alice",
            "bob",
            "gpu-node-17",
            "example.org",
            "5fa2b3c4",
            "1654321098765",
            "00:1b:63",
            "192.168.17.42",
            "10.0.0.5",
            "abc123SECRETvalue",
            "ghp_0123",
            "hf_AbCd",
            "Zm9vYmFy",
        ] {
            assert!(!out.contains(secret), "{secret} survived: {out}");
        }
        for kept in [
            "~/venv/bin/python",
            "9.19.0.56",
            "4.10.0.84",
            "580.159.04",
            "/home/<user-2>/opencv",
        ] {
            assert!(out.contains(kept), "{kept} lost: {out}");
        }
        // Stable: the same secret gets the same placeholder in a later text.
        assert!(r.redact("again 192.168.17.42").contains("<ip-1>"));
    }

    #[test]
    fn mangled_names_and_pci_ids_are_not_secrets() {
        let mut r = redactor();
        let text = "_ZN2cv4cuda14StreamAccessor9getStreamERKNS0_6StreamE at 00000000:00:06.0";
        assert_eq!(r.redact(text), text);
    }
}
