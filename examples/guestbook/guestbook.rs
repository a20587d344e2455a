// guestbook — signatures kept in a state bucket mounted at /book, through
// nothing but Rust's std::fs (no SDK, no crates).
//
//   guestbook sign NAME   stores stdin as NAME's entry (one put on close)
//   guestbook read        prints every entry, "NAME (BYTES B): TEXT", sorted
//
// Needs `state: [{ bucket: guestbook, mount: /book }]` in its manifest.
//
// Build (see ../build.ts):
//   /usr/bin/rustc --target wasm32-wasi --edition 2021 -C opt-level=s guestbook.rs

use std::io::Read;
use std::process::exit;

const BOOK: &str = "/book";

fn fail(what: &str, error: std::io::Error) -> ! {
    eprintln!("guestbook: {what}: {error}");
    exit(1)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("sign") if args.len() == 3 => {
            let mut text = Vec::new();
            if let Err(e) = std::io::stdin().read_to_end(&mut text) {
                fail("stdin", e);
            }
            let path = format!("{BOOK}/{}", args[2]);
            if let Err(e) = std::fs::write(&path, &text) {
                fail(&args[2], e);
            }
        }
        Some("read") if args.len() == 2 => {
            let entries = std::fs::read_dir(BOOK).unwrap_or_else(|e| fail(BOOK, e));
            let mut names: Vec<String> = entries
                .map(|e| e.unwrap_or_else(|e| fail(BOOK, e)).file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .collect();
            names.sort();
            for name in names {
                let path = format!("{BOOK}/{name}");
                let size = std::fs::metadata(&path).unwrap_or_else(|e| fail(&name, e)).len();
                let text = std::fs::read_to_string(&path).unwrap_or_else(|e| fail(&name, e));
                println!("{name} ({size} B): {}", text.trim_end());
            }
        }
        _ => {
            eprintln!("usage: guestbook sign NAME | guestbook read");
            exit(2)
        }
    }
}
