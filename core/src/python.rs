//! The Python module `pipeline_core`: the batch API the pipeline calls, and small entry points
//! the differential tests call to hold each part to the Python reference.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors::Fail;
use crate::value::{from_tagged, to_tagged};

fn fail_text(fail: &Fail) -> String {
    fail.to_string()
}

/// `(tagged JSON of the front matter or None, key lines)` or ValueError("declined: ...").
#[pyfunction]
fn _load_yaml(text: &str, first_line: usize) -> PyResult<(Option<String>, Vec<(String, usize)>)> {
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
    (crate::pyfmt::float_repr(value), crate::pyfmt::orjson_float(value))
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
    Ok(())
}
