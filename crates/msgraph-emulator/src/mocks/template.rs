//! Route templates: the URL of a registered answer (`/users/{id}/assignLicense`,
//! `https://graph.microsoft.com/v1.0/users/*/photo/$value`,
//! `/me/drive/items/{item}/workbook/worksheets/{name}/range(address='{address}')?$select=*`) and
//! how a request's path and query are matched against it.
//!
//! Both sides are normalised the way the router reads Graph URLs, so a template matches every
//! spelling Graph accepts for the same resource:
//! * segments are split on `/` *before* percent-decoding (`a%2Fb` is one segment), then decoded;
//! * literal text compares ASCII-case-insensitively (`/Users` is `/users`);
//! * `name('key')` and `name(id='key')` are the segments `name` and `key` (so `/users/{id}`
//!   matches `/users('x')`), an empty `()` is dropped (`delta()` is `delta`), and the
//!   `microsoft.graph.` namespace before an operation or cast is optional;
//! * `/v1.0` (and an absolute `https://host/v1.0`) in front of the template is dropped.

use crate::router::{split_parens, split_path_marked};

/// Most steps one match may take (the backtracking over `*` and `{x}` is bounded).
const MATCH_BUDGET: u32 = 100_000;
/// The namespace Graph lets clients leave out before a bound operation.
const NAMESPACE: &str = "microsoft.graph.";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// Literal characters (never a `/`), compared ASCII-case-insensitively.
    Lit(Vec<char>),
    /// A segment boundary.
    Sep,
    /// `{name}`: at least one character within one segment; `quoted` when written between
    /// single quotes (`'{x}'`), where a doubled quote is one quote of the value.
    Var { index: usize, quoted: bool },
    /// `*`: any characters, across segments too (as in Dev Proxy's mock URLs).
    Star,
}

/// A parsed path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathTemplate {
    toks: Vec<Tok>,
    vars: Vec<String>,
}

/// How a query parameter's value must look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ValueMatch {
    /// The parameter is present, with any value.
    Present,
    /// Exactly this (decoded) value.
    Exact(String),
    /// `*` stands for any characters.
    Glob(String),
}

/// One query-parameter condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryRule {
    pub(crate) name: String,
    pub(crate) value: ValueMatch,
}

/// Splits a URL or template into its path template and the query conditions written in it.
pub(crate) fn parse_url(url: &str) -> Result<(PathTemplate, Vec<QueryRule>), String> {
    let url = url.trim();
    let (rest, absolute) = match url.find("://") {
        Some(i) => {
            let after = &url[i + 3..];
            match after.find('/') {
                Some(j) => (&after[j..], true),
                None => {
                    return Err(format!("the URL '{url}' has no path: mock e.g. https://graph.microsoft.com/v1.0/me"))
                }
            }
        }
        None => (url, false),
    };
    let rest = rest.split('#').next().unwrap_or("");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = if path.starts_with('/') || path.starts_with('*') { path.to_string() } else { format!("/{path}") };
    let lower = path.to_ascii_lowercase();
    let path = if lower == "/v1.0" || lower.starts_with("/v1.0/") {
        path[5..].to_string()
    } else if lower == "/beta" || lower.starts_with("/beta/") {
        return Err(format!("'{url}' is a beta URL: the emulator serves Microsoft Graph v1.0 only"));
    } else if absolute && !path.starts_with("/*") && !path.starts_with('*') {
        return Err(format!(
            "'{url}' is not a Microsoft Graph v1.0 URL: mock https://graph.microsoft.com/v1.0/... (or a path such as /me)"
        ));
    } else {
        path
    };
    let template = PathTemplate::parse(&path)?;
    let mut rules = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = match pair.split_once('=') {
            Some((n, v)) => (decode_query(n), Some(decode_query(v))),
            None => (decode_query(pair), None),
        };
        if name.is_empty() {
            return Err(format!("'{url}' has a query parameter without a name"));
        }
        let value = match value {
            None => ValueMatch::Present,
            Some(v) if v.contains('*') => ValueMatch::Glob(v),
            Some(v) => ValueMatch::Exact(v),
        };
        rules.push(QueryRule { name, value });
    }
    Ok((template, rules))
}

fn decode_query(s: &str) -> String {
    form_urlencoded::parse(s.as_bytes()).next().map(|(k, _)| k.into_owned()).unwrap_or_default()
}

