//! textrank — jsorc's example WebAssembly action module in Rust: a
//! tokenizer and a BM25 ranker, the same module as the Go and C examples
//! (the tests compare their answers). Built by `make examples` with
//! Debian's rustc and its wasm32-wasi standard library, no cargo and no
//! crates:
//!
//!     rustc --target wasm32-wasi --crate-type cdylib -O -C strip=symbols textrank.rs
//!
//! The ABI glue (docs/wasm-abi.md, version 1) and a small JSON reader and
//! writer are in abi.rs and json.rs.

mod abi;
mod json;

use json::Value;

const K1: f64 = 1.2;
const B: f64 = 0.75;

/// The module's spec, handed to the host by jsorc_spec.
pub const SPEC: &str = concat!(
    r#"{"module":"textrank","doc":"tokenizer and BM25 ranker (Rust)","actions":["#,
    r#"{"name":"tokenize","doc":"split text into lower-case word tokens","params":[{"name":"text","type":"str"}]},"#,
    r#"{"name":"rank","doc":"rank docs against a query with BM25; the k best with a positive score","#,
    r#""params":[{"name":"query","type":"str"},{"name":"docs","type":"list"},{"name":"k","type":"int","default":10}]},"#,
    r#"{"name":"about","doc":"which implementation this is","params":[]}]}"#
);

/// dispatch runs one action: Ok(result JSON) or Err(error).
pub fn dispatch(action: &str, args: &Value) -> Result<String, abi::Error> {
    match action {
        "tokenize" => {
            let text = args.get("text").and_then(Value::as_str).ok_or_else(|| abi::Error::arg("text", "want a string"))?;
            let low = text.to_ascii_lowercase();
            let mut out = String::with_capacity(2 * text.len() + 2);
            out.push('[');
            // A token is word bytes only (no quote, backslash or control
            // character): it is written as it is.
            for (i, t) in tokenize(&low).iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('"');
                out.push_str(t);
                out.push('"');
            }
            out.push(']');
            Ok(out)
        }
        "rank" => rank_action(args),
        "about" => Ok(r#"{"abi":1,"language":"rust"}"#.to_string()),
        _ => Err(abi::Error::failed("no such action")),
    }
}

/// is_word: ASCII letters and digits, and every byte of a multi-byte UTF-8
/// character.
fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c >= 0x80
}

/// tokenize splits text into runs of word bytes, each a slice of text (the
/// callers lower-case the whole text first: one copy, not one per token).
/// Every non-word byte is ASCII, so a run is whole UTF-8 characters.
fn tokenize(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && !is_word(b[i]) {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let start = i;
        while i < b.len() && is_word(b[i]) {
            i += 1;
        }
        out.push(&text[start..i]);
    }
    out
}

fn rank_action(args: &Value) -> Result<String, abi::Error> {
    let query = args.get("query").and_then(Value::as_str).ok_or_else(|| abi::Error::arg("query", "want a string"))?;
    let docs = match args.get("docs") {
        Some(Value::Arr(items)) => {
            let mut v = Vec::with_capacity(items.len());
            for d in items {
                v.push(d.as_str().ok_or_else(|| abi::Error::arg("docs", "want a list of strings"))?);
            }
            v
        }
        _ => return Err(abi::Error::arg("docs", "want a list of strings")),
    };
    let k = match args.get("k") {
        Some(Value::Num(n)) if n.fract() == 0.0 => *n,
        _ => return Err(abi::Error::arg("k", "want an integer")),
    };
    if k < 1.0 {
        return Err(abi::Error::arg("k", "must be at least 1"));
    }
    let k = if k > 1e9 { 1_000_000_000 } else { k as usize };

    // The query's distinct terms, in the order they first appear.
    let query = query.to_ascii_lowercase();
    let mut terms: Vec<&str> = Vec::new();
    for t in tokenize(&query) {
        if !terms.contains(&t) {
            terms.push(t);
        }
    }
    let n = docs.len();
    if n == 0 || terms.is_empty() {
        return Ok("[]".to_string());
    }
    let nt = terms.len();
    let mut tf = vec![0u32; n * nt];
    let mut df = vec![0u32; nt];
    let mut lens = vec![0usize; n];
    let mut total = 0usize;
    for (i, d) in docs.iter().enumerate() {
        let low = d.to_ascii_lowercase();
        let toks = tokenize(&low);
        lens[i] = toks.len();
        total += toks.len();
        for tok in &toks {
            if let Some(t) = terms.iter().position(|x| x == tok) {
                tf[i * nt + t] += 1;
            }
        }
        for t in 0..nt {
            if tf[i * nt + t] > 0 {
                df[t] += 1;
            }
        }
    }
    let avgdl = total as f64 / n as f64;
    let mut hits: Vec<(usize, f64)> = Vec::new();
    for i in 0..n {
        let mut score = 0.0;
        for t in 0..nt {
            let f = tf[i * nt + t];
            if f == 0 {
                continue;
            }
            let idf = (1.0 + (n as f64 - df[t] as f64 + 0.5) / (df[t] as f64 + 0.5)).ln();
            let ft = f as f64;
            score += idf * (ft * (K1 + 1.0)) / (ft + K1 * (1.0 - B + B * lens[i] as f64 / avgdl));
        }
        if score > 0.0 {
            hits.push((i, score));
        }
    }
    // A stable sort: best score first, ties by index.
    hits.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    hits.truncate(k);
    let mut out = String::from("[");
    for (j, (i, s)) in hits.iter().enumerate() {
        if j > 0 {
            out.push(',');
        }
        out.push_str(&format!("{{\"doc\":{},\"score\":{}}}", i, json::num(*s)));
    }
    out.push(']');
    Ok(out)
}
