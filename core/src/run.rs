//! The per-file work end to end (`pipeline.run.process_file` for the common case), and
//! batches of it on native threads.

use std::fs;
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::errors::{Fail, Rejection};
use crate::extract;
use crate::load::markdown::platform::{self, Placement, Platform};
use crate::load::{csv, json, markdown};
use crate::transform::{self, profile::Profile, profile::Shape, Raw, Warning};
use crate::value::{get, Map, Value};

/// The name the core gives itself in `report.json` (`parsers`) and the manifest.
pub const PARSER: &str = "pipeline-core";

/// Everything the per-file work needs besides the file.
#[derive(Debug)]
pub struct Config {
    pub profile: Profile,
    pub jsonl: bool,
    pub csv: bool,
    /// The Markdown target whose pages are rendered (None: no Markdown output).
    pub pages: Option<Target>,
    pub spreadsheet_safe: bool,
    pub max_bytes: u64,
    /// False when the running Python's Unicode version differs from the core's tables:
    /// documents with non-ASCII text are then declined.
    pub unicode_ok: bool,
}

/// A Markdown target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Plain Markdown that reads back to the record: a page depends on its record alone.
    Generic,
    /// A site generator's pages, rendered for the record's preferred placement (see
    /// `load::markdown::platform`).
    Platform(Platform),
}

/// A rendered page (`pipeline.load.markdown.Prepared` before staging).
#[derive(Debug)]
pub struct Page {
    pub preferred: String,
    pub data: Vec<u8>,
    pub digest: String,
    /// The placement the page was rendered for (platform targets).
    pub place: Option<Placement>,
    /// True when `safe_relative(preferred)` is `preferred` itself (no `..`, no backslash, no
    /// empty or `.` segment, no Windows device name, not absolute): the main process can
    /// take the path as it is.
    pub plain: bool,
}

/// A migrated file: what the main process needs, and each writer's bytes.
#[derive(Debug)]
pub struct Migrated {
    pub sha256: String,
    pub shape: Shape,
    /// The record as compact JSON (`record_json(record.data)`): the JSONL line without its
    /// newline, and the `data` of the manifest entry (see `manifest_entry`).
    pub data_json: String,
    /// The source path, which the warnings name.
    pub path: String,
    pub csv: Option<(String, String)>,
    pub page: Option<Page>,
    /// id, url and related ids (None where the link has none), for the corpus checks, and
    /// the slug (platform targets place pages by it).
    pub id: Value,
    pub slug: Value,
    pub url: Value,
    pub related_ids: Vec<Value>,
    pub warnings: Vec<Warning>,
}

/// The outcome of one file.
#[derive(Debug)]
pub enum Outcome {
    Migrated(Box<Migrated>),
    /// (sha256 when the file was read, manifest entry, rejection)
    Rejected(Option<String>, String, Rejection),
    Declined(String),
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// `read_bytes`: the file, refused before reading when larger than `max_bytes`.
fn read(path: &Path, max_bytes: u64) -> Result<Vec<u8>, Fail> {
    let file = fs::File::open(path).map_err(|_| Fail::decline("unreadable file"))?;
    let size = file
        .metadata()
        .map_err(|_| Fail::decline("unreadable file"))?
        .len();
    if size > max_bytes {
        return Err(Fail::reject(
            "too-large",
            &format!("file is {size} bytes, over the limit of {max_bytes}"),
            None,
            None,
            Some("raise --max-bytes if the file is genuine"),
        ));
    }
    let mut data = Vec::with_capacity(size as usize + 1);
    file.take(max_bytes + 1)
        .read_to_end(&mut data)
        .map_err(|_| Fail::decline("unreadable file"))?;
    if data.len() as u64 > max_bytes {
        return Err(Fail::reject(
            "too-large",
            &format!("file is over the limit of {max_bytes} bytes"),
            None,
            None,
            None,
        ));
    }
    Ok(data)
}

impl Migrated {
    /// The manifest entry (`encode_outcome`): built only where the main process asks for it
    /// (spans store a marker instead).
    pub fn manifest_entry(&self) -> Result<String, Fail> {
        let warnings = Value::Seq(
            self.warnings
                .iter()
                .map(|w| {
                    Value::Map(vec![
                        ("path".into(), Value::Str(self.path.clone())),
                        ("field".into(), Value::Str(w.field.clone())),
                        ("message".into(), Value::Str(w.message.clone())),
                    ])
                })
                .collect(),
        );
        let shape = match self.shape {
            Shape::Article => "article",
            Shape::Generic => "generic",
        };
        let mut entry = String::with_capacity(self.data_json.len() + 128);
        entry.push_str("{\"shape\":\"");
        entry.push_str(shape);
        entry.push_str("\",\"warnings\":");
        json::write_value(&mut entry, &warnings)?;
        entry.push_str(",\"parser\":\"");
        entry.push_str(PARSER);
        entry.push_str("\",\"data\":");
        entry.push_str(&self.data_json);
        entry.push('}');
        Ok(entry)
    }
}

/// The manifest entry of a rejection (`encode_outcome`).
pub fn rejection_entry(rel: &str, r: &Rejection) -> Result<String, Fail> {
    let line = r.line.map_or(Value::Null, |l| Value::Int(l as i64));
    let field = r.field.clone().map_or(Value::Null, Value::Str);
    let entry = Value::Map(vec![(
        "rejection".into(),
        Value::Map(vec![
            ("path".into(), Value::Str(rel.to_string())),
            ("line".into(), line),
            ("field".into(), field),
            ("kind".into(), Value::Str(r.kind.to_string())),
            ("reason".into(), Value::Str(r.reason.clone())),
        ]),
    )]);
    json::to_json(&entry)
}

impl Config {
    /// The per-file work for one file: its outcome, or a decline.
    pub fn process(&self, path: &Path, rel: &str) -> Outcome {
        match catch_unwind(AssertUnwindSafe(|| self.process_inner(path, rel))) {
            Ok(outcome) => outcome,
            Err(_) => Outcome::Declined("panic in the core".to_string()),
        }
    }

