//! What changed since the last run, from file metadata alone (`pipeline/scan.py`, the
//! reference): walk the inputs in the pipeline's order, stat each, write the metadata file and
//! compare it with the last run's, in one streaming pass.
//!
//! Walk order: a root after another in argument order; in a folder, entries sorted by name
//! (bytes, which is Python's code point order for UTF-8 names), folders depth-first, hidden
//! entries (a leading `.`) skipped. A tree with a name that is not UTF-8 is declined (`None`):
//! Python orders such names by their surrogate escapes, and the reference then does the work.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::fs;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

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

/// Why a walk stopped early.
enum Stop {
    /// A name that is not UTF-8, an unreadable folder or old file: the reference takes over.
    Declined,
    Io(io::Error),
}

impl From<io::Error> for Stop {
    fn from(err: io::Error) -> Self {
        Stop::Io(err)
    }
}

/// Names sorted in memory at once; a folder with more entries is sorted in runs written to
/// anonymous temporary files and merged, as `pipeline.extract._sorted_entries` does (a
/// folder of 200,000 files held whole was 15 MB the allocator kept for the rest of a run).
const SPILL: usize = 16384;

/// A folder's entries but hidden ones, in name order, in bounded memory.
enum Sorted {
    Memory(std::vec::IntoIter<(String, bool)>),
    Merge {
        runs: Vec<BufReader<fs::File>>,
        heap: BinaryHeap<Reverse<(String, bool, usize)>>,
    },
}

impl Sorted {
    fn read(folder: &Path) -> Result<Sorted, Stop> {
        Sorted::read_in_runs(folder, SPILL)
    }

    /// `read`, with runs of `spill_at` names.
    fn read_in_runs(folder: &Path, spill_at: usize) -> Result<Sorted, Stop> {
        let mut chunk: Vec<(String, bool)> = Vec::new();
        let mut runs = Vec::new();
        for entry in fs::read_dir(folder).map_err(|_| Stop::Declined)? {
            let entry = entry?;
            let name = entry
                .file_name()
                .into_string()
                .map_err(|_| Stop::Declined)?;
            if name.starts_with('.') {
                continue;
            }
            let is_dir = entry.file_type()?.is_dir();
            chunk.push((name, is_dir));
            if chunk.len() >= spill_at {
                runs.push(spill(&mut chunk)?);
            }
        }
        if runs.is_empty() {
            chunk.sort_unstable();
            return Ok(Sorted::Memory(chunk.into_iter()));
        }
        if !chunk.is_empty() {
            runs.push(spill(&mut chunk)?);
        }
        let mut heap = BinaryHeap::new();
        for (i, run) in runs.iter_mut().enumerate() {
            if let Some((name, is_dir)) = read_record(run)? {
                heap.push(Reverse((name, is_dir, i)));
            }
        }
        Ok(Sorted::Merge { runs, heap })
    }

    fn next(&mut self) -> Result<Option<(String, bool)>, Stop> {
        match self {
            Sorted::Memory(items) => Ok(items.next()),
            Sorted::Merge { runs, heap } => {
                let Some(Reverse((name, is_dir, i))) = heap.pop() else {
                    return Ok(None);
                };
                if let Some((next, next_is_dir)) = read_record(&mut runs[i])? {
                    heap.push(Reverse((next, next_is_dir, i)));
                }
                Ok(Some((name, is_dir)))
            }
        }
    }
}

/// Sort a chunk of names and write it to an anonymous temporary file: `d` or `f`, the name,
/// NUL (a file name never holds one).
fn spill(chunk: &mut Vec<(String, bool)>) -> Result<BufReader<fs::File>, Stop> {
    use std::io::{Seek, SeekFrom};

    chunk.sort_unstable();
    let fd = rustix::fs::open(
        std::env::temp_dir(),
        rustix::fs::OFlags::RDWR | rustix::fs::OFlags::TMPFILE | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::from_raw_mode(0o600),
    )
    .map_err(|_| Stop::Declined)?;
    let mut file = fs::File::from(fd);
    {
        let mut out = BufWriter::with_capacity(1 << 16, &mut file);
        for (name, is_dir) in chunk.drain(..) {
            out.write_all(if is_dir { b"d" } else { b"f" })?;
            out.write_all(name.as_bytes())?;
            out.write_all(b"\0")?;
        }
        out.flush()?;
    }
    file.seek(SeekFrom::Start(0))?;
    Ok(BufReader::with_capacity(8192, file))
}

fn read_record(run: &mut BufReader<fs::File>) -> Result<Option<(String, bool)>, Stop> {
    let mut record = Vec::new();
    if run.read_until(0, &mut record)? == 0 {
        return Ok(None);
    }
    if record.pop() != Some(0) || record.is_empty() {
        return Err(Stop::Declined);
    }
    let is_dir = record[0] == b'd';
    let name = String::from_utf8(record.split_off(1)).map_err(|_| Stop::Declined)?;
    Ok(Some((name, is_dir)))
}