/// Graph's spellings of one segment, reduced to one: `ns.op` → `op`, `f()` → `f`,
/// `set('k')`/`set(id='k')` → `set`, `k`. `unquote` undoes `''` in a key (requests; a
/// template's `'{id}'` keeps its braces either way).
fn canonical(seg: &str, first: bool) -> Vec<String> {
    let mut s = seg;
    if !first
        && s.len() > NAMESPACE.len()
        && s.is_char_boundary(NAMESPACE.len())
        && s[..NAMESPACE.len()].eq_ignore_ascii_case(NAMESPACE)
    {
        s = &s[NAMESPACE.len()..];
    }
    if let Some(stripped) = s.strip_suffix("()") {
        if !stripped.is_empty() && !stripped.contains('(') {
            return vec![stripped.to_string()];
        }
    }
    if let (name, Some(args)) = split_parens(s) {
        let args = args.trim();
        let quoted = match args.split_once('=') {
            Some((k, v)) if k.trim().eq_ignore_ascii_case("id") => v.trim(),
            Some(_) => "",
            None => args,
        };
        if !name.contains('(') && quoted.len() >= 2 && quoted.starts_with('\'') && quoted.ends_with('\'') {
            let inner = &quoted[1..quoted.len() - 1];
            return vec![name.to_string(), inner.replace("''", "'")];
        }
    }
    vec![s.to_string()]
}

impl PathTemplate {
    /// Parses a template path (after `/v1.0`): literal text, `{name}` and `*`.
    pub(crate) fn parse(path: &str) -> Result<PathTemplate, String> {
        let segments = split_path_marked(path).map_err(|e| format!("the path '{path}' is not valid: {}", e.message))?;
        if segments.is_empty() {
            return Err("the template has no path: e.g. /users/{id}/assignLicense".into());
        }
        let mut toks = Vec::new();
        let mut vars: Vec<String> = Vec::new();
        let mut first = true;
        for (raw, _) in &segments {
            if first && raw.eq_ignore_ascii_case("$batch") && segments.len() == 1 {
                return Err("$batch itself cannot be mocked: register its items' routes instead".into());
            }
            for part in canonical(raw, first) {
                if !toks.is_empty() {
                    toks.push(Tok::Sep);
                }
                parse_segment(&part, path, &mut toks, &mut vars)?;
            }
            first = false;
        }
        // A `{x}` written between quotes takes `''` as one quote of its value.
        for i in 0..toks.len() {
            if let Tok::Var { .. } = toks[i] {
                let before = i > 0 && matches!(&toks[i - 1], Tok::Lit(l) if l.last() == Some(&'\''));
                let after = matches!(toks.get(i + 1), Some(Tok::Lit(l)) if l.first() == Some(&'\''));
                if let Tok::Var { quoted, .. } = &mut toks[i] {
                    *quoted = before && after;
                }
            }
        }
        Ok(PathTemplate { toks, vars })
    }

    /// Matches a raw request path (after `/v1.0`, not decoded); the captured variables on success.
    #[cfg(test)]
    pub(crate) fn matches(&self, raw_path: &str) -> Option<Vec<(String, String)>> {
        self.matches_input(&Self::input(raw_path)?)
    }

    /// A raw request path (after `/v1.0`, not decoded) as templates match it: decoded,
    /// canonical segments, `None` between them; `None` when the path does not parse. The same
    /// for every template, so it is made once per request.
    pub(crate) fn input(raw_path: &str) -> Option<Vec<Option<char>>> {
        let segments = split_path_marked(raw_path).ok()?;
        let mut input: Vec<Option<char>> = Vec::new();
        for (i, (seg, literal)) in segments.iter().enumerate() {
            let parts = if *literal { vec![seg.clone()] } else { canonical(seg, i == 0) };
            for part in parts {
                if !input.is_empty() {
                    input.push(None);
                }
                input.extend(part.chars().map(Some));
            }
        }
        Some(input)
    }

    /// Matches a path made by [`PathTemplate::input`]; the captured variables on success.
    pub(crate) fn matches_input(&self, input: &[Option<char>]) -> Option<Vec<(String, String)>> {
        let mut caps = vec![(0usize, 0usize); self.vars.len()];
        let mut budget = MATCH_BUDGET;
        if !self.go(0, input, 0, &mut caps, &mut budget) {
            return None;
        }
        let mut out = Vec::with_capacity(self.vars.len());
        for (index, name) in self.vars.iter().enumerate() {
            let (a, b) = caps[index];
            let text: String = input[a..b].iter().flatten().collect();
            let quoted = self.toks.iter().any(|t| matches!(t, Tok::Var { index: i, quoted: true } if *i == index));
            out.push((name.clone(), if quoted { text.replace("''", "'") } else { text }));
        }
        Some(out)
    }

