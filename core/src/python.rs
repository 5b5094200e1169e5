//! The Python module `pipeline_core`: the batch API the pipeline calls, and small entry points
//! the differential tests call to hold each part to the Python reference.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors::Fail;
use crate::value::{from_tagged, to_tagged};

fn fail_text(fail: &Fail) -> String {
    fail.to_string()
}

/// A front matter as tagged JSON (None for an empty document) and its top-level key lines.
type Loaded = (Option<String>, Vec<(String, usize)>);

/// `(tagged JSON of the front matter or None, key lines)` or ValueError("declined: ...").
#[pyfunction]
fn _load_yaml(text: &str, first_line: usize) -> PyResult<Loaded> {
    match crate::extract::yaml::load(text, first_line) {
        Ok(None) => Ok((None, Vec::new())),
        Ok(Some(loaded)) => Ok((
            Some(to_tagged(&crate::value::Value::Map(loaded.map)).to_string()),
            loaded.key_lines,
        )),
        Err(fail) => Err(PyValueError::new_err(fail_text(&fail))),
    }
}

/// `normalise_date` on a tagged value; ValueError("declined: ...") where the core declines.
#[pyfunction]
fn _normalise_date(
    tagged: &str,
    doc_format: Option<&str>,
    formats: Vec<String>,
    naive_tz_minutes: i32,
) -> PyResult<String> {
    let json: serde_json::Value =
        serde_json::from_str(tagged).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let value = from_tagged(&json).ok_or_else(|| PyValueError::new_err("bad tagged value"))?;
    crate::transform::dates::normalise_date(&value, doc_format, &formats, naive_tz_minutes)
        .map_err(|fail| PyValueError::new_err(fail_text(&fail)))
}

/// `dump_yaml` of a tagged mapping; ValueError("declined: ...") where the core declines.
#[pyfunction]
fn _dump_yaml(tagged: &str, portable: bool) -> PyResult<String> {
    let json: serde_json::Value =
        serde_json::from_str(tagged).map_err(|e| PyValueError::new_err(e.to_string()))?;
    match from_tagged(&json) {
        Some(crate::value::Value::Map(map)) => {
            crate::load::markdown::yamlfm::dump_yaml(&map, portable)
                .map_err(|fail| PyValueError::new_err(fail_text(&fail)))
        }
        _ => Err(PyValueError::new_err("not a tagged mapping")),
    }
}

/// Python's `repr(float)` and orjson's float text, for the formatting tests.
#[pyfunction]
fn _float_texts(value: f64) -> (String, String) {
    (
        crate::pyfmt::float_repr(value),
        crate::pyfmt::orjson_float(value),
    )
}

/// Python's `repr(str)`, for the formatting tests.
#[pyfunction]
fn _str_repr(text: &str) -> String {
    crate::pyfmt::str_repr(text)
}

// ------------------------------------------------------------------------------------------
// The batch API.
// ------------------------------------------------------------------------------------------

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use pyo3::types::{PyBytes, PyList, PyTuple};

use crate::load::markdown::platform::Platform;
use crate::pool::{BatchHandle, Runner, Span, Unit};
use crate::run::{Config, Outcome, Target};
use crate::transform::profile::{Profile, Shape};
use crate::value::Value;

fn scalar<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::Float(f) => f.into_pyobject(py)?.into_any(),
        Value::Str(s) => s.into_pyobject(py)?.into_any(),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        _ => py.None().into_bound(py),
    })
}

fn shape_name(shape: Shape) -> &'static str {
    match shape {
        Shape::Article => "article",
        Shape::Generic => "generic",
    }
}

