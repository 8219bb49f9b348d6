//! Rules of the source tree itself, checked by reading it: no import cycles between the
//! modules of `core/src`, `cli/src` and `standin/src` (the rule for what is an edge is in
//! `support/modgraph/mod.rs`), no test file that no test binary compiles, and no wait on
//! a child process without a deadline.

use std::path::{Path, PathBuf};

use crate::support::modgraph::{crate_graph, cycles, describe};

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The cycles of `src` (e.g. `core/src`), described.
fn cycles_in(src: &str) -> Vec<String> {
    let graph = crate_graph(&root().join(src), src);
    cycles(&graph)
        .iter()
        .map(|cycle| describe(&graph, cycle))
        .collect()
}

#[test]
fn no_module_import_cycles() {
    let found: Vec<String> = ["core/src", "cli/src", "standin/src"]
        .iter()
        .flat_map(|src| cycles_in(src))
        .collect();
    assert!(
        found.is_empty(),
        "{} import cycle(s):\n{}",
        found.len(),
        found.join("\n")
    );
}

/// Writes `files` (path, text) under a new directory and returns the cycles of its `src`.
fn cycles_of(files: &[(&str, &str)]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join("src").join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let graph = crate_graph(&dir.path().join("src"), "src");
    cycles(&graph)
        .iter()
        .map(|cycle| describe(&graph, cycle))
        .collect()
}

#[test]
fn the_cycle_check_finds_what_it_should_and_nothing_else() {
    let lib = "mod a; mod b; mod p; pub use b::Thing;";
    // Two siblings through `use`, one of them through the root's re-export.
    let found = cycles_of(&[
        ("lib.rs", lib),
        ("a.rs", "use crate::Thing;"),
        ("b.rs", "pub struct Thing; fn f() { crate::a::g() }"),
        ("p/mod.rs", ""),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("cycle of 2 files: src/a.rs, src/b.rs"),
        "{found:?}"
    );
    // A macro body's `$crate::` path counts for the file that defines the macro; its
    // callers depend on that file.
    let found = cycles_of(&[
        ("lib.rs", lib),
        (
            "a.rs",
            "macro_rules! say { () => { $crate::b::hi() } } pub(crate) use say;",
        ),
        ("b.rs", "fn hi() { say!() }"),
        ("p/mod.rs", ""),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    // A parent and its child using each other, `super` in an inline test module, and
    // paths in comments and strings are not cycles.
    let found = cycles_of(&[
        ("lib.rs", lib),
        (
            "a.rs",
            "// crate::b::x\nfn f() { let s = \"crate::b::x\"; }",
        ),
        ("b.rs", "use crate::a; mod tests { use super::*; }"),
        ("p/mod.rs", "mod c; use c::helper; pub fn shared() {}"),
        ("p/c.rs", "use super::shared; pub fn helper() {}"),
    ]);
    assert!(found.is_empty(), "{found:?}");
    // …but a child that uses its parent, which uses the child's sibling, which uses the
    // child, is one.
    let found = cycles_of(&[
        ("lib.rs", "mod p; mod q;"),
        ("p/mod.rs", "mod c; pub fn shared() { crate::q::f() }"),
        ("p/c.rs", "use super::shared;"),
        ("q.rs", "pub fn f() { crate::p::c::g() }"),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("3 files"), "{found:?}");
}

/// The `.rs` files a test binary rooted at `root` compiles: `mod x;` declarations (one a
/// line, as rustfmt writes them), with `#[path = "…"]` on the line before honoured.
fn declared(root: &Path, out: &mut Vec<PathBuf>) {
    out.push(root.to_path_buf());
    let text = std::fs::read_to_string(root).unwrap();
    let dir = root.parent().unwrap();
    let is_dir_owner = matches!(
        root.file_name().and_then(|n| n.to_str()),
        Some("mod.rs" | "main.rs")
    ) || dir.file_name().is_some_and(|d| d == "tests");
    let children = if is_dir_owner {
        dir.to_path_buf()
    } else {
        dir.join(root.file_stem().unwrap())
    };
    let mut path_attr = None;
    for line in text.lines().map(str::trim) {
        if let Some(p) = line
            .strip_prefix("#[path = \"")
            .and_then(|rest| rest.strip_suffix("\"]"))
        {
            path_attr = Some(dir.join(p));
            continue;
        }
        let declaration = ["pub(crate) ", "pub "]
            .iter()
            .find_map(|p| line.strip_prefix(p))
            .unwrap_or(line)
            .strip_prefix("mod ")
            .and_then(|rest| rest.strip_suffix(';'));
        if let Some(name) = declaration {
            let file = path_attr.take().unwrap_or_else(|| {
                let flat = children.join(format!("{name}.rs"));
                if flat.exists() {
                    flat
                } else {
                    children.join(name).join("mod.rs")
                }
            });
            declared(&file, out);
        } else if !line.starts_with("#[") {
            path_attr = None;
        }
    }
}

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_test_file_is_forgotten() {
    for tests in ["cli/tests", "standin/tests"] {
        let tests = root().join(tests);
        // Cargo's test binaries: tests/NAME.rs and tests/NAME/main.rs.
        let mut reached = Vec::new();
        for entry in std::fs::read_dir(&tests).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() && path.extension().is_some_and(|e| e == "rs") {
                declared(&path, &mut reached);
            } else if path.join("main.rs").is_file() {
                declared(&path.join("main.rs"), &mut reached);
            }
        }
        let reached: Vec<PathBuf> = reached
            .iter()
            .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
            .collect();
        let mut all = Vec::new();
        rust_files(&tests, &mut all);
        let forgotten: Vec<String> = all
            .iter()
            .filter(|f| !reached.contains(&f.canonicalize().unwrap()))
            .map(|f| f.display().to_string())
            .collect();
        assert!(
            forgotten.is_empty(),
            "not declared as a module of any test binary, so never compiled or run: {forgotten:?}"
        );
        assert!(reached.len() > 5, "{} files reached", reached.len());
    }
}

/// A test may fail, never hang: the tests wait on a child only through
/// `tests/support/child.rs` (`output_within`, `status_within`, `wait_within`), which kill
/// it at a deadline. A bare `.output()`, `.status()`, `.wait()` or `wait_with_output()`
/// anywhere else in the test code is refused.
#[test]
fn every_wait_on_a_child_has_a_deadline() {
    let mut files = Vec::new();
    for dir in ["cli/tests", "standin/tests", "core/tests", "tests/support"] {
        rust_files(&root().join(dir), &mut files);
    }
    let waits = [".output()", ".status()", ".wait()", "wait_with_output()"];
    let mut found = Vec::new();
    for file in &files {
        if file.ends_with("tests/support/child.rs") || file.ends_with("e2e/layout.rs") {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if waits.iter().any(|w| code.contains(w)) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "waits without a deadline (use output_within/status_within/wait_within):\n{}",
        found.join("\n")
    );
}
