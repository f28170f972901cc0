//! The PNG drawing backend: plotters' bitmap backend with text drawn here, from the embedded
//! font, with each glyph's side bearing and the font's kerning (plotters' own `ab_glyph` text
//! drops the side bearings, which spaces letters unevenly: "posit ive").
//!
//! Text is measured and drawn at the em size that the SVG backend writes (`size / 1.24` pixels),
//! so a chart's PNG and SVG lay out alike.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::backend::{BitMapBackend, RGBPixel};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

use crate::font::FONT_BYTES;

type BitmapError = <BitMapBackend<'static, RGBPixel> as DrawingBackend>::ErrorType;

/// A bitmap backend whose text comes from the embedded font.
pub(crate) struct PngBackend<'a> {
    inner: BitMapBackend<'a, RGBPixel>,
    font: FontRef<'static>,
}

impl<'a> PngBackend<'a> {
    /// Wraps a bitmap backend; `None` if the embedded font cannot be parsed.
    pub(crate) fn new(inner: BitMapBackend<'a, RGBPixel>) -> Option<Self> {
        let font = FontRef::try_from_slice(FONT_BYTES).ok()?;
        Some(PngBackend { inner, font })
    }

    /// The scale at which the em square is `size / 1.24` pixels, as in the SVG backend.
    fn scale(&self, size: f64) -> PxScale {
        let em = (size / 1.24).max(1.0) as f32;
        let units = self.font.units_per_em().unwrap_or(2048.0);
        PxScale::from(em * self.font.height_unscaled() / units)
    }

    /// Width and height (ascent − descent) of `text`, and each glyph's x offset.
    fn layout(&self, text: &str, scale: PxScale) -> (f32, f32, Vec<(ab_glyph::GlyphId, f32)>) {
        let f = self.font.as_scaled(scale);
        let mut caret = 0.0f32;
        let mut prev = None;
        let mut glyphs = Vec::with_capacity(text.len());
        for c in text.chars() {
            let id = f.glyph_id(c);
            if let Some(p) = prev {
                caret += f.kern(p, id);
            }
            glyphs.push((id, caret));
            caret += f.h_advance(id);
            prev = Some(id);
        }
        (caret, f.ascent() - f.descent(), glyphs)
    }
}

impl DrawingBackend for PngBackend<'_> {
    type ErrorType = BitmapError;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        (iw, ih): (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.blit_bitmap(pos, (iw, ih), src)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<BitmapError>> {
        let (w, h, _) = self.layout(text, self.scale(style.size()));
        Ok((w.ceil().max(0.0) as u32, h.ceil().max(0.0) as u32))
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<BitmapError>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let scale = self.scale(style.size());
        let (width, height, glyphs) = self.layout(text, scale);
        let ascent = self.font.as_scaled(scale).ascent();
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let dy = match anchor.v_pos {
            VPos::Top => 0.0,
            VPos::Center => -height / 2.0,
            VPos::Bottom => -height,
        };
        let transform = style.transform();
        let mut pixels = Vec::new();
        for (id, x) in glyphs {
            let glyph = id.with_scale_and_position(scale, point(x + dx, ascent + dy));
            let Some(outline) = self.font.outline_glyph(glyph) else {
                continue; // a space
            };
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                let lx = bounds.min.x as i32 + gx as i32;
                let ly = bounds.min.y as i32 + gy as i32;
                pixels.push((lx, ly, coverage));
            });
        }
        for (lx, ly, coverage) in pixels {
            if coverage <= 0.0 {
                continue;
            }
            let (tx, ty) = transform.transform(lx, ly);
            let c = BackendColor {
                alpha: color.alpha * f64::from(coverage.min(1.0)),
                rgb: color.rgb,
            };
            self.inner.draw_pixel((pos.0 + tx, pos.1 + ty), c)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use plotters::prelude::*;
    use plotters::style::text_anchor::Pos;

    use super::*;
    use crate::font::{FAMILY, ensure_font};

    /// The bounding box (x0, y0, x1, y1) of the non-white pixels of `text` drawn at `at`, and
    /// the text's measured size.
    fn ink_box(
        text: &str,
        transform: FontTransform,
        at: (i32, i32),
    ) -> ((i32, i32, i32, i32), (u32, u32)) {
        ensure_font().unwrap();
        let (w, h) = (300u32, 300u32);
        let mut rgb = vec![255u8; (w * h * 3) as usize];
        let size;
        {
            let bitmap =
                BitMapBackend::<RGBPixel>::with_buffer_and_format(&mut rgb, (w, h)).unwrap();
            let backend = PngBackend::new(bitmap).unwrap();
            let style = TextStyle::from((FAMILY, 20.0).into_font().transform(transform))
                .color(&BLACK)
                .pos(Pos::new(HPos::Left, VPos::Top));
            size = backend.estimate_text_size(text, &style).unwrap();
            let root = backend.into_drawing_area();
            root.draw(&Text::new(text, at, style)).unwrap();
            root.present().unwrap();
        }
        let mut b = (i32::MAX, i32::MAX, i32::MIN, i32::MIN);
        for (i, px) in rgb.chunks_exact(3).enumerate() {
            if px.iter().any(|&c| c < 200) {
                let (x, y) = ((i as u32 % w) as i32, (i as u32 / w) as i32);
                b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
            }
        }
        (b, size)
    }

    #[test]
    fn text_lands_inside_its_measured_box() {
        let ((x0, y0, x1, y1), (tw, th)) = ink_box("Tilted jig", FontTransform::None, (20, 30));
        assert!(x0 >= 20 && y0 >= 30, "ink starts at ({x0}, {y0})");
        assert!(
            x1 <= 20 + tw as i32 + 1 && y1 <= 30 + th as i32 + 1,
            "ink ends at ({x1}, {y1}), box {tw}×{th}"
        );
        // The text fills most of its measured width (letters are not squeezed or spread).
        assert!(
            (x1 - x0) as f64 > 0.85 * tw as f64,
            "ink {}..{} of width {tw}",
            x0,
            x1
        );
    }

    #[test]
    fn rotated_text_runs_upwards() {
        let ((x0, y0, x1, y1), (tw, _)) =
            ink_box("True positive rate", FontTransform::Rotate270, (20, 250));
        assert!(
            y1 - y0 > 3 * (x1 - x0),
            "a vertical run of text: {x0},{y0} to {x1},{y1}"
        );
        assert!(((y1 - y0) as f64) > 0.85 * tw as f64);
        assert!(
            y1 <= 251 && y0 >= 250 - tw as i32 - 1,
            "drawn upwards from its anchor"
        );
    }
}
