//! What `who-can` and `what-can` share: the store to load, `--context`
//! pairs, and the output format.

use std::path::PathBuf;

use tollgate_policy::RequestContext;
use tollgate_server::config::StoreSource;
use tollgate_store::Store;

/// Exit status when the query, the store or the output fails.
pub const INPUT_ERROR: u8 = 2;

/// Most `--context` pairs.
const MAX_CONTEXT_PAIRS: usize = 256;

/// Writes `text` to stdout: success, or exit status 2 on a write error (a
/// closed pipe ends quietly).
pub fn write_stdout(text: &str) -> std::process::ExitCode {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tollgate: cannot write the answer: {e}");
            std::process::ExitCode::from(INPUT_ERROR)
        }
    }
}

/// How answers are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Lines for people.
    Text,
    /// One JSON object.
    Json,
}

/// Loads the store folder, or the built-in example store.
pub fn load_store(store: Option<&PathBuf>) -> Result<Store, String> {
    let source = match store {
        Some(dir) => StoreSource::Dir(dir.clone()),
        None => StoreSource::Embedded,
    };
    tollgate_server::reload::load(&source)
        .map_err(|error| format!("cannot load the store `{source}`: {error}"))
}

/// `KEY=VALUE` pairs as a context; a key given several times has several
/// values.
pub fn context(pairs: &[String]) -> Result<RequestContext, String> {
    if pairs.len() > MAX_CONTEXT_PAIRS {
        return Err(format!(
            "--context: {} pairs, at most {MAX_CONTEXT_PAIRS}",
            pairs.len()
        ));
    }
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(format!("--context `{pair}`: expected KEY=VALUE"));
        };
        if key.is_empty() {
            return Err(format!("--context `{pair}`: the key is empty"));
        }
        match grouped
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
        {
            Some((_, values)) => values.push(value.to_owned()),
            None => grouped.push((key.to_owned(), vec![value.to_owned()])),
        }
    }
    let mut context = RequestContext::new();
    for (key, values) in grouped {
        context.insert(&key, values);
    }
    Ok(context)
}

/// One missing key's class as text: `KEY absent`, `KEY = "v"`, ...
pub fn condition_text(key: &str, value: &tollgate_access::CaseValue) -> String {
    use tollgate_access::CaseValue as V;
    match value {
        V::Absent => format!("{key} absent"),
        V::Equals(v) => format!("{key} = {v:?}"),
        V::NoneOf(values) => format!("{key} not in {values:?}"),
        V::Matches { like, not_like } => {
            let mut text = key.to_owned();
            for g in like {
                text.push_str(&format!(" like {g:?}"));
            }
            for g in not_like {
                text.push_str(&format!(" not like {g:?}"));
            }
            if like.is_empty() && not_like.is_empty() {
                text.push_str(" present");
            }
            text
        }
        V::Number(n) => format!("{key} == {n}"),
        V::Between { above, below } => match (above, below) {
            (Some(a), Some(b)) => format!("{a} < {key} < {b}"),
            (Some(a), None) => format!("{key} > {a}"),
            (None, Some(b)) => format!("{key} < {b}"),
            (None, None) => format!("{key} is a number"),
        },
        V::NotANumber => format!("{key} not a number"),
        V::Bool(b) => format!("{key} is {b}"),
        V::NotABool => format!("{key} not a boolean"),
    }
}

/// A context case as text: its keys' classes joined by `and`.
pub fn case_text(case: &tollgate_access::ContextCase) -> String {
    if case.keys.is_empty() {
        return "always".to_owned();
    }
    case.keys
        .iter()
        .map(|(key, value)| condition_text(key, value))
        .collect::<Vec<_>>()
        .join(" and ")
}
