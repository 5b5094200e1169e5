//! Native worker threads for the per-file work (`pipeline/pool.py` maps it over processes):
//! batches of files are taken in submission order and their outcomes handed back in input
//! order; pages are written to their final place by the same threads once the main process
//! has given each its name.

use std::collections::{HashMap, VecDeque};
use std::fs;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;

use crate::run::{Config, Migrated, Outcome};
use crate::transform::profile::Shape;
use crate::value::Value;

/// One submitted batch: its files, their outcomes as workers finish them, and (built by the
/// worker that finishes the last file) the units the main process takes.
struct Batch {
    items: Vec<(PathBuf, String)>,
    next: Mutex<usize>,
    results: Mutex<Vec<Option<Outcome>>>,
    progress: Mutex<Progress>,
    done: Condvar,
}

/// How far a batch is: files left, and its units once the last file is done.
struct Progress {
    remaining: usize,
    units: Option<Vec<Unit>>,
}

/// Consecutive migrated files of a batch, in columns: what the main process needs to account
/// for them with one operation per batch instead of one per file. Blobs hold the files'
/// lines and rows end to end, with each file's offsets (n + 1 of them).
#[derive(Default)]
pub struct Span {
    pub rels: Vec<String>,
    pub shas: Vec<String>,
    pub ids: Vec<Value>,
    pub urls: Vec<Value>,
    /// (file index, related id) for links that have an id.
    pub links: Vec<(usize, Value)>,
    /// (file index, field, message).
    pub warnings: Vec<(usize, String, String)>,
    pub jsonl: (String, Vec<usize>),
    pub csv_articles: (String, Vec<usize>),
    pub csv_related: (String, Vec<usize>),
    /// (preferred path, digest, size, token of the held bytes).
    pub pages: Vec<(String, String, usize, u64)>,
    pub shape: Option<Shape>,
}

/// What the main process takes from a batch, in input order.
pub enum Unit {
    /// A run of ordinary records.
    Span(Span),
    /// One file that needs the main process's attention: declined, rejected, a page path
    /// that is not plain, or any record when spans are off.
    One(String, Outcome),
}

impl Span {
    fn push(&mut self, rel: String, m: Migrated, shared: &Shared) {
        let i = self.rels.len();
        for (field, message) in m.warnings.into_iter().map(|w| (w.field, w.message)) {
            self.warnings.push((i, field, message));
        }
        for id in m.related_ids {
            if id != Value::Null {
                self.links.push((i, id));
            }
        }
        let line = if shared.jsonl {
            Some([m.data_json.as_str(), "\n"])
        } else {
            None
        };
        append(&mut self.jsonl, line.as_ref().map_or(&[][..], |l| &l[..]));
        let (article, related) = match &m.csv {
            Some((a, r)) => (a.as_str(), r.as_str()),
            None => ("", ""),
        };
        append(&mut self.csv_articles, &[article]);
        append(&mut self.csv_related, &[related]);
        if let Some(page) = m.page {
            let size = page.data.len();
            let token = shared.hold(page.data);
            self.pages.push((page.preferred, page.digest, size, token));
        }
        self.rels.push(rel);
        self.shas.push(m.sha256);
        self.ids.push(m.id);
        self.urls.push(m.url);
        self.shape = Some(m.shape);
    }
}

/// Append pieces to a blob and note where the file's part ends.
fn append(blob: &mut (String, Vec<usize>), pieces: &[&str]) {
    if blob.1.is_empty() {
        blob.1.push(0);
    }
    for piece in pieces {
        blob.0.push_str(piece);
    }
    blob.1.push(blob.0.len());
}

