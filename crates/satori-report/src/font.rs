//! The one font the pictures use, embedded in the binary so that nothing is read from the system
//! at run time: DejaVu Sans (Bitstream Vera licence, see `assets/DejaVuSans-LICENSE.txt`).

use std::sync::OnceLock;

use plotters::style::{FontStyle, register_font};
use satori_core::{Error, Result};

/// DejaVu Sans, the font every chart is measured and drawn with.
pub(crate) static FONT_BYTES: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// The font family name charts ask for (the embedded font is registered under it; SVG viewers
/// fall back to their own sans-serif face).
pub(crate) const FAMILY: &str = "sans-serif";

static REGISTERED: OnceLock<bool> = OnceLock::new();

/// Registers the embedded font with plotters (once per process). Bitmap text cannot be drawn
/// without a registered font, so every chart calls this before drawing.
pub(crate) fn ensure_font() -> Result<()> {
    let ok = *REGISTERED.get_or_init(|| {
        // Bold and other styles fall back to the normal face.
        register_font(FAMILY, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(Error::Internal(
            "the embedded chart font could not be parsed".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_font_registers() {
        assert!(FONT_BYTES.len() > 100_000);
        ensure_font().unwrap();
        ensure_font().unwrap();
    }
}
