//! `sitrep-wasm-split INPUT --out-dir DIR --main-out FILE --main-name NAME`: the step
//! `cargo leptos build --split` runs between cargo and wasm-bindgen (scripts/build.sh calls it).
//! It cuts the browser's wasm at its `#[lazy]` functions (one per screen, see
//! app/src/pages/chunks.rs) into a main module, which wasm-bindgen
//! then processes, and one chunk per split point with a small JS loader; and it writes
//! `__wasm_split_manifest.json`, from which the server's `<HydrationScripts>` preloads the chunks
//! a page needs. The stock `wasm-split-cli` binary writes no manifest.

use clap::Parser;
use std::{path::PathBuf, process::ExitCode};

/// The name the main module imports the chunks' loader by; the build renames it to a hashed name
/// of the same length, patching the main module in place, as cargo-leptos does.
const LOADER: &str = "./__wasm_split.______________________.js";
const MANIFEST: &str = "__wasm_split_manifest.json";

#[derive(Parser)]
#[command(name = "sitrep-wasm-split", about)]
struct Cli {
    /// The wasm cargo built (linked with `--emit-relocs`).
    input: PathBuf,
    /// Where the chunks, their loader and the manifest go (the site's pkg directory).
    #[arg(long)]
    out_dir: PathBuf,
    /// Where the main module goes, for wasm-bindgen.
    #[arg(long)]
    main_out: PathBuf,
    /// The name wasm-bindgen gives the main module's JS (`sitrep` for ./sitrep.js).
    #[arg(long)]
    main_name: String,
    /// Say what went where.
    #[arg(long)]
    verbose: bool,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(chunks) => {
            println!("wasm-split: {chunks} chunks");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("wasm-split: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<usize, String> {
    let input = std::fs::read(&cli.input)
        .map_err(|e| format!("cannot read {}: {e}", cli.input.display()))?;
    let main_module = format!("./{}.js", cli.main_name);
    let split = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&input);
        opts.output_dir = &cli.out_dir;
        opts.main_out_path = &cli.main_out;
        opts.main_module = &main_module;
        opts.link_name = LOADER;
        opts.verbose = cli.verbose;
        opts
    })
    .map_err(|e| format!("{e:?}"))?;
    let manifest = serde_json::to_string_pretty(&split.prefetch_map)
        .map_err(|e| format!("cannot write the manifest: {e}"))?;
    let path = cli.out_dir.join(MANIFEST);
    std::fs::write(&path, manifest).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(split.split_modules.len())
}