/// Group a batch's outcomes into units: spans of ordinary records between single files.
fn units(outcomes: Vec<(String, Outcome)>, shared: &Shared) -> Vec<Unit> {
    let mut units = Vec::new();
    let mut span = Span::default();
    let ordinary = |outcome: &Outcome| match outcome {
        Outcome::Migrated(m) => shared.spans && m.page.as_ref().is_none_or(|p| p.plain),
        _ => false,
    };
    // Blobs sized once: the lengths are known before any is copied.
    let (mut lines, mut articles, mut related) = (0, 0, 0);
    for (_, outcome) in &outcomes {
        if let (true, Outcome::Migrated(m)) = (ordinary(outcome), outcome) {
            lines += m.data_json.len() + 1;
            if let Some((a, r)) = &m.csv {
                articles += a.len();
                related += r.len();
            }
        }
    }
    span.jsonl.0.reserve(if shared.jsonl { lines } else { 0 });
    span.csv_articles.0.reserve(articles);
    span.csv_related.0.reserve(related);
    for (rel, outcome) in outcomes {
        if ordinary(&outcome) {
            if let Outcome::Migrated(m) = outcome {
                span.push(rel, *m, shared);
            }
            continue;
        }
        if !span.rels.is_empty() {
            units.push(Unit::Span(std::mem::take(&mut span)));
        }
        units.push(Unit::One(rel, outcome));
    }
    if !span.rels.is_empty() {
        units.push(Unit::Span(span));
    }
    units
}

/// A page to write: its bytes and final path.
struct PageJob {
    data: Vec<u8>,
    target: PathBuf,
}

struct State {
    batches: VecDeque<Arc<Batch>>,
    pages: VecDeque<PageJob>,
    /// Page jobs queued or being written.
    pages_open: usize,
    /// Why page writes failed, in the order they failed.
    errors: Vec<String>,
    closed: bool,
}

struct Shared {
    state: Mutex<State>,
    /// Work arrived (or the pool is closing).
    ready: Condvar,
    /// A page job finished.
    written: Condvar,
    staging: Option<PathBuf>,
    /// Rendered pages the main process has not placed yet, by token.
    held: Mutex<HashMap<u64, Vec<u8>>>,
    next_token: AtomicU64,
    /// Hand back ordinary records in spans (every writer of the run takes them).
    spans: bool,
    /// Spans carry the JSONL lines.
    jsonl: bool,
}

impl Shared {
    /// Keep a rendered page until the main process names it; returns its token.
    fn hold(&self, data: Vec<u8>) -> u64 {
        let token = self.next_token.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut held) = self.held.lock() {
            held.insert(token, data);
        }
        token
    }
}

/// Worker threads that take submitted batches in order and map the per-file work over them.
pub struct Runner {
    shared: Arc<Shared>,
    workers: Vec<thread::JoinHandle<()>>,
}

impl Runner {
    /// Start `threads` workers; `staging` is where pages are written when they replace a file;
    /// `spans`: hand back ordinary records as spans.
    pub fn new(
        config: Arc<Config>,
        threads: usize,
        staging: Option<PathBuf>,
        spans: bool,
    ) -> Runner {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                batches: VecDeque::new(),
                pages: VecDeque::new(),
                pages_open: 0,
                errors: Vec::new(),
                closed: false,
            }),
            ready: Condvar::new(),
            written: Condvar::new(),
            staging,
            held: Mutex::new(HashMap::new()),
            next_token: AtomicU64::new(0),
            spans,
            jsonl: config.jsonl,
        });
        let workers = (0..threads.max(1))
            .filter_map(|n| {
                let shared = Arc::clone(&shared);
                let config = Arc::clone(&config);
                thread::Builder::new()
                    .name(format!("pipeline-core-{n}"))
                    .spawn(move || work(&config, &shared))
                    .ok()
            })
            .collect();
        Runner { shared, workers }
    }

    /// Queue a batch; returns a handle to wait for its outcomes (None once closed).
    pub fn submit(&self, items: Vec<(PathBuf, String)>) -> Option<BatchHandle> {
        if self.workers.is_empty() {
            return None;
        }
        let n = items.len();
        let batch = Arc::new(Batch {
            items,
            next: Mutex::new(0),
            results: Mutex::new((0..n).map(|_| None).collect()),
            progress: Mutex::new(Progress {
                remaining: n,
                units: None,
            }),
            done: Condvar::new(),
        });
        if let Ok(mut state) = self.shared.state.lock() {
            state.batches.push_back(Arc::clone(&batch));
        }
        self.shared.ready.notify_all();
        Some(BatchHandle(batch))
    }

    /// Write held pages to their final paths (on the worker threads); `None` drops a page
    /// whose file is already up to date.
    pub fn place(&self, pages: Vec<(u64, Option<PathBuf>)>) {
        let mut jobs = Vec::new();
        if let Ok(mut held) = self.shared.held.lock() {
            for (token, target) in pages {
                if let (Some(data), Some(target)) = (held.remove(&token), target) {
                    jobs.push(PageJob { data, target });
                }
            }
        }
        if jobs.is_empty() {
            return;
        }
        if self.workers.is_empty() {
            // Closed: no worker would take them; written here instead.
            for job in jobs {
                self.write_one(&job);
            }
            return;
        }
        if let Ok(mut state) = self.shared.state.lock() {
            state.pages_open += jobs.len();
            state.pages.extend(jobs);
        }
        self.shared.ready.notify_all();
    }

    fn write_one(&self, job: &PageJob) {
        let result = match &self.shared.staging {
            Some(staging) => write_page(staging, job),
            None => Err(io::Error::other("no staging folder")),
        };
        if let (Err(err), Ok(mut state)) = (result, self.shared.state.lock()) {
            state
                .errors
                .push(format!("cannot write {}: {err}", job.target.display()));
        }
    }

    /// Wait until every placed page is written; return the errors met (and forget them).
    pub fn flush(&self) -> Vec<String> {
        match self.wait_for_pages() {
            Ok(mut state) => std::mem::take(&mut state.errors),
            Err(error) => vec![error],
        }
    }

    fn wait_for_pages(&self) -> Result<std::sync::MutexGuard<'_, State>, String> {
        let poisoned = || "page writer state poisoned".to_string();
        let mut state = self.shared.state.lock().map_err(|_| poisoned())?;
        while state.pages_open > 0 {
            state = self.shared.written.wait(state).map_err(|_| poisoned())?;
        }
        Ok(state)
    }

    /// Stop the workers (queued batches are dropped; placed pages are written first, and
    /// their errors kept for `flush`).
    pub fn close(&mut self) {
        if self.workers.is_empty() {
            return;
        }
        drop(self.wait_for_pages());
        if let Ok(mut state) = self.shared.state.lock() {
            state.closed = true;
            state.batches.clear();
        }
        self.shared.ready.notify_all();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        self.close();
    }
}