    fn process_inner(&self, path: &Path, rel: &str) -> Outcome {
        let data = match read(path, self.max_bytes) {
            Ok(data) => data,
            Err(fail) => return self.failed(rel, None, fail),
        };
        let sha256 = hex(&Sha256::digest(&data));
        match self.migrate(&data, rel, &sha256) {
            Ok(migrated) => Outcome::Migrated(Box::new(migrated)),
            Err(fail) => self.failed(rel, Some(sha256), fail),
        }
    }

    fn failed(&self, rel: &str, sha256: Option<String>, fail: Fail) -> Outcome {
        match fail {
            Fail::Decline(reason) => Outcome::Declined(reason),
            Fail::Reject(rejection) => match rejection_entry(rel, &rejection) {
                Ok(entry) => Outcome::Rejected(sha256, entry, rejection),
                Err(Fail::Decline(reason)) => Outcome::Declined(reason),
                Err(Fail::Reject(_)) => Outcome::Declined("rejection entry".to_string()),
            },
        }
    }

    /// Bytes to record to every output: extract, transform, and each writer's bytes.
    pub fn migrate(&self, data: &[u8], rel: &str, sha256: &str) -> Result<Migrated, Fail> {
        let text = extract::decode(data)?;
        if !self.unicode_ok && !text.is_ascii() {
            return Err(Fail::decline(
                "non-ASCII text under another Unicode version",
            ));
        }
        let owned;
        let text = if text.contains("\r\n") {
            owned = text.replace("\r\n", "\n");
            owned.as_str()
        } else {
            text
        };
        let doc = extract::split(text)?;
        let (front_matter, key_lines) = match doc.front_matter {
            None => (None, Vec::new()),
            Some(fm) => match extract::yaml::load(fm, doc.front_matter_line)? {
                None => (Some(Map::new()), Vec::new()),
                Some(loaded) => (Some(loaded.map), loaded.key_lines),
            },
        };
        let raw = Raw {
            path: rel,
            sha256,
            front_matter,
            key_lines,
            body: doc.body,
        };
        let record = transform::to_record(&raw, &self.profile)?;
        self.outputs(record, sha256)
    }

