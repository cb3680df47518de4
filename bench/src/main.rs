//! Reads two ToolJet exports from files with the action's own reader, as it reads them from
//! ToolJet (in 64 KiB chunks), compares their versions with the action's own comparison, and
//! prints what changes and how long each part took. For `.ci/bench-changes`, built in release
//! and run under GNU time for its peak memory.
//!
//! Usage: bench-changes OLD-EXPORT NEW-EXPORT

use std::io::Read;
use std::time::Instant;

use tooljet_gitsync_action::changes;
use tooljet_gitsync_action::tooljet::export::{Content, Reader};

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [old, new] = args.as_slice() else {
        return Err("usage: bench-changes OLD-EXPORT NEW-EXPORT".into());
    };
    let started = Instant::now();
    let old = read(old)?;
    let new = read(new)?;
    let (old, new) = (only(&old)?, only(&new)?);
    let compared = Instant::now();
    let changes = changes::compare(old, new);
    println!(
        "compared in {:.2} s: {}",
        compared.elapsed().as_secs_f64(),
        changes.lines().join("\n")
    );
    println!("in all {:.2} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// An export's content, read from a file in 64 KiB chunks.
fn read(path: &str) -> Result<Content, Error> {
    let started = Instant::now();
    let mut file = std::fs::File::open(path)?;
    let mut reader = Reader::with_content();
    let mut chunk = vec![0; 64 * 1024];
    let mut size = 0;
    loop {
        let read = file.read(&mut chunk)?;
        size += read;
        if read == 0 || reader.feed(chunk.get(..read).unwrap_or_default())? {
            break;
        }
    }
    let content = reader.finish()?.content.ok_or("no content read")??;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "read {path}: {:.0} MB in {seconds:.2} s ({:.0} MB/s)",
        size as f64 / 1e6,
        size as f64 / 1e6 / seconds
    );
    Ok(content)
}

fn only(content: &Content) -> Result<tooljet_gitsync_action::tooljet::export::Version<'_>, Error> {
    content
        .only()
        .ok_or_else(|| "an export of one version was expected".into())
}
