//! What every picture shares: the font shipped in `fonts/` (DejaVu Sans, registered once,
//! so no system font or fontconfig is needed), the formats (PNG, SVG), the error, and the
//! `render!` macro that runs one drawing function on either backend.

use std::sync::Once;

use plotters::style::FontStyle;

static FONT: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

pub(crate) fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font ships with the crate: should it fail, pictures are drawn without text.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// The format of a picture, from its file name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    /// PNG (RGB).
    Png,
    /// SVG.
    Svg,
}

impl ImageFormat {
    /// The format a path's extension names (`.png`, `.svg`), or `None`.
    pub fn of(path: &std::path::Path) -> Option<ImageFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "png" => Some(ImageFormat::Png),
            "svg" => Some(ImageFormat::Svg),
            _ => None,
        }
    }
}

/// Why a picture could not be drawn.
#[derive(Debug)]
pub struct PlotError(String);

impl std::fmt::Display for PlotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "drawing failed: {}", self.0)
    }
}

impl std::error::Error for PlotError {}

pub(crate) fn err(e: impl std::fmt::Display) -> PlotError {
    PlotError(e.to_string())
}

/// Draws with the generic `$draw(root, $report)` on the backend `$format` asks for and
/// gives the encoded picture (one drawing function serves both backends).
macro_rules! render {
    ($format:expr, $draw:ident, $report:expr, $size:expr) => {{
        $crate::picture::register_font();
        let size: (u32, u32) = $size;
        let (w, h) = size;
        match $format {
            $crate::picture::ImageFormat::Svg => {
                let mut text = String::new();
                {
                    let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
                    $draw(&root, $report)?;
                    root.present().map_err($crate::picture::err)?;
                }
                Ok(text.into_bytes())
            }
            $crate::picture::ImageFormat::Png => {
                let mut rgb = vec![0u8; (w * h * 3) as usize];
                {
                    let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
                    $draw(&root, $report)?;
                    root.present().map_err($crate::picture::err)?;
                }
                $crate::picture::encode_png(&rgb, w, h)
            }
        }
    }};
}

pub(crate) fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, PlotError> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().map_err(err)?;
    writer.write_image_data(rgb).map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(out)
}
pub(crate) use render;