/// A submitted batch.
pub struct BatchHandle(Arc<Batch>);

impl BatchHandle {
    /// Wait for the batch; its units, in input order.
    pub fn wait(self) -> Vec<Unit> {
        let batch = self.0;
        if batch.items.is_empty() {
            return Vec::new();
        }
        let Ok(mut progress) = batch.progress.lock() else {
            return Vec::new();
        };
        loop {
            if let Some(units) = progress.units.take() {
                return units;
            }
            progress = match batch.done.wait(progress) {
                Ok(p) => p,
                Err(_) => return Vec::new(),
            };
        }
    }
}

/// The batch's outcomes in input order (once every file is done).
fn outcomes(batch: &Batch) -> Vec<(String, Outcome)> {
    let results = batch
        .results
        .lock()
        .map(|mut r| std::mem::take(&mut *r))
        .unwrap_or_default();
    batch
        .items
        .iter()
        .zip(results)
        .map(|((_, rel), outcome)| {
            (
                rel.clone(),
                outcome.unwrap_or_else(|| Outcome::Declined("not processed".into())),
            )
        })
        .collect()
}

static STAGED: AtomicU64 = AtomicU64::new(0);
/// Cleared the first time the file system refuses an unnamed file (no O_TMPFILE support).
static TMPFILE_WORKS: AtomicBool = AtomicBool::new(true);

/// Write a page atomically, making its folder on first need. A new page is written as an
/// unnamed file in its folder and then linked under its name (Linux `O_TMPFILE`): it appears
/// whole or not at all, and a killed run leaves nothing behind. A page that exists already,
/// or a file system without unnamed files, goes through the staging folder and a rename.
fn write_page(staging: &Path, job: &PageJob) -> io::Result<()> {
    if TMPFILE_WORKS.load(Ordering::Relaxed) {
        match link_new(job) {
            Ok(true) => return Ok(()),
            Ok(false) => {} // the page exists: replace it by a rename
            Err(_) => TMPFILE_WORKS.store(false, Ordering::Relaxed),
        }
    }
    let temp = staging.join(format!(
        "page.{}.{}",
        std::process::id(),
        STAGED.fetch_add(1, Ordering::Relaxed)
    ));
    if fs::write(&temp, &job.data).is_err() {
        fs::create_dir_all(staging)?;
        fs::write(&temp, &job.data)?;
    }
    let renamed = fs::rename(&temp, &job.target).or_else(|_| {
        if let Some(parent) = job.target.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::rename(&temp, &job.target)
    });
    if renamed.is_err() {
        let _ = fs::remove_file(&temp);
    }
    renamed
}

