//! What changed since the last run, from file metadata alone (`pipeline/scan.py`, the
//! reference): walk the inputs in the pipeline's order, stat each, write the metadata file and
//! compare it with the last run's, in one streaming pass.
//!
//! Walk order: a root after another in argument order; in a folder, entries sorted by name
//! (bytes, which is Python's code point order for UTF-8 names), folders depth-first, hidden
//! entries (a leading `.`) skipped. A tree with a name that is not UTF-8 is declined (`None`):
//! Python orders such names by their surrogate escapes, and the reference then does the work.

use std::cmp::Ordering;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Timestamp granularity of the racy-clean test (see `pipeline/scan.py`).
const FINE_MARGIN_NS: i64 = 20_000_000;
const COARSE_MARGIN_NS: i64 = 2_000_000_000;

/// (size, mtime_ns, inode, ctime_ns); -1 each when the file cannot be stat'ed.
pub type Meta = (i64, i64, i64, i64);

/// The comparison's outcome: files unchanged by metadata, (path, rel) of the candidates to
/// hash (none listed on a first run), rels that are gone, and the number of inputs now.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub unchanged: u64,
    /// The number of the first entry of the old file that may not stay as it was (the
    /// entries before it are the new file's first entries, unchanged); None when all stay.
    pub first_touched: Option<u64>,
    /// SHA-256 of the relative paths in walk order, each ended by a NUL.
    pub rels_digest: String,
    pub candidates: Vec<(String, String)>,
    pub deleted: Vec<String>,
    pub count: u64,
}

/// True when a file with this mtime may have changed within the clock tick of a run that
/// started at `seen_at_ns`.
pub fn racy(mtime_ns: i64, seen_at_ns: Option<i64>) -> bool {
    let Some(seen_at_ns) = seen_at_ns else {
        return false;
    };
    let margin = if mtime_ns.rem_euclid(1_000_000_000) == 0 {
        COARSE_MARGIN_NS
    } else {
        FINE_MARGIN_NS
    };
    mtime_ns >= seen_at_ns - margin
}

fn meta_of(m: &fs::Metadata) -> Meta {
    (
        m.len() as i64,
        m.mtime() * 1_000_000_000 + m.mtime_nsec(),
        m.ino() as i64,
        m.ctime() * 1_000_000_000 + m.ctime_nsec(),
    )
}

fn stat(path: &Path) -> Meta {
    fs::metadata(path).map_or((-1, -1, -1, -1), |m| meta_of(&m))
}

/// Stat a file of an open folder by name: no lookup of the folder's path per file.
fn stat_at(dir: &rustix::fd::OwnedFd, name: &str, path: &Path) -> Meta {
    match rustix::fs::statat(dir, name, rustix::fs::AtFlags::empty()) {
        Ok(st) => (
            st.st_size,
            st.st_mtime * 1_000_000_000 + st.st_mtime_nsec as i64,
            st.st_ino as i64,
            st.st_ctime * 1_000_000_000 + st.st_ctime_nsec as i64,
        ),
        Err(_) => stat(path),
    }
}

/// Order of two relative paths within one root: component by component.
fn walk_cmp(a: &str, b: &str) -> Ordering {
    a.split('/').cmp(b.split('/'))
}

/// A file found by the walk.
struct Found {
    path: PathBuf,
    rel: String,
    meta: Meta,
}

/// Every input of one root in walk order; None when a name is not UTF-8.
fn walk_root(root: &Path, prefix: &str, skip: Option<&str>, out: &mut Vec<Found>) -> Option<()> {
    if !root.is_dir() {
        let name = root.file_name()?.to_str()?;
        if Some(name) != skip {
            out.push(Found {
                path: root.to_path_buf(),
                rel: format!("{prefix}{name}"),
                meta: stat(root),
            });
        }
        return Some(());
    }
    walk_dir(root, prefix, skip, out)
}

