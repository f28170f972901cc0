//! Prints `WIDTH HEIGHT DISTINCT_COLOURS NON_WHITE_PER_MILLE` of a PNG file: the blank-page check
//! of `tests/browser/check_report.sh`. A pixel is non-white when any channel is below 235.
//!
//! ```text
//! cargo run -p satori-report --example png_stats -- shot.png
//! ```

use std::collections::BTreeSet;
use std::process::ExitCode;

fn stats(path: &str) -> Result<(u32, u32, usize, u64), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| format!("{path}: {e}"))?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| format!("{path}: image too large"))?;
    let mut buf = vec![0u8; size];
    let info = reader
        .next_frame(&mut buf)
        .map_err(|e| format!("{path}: {e}"))?;
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    let mut colours = BTreeSet::new();
    let mut non_white = 0u64;
    for px in pixels.chunks_exact(channels) {
        let rgb = match channels {
            1 | 2 => [px[0]; 3],
            _ => [px[0], px[1], px[2]],
        };
        colours.insert(rgb);
        if rgb.iter().any(|&c| c < 235) {
            non_white += 1;
        }
    }
    let n = u64::from(info.width) * u64::from(info.height);
    Ok((
        info.width,
        info.height,
        colours.len(),
        non_white * 1000 / n.max(1),
    ))
}

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: png_stats FILE.png");
        return ExitCode::from(2);
    };
    match stats(&path) {
        Ok((w, h, c, nw)) => {
            println!("{w} {h} {c} {nw}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("png_stats: {e}");
            ExitCode::FAILURE
        }
    }
}