    fn go(&self, t: usize, input: &[Option<char>], i: usize, caps: &mut [(usize, usize)], budget: &mut u32) -> bool {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        match self.toks.get(t) {
            None => i == input.len(),
            Some(Tok::Sep) => input.get(i) == Some(&None) && self.go(t + 1, input, i + 1, caps, budget),
            Some(Tok::Lit(chars)) => {
                for (k, c) in chars.iter().enumerate() {
                    match input.get(i + k) {
                        Some(Some(x)) if x.eq_ignore_ascii_case(c) => {}
                        _ => return false,
                    }
                }
                self.go(t + 1, input, i + chars.len(), caps, budget)
            }
            Some(Tok::Var { index, .. }) => {
                let mut end = i;
                while matches!(input.get(end), Some(Some(_))) {
                    end += 1;
                }
                for e in (i + 1..=end).rev() {
                    if let Some(slot) = caps.get_mut(*index) {
                        *slot = (i, e);
                    }
                    if self.go(t + 1, input, e, caps, budget) {
                        return true;
                    }
                }
                false
            }
            Some(Tok::Star) => (i..=input.len()).rev().any(|e| self.go(t + 1, input, e, caps, budget)),
        }
    }
}

fn parse_segment(seg: &str, path: &str, toks: &mut Vec<Tok>, vars: &mut Vec<String>) -> Result<(), String> {
    let mut lit: Vec<char> = Vec::new();
    let mut chars = seg.chars();
    let flush = |lit: &mut Vec<char>, toks: &mut Vec<Tok>| {
        if !lit.is_empty() {
            toks.push(Tok::Lit(std::mem::take(lit)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '{' => {
                let mut name = String::new();
                let mut closed = false;
                for n in chars.by_ref() {
                    if n == '}' {
                        closed = true;
                        break;
                    }
                    name.push(n);
                }
                if !closed {
                    return Err(format!("the template '{path}' has a '{{' without its '}}'"));
                }
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) {
                    return Err(format!(
                        "the template '{path}' has the variable '{{{name}}}': names are letters, digits, '_', '-' and '.'"
                    ));
                }
                if vars.iter().any(|v| v == &name) {
                    return Err(format!("the template '{path}' uses the variable '{{{name}}}' twice"));
                }
                if matches!(toks.last(), Some(Tok::Var { .. } | Tok::Star)) && lit.is_empty() {
                    return Err(format!("the template '{path}' has '{{{name}}}' right after another variable or '*'"));
                }
                flush(&mut lit, toks);
                toks.push(Tok::Var { index: vars.len(), quoted: false });
                vars.push(name);
            }
            '}' => return Err(format!("the template '{path}' has a '}}' without its '{{'")),
            '*' => {
                flush(&mut lit, toks);
                if !matches!(toks.last(), Some(Tok::Star)) {
                    toks.push(Tok::Star);
                }
            }
            c => lit.push(c),
        }
    }
    flush(&mut lit, toks);
    Ok(())
}

/// Whether the request query (raw, without `?`) satisfies every rule. Names compare
/// ASCII-case-insensitively and the `$` of a system query option is optional (Graph v1.0
/// accepts `select=` for `$select=`); values compare exactly after decoding.
pub(crate) fn query_matches(rules: &[QueryRule], raw_query: &str) -> bool {
    if rules.is_empty() {
        return true;
    }
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw_query.as_bytes()).into_owned().collect();
    let same = |a: &str, b: &str| a.trim_start_matches('$').eq_ignore_ascii_case(b.trim_start_matches('$'));
    rules.iter().all(|rule| {
        pairs.iter().any(|(name, value)| {
            same(name, &rule.name)
                && match &rule.value {
                    ValueMatch::Present => true,
                    ValueMatch::Exact(v) => value == v,
                    ValueMatch::Glob(g) => glob(g, value),
                }
        })
    })
}

