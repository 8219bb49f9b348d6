//! The module dependency graph of one crate's `src/` tree, read from the source text, and
//! its cycles (strongly connected components of more than one file).
//!
//! The rule, file by file (each `.rs` file is one node; `src/bin/` holds other crates and
//! is left out):
//! - An edge A → B is a path written in A that names B or an item of B: a `use` of
//!   `crate::…`, `super::…`, `self::…` or of a child module, a path in code starting with
//!   `crate::`, `$crate::` (a macro body counts for the file that defines the macro),
//!   `super::` or `self::`, and a call `name!` of a `macro_rules!` macro another file defines.
//! - A path is resolved to the deepest module that is a file; when the next segment is a
//!   name that file imports with `use` (a re-export such as `pub use faults::Fault`), the
//!   import is followed, so `crate::Fault` counts for `faults.rs`, not `lib.rs`. Glob
//!   imports are not followed: the item is taken to be the file's own.
//! - A module owns its children: `mod x;`, re-exporting from `x` and using what `x` (or
//!   any module below it) defines are not edges. A child using its parent (`use super::…`,
//!   `crate::parent::item`) is one, so a parent and a child that use each other are not a
//!   cycle, but a child that uses a parent which uses a sibling of it is, through the
//!   sibling.
//! - Comments, doc comments and literals are ignored; inline modules (`mod tests { … }`)
//!   are part of their file, and `super` inside one stays in the file.

mod lex;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use lex::{Tok, Token};

/// The graph of one crate.
pub struct Graph {
    /// The files, as paths relative to the directory the crate's `src` was given from.
    pub files: Vec<String>,
    /// (from, to) → where the first path that makes the edge is written.
    pub edges: BTreeMap<(usize, usize), String>,
}

struct File {
    module: Vec<String>,
    /// Top-level `use` names → the absolute path they stand for.
    imports: HashMap<String, Vec<String>>,
    /// Absolute paths written in the file, with where.
    paths: Vec<(Vec<String>, String)>,
    /// `name!` calls, with where.
    macro_calls: Vec<(String, String)>,
}

/// Reads every `.rs` file under `src` (`label` prefixes the names shown).
pub fn crate_graph(src: &Path, label: &str) -> Graph {
    let mut sources = Vec::new();
    collect(src, src, &mut sources);
    sources.sort();
    let modules: HashMap<Vec<String>, usize> = sources
        .iter()
        .enumerate()
        .map(|(i, (module, _))| (module.clone(), i))
        .collect();
    let mut macros = HashMap::new();
    let mut files = Vec::new();
    let mut names = Vec::new();
    for (i, (module, path)) in sources.iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap();
        let name = format!("{label}/{}", path.strip_prefix(src).unwrap().display());
        let file = parse(&lex::tokens(&text), module, &modules, &name, |m| {
            macros.insert(m, i);
        });
        files.push(file);
        names.push(name);
    }
    let mut edges = BTreeMap::new();
    for (from, file) in files.iter().enumerate() {
        let targets = file
            .paths
            .iter()
            .filter_map(|(path, at)| Some((resolve(path, &files, &modules, 0)?, at)))
            .chain(
                file.macro_calls
                    .iter()
                    .filter_map(|(name, at)| Some((*macros.get(name)?, at))),
            );
        for (to, at) in targets {
            let owned = files[to].module.starts_with(&file.module);
            if to != from && !owned {
                edges.entry((from, to)).or_insert_with(|| at.clone());
            }
        }
    }
    Graph {
        files: names,
        edges,
    }
}

fn collect(src: &Path, dir: &Path, out: &mut Vec<(Vec<String>, PathBuf)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let relative = path.strip_prefix(src).unwrap();
        if path.is_dir() && relative != Path::new("bin") {
            collect(src, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let mut module: Vec<String> = relative
                .with_extension("")
                .iter()
                .map(|s| s.to_string_lossy().into_owned())
                .collect();
            if matches!(module.last().map(String::as_str), Some("mod")) {
                module.pop();
            }
            if module == ["lib"] || module == ["main"] {
                module.clear();
            }
            out.push((module, path));
        }
    }
}