    fn outputs(&self, record: transform::Record, sha256: &str) -> Result<Migrated, Fail> {
        let data = Value::Map(record.data);
        let data_json = json::to_json(&data)?;
        let Value::Map(data) = data else {
            return Err(Fail::decline("record is not a mapping"));
        };
        let path = match get(&data, "source") {
            Some(Value::Map(s)) => match get(s, "path") {
                Some(Value::Str(p)) => p.clone(),
                _ => String::new(),
            },
            _ => String::new(),
        };
        let csv = if self.csv {
            Some(csv::rows(&data, record.shape, self.spreadsheet_safe)?)
        } else {
            None
        };
        let page = match self.pages {
            None => None,
            Some(Target::Generic) => {
                let preferred = markdown::generic_page_path(&data, record.shape)
                    .ok_or_else(|| Fail::decline("page without a path"))?;
                let bytes = markdown::generic_page(&data, record.shape)?.into_bytes();
                Some(Page {
                    plain: markdown::plain_path(&preferred),
                    digest: hex(&Sha256::digest(&bytes)),
                    preferred,
                    data: bytes,
                    place: None,
                })
            }
            Some(Target::Platform(platform)) => {
                let (place, preferred) = platform::preferred(&data, record.shape, platform)?;
                let bytes = platform::render(&data, record.shape, platform, &place)?.into_bytes();
                Some(Page {
                    // (Placed in order by the main process: never part of a span.)
                    plain: false,
                    digest: hex(&Sha256::digest(&bytes)),
                    preferred,
                    data: bytes,
                    place: Some(place),
                })
            }
        };
        let slug = get(&data, "slug").cloned().unwrap_or(Value::Null);
        let (id, url, related_ids) = if record.shape == Shape::Article {
            let related_ids = match get(&data, "related") {
                Some(Value::Seq(links)) => links
                    .iter()
                    .map(|l| match l {
                        Value::Map(m) => get(m, "id").cloned().unwrap_or(Value::Null),
                        _ => Value::Null,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            (
                get(&data, "id").cloned().unwrap_or(Value::Null),
                get(&data, "url").cloned().unwrap_or(Value::Null),
                related_ids,
            )
        } else {
            (Value::Null, Value::Null, Vec::new())
        };
        Ok(Migrated {
            sha256: sha256.to_string(),
            shape: record.shape,
            data_json,
            path,
            csv,
            page,
            id,
            slug,
            url,
            related_ids,
            warnings: record.warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// schemas/profiles/default.yaml as JSON (the Python side passes the parsed profile).
    const DEFAULT_PROFILE: &str = r#"{"name": "default", "shape": "article",
      "fields": {"id": {"from": "id", "type": "integer", "required": true},
        "url": {"from": "url"}, "title": {"from": "title", "escaped": true},
        "question": {"from": "question", "escaped": true},
        "answer": {"from": "answer", "escaped": true}, "subject": {"from": "subject"},
        "author": {"from": "author"}, "date": {"from": "date", "type": "date"},
        "seo.title": {"from": "seo.title"},
        "seo.description": {"from": "seo.page_description", "escaped": true},
        "seo.keywords": {"from": "seo.page_keywords", "type": "list", "split": ",",
                         "escaped": true},
        "score": {"from": "score", "type": "number"}},
      "dates": {"format_from": "date_format",
                "formats": ["YYYY-MM-DD HH:mm:ss Z", "YYYY-MM-DD HH:mm Z", "MMM D, YYYY"]},
      "related": {"family": "related_article",
        "fields": {"id": {"from": "id", "type": "integer"},
                   "title": {"from": "title", "escaped": true},
                   "subject": {"from": "subject"}, "url": {"from": "url"}}},
      "slug_from": ["file_name", "url", "title"],
      "body": {"placeholders": ["&nbsp;", "<br>", "<p>&nbsp;</p>"]}}"#;

    const SEED: &[u8] = include_bytes!("../../input/000_d55175470d23ebb0.txt");

    fn config() -> Config {
        Config {
            profile: Profile::from_json(DEFAULT_PROFILE, 0).expect("profile"),
            jsonl: true,
            csv: true,
            pages: Some(Target::Generic),
            spreadsheet_safe: false,
            max_bytes: 1 << 20,
            unicode_ok: true,
        }
    }

    /// A small deterministic generator (xorshift), so the test needs no crate.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    /// Random mutations of the seed never panic: each gives a record, a rejection or a decline.
    #[test]
    fn mutated_seeds_never_panic() {
        let config = config();
        let pieces: [&[u8]; 12] = [
            b"---\n", b"\n  ", b": ", b"- ", b"'", b"\"", b"\\u", b"&a ", b"{", b"[", b"\t",
            b"\xe9",
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..3000 {
            let mut data = SEED.to_vec();
            for _ in 0..1 + rng.below(5) {
                let at = rng.below(data.len() + 1);
                match rng.below(3) {
                    0 if at < data.len() => {
                        let end = (at + 1 + rng.below(30)).min(data.len());
                        data.drain(at..end);
                    }
                    1 => {
                        let piece = pieces[rng.below(pieces.len())];
                        data.splice(at..at, piece.iter().copied());
                    }
                    _ if !data.is_empty() => {
                        let i = at % data.len();
                        data[i] = rng.next() as u8;
                    }
                    _ => {}
                }
            }
            let _ = config.migrate(&data, "fuzz.txt", "0".repeat(64).as_str());
        }
    }

    /// The seed itself is the core's: a record (once the YAML loader reads it).
    #[test]
    fn seed_outcome_is_stable() {
        let config = config();
        let first = config.migrate(SEED, "seed.txt", &"0".repeat(64));
        let again = config.migrate(SEED, "seed.txt", &"0".repeat(64));
        assert_eq!(format!("{first:?}"), format!("{again:?}"));
    }
}
