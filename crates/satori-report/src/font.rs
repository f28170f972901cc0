//! The one font the pictures use, embedded in the binary so that nothing is read from the system
//! at run time: DejaVu Sans (Bitstream Vera licence, see `assets/DejaVuSans-LICENSE.txt`).

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
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

/// The width in pixels of `text` set in the embedded font with an em of `px` pixels (advances
/// and kerning, as the PNG backend lays it out); used to lay out legends and bar labels.
pub(crate) fn text_width(text: &str, px: f64) -> f64 {
    let Ok(font) = FontRef::try_from_slice(FONT_BYTES) else {
        // Unreachable with the embedded font; a generous estimate keeps layouts apart.
        return text.chars().count() as f64 * px * 0.65;
    };
    let units = font.units_per_em().unwrap_or(2048.0);
    let scaled = font.as_scaled(PxScale::from(px as f32 * font.height_unscaled() / units));
    let mut width = 0.0f32;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            width += scaled.kern(p, id);
        }
        width += scaled.h_advance(id);
        prev = Some(id);
    }
    f64::from(width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_width_grows_with_text_and_size() {
        let a = text_width("ROC", 14.0);
        assert!(a > 20.0 && a < 40.0, "{a}");
        assert!(text_width("ROC curve", 14.0) > a);
        assert!((text_width("ROC", 28.0) - 2.0 * a).abs() < 0.5);
        assert_eq!(text_width("", 14.0), 0.0);
    }

    #[test]
    fn embedded_font_registers() {
        assert!(FONT_BYTES.len() > 100_000);
        ensure_font().unwrap();
        ensure_font().unwrap();
    }
}