/// An outcome as one tuple (`pipeline.core` unpacks it): declined, rejected, or a record with
/// each writer's bytes and its page as bytes.
fn outcome_tuple<'py>(
    py: Python<'py>,
    rel: &str,
    outcome: Outcome,
    jsonl: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let none = || py.None().into_bound(py);
    let bytes = |s: &str| PyBytes::new(py, s.as_bytes()).into_any();
    Ok(match outcome {
        Outcome::Declined(reason) => ("d", rel, reason).into_pyobject(py)?.into_any(),
        Outcome::Rejected(sha, entry, r) => (
            "x",
            rel,
            sha,
            bytes(&entry),
            (r.reason, r.line, r.field, r.kind),
        )
            .into_pyobject(py)?
            .into_any(),
        Outcome::Migrated(m) => {
            let csv = match &m.csv {
                Some((a, r)) => (bytes(a), bytes(r)).into_pyobject(py)?.into_any(),
                None => none(),
            };
            let page = match &m.page {
                Some(p) => match &p.place {
                    None => (
                        p.preferred.as_str(),
                        PyBytes::new(py, &p.data),
                        py.None(),
                        p.digest.as_str(),
                        p.data.len(),
                    )
                        .into_pyobject(py)?
                        .into_any(),
                    // A platform page also names the placement it was rendered for.
                    Some(place) => (
                        p.preferred.as_str(),
                        PyBytes::new(py, &p.data),
                        py.None(),
                        p.digest.as_str(),
                        p.data.len(),
                        place.stem.as_str(),
                        place.route.as_str(),
                    )
                        .into_pyobject(py)?
                        .into_any(),
                },
                None => none(),
            };
            let related = PyTuple::new(
                py,
                m.related_ids
                    .iter()
                    .map(|v| scalar(py, v))
                    .collect::<PyResult<Vec<_>>>()?,
            )?;
            let slim = (
                shape_name(m.shape),
                scalar(py, &m.id)?,
                scalar(py, &m.url)?,
                related,
                scalar(py, &m.slug)?,
            );
            let warnings = PyTuple::new(
                py,
                m.warnings
                    .iter()
                    .map(|w| (w.field.as_str(), w.message.as_str())),
            )?;
            let items: Vec<Bound<'py, PyAny>> = vec![
                "r".into_pyobject(py)?.into_any(),
                rel.into_pyobject(py)?.into_any(),
                m.sha256.as_str().into_pyobject(py)?.into_any(),
                bytes(
                    &m.manifest_entry()
                        .map_err(|f| PyValueError::new_err(fail_text(&f)))?,
                ),
                if jsonl {
                    PyBytes::new_with(py, m.data_json.len() + 1, |buf| {
                        let (head, tail) = buf.split_at_mut(m.data_json.len());
                        head.copy_from_slice(m.data_json.as_bytes());
                        tail[0] = b'\n';
                        Ok(())
                    })?
                    .into_any()
                } else {
                    none()
                },
                csv,
                page,
                slim.into_pyobject(py)?.into_any(),
                warnings.into_any(),
            ];
            PyTuple::new(py, items)?.into_any()
        }
    })
}

/// A span as the tuple `pipeline.core` unpacks (`"s", rels, shas, ...`).
fn span_tuple(py: Python<'_>, span: Span) -> PyResult<Bound<'_, PyAny>> {
    let values = |v: &[Value]| -> PyResult<Bound<'_, PyList>> {
        PyList::new(
            py,
            v.iter()
                .map(|x| scalar(py, x))
                .collect::<PyResult<Vec<_>>>()?,
        )
    };
    let links = PyList::new(
        py,
        span.links
            .iter()
            .map(|(i, id)| Ok((*i, scalar(py, id)?)))
            .collect::<PyResult<Vec<_>>>()?,
    )?;
    let blob = |b: &(String, Vec<usize>)| -> PyResult<Bound<'_, PyAny>> {
        Ok((PyBytes::new(py, b.0.as_bytes()), b.1.clone())
            .into_pyobject(py)?
            .into_any())
    };
    let items: Vec<Bound<'_, PyAny>> = vec![
        "s".into_pyobject(py)?.into_any(),
        PyList::new(py, &span.rels)?.into_any(),
        PyList::new(py, &span.shas)?.into_any(),
        values(&span.ids)?.into_any(),
        values(&span.urls)?.into_any(),
        links.into_any(),
        PyList::new(py, &span.warnings)?.into_any(),
        blob(&span.jsonl)?,
        blob(&span.csv_articles)?,
        blob(&span.csv_related)?,
        PyList::new(py, &span.pages)?.into_any(),
        shape_name(span.shape.unwrap_or(Shape::Article))
            .into_pyobject(py)?
            .into_any(),
    ];
    Ok(PyTuple::new(py, items)?.into_any())
}

/// The per-file work of one run, configured once: `Core(profile_json, options_json)`.
#[pyclass(frozen)]
struct Core {
    config: Arc<Config>,
    runner: Mutex<Option<Runner>>,
}

impl Core {
    fn with_runner<T>(&self, f: impl FnOnce(&Runner) -> T) -> PyResult<T> {
        let guard = self
            .runner
            .lock()
            .map_err(|_| PyValueError::new_err("core runner poisoned"))?;
        let runner = guard
            .as_ref()
            .ok_or_else(|| PyValueError::new_err("core started without threads"))?;
        Ok(f(runner))
    }
}