/// An entry of the last run's metadata file.
struct OldEntry {
    number: u64,
    root: usize,
    rel: String,
    meta: Meta,
}

/// The last run's metadata file, read an entry at a time.
struct OldFile {
    reader: Option<BufReader<fs::File>>,
    read: u64, // entries read so far
    field: Vec<u8>,
}

impl OldFile {
    fn next(&mut self) -> Result<Option<OldEntry>, Stop> {
        let Some(reader) = self.reader.as_mut() else {
            return Ok(None);
        };
        let mut fields: Vec<String> = Vec::with_capacity(6);
        for _ in 0..6 {
            self.field.clear();
            let n = reader.read_until(0, &mut self.field)?;
            if n == 0 && fields.is_empty() {
                return Ok(None);
            }
            if self.field.pop() != Some(0) {
                return Err(Stop::Declined);
            }
            fields.push(String::from_utf8(self.field.clone()).map_err(|_| Stop::Declined)?);
        }
        let num = |f: &str| f.parse::<i64>().map_err(|_| Stop::Declined);
        let entry = OldEntry {
            number: self.read,
            root: num(&fields[0])? as usize,
            meta: (
                num(&fields[2])?,
                num(&fields[3])?,
                num(&fields[4])?,
                num(&fields[5])?,
            ),
            rel: std::mem::take(&mut fields[1]),
        };
        self.read += 1;
        Ok(Some(entry))
    }
}

/// The comparison under way: the new metadata file, the old one beside it, what changed.
struct Comparer {
    out: BufWriter<fs::File>,
    old: OldFile,
    pending: Option<OldEntry>,
    changes: Changes,
    rels: Sha256,
    seen_at_ns: Option<i64>,
    verify: bool,
    first_run: bool,
}

impl Comparer {
    fn touch(&mut self, at: u64) {
        self.changes.first_touched = Some(self.changes.first_touched.map_or(at, |f| f.min(at)));
    }

    fn advance(&mut self) -> Result<(), Stop> {
        self.pending = self.old.next()?;
        Ok(())
    }

    /// One file of the walk, in walk order.
    fn file(&mut self, index: usize, path: &Path, rel: &str, meta: Meta) -> Result<(), Stop> {
        write!(
            self.out,
            "{index}\0{rel}\0{}\0{}\0{}\0{}\0",
            meta.0, meta.1, meta.2, meta.3
        )?;
        self.rels.update(rel.as_bytes());
        self.rels.update([0u8]);
        self.changes.count += 1;
        // Entries of the old file before this one are files that are gone.
        while let Some(e) = &self.pending {
            if !(e.root < index || (e.root == index && walk_cmp(&e.rel, rel) == Ordering::Less)) {
                break;
            }
            let number = e.number;
            let gone = std::mem::take(&mut self.pending).map(|e| e.rel);
            self.changes.deleted.extend(gone);
            self.touch(number);
            self.advance()?;
        }
        // The entry this file is (or, for a new file, is inserted before).
        let at = self.pending.as_ref().map_or(self.old.read, |e| e.number);
        if let Some(e) = &self.pending {
            if e.root == index && e.rel == rel {
                let same = e.meta == meta && meta.0 >= 0;
                self.advance()?;
                if same && !self.verify && !racy(meta.1, self.seen_at_ns) {
                    self.changes.unchanged += 1;
                    return Ok(());
                }
            }
        }
        self.touch(at);
        if !self.first_run {
            let text = path.to_str().ok_or(Stop::Declined)?;
            self.changes
                .candidates
                .push((text.to_string(), rel.to_string()));
        }
        Ok(())
    }

    /// The files under `folder` in walk order (relative paths starting with `rel`); `skip`
    /// names a file of the first level that is left out.
    fn folder(
        &mut self,
        index: usize,
        folder: &Path,
        rel: &str,
        skip: Option<&str>,
    ) -> Result<(), Stop> {
        let mut entries = Sorted::read(folder)?;
        let dir = rustix::fs::open(
            folder,
            rustix::fs::OFlags::RDONLY
                | rustix::fs::OFlags::DIRECTORY
                | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )
        .map_err(|_| Stop::Declined)?;
        let mut chunk: Vec<String> = Vec::new();
        while let Some((name, is_dir)) = entries.next()? {
            if is_dir {
                self.files(index, &dir, folder, rel, &mut chunk)?;
                self.folder(index, &folder.join(&name), &format!("{rel}{name}/"), None)?;
            } else if Some(name.as_str()) != skip {
                chunk.push(name);
                if chunk.len() >= CHUNK {
                    self.files(index, &dir, folder, rel, &mut chunk)?;
                }
            }
        }
        self.files(index, &dir, folder, rel, &mut chunk)
    }

