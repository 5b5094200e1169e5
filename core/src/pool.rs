//! Native worker threads for the per-file work (`pipeline/pool.py` maps it over processes):
//! batches of files are taken in submission order and their outcomes handed back in input
//! order; pages are written to their final place by the same threads once the main process
//! has given each its name.

use std::collections::{HashMap, VecDeque};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;

use crate::run::{Config, Outcome};

/// One submitted batch: its files, and their outcomes as workers finish them.
struct Batch {
    items: Vec<(PathBuf, String)>,
    next: Mutex<usize>,
    results: Mutex<Vec<Option<Outcome>>>,
    remaining: Mutex<usize>,
    done: Condvar,
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
}

/// Worker threads that take submitted batches in order and map the per-file work over them.
pub struct Runner {
    shared: Arc<Shared>,
    workers: Vec<thread::JoinHandle<()>>,
    /// Rendered pages the main process has not placed yet, by token.
    held: Mutex<HashMap<u64, Vec<u8>>>,
    next_token: AtomicU64,
}

impl Runner {
    /// Start `threads` workers; `staging` is where pages are written before their rename.
    pub fn new(config: Arc<Config>, threads: usize, staging: Option<PathBuf>) -> Runner {
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
        Runner {
            shared,
            workers,
            held: Mutex::new(HashMap::new()),
            next_token: AtomicU64::new(0),
        }
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
            remaining: Mutex::new(n),
            done: Condvar::new(),
        });
        if let Ok(mut state) = self.shared.state.lock() {
            state.batches.push_back(Arc::clone(&batch));
        }
        self.shared.ready.notify_all();
        Some(BatchHandle(batch))
    }

    /// Keep a rendered page until the main process names it; returns its token.
    pub fn hold(&self, data: Vec<u8>) -> u64 {
        let token = self.next_token.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut held) = self.held.lock() {
            held.insert(token, data);
        }
        token
    }

    /// Write held pages to their final paths (on the worker threads); `None` drops a page
    /// whose file is already up to date.
    pub fn place(&self, pages: Vec<(u64, Option<PathBuf>)>) {
        let mut jobs = Vec::new();
        if let Ok(mut held) = self.held.lock() {
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
    /// Wait for every outcome of the batch, in input order.
    pub fn wait(self) -> Vec<(String, Outcome)> {
        let batch = self.0;
        if let Ok(mut remaining) = batch.remaining.lock() {
            while *remaining > 0 {
                remaining = match batch.done.wait(remaining) {
                    Ok(r) => r,
                    Err(_) => break,
                };
            }
        }
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
                let finished = match batch.remaining.lock() {
                    Ok(mut remaining) => {
                        *remaining -= 1;
                        *remaining == 0
                    }
                    Err(_) => true,
                };
                if finished {
                    batch.done.notify_all();
                }
            }
        }
    }
}