#[pymethods]
impl Core {
    /// `options_json`: {"timezone_minutes", "jsonl", "csv", "pages" (a target or null), "spreadsheet_safe",
    /// "max_bytes", "staging" (folder for page writes, or null), "unicode_version", "threads",
    /// "spans"}.
    #[new]
    fn new(profile_json: &str, options_json: &str) -> PyResult<Self> {
        let options: serde_json::Value =
            serde_json::from_str(options_json).map_err(|e| PyValueError::new_err(e.to_string()))?;
        let flag = |key: &str| options.get(key).and_then(|v| v.as_bool()).unwrap_or(false);
        let tz = options
            .get("timezone_minutes")
            .and_then(|v| v.as_i64())
            .unwrap_or(0) as i32;
        let profile = Profile::from_json(profile_json, tz).map_err(PyValueError::new_err)?;
        let unicode = options
            .get("unicode_version")
            .and_then(|v| v.as_str())
            .unwrap_or("");
        let config = Arc::new(Config {
            profile,
            jsonl: flag("jsonl"),
            csv: flag("csv"),
            pages: match options.get("pages").and_then(|v| v.as_str()) {
                None => None,
                Some("generic") => Some(Target::Generic),
                Some(name) => Some(Target::Platform(Platform::from_name(name).ok_or_else(
                    || PyValueError::new_err(format!("unknown target {name:?}")),
                )?)),
            },
            spreadsheet_safe: flag("spreadsheet_safe"),
            max_bytes: options
                .get("max_bytes")
                .and_then(|v| v.as_u64())
                .unwrap_or(10 * 1024 * 1024),
            unicode_ok: unicode == crate::pyfmt::table_unicode_version(),
        });
        let staging = options
            .get("staging")
            .and_then(|v| v.as_str())
            .map(PathBuf::from);
        let threads = options.get("threads").and_then(|v| v.as_u64()).unwrap_or(0) as usize;
        let spans = flag("spans");
        let runner =
            (threads > 0).then(|| Runner::new(Arc::clone(&config), threads, staging, spans));
        Ok(Core {
            config,
            runner: Mutex::new(runner),
        })
    }

    /// Queue a batch of `(path, rel)` for the worker threads; `Pending.wait()` gives the
    /// outcomes in order.
    fn submit(slf: &Bound<'_, Self>, items: Vec<(String, String)>) -> PyResult<Pending> {
        let items = items
            .into_iter()
            .map(|(p, r)| (PathBuf::from(p), r))
            .collect();
        let handle = slf
            .get()
            .with_runner(|runner| runner.submit(items))?
            .ok_or_else(|| PyValueError::new_err("core closed"))?;
        Ok(Pending {
            handle: Mutex::new(Some(handle)),
            core: slf.clone().unbind(),
        })
    }

    /// Write held pages to their final paths on the worker threads (`None`: drop the page).
    fn place(&self, py: Python<'_>, pages: Vec<(u64, Option<String>)>) -> PyResult<()> {
        let pages = pages
            .into_iter()
            .map(|(token, path)| (token, path.map(PathBuf::from)))
            .collect();
        py.detach(|| self.with_runner(|runner| runner.place(pages)))
    }

    /// Wait for every placed page to be written; return the errors met. (After `close`,
    /// which writes every placed page first, there is nothing left to wait for.)
    fn flush(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        py.detach(|| match self.runner.lock() {
            Ok(runner) => Ok(runner.as_ref().map(Runner::flush).unwrap_or_default()),
            Err(_) => Err(PyValueError::new_err("core runner poisoned")),
        })
    }

    /// The outcome of one file's bytes (no file read: for tests).
    fn process_bytes<'py>(
        &self,
        py: Python<'py>,
        data: &[u8],
        rel: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        use sha2::{Digest, Sha256};
        let sha: String = Sha256::digest(data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let outcome = match self.config.migrate(data, rel, &sha) {
            Ok(m) => Outcome::Migrated(Box::new(m)),
            Err(Fail::Decline(reason)) => Outcome::Declined(reason),
            Err(Fail::Reject(r)) => {
                let entry = crate::run::rejection_entry(rel, &r)
                    .map_err(|f| PyValueError::new_err(fail_text(&f)))?;
                Outcome::Rejected(Some(sha), entry, r)
            }
        };
        outcome_tuple(py, rel, outcome, self.config.jsonl)
    }

    /// Stop the worker threads (placed pages are written first; `flush` still reports
    /// their errors).
    fn close(&self, py: Python<'_>) {
        py.detach(|| {
            if let Ok(mut runner) = self.runner.lock() {
                if let Some(r) = runner.as_mut() {
                    r.close();
                }
            }
        })
    }
}