/// `*` matches any characters (linear: each literal piece is found once, left to right).
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let pieces: Vec<&str> = pattern.split('*').collect();
    if pieces.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (pieces[0], pieces[pieces.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for piece in &pieces[1..pieces.len() - 1] {
        match rest.find(piece) {
            Some(i) => rest = &rest[i + piece.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(template: &str, path: &str) -> Option<Vec<(String, String)>> {
        parse_url(template).unwrap_or_else(|e| panic!("{template}: {e}")).0.matches(path)
    }

    fn var(template: &str, path: &str, name: &str) -> String {
        let c = caps(template, path).unwrap_or_else(|| panic!("{template} does not match {path}"));
        c.into_iter().find(|(n, _)| n == name).map(|(_, v)| v).unwrap_or_default()
    }

    #[test]
    fn literal_paths_follow_graph_normalisation() {
        let t = "/users/{id}/microsoft.graph.assignLicense";
        assert_eq!(var(t, "/users/u1/assignLicense", "id"), "u1");
        assert_eq!(var(t, "/Users/u1/ASSIGNLICENSE", "id"), "u1");
        assert_eq!(var(t, "/users('u1')/microsoft.graph.assignLicense", "id"), "u1");
        assert_eq!(var(t, "/users(id='it''s')/assignLicense", "id"), "it's");
        assert_eq!(var(t, "/users/a%2Fb%40c/assignLicense", "id"), "a/b@c");
        assert_eq!(var("/v1.0/users/{id}/assignLicense", "/users/x/assignLicense/", "id"), "x");
        assert_eq!(var("https://graph.microsoft.com/v1.0/users/{id}", "/users/x", "id"), "x");
        assert!(caps(t, "/users/u1").is_none());
        assert!(caps(t, "/users/u1/assignLicense/x").is_none());
        assert!(caps(t, "/groups/u1/assignLicense").is_none());
        assert!(caps("/users/delta()", "/users/delta").is_some());
        assert!(caps("/users/delta", "/users/microsoft.graph.delta()").is_some());
    }

    #[test]
    fn captures_inside_a_segment() {
        let t = "/me/drive/items/{item-id}/workbook/worksheets/{name}/range(address='{address}')";
        let p = "/me/drive/items/01ABC/workbook/worksheets/Sheet%201/range(address='A1%3AB2')";
        assert_eq!(var(t, p, "item-id"), "01ABC");
        assert_eq!(var(t, p, "name"), "Sheet 1");
        assert_eq!(var(t, p, "address"), "A1:B2");
        let quoted = "/me/drive/items/x/workbook/worksheets/s/range(address='it''s!A1')";
        assert_eq!(var(t, quoted, "address"), "it's!A1");
        // The worksheet key syntax is the segment form too.
        let keyed = "/me/drive/items/x/workbook/worksheets('Sheet1')/range(address='A1')";
        assert_eq!(var(t, keyed, "name"), "Sheet1");
        assert!(caps(t, "/me/drive/items/x/workbook/worksheets/s/range").is_none());
    }

    #[test]
    fn wildcards_cross_segments() {
        let t = "https://graph.microsoft.com/v1.0/users/*/photo/$value";
        assert!(caps(t, "/users/u1/photo/$value").is_some());
        assert!(caps(t, "/users/a/b/photo/$value").is_some());
        assert!(caps(t, "/users/u1/photo").is_none());
        assert!(caps("/users/*", "/users/u1/messages").is_some());
        assert!(caps("/users/*", "/users").is_none());
        assert!(caps("*", "/anything/at/all").is_some());
        assert!(caps("/users/u*", "/users/u1").is_some() && caps("/users/u*", "/users/x1").is_none());
    }

    #[test]
    fn bad_templates() {
        for (t, why) in [
            ("/users/{id", "without its"),
            ("/users/id}", "without its"),
            ("/users/{}", "names are"),
            ("/users/{a}/x/{a}", "twice"),
            ("/users/{a}{b}", "right after"),
            ("/beta/me", "v1.0 only"),
            ("https://login.microsoftonline.com/t/oauth2/v2.0/token", "not a Microsoft Graph"),
            ("https://graph.microsoft.com", "no path"),
            ("/v1.0", "no path"),
            ("/users//x", "empty path segment"),
            ("/$batch", "$batch"),
        ] {
            let e = parse_url(t).err().unwrap_or_else(|| panic!("{t} parsed"));
            assert!(e.contains(why), "{t}: {e}");
        }
    }

    #[test]
    fn queries() {
        let (_, rules) = parse_url("/me?$select=id&$filter").unwrap();
        assert!(query_matches(&rules, "$select=id&$filter=x"));
        assert!(query_matches(&rules, "%24select=id&%24filter=a%20b"));
        assert!(query_matches(&rules, "select=id&filter"));
        assert!(!query_matches(&rules, "$select=id"));
        assert!(!query_matches(&rules, "$select=displayName&$filter=x"));
        let (_, rules) = parse_url("/me?$select=id,*").unwrap();
        assert!(query_matches(&rules, "$select=id,displayName"));
        assert!(query_matches(&[], "anything"));
        assert!(glob("a*c*e", "abcde") && !glob("a*c*e", "abde") && glob("*", "") && !glob("ab*ba", "aba"));
    }
}