/// Write `job` as an unnamed file and link it under its name: Ok(false) when the name exists.
#[cfg(target_os = "linux")]
fn link_new(job: &PageJob) -> io::Result<bool> {
    use rustix::fs::{linkat, open, AtFlags, Mode, OFlags, CWD};
    use std::io::Write;
    use std::os::fd::AsRawFd;

    let folder = job
        .target
        .parent()
        .ok_or_else(|| io::Error::other("page without a folder"))?;
    let flags = OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC;
    let mode = Mode::from_raw_mode(0o644);
    let fd = match open(folder, flags, mode) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::NOENT) => {
            fs::create_dir_all(folder)?;
            open(folder, flags, mode)?
        }
        Err(err) => return Err(err.into()),
    };
    let link = format!("/proc/self/fd/{}", fd.as_raw_fd());
    let mut file = fs::File::from(fd);
    file.write_all(&job.data)?;
    match linkat(
        CWD,
        link.as_str(),
        CWD,
        &job.target,
        AtFlags::SYMLINK_FOLLOW,
    ) {
        Ok(()) => Ok(true),
        Err(rustix::io::Errno::EXIST) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// Elsewhere pages always take the staging folder and a rename.
#[cfg(not(target_os = "linux"))]
fn link_new(_job: &PageJob) -> io::Result<bool> {
    Err(io::Error::other("no unnamed files here"))
}

enum Job {
    Page(PageJob),
    File(Arc<Batch>, usize),
}

fn work(config: &Config, shared: &Shared) {
    loop {
        // Pages first (they free memory and finish outputs), then the next file of the
        // oldest batch that has one left.
        let job = {
            let Ok(mut state) = shared.state.lock() else {
                return;
            };
            loop {
                if state.closed && state.pages.is_empty() {
                    return;
                }
                if let Some(page) = state.pages.pop_front() {
                    break Job::Page(page);
                }
                let mut found = None;
                while let Some(front) = state.batches.front() {
                    let Ok(mut next) = front.next.lock() else {
                        return;
                    };
                    if *next < front.items.len() {
                        found = Some((Arc::clone(front), *next));
                        *next += 1;
                        break;
                    }
                    drop(next);
                    state.batches.pop_front();
                }
                if let Some((batch, index)) = found {
                    break Job::File(batch, index);
                }
                state = match shared.ready.wait(state) {
                    Ok(s) => s,
                    Err(_) => return,
                };
            }
        };
        match job {
            Job::Page(page) => {
                let result = match &shared.staging {
                    Some(staging) => write_page(staging, &page),
                    None => Err(io::Error::other("no staging folder")),
                };
                if let Ok(mut state) = shared.state.lock() {
                    if let Err(err) = result {
                        state
                            .errors
                            .push(format!("cannot write {}: {err}", page.target.display()));
                    }
                    state.pages_open -= 1;
                }
                shared.written.notify_all();
            }
            Job::File(batch, index) => {
                let (path, rel) = &batch.items[index];
                let outcome = config.process(path, rel);
                if let Ok(mut results) = batch.results.lock() {
                    results[index] = Some(outcome);
                }
                let last = match batch.progress.lock() {
                    Ok(mut progress) => {
                        progress.remaining -= 1;
                        progress.remaining == 0
                    }
                    Err(_) => false,
                };
                if last {
                    // The last file of the batch: its units are built here, off the main
                    // process, before the batch is announced done.
                    let built = catch_unwind(AssertUnwindSafe(|| units(outcomes(&batch), shared)))
                        .unwrap_or_else(|_| {
                            // A bug, not an input: every file goes to the Python side.
                            batch
                                .items
                                .iter()
                                .map(|(_, rel)| {
                                    Unit::One(rel.clone(), Outcome::Declined("panic".into()))
                                })
                                .collect()
                        });
                    if let Ok(mut progress) = batch.progress.lock() {
                        progress.units = Some(built);
                    }
                    batch.done.notify_all();
                }
            }
        }
    }
}