fn parse(
    toks: &[Token],
    module: &[String],
    modules: &HashMap<Vec<String>, usize>,
    name: &str,
    mut define_macro: impl FnMut(String),
) -> File {
    let mut file = File {
        module: module.to_vec(),
        imports: HashMap::new(),
        paths: Vec::new(),
        macro_calls: Vec::new(),
    };
    // Inline modules open here: (name, brace depth inside them).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let ident = |i: usize| match toks.get(i).map(|t| &t.tok) {
        Some(Tok::Ident(s)) => Some(s.as_str()),
        _ => None,
    };
    let punct = |i: usize, c: char| toks.get(i).map(|t| &t.tok) == Some(&Tok::Punct(c));
    let sep = |i: usize| toks.get(i).map(|t| &t.tok) == Some(&Tok::PathSep);
    let mut i = 0;
    while i < toks.len() {
        let here: Vec<String> = module
            .iter()
            .cloned()
            .chain(inline.iter().map(|(n, _)| n.clone()))
            .collect();
        let at = |i: usize| format!("{name}:{}", toks[i].line);
        match &toks[i].tok {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth -= 1;
                inline.retain(|(_, d)| *d <= depth);
            }
            Tok::Ident(kw) if kw == "mod" && ident(i + 1).is_some() && punct(i + 2, '{') => {
                inline.push((ident(i + 1).unwrap().to_owned(), depth + 1));
                depth += 1;
                i += 3;
                continue;
            }
            Tok::Ident(kw) if kw == "macro_rules" && punct(i + 1, '!') => {
                if let Some(m) = ident(i + 2) {
                    define_macro(m.to_owned());
                }
                i += 3;
                continue;
            }
            Tok::Ident(kw) if kw == "use" => {
                let start = i;
                i += 1;
                let tree = use_tree(toks, &mut i, Vec::new());
                while i < toks.len() && !punct(i, ';') {
                    i += 1;
                }
                for (path, alias) in tree {
                    let Some(abs) = absolute(&path, &here, modules, true) else {
                        continue;
                    };
                    let shown = format!("{} use {}", at(start), path.join("::"));
                    if inline.is_empty() {
                        let local = alias.or_else(|| abs.last().cloned());
                        if let Some(local) = local.filter(|l| l != "_" && l != "*") {
                            file.imports.insert(local, abs.clone());
                        }
                    }
                    file.paths.push((abs, shown));
                }
                continue;
            }
            Tok::Ident(first)
                if sep(i + 1)
                    && matches!(first.as_str(), "crate" | "$crate" | "super" | "self") =>
            {
                let start = i;
                let mut path = vec![first.clone()];
                i += 1;
                while sep(i) && ident(i + 1).is_some() {
                    path.push(ident(i + 1).unwrap().to_owned());
                    i += 2;
                }
                if let Some(abs) = absolute(&path, &here, modules, false) {
                    file.paths
                        .push((abs, format!("{} {}", at(start), path.join("::"))));
                }
                continue;
            }
            Tok::Ident(call)
                if punct(i + 1, '!') && !punct(i + 2, '=') && !(i > 0 && sep(i - 1)) =>
            {
                file.macro_calls
                    .push((call.clone(), format!("{} {call}!", at(i))));
            }
            _ => {}
        }
        i += 1;
    }
    file
}

/// The paths of one `use` tree from `*i` (stopping before the `,`, `}` or `;` that ends
/// it), with their `as` names; a glob ends in `*`.
fn use_tree(
    toks: &[Token],
    i: &mut usize,
    prefix: Vec<String>,
) -> Vec<(Vec<String>, Option<String>)> {
    let mut path = prefix;
    let written = path.len();
    while let Some(token) = toks.get(*i) {
        match &token.tok {
            Tok::Ident(s) if s == "as" => {
                *i += 1;
                let alias = match toks.get(*i).map(|t| &t.tok) {
                    Some(Tok::Ident(alias)) => Some(alias.clone()),
                    _ => None,
                };
                *i += 1;
                return vec![(normalised(path), alias)];
            }
            Tok::Ident(s) => path.push(s.clone()),
            Tok::PathSep => {}
            Tok::Punct('*') => {
                *i += 1;
                path.push("*".into());
                return vec![(path, None)];
            }
            Tok::Punct('{') => {
                *i += 1;
                let mut out = Vec::new();
                while let Some(token) = toks.get(*i) {
                    match token.tok {
                        Tok::Punct('}') => {
                            *i += 1;
                            break;
                        }
                        Tok::Punct(',') => *i += 1,
                        _ => {
                            let before = *i;
                            out.extend(use_tree(toks, i, path.clone()));
                            if *i == before {
                                *i += 1;
                            }
                        }
                    }
                }
                return out;
            }
            _ => break,
        }
        *i += 1;
    }
    if path.len() > written {
        vec![(normalised(path), None)]
    } else {
        Vec::new()
    }
}