    /// Stat a chunk of a folder's files and take them in order.
    fn files(
        &mut self,
        index: usize,
        dir: &rustix::fd::OwnedFd,
        folder: &Path,
        rel: &str,
        chunk: &mut Vec<String>,
    ) -> Result<(), Stop> {
        let names: Vec<&str> = chunk.iter().map(String::as_str).collect();
        let metas = stat_names(dir, folder, &names);
        for (name, meta) in names.iter().zip(metas) {
            self.file(index, &folder.join(name), &format!("{rel}{name}"), meta)?;
        }
        chunk.clear();
        Ok(())
    }
}

/// Files stat'ed at once (a bounded batch: memory stays flat whatever a folder holds).
const CHUNK: usize = 4096;

fn stat_names(dir: &rustix::fd::OwnedFd, folder: &Path, names: &[&str]) -> Vec<Meta> {
    let one = |name: &&str| stat_at(dir, name, &folder.join(name));
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    if names.len() < 1024 || threads < 2 {
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

/// Walk `roots` ((root, prefix) in argument order), write their metadata to `new`, and compare
/// with `old` (the last run's file), streaming both. Ok(None): declined (a name that is not
/// UTF-8, an unreadable folder or old file; the reference then does the work).
pub fn compare(
    roots: &[(String, String)],
    old: Option<&Path>,
    new: &Path,
    seen_at_ns: Option<i64>,
    verify: bool,
    skip: Option<&str>,
) -> io::Result<Option<Changes>> {
    if let Some(parent) = new.parent() {
        fs::create_dir_all(parent)?;
    }
    let reader = match old {
        Some(path) if path.exists() => {
            Some(BufReader::with_capacity(1 << 16, fs::File::open(path)?))
        }
        _ => None,
    };
    let mut comparer = Comparer {
        out: BufWriter::with_capacity(1 << 20, fs::File::create(new)?),
        old: OldFile {
            reader,
            read: 0,
            field: Vec::new(),
        },
        pending: None,
        changes: Changes::default(),
        rels: Sha256::new(),
        seen_at_ns,
        verify,
        first_run: old.is_none(),
    };
    let walked = (|| -> Result<(), Stop> {
        comparer.advance()?;
        for (index, (root, prefix)) in roots.iter().enumerate() {
            let root = Path::new(root);
            if root.is_dir() {
                comparer.folder(index, root, prefix, skip)?;
            } else {
                let name = root
                    .file_name()
                    .and_then(|n| n.to_str())
                    .ok_or(Stop::Declined)?;
                if Some(name) != skip {
                    comparer.file(index, root, &format!("{prefix}{name}"), stat(root))?;
                }
            }
        }
        while let Some(e) = comparer.pending.take() {
            comparer.changes.deleted.push(e.rel);
            comparer.touch(e.number);
            comparer.advance()?;
        }
        Ok(())
    })();
    match walked {
        Ok(()) => {}
        Err(Stop::Declined) => return Ok(None),
        Err(Stop::Io(err)) => return Err(err),
    }
    comparer.out.flush()?;
    let mut changes = comparer.changes;
    changes.rels_digest = comparer
        .rels
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Some(changes))
}

/// One entry of a metadata file read whole.
struct Entry<'a> {
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
                rel: std::str::from_utf8(f[1]).ok()?,
                meta: (num(f[2])?, num(f[3])?, num(f[4])?, num(f[5])?),
            })
        })
        .collect()
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
    fn large_folders_are_merged_in_name_order() {
        let dir = std::env::temp_dir().join(format!("scan-sort-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("m")).unwrap();
        let mut names: Vec<String> = (0..50).map(|i| format!("f{:03}", (i * 37) % 101)).collect();
        for name in &names {
            fs::write(dir.join(name), "x").unwrap();
        }
        fs::write(dir.join(".hidden"), "x").unwrap();
        names.push("m".to_string());
        names.sort();
        let (Ok(mut runs), Ok(mut whole)) = (
            Sorted::read_in_runs(&dir, 7),
            Sorted::read_in_runs(&dir, 1000),
        ) else {
            panic!("listing failed");
        };
        let mut merged = Vec::new();
        while let Ok(Some((name, is_dir))) = runs.next() {
            assert_eq!(is_dir, name == "m");
            merged.push(name);
        }
        let mut direct = Vec::new();
        while let Ok(Some((name, _))) = whole.next() {
            direct.push(name);
        }
        assert!(matches!(runs, Sorted::Merge { .. }));
        assert_eq!(merged, names);
        assert_eq!(direct, names);
        let _ = fs::remove_dir_all(&dir);
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
