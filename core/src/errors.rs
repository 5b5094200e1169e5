//! The one error type of the core: a file is either declined (the Python reference takes it)
//! or rejected (a typed rejection, worded exactly as the reference words it).

use std::fmt;

/// Why the per-file work did not produce a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fail {
    /// The core does not reproduce this file exactly; the reason is counted in the report.
    Decline(String),
    /// The file is rejected, with the reference's kind, line, field and reason text.
    Reject(Rejection),
}

/// A rejection, as `pipeline.record.Rejection` holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub kind: &'static str,
    pub line: Option<usize>,
    pub field: Option<String>,
    /// `PipelineError.reason()`: `field: message (fix)`.
    pub reason: String,
}

impl Fail {
    /// A decline with a short reason (counted, so keep the wording stable and free of values).
    pub fn decline(reason: impl Into<String>) -> Fail {
        Fail::Decline(reason.into())
    }

    /// A rejection in the reference's words: `reason()` joins field, message and fix.
    pub fn reject(
        kind: &'static str,
        message: &str,
        line: Option<usize>,
        field: Option<&str>,
        fix: Option<&str>,
    ) -> Fail {
        let mut reason = match field {
            Some(field) => format!("{field}: {message}"),
            None => message.to_string(),
        };
        if let Some(fix) = fix {
            reason.push_str(&format!(" ({fix})"));
        }
        Fail::Reject(Rejection {
            kind,
            line,
            field: field.map(str::to_string),
            reason,
        })
    }
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fail::Decline(reason) => write!(f, "declined: {reason}"),
            Fail::Reject(r) => write!(f, "rejected ({}): {}", r.kind, r.reason),
        }
    }
}

/// The result of one step of the per-file work.
pub type Result<T> = std::result::Result<T, Fail>;
