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

#[pymodule]
fn pipeline_core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("UNICODE_VERSION", crate::pyfmt::table_unicode_version())?;
    m.add_function(wrap_pyfunction!(_load_yaml, m)?)?;
    m.add_function(wrap_pyfunction!(_normalise_date, m)?)?;
    m.add_function(wrap_pyfunction!(_dump_yaml, m)?)?;
    m.add_function(wrap_pyfunction!(_float_texts, m)?)?;
    m.add_function(wrap_pyfunction!(_str_repr, m)?)?;
    m.add_class::<Core>()?;
    m.add_class::<Pending>()?;
    m.add("PARSER", crate::run::PARSER)?;
    Ok(())
}

// ------------------------------------------------------------------------------------------
// The batch API.
// ------------------------------------------------------------------------------------------

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use pyo3::types::{PyBytes, PyTuple};

use crate::run::{BatchHandle, Config, Outcome, Runner};
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

/// An outcome as the tuple `pipeline.core` unpacks.
fn outcome_tuple<'py>(py: Python<'py>, rel: &str, outcome: Outcome) -> PyResult<Bound<'py, PyAny>> {
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
                Some(p) => (
                    p.preferred.as_str(),
                    p.data.as_ref().map(|d| PyBytes::new(py, d)),
                    p.staged.as_deref(),
                    p.digest.as_str(),
                    p.size,
                )
                    .into_pyobject(py)?
                    .into_any(),
                None => none(),
            };
            let related = PyTuple::new(
                py,
                m.related_ids
                    .iter()
                    .map(|v| scalar(py, v))
                    .collect::<PyResult<Vec<_>>>()?,
            )?;
            let shape = match m.shape {
                Shape::Article => "article",
                Shape::Generic => "generic",
            };
            let slim = (shape, scalar(py, &m.id)?, scalar(py, &m.url)?, related);
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
                bytes(&m.manifest),
                m.jsonl.as_deref().map_or_else(none, bytes),
                csv,
                page,
                slim.into_pyobject(py)?.into_any(),
                warnings.into_any(),
            ];
            PyTuple::new(py, items)?.into_any()
        }
    })
}

/// The per-file work of one run, configured once: `Core(profile_json, options_json)`.
#[pyclass(frozen)]
struct Core {
    config: Arc<Config>,
    runner: Mutex<Option<Runner>>,
}

#[pymethods]
impl Core {
    /// `options_json`: {"timezone_minutes", "jsonl", "csv", "generic_pages", "spreadsheet_safe",
    /// "max_bytes", "staging" (folder or null), "unicode_version", "threads"}.
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
        let config = Config {
            profile,
            jsonl: flag("jsonl"),
            csv: flag("csv"),
            generic_pages: flag("generic_pages"),
            spreadsheet_safe: flag("spreadsheet_safe"),
            max_bytes: options
                .get("max_bytes")
                .and_then(|v| v.as_u64())
                .unwrap_or(10 * 1024 * 1024),
            staging: options
                .get("staging")
                .and_then(|v| v.as_str())
                .map(PathBuf::from),
            unicode_ok: unicode == crate::pyfmt::table_unicode_version(),
        };
        let threads = options.get("threads").and_then(|v| v.as_u64()).unwrap_or(0) as usize;
        let config = Arc::new(config);
        let runner = (threads > 0).then(|| Runner::new(Arc::clone(&config), threads));
        Ok(Core {
            config,
            runner: Mutex::new(runner),
        })
    }

    /// Queue a batch of `(path, rel)` for the worker threads; `Pending.wait()` gives the
    /// outcomes in order.
    fn submit(&self, items: Vec<(String, String)>) -> PyResult<Pending> {
        let guard = self
            .runner
            .lock()
            .map_err(|_| PyValueError::new_err("core runner poisoned"))?;
        let runner = guard
            .as_ref()
            .ok_or_else(|| PyValueError::new_err("core started without threads"))?;
        let items = items
            .into_iter()
            .map(|(p, r)| (PathBuf::from(p), r))
            .collect();
        Ok(Pending(Mutex::new(Some(runner.submit(items)))))
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
        outcome_tuple(py, rel, outcome)
    }

    /// Stop the worker threads.
    fn close(&self) {
        if let Ok(mut runner) = self.runner.lock() {
            if let Some(mut r) = runner.take() {
                r.close();
            }
        }
    }
}

/// A submitted batch.
#[pyclass(frozen)]
struct Pending(Mutex<Option<BatchHandle>>);

#[pymethods]
impl Pending {
    /// Wait (without the GIL) for the batch; return one tuple per file, in input order.
    fn wait<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let handle = self
            .0
            .lock()
            .map_err(|_| PyValueError::new_err("batch poisoned"))?
            .take()
            .ok_or_else(|| PyValueError::new_err("batch already collected"))?;
        let outcomes = py.detach(move || handle.wait());
        outcomes
            .into_iter()
            .map(|(rel, outcome)| outcome_tuple(py, &rel, outcome))
            .collect()
    }
}