/// The files under `folder` (relative paths starting with `rel`), stat'ed; `skip` names a
/// file of the first level that is left out.
fn walk_dir(folder: &Path, rel: &str, skip: Option<&str>, out: &mut Vec<Found>) -> Option<()> {
    let mut entries: Vec<(String, bool)> = Vec::new();
    let listing = fs::read_dir(folder).ok()?;
    for entry in listing {
        let entry = entry.ok()?;
        let name = entry.file_name().into_string().ok()?;
        if name.starts_with('.') {
            continue;
        }
        let is_dir = entry.file_type().ok()?.is_dir();
        entries.push((name, is_dir));
    }
    entries.sort();
    let dir = rustix::fs::open(
        folder,
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .ok()?;
    // The files of this folder, stat'ed on two threads when there are many (a stat is a
    // system call each, most of the walk's time).
    let files: Vec<&str> = entries
        .iter()
        .filter(|(name, is_dir)| !is_dir && Some(name.as_str()) != skip)
        .map(|(name, _)| name.as_str())
        .collect();
    let metas = stat_names(&dir, folder, &files);
    let mut metas = metas.into_iter();
    for (name, is_dir) in &entries {
        if *is_dir {
            walk_dir(&folder.join(name), &format!("{rel}{name}/"), None, out)?;
        } else if Some(name.as_str()) == skip {
            continue;
        } else {
            out.push(Found {
                path: folder.join(name),
                rel: format!("{rel}{name}"),
                meta: metas.next()?,
            });
        }
    }
    Some(())
}

fn stat_names(dir: &rustix::fd::OwnedFd, folder: &Path, names: &[&str]) -> Vec<Meta> {
    let one = |name: &&str| stat_at(dir, name, &folder.join(name));
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    if names.len() < 2048 || threads < 2 {
        return names.iter().map(one).collect();
    }
    let size = names.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = names
            .chunks(size)
            .map(|part| scope.spawn(move || part.iter().map(one).collect::<Vec<_>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// One entry of a metadata file.
struct Entry<'a> {
    root: usize,
    rel: &'a str,
    meta: Meta,
}

/// The entries of a metadata file (fields ended by NUL, six per file); None when malformed.
fn parse(data: &[u8]) -> Option<Vec<Entry<'_>>> {
    let fields: Vec<&[u8]> = data.split(|b| *b == 0).collect();
    // The split leaves one empty piece after the last NUL.
    let whole = fields.len().saturating_sub(1);
    if !whole.is_multiple_of(6) {
        return None;
    }
    let num = |f: &[u8]| -> Option<i64> { std::str::from_utf8(f).ok()?.parse().ok() };
    fields[..whole]
        .chunks(6)
        .map(|f| {
            Some(Entry {
                root: num(f[0])? as usize,
                rel: std::str::from_utf8(f[1]).ok()?,
                meta: (num(f[2])?, num(f[3])?, num(f[4])?, num(f[5])?),
            })
        })
        .collect()
}

/// Walk `roots` ((root, prefix) in argument order), write their metadata to `new`, and compare
/// with `old` (the last run's file). Ok(None): declined (a name that is not UTF-8, or an
/// unreadable old file, which the reference then handles).
pub fn compare(
    roots: &[(String, String)],
    old: Option<&Path>,
    new: &Path,
    seen_at_ns: Option<i64>,
    verify: bool,
    skip: Option<&str>,
) -> io::Result<Option<Changes>> {
    let mut files: Vec<(usize, Found)> = Vec::new();
    for (index, (root, prefix)) in roots.iter().enumerate() {
        let mut found = Vec::new();
        if walk_root(Path::new(root), prefix, skip, &mut found).is_none() {
            return Ok(None);
        }
        files.extend(found.into_iter().map(|f| (index, f)));
    }
    let before = match old {
        Some(path) if path.exists() => fs::read(path)?,
        _ => Vec::new(),
    };
    let Some(previous) = parse(&before) else {
        return Ok(None);
    };
    if let Some(parent) = new.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut out = BufWriter::with_capacity(1 << 20, fs::File::create(new)?);
    let mut changes = Changes::default();
    let mut last = previous.iter().enumerate().peekable();
    let touch = |changes: &mut Changes, at: usize| {
        let at = at as u64;
        changes.first_touched = Some(changes.first_touched.map_or(at, |f| f.min(at)));
    };
    let mut rels = Sha256::new();
    for (index, Found { path, rel, meta }) in &files {
        let meta = *meta;
        rels.update(rel.as_bytes());
        rels.update([0u8]);
        write!(
            out,
            "{index}\0{rel}\0{}\0{}\0{}\0{}\0",
            meta.0, meta.1, meta.2, meta.3
        )?;
        changes.count += 1;
        while let Some((at, e)) = last.peek() {
            let before_this =
                e.root < *index || (e.root == *index && walk_cmp(e.rel, rel) == Ordering::Less);
            if !before_this {
                break;
            }
            changes.deleted.push(e.rel.to_string());
            touch(&mut changes, *at);
            last.next();
        }
        // The entry this file is (or, for a new file, is inserted before).
        let at = last.peek().map_or(previous.len(), |(at, _)| *at);
        if let Some((_, e)) = last.peek() {
            if e.root == *index && e.rel == rel {
                let same = e.meta == meta && meta.0 >= 0;
                last.next();
                if same && !verify && !racy(meta.1, seen_at_ns) {
                    changes.unchanged += 1;
                    continue;
                }
            }
        }
        touch(&mut changes, at);
        if old.is_none() {
            continue; // a first run: every file is new, none is listed
        }
        let Some(text) = path.to_str() else {
            return Ok(None);
        };
        changes.candidates.push((text.to_string(), rel.clone()));
    }
    for (at, e) in last {
        changes.deleted.push(e.rel.to_string());
        touch(&mut changes, at);
    }
    changes.rels_digest = rels.finalize().iter().map(|b| format!("{b:02x}")).collect();
    out.flush()?;
    Ok(Some(changes))
}

/// True when every file of a metadata file (written by `compare` for an output folder) still
/// has its recorded metadata: each stat'ed by name, on two threads, with no listing. None when
/// the file cannot be read.
pub fn unchanged(base: &Path, meta: &Path) -> Option<bool> {
    let data = fs::read(meta).ok()?;
    let entries = parse(&data)?;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    let same = |part: &[Entry<'_>]| {
        part.iter()
            .all(|e| stat(&base.join(e.rel)) == e.meta && e.meta.0 >= 0)
    };
    if entries.len() < 2048 || threads < 2 {
        return Some(same(&entries));
    }
    let size = entries.len().div_ceil(threads);
    Some(std::thread::scope(|scope| {
        let parts: Vec<_> = entries
            .chunks(size)
            .map(|part| scope.spawn(move || same(part)))
            .collect();
        parts.into_iter().all(|h| h.join().unwrap_or(false))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_order_is_by_component() {
        assert_eq!(walk_cmp("a/z.md", "a-b.md"), Ordering::Less);
        assert_eq!(walk_cmp("a.md", "a/x.md"), Ordering::Greater);
        assert_eq!(walk_cmp("b/c", "b/c"), Ordering::Equal);
    }

    #[test]
    fn racy_uses_the_granularity() {
        let at = 10_000_000_000;
        let seen = Some(at);
        assert!(!racy(i64::MAX - 1, None));
        assert!(racy(at - 5_000_000 + 1, seen));
        assert!(!racy(at - 50_000_001, seen));
        assert!(racy(9_000_000_000, seen)); // whole seconds: two seconds of margin
        assert!(!racy(7_000_000_000, seen));
    }

    #[test]
    fn compares_with_the_last_run() {
        let dir = std::env::temp_dir().join(format!("scan-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("in/sub")).unwrap();
        fs::write(dir.join("in/a.md"), "a").unwrap();
        fs::write(dir.join("in/sub/b.md"), "b").unwrap();
        fs::write(dir.join("in/.hidden"), "h").unwrap();
        let roots = vec![(dir.join("in").to_string_lossy().into_owned(), String::new())];
        let first = compare(&roots, None, &dir.join("m1"), Some(0), false, None)
            .unwrap()
            .unwrap();
        assert_eq!(first.count, 2);
        assert_eq!(first.candidates.len(), 0); // a first run lists none
                                               // A run that started long after the files were written: none is racy.
        let later = Some(i64::MAX / 2);
        let second = compare(
            &roots,
            Some(&dir.join("m1")),
            &dir.join("m2"),
            later,
            false,
            None,
        )
        .unwrap()
        .unwrap();
        assert_eq!((second.unchanged, second.candidates.len()), (2, 0));
        assert_eq!(second.first_touched, None);
        let racy_run = compare(
            &roots,
            Some(&dir.join("m1")),
            &dir.join("m2"),
            Some(0),
            false,
            None,
        )
        .unwrap()
        .unwrap();
        assert_eq!(racy_run.candidates.len(), 2); // written after the run began: hashed
        fs::remove_file(dir.join("in/a.md")).unwrap();
        let third = compare(
            &roots,
            Some(&dir.join("m2")),
            &dir.join("m3"),
            later,
            true,
            Some("zzz"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(third.deleted, vec!["a.md".to_string()]);
        assert_eq!(third.first_touched, Some(0));
        assert_eq!(third.candidates.len(), 1); // verify: every file is hashed
        assert_eq!(unchanged(&dir.join("in"), &dir.join("m3")), Some(true));
        fs::write(dir.join("in/sub/b.md"), "bb").unwrap();
        assert_eq!(unchanged(&dir.join("in"), &dir.join("m3")), Some(false));
        let _ = fs::remove_dir_all(&dir);
    }
}
