//! Rendering a [`Chart`] to SVG or PNG: the backends, the embedded font and the PNG encoding
//! around [`draw::chart`], which draws the panels. Kept apart from `chart` (the chart as data)
//! so that the data types never depend on the drawing code that reads them.

use plotters::backend::{BitMapBackend, RGBPixel};
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend, IntoDrawingArea, SVGBackend};
use satori_core::{Error, Result};

use crate::chart::Chart;
use crate::draw;
use crate::font::ensure_font;
use crate::raster::PngBackend;

/// The PNG file signature every [`Chart::png`] result starts with.
pub const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

impl Chart {
    /// Render the chart as a standalone SVG document.
    pub fn svg(&self) -> Result<String> {
        ensure_font()?;
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, self.size()).into_drawing_area();
            self.draw_on(&root)?;
            root.present().map_err(draw::fail)?;
        }
        Ok(out)
    }

    /// Render the chart as PNG bytes (8-bit RGB).
    pub fn png(&self) -> Result<Vec<u8>> {
        ensure_font()?;
        let (w, h) = self.size();
        let mut rgb = vec![255u8; w as usize * h as usize * 3];
        {
            let bitmap = BitMapBackend::<RGBPixel>::with_buffer_and_format(&mut rgb, (w, h))
                .map_err(draw::fail)?;
            let backend = PngBackend::new(bitmap).ok_or_else(|| {
                Error::Internal("the embedded chart font could not be parsed".into())
            })?;
            let root = backend.into_drawing_area();
            self.draw_on(&root)?;
            root.present().map_err(draw::fail)?;
        }
        encode_png(&rgb, w, h)
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        draw::chart(self, root)
    }
}

/// Encode 8-bit RGB pixels as PNG.
fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(draw::fail)?;
        writer.write_image_data(rgb).map_err(draw::fail)?;
        writer.finish().map_err(draw::fail)?;
    }
    Ok(out)
}