/// A submitted batch.
#[pyclass(frozen)]
struct Pending {
    handle: Mutex<Option<BatchHandle>>,
    core: Py<Core>,
}

#[pymethods]
impl Pending {
    /// Wait (without the GIL) for the batch. Returns its units in input order: one tuple per
    /// declined or rejected file (and per record whose page path is unusual), and spans of
    /// ordinary records in columns (`"s", ...`).
    fn wait<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let handle = self
            .handle
            .lock()
            .map_err(|_| PyValueError::new_err("batch poisoned"))?
            .take()
            .ok_or_else(|| PyValueError::new_err("batch already collected"))?;
        let units = py.detach(move || handle.wait());
        let jsonl = self.core.get().config.jsonl;
        units
            .into_iter()
            .map(|unit| match unit {
                Unit::Span(span) => span_tuple(py, span),
                Unit::One(rel, outcome) => outcome_tuple(py, &rel, outcome, jsonl),
            })
            .collect()
    }
}

/// (unchanged, candidates, deleted, count, first touched entry of the old file, digest of
/// the relative paths).
type CompareResult = (
    u64,
    Vec<(String, String)>,
    Vec<String>,
    u64,
    Option<u64>,
    String,
);

/// `pipeline.scan.compare` (see `scan::compare`), or None where the core declines the tree.
#[pyfunction]
#[pyo3(signature = (roots, old, new, seen_at_ns, verify, skip))]
fn compare_inputs(
    py: Python<'_>,
    roots: Vec<(String, String)>,
    old: Option<String>,
    new: String,
    seen_at_ns: Option<i64>,
    verify: bool,
    skip: Option<String>,
) -> PyResult<Option<CompareResult>> {
    // On a thread of its own: the walk's memory (a folder's names, a few MB for 200,000
    // files) is then its thread's heap, which the allocator releases when the thread ends
    // rather than keeping it for the rest of the run.
    let found = py.detach(|| {
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    crate::scan::compare(
                        &roots,
                        old.as_deref().map(std::path::Path::new),
                        std::path::Path::new(&new),
                        seen_at_ns,
                        verify,
                        skip.as_deref(),
                    )
                })
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the scan failed")))
        })
    });
    match found {
        Ok(changes) => Ok(changes.map(|c| {
            (
                c.unchanged,
                c.candidates,
                c.deleted,
                c.count,
                c.first_touched,
                c.rels_digest,
            )
        })),
        Err(err) => Err(pyo3::exceptions::PyOSError::new_err(err.to_string())),
    }
}

/// `pipeline.scan.unchanged`: whether every file listed in a metadata file still has its
/// recorded metadata (None: the file cannot be read).
#[pyfunction]
fn outputs_unchanged(py: Python<'_>, base: String, meta: String) -> Option<bool> {
    py.detach(|| crate::scan::unchanged(std::path::Path::new(&base), std::path::Path::new(&meta)))
}

#[pymodule]
fn pipeline_core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // A panic in the per-file work is caught and becomes a decline, which report.json counts;
    // the default hook would also print a Rust backtrace notice on stderr, a line a user
    // cannot act on. (This affects panics of this module only.)
    std::panic::set_hook(Box::new(|_| {}));
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("UNICODE_VERSION", crate::pyfmt::table_unicode_version())?;
    m.add_function(wrap_pyfunction!(_load_yaml, m)?)?;
    m.add_function(wrap_pyfunction!(_normalise_date, m)?)?;
    m.add_function(wrap_pyfunction!(_dump_yaml, m)?)?;
    m.add_function(wrap_pyfunction!(_float_texts, m)?)?;
    m.add_function(wrap_pyfunction!(_str_repr, m)?)?;
    m.add_function(wrap_pyfunction!(compare_inputs, m)?)?;
    m.add_function(wrap_pyfunction!(outputs_unchanged, m)?)?;
    m.add_class::<Core>()?;
    m.add_class::<Pending>()?;
    m.add("PARSER", crate::run::PARSER)?;
    // The interface version `pipeline.core` checks (the tuples and options exchanged): bump
    // it with any change to them.
    m.add("API", 1)?;
    // The digest of the Python reference this build was made against (see
    // pipeline.state.reference_digest; empty when built without it).
    m.add(
        "REFERENCE_DIGEST",
        option_env!("PIPELINE_REFERENCE_DIGEST").unwrap_or(""),
    )?;
    Ok(())
}