/// `a::b::self` names `a::b`.
fn normalised(mut path: Vec<String>) -> Vec<String> {
    if path.len() > 1 && path.last().is_some_and(|s| s == "self") {
        path.pop();
    }
    path
}

/// `path` as written in module `here`, made absolute (from the crate root); `None` for
/// another crate's path, or a local item's in a `use`.
fn absolute(
    path: &[String],
    here: &[String],
    modules: &HashMap<Vec<String>, usize>,
    in_use: bool,
) -> Option<Vec<String>> {
    let mut base: Vec<String> = here.to_vec();
    let mut rest = path;
    match path.first()?.as_str() {
        "crate" | "$crate" => {
            base.clear();
            rest = &path[1..];
        }
        "self" => rest = &path[1..],
        "super" => {
            while rest.first().is_some_and(|s| s == "super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        child if in_use => {
            let mut candidate = here.to_vec();
            candidate.push(child.to_owned());
            modules.get(&candidate)?;
        }
        _ => return None,
    }
    base.extend(rest.iter().filter(|s| *s != "*").cloned());
    Some(base)
}

/// The file an absolute path lands in, following re-exports.
fn resolve(
    path: &[String],
    files: &[File],
    modules: &HashMap<Vec<String>, usize>,
    hops: usize,
) -> Option<usize> {
    let (len, file) = (0..=path.len())
        .rev()
        .find_map(|n| modules.get(&path[..n]).map(|&f| (n, f)))?;
    let Some(next) = path.get(len) else {
        return Some(file);
    };
    match files[file].imports.get(next) {
        Some(target) if hops < 16 && target.as_slice() != &path[..=len] => {
            let mut followed = target.clone();
            followed.extend(path[len + 1..].iter().cloned());
            resolve(&followed, files, modules, hops + 1).or(Some(file))
        }
        _ => Some(file),
    }
}

/// The cycles: strongly connected components of more than one file (Tarjan), each with
/// its files sorted, in a stable order.
pub fn cycles(graph: &Graph) -> Vec<Vec<usize>> {
    let n = graph.files.len();
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in graph.edges.keys() {
        next[a].push(b);
    }
    struct Tarjan<'a> {
        next: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        stack: Vec<usize>,
        on_stack: Vec<bool>,
        counter: usize,
        found: Vec<Vec<usize>>,
    }
    fn visit(t: &mut Tarjan, v: usize) {
        t.index[v] = Some(t.counter);
        t.low[v] = t.counter;
        t.counter += 1;
        t.stack.push(v);
        t.on_stack[v] = true;
        for &w in &t.next[v] {
            match t.index[w] {
                None => {
                    visit(t, w);
                    t.low[v] = t.low[v].min(t.low[w]);
                }
                Some(iw) if t.on_stack[w] => t.low[v] = t.low[v].min(iw),
                Some(_) => {}
            }
        }
        if Some(t.low[v]) == t.index[v] {
            let mut component = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                t.found.push(component);
            }
        }
    }
    let mut t = Tarjan {
        next: &next,
        index: vec![None; n],
        low: vec![0; n],
        stack: Vec::new(),
        on_stack: vec![false; n],
        counter: 0,
        found: Vec::new(),
    };
    for v in 0..n {
        if t.index[v].is_none() {
            visit(&mut t, v);
        }
    }
    t.found.sort();
    t.found
}

/// A cycle as text: its files, then each edge inside it with the path that makes it.
pub fn describe(graph: &Graph, cycle: &[usize]) -> String {
    let names: Vec<&str> = cycle.iter().map(|&f| graph.files[f].as_str()).collect();
    let mut text = format!("cycle of {} files: {}\n", cycle.len(), names.join(", "));
    for (&(a, b), at) in &graph.edges {
        if cycle.contains(&a) && cycle.contains(&b) {
            text.push_str(&format!(
                "  {} → {}  ({at})\n",
                graph.files[a], graph.files[b]
            ));
        }
    }
    text
}
