//! Pictures of a loop's timing, drawn by `plotters` with the font shipped in `fonts/`
//! (DejaVu Sans, registered once, so no system font or fontconfig is needed): the
//! histogram of its periods with the tolerance band, and its period over time with
//! overruns marked. Long series are decimated to the pixel width by min-max (each pixel
//! column keeps its shortest and longest period), so every spike stays visible and the
//! picture costs the same for ten seconds or ten hours.

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::loop_timing::LoopReport;
use crate::picture::{err, render};
pub use crate::picture::{ImageFormat, PlotError};

/// Width and height of a loop picture, in pixels.
pub const SIZE: (u32, u32) = (1200, 600);
/// Bars of the histogram.
pub const BINS: usize = 120;
/// Most overruns marked one by one on the timeline (all are counted in its caption).
pub const MAX_MARKED: usize = 5_000;

/// The periods histogram: bars of period counts (ms), the ideal period and the tolerance
/// band shaded; periods past the axis (the 99.9th percentile, widened to twice the ideal)
/// are counted in the caption, not lost.
pub fn histogram(r: &LoopReport, format: ImageFormat) -> Result<Vec<u8>, PlotError> {
    render!(format, draw_histogram, r, SIZE)
}

/// The period of every iteration over the run's time (s since its first start), decimated
/// by min-max to the pixel width, with the tolerance band, the ideal period, and overruns
/// in red.
pub fn timeline(r: &LoopReport, format: ImageFormat) -> Result<Vec<u8>, PlotError> {
    render!(format, draw_timeline, r, SIZE)
}

const MS: f64 = 1e6;

fn band_color() -> RGBAColor {
    RGBColor(46, 160, 67).mix(0.18)
}

/// A chart of both pictures' layout: the caption, the axes with their ranges and names,
/// and the mesh (y labels by `y_label` when given).
fn frame<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    caption: String,
    (x, y): (std::ops::Range<f64>, std::ops::Range<f64>),
    (x_desc, y_desc): (&str, &str),
    y_label: Option<&dyn Fn(&f64) -> String>,
) -> Result<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>, PlotError>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(root)
        .caption(caption, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(x, y)
        .map_err(err)?;
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(x_desc)
        .y_desc(y_desc)
        .label_style(("sans-serif", 15));
    if let Some(f) = y_label {
        mesh.y_label_formatter(f);
    }
    mesh.draw().map_err(err)?;
    Ok(chart)
}

fn draw_histogram<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    r: &LoopReport,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(err)?;
    let ideal = r.ideal_ns / MS;
    let tol = r.tolerance * ideal;
    let hi = (r.period.p999 / MS).max(ideal * 2.0).max(ideal + 2.0 * tol);
    let width = hi / BINS as f64;
    let mut counts = vec![0u64; BINS];
    let mut beyond = 0u64;
    for (_, p) in r.periods() {
        let x = p as f64 / MS;
        match ((x / width) as usize).min(BINS) {
            i if i < BINS => counts[i] += 1,
            _ => beyond += 1,
        }
    }
    let top = counts.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.1;
    let caption = format!(
        "{}: {} periods, {:.2} % within ±{} % of {:.3} ms{}",
        r.series,
        r.iterations,
        r.within_tolerance_pct,
        r.tolerance * 100.0,
        ideal,
        if beyond > 0 {
            format!(" ({beyond} beyond {hi:.2} ms)")
        } else {
            String::new()
        }
    );
    let whole = |v: &f64| format!("{v:.0}");
    let mut chart = frame(
        root,
        caption,
        (0.0..hi, 0.0..top),
        ("period (ms)", "iterations"),
        Some(&whole),
    )?;
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(ideal - tol, 0.0), (ideal + tol, top)],
            band_color().filled(),
        )))
        .map_err(err)?
        .label(format!("within ±{} %", r.tolerance * 100.0))
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], band_color().filled()));
    chart
        .draw_series(
            counts
                .iter()
                .enumerate()
                .filter(|(_, &c)| c > 0)
                .map(|(i, &c)| {
                    let x0 = i as f64 * width;
                    Rectangle::new([(x0, 0.0), (x0 + width, c as f64)], BLUE.mix(0.75).filled())
                }),
        )
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(
            [(ideal, 0.0), (ideal, top)],
            BLACK.stroke_width(2),
        ))
        .map_err(err)?
        .label(format!("ideal {ideal:.3} ms"))
        .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLACK.stroke_width(2)));
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 15))
        .border_style(BLACK)
        .background_style(WHITE.mix(0.9))
        .draw()
        .map_err(err)?;
    Ok(())
}

fn draw_timeline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    r: &LoopReport,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(err)?;
    let ideal = r.ideal_ns / MS;
    let tol = r.tolerance * ideal;
    let span_s = ((r.last - r.first) as f64 / 1e9).max(1e-9);
    let top = (r.period.max as f64 / MS).max(ideal + 2.0 * tol) * 1.05;
    // Min-max decimation: per pixel column, the shortest and the longest period.
    let columns = SIZE.0 as usize;
    let mut lo = vec![f64::INFINITY; columns];
    let mut hi = vec![f64::NEG_INFINITY; columns];
    let mut marked = Vec::new();
    for (start, p) in r.periods() {
        let x = (start - r.first) as f64 / 1e9;
        let c = ((x / span_s) * (columns - 1) as f64) as usize;
        let y = p as f64 / MS;
        lo[c] = lo[c].min(y);
        hi[c] = hi[c].max(y);
        if y > ideal + tol && marked.len() < MAX_MARKED {
            marked.push((x, y));
        }
    }
    let caption = format!(
        "{}: period over time, {} overruns (red), {} stalls",
        r.series, r.overruns, r.stalls
    );
    let mut chart = frame(
        root,
        caption,
        (0.0..span_s, 0.0..top),
        ("time since the first iteration (s)", "period (ms)"),
        None,
    )?;
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(0.0, ideal - tol), (span_s, ideal + tol)],
            band_color().filled(),
        )))
        .map_err(err)?;
    let path = (0..columns).filter(|&c| lo[c].is_finite()).flat_map(|c| {
        let x = c as f64 / (columns - 1) as f64 * span_s;
        [(x, lo[c]), (x, hi[c])]
    });
    chart
        .draw_series(LineSeries::new(path, BLUE.stroke_width(1)))
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(
            [(0.0, ideal), (span_s, ideal)],
            BLACK.stroke_width(1),
        ))
        .map_err(err)?;
    chart
        .draw_series(
            marked
                .iter()
                .map(|&(x, y)| Circle::new((x, y), 3, RED.filled())),
        )
        .map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loop_timing::{report, Series, Settings};

    fn sample() -> LoopReport {
        let ms = 1_000_000u64;
        let mut starts: Vec<u64> = (0..5_000u64)
            .map(|i| i * ms + (i * 7919 % 97) * 1000)
            .collect();
        starts[2500] += 5 * ms;
        for s in &mut starts[2501..] {
            *s += 5 * ms;
        }
        let settings = Settings {
            frequency_hz: Some(1000.0),
            ..Settings::default()
        };
        report(
            &Series::Tracked,
            &settings,
            starts,
            vec![],
            vec![],
            Default::default(),
        )
        .unwrap()
    }

    #[test]
    fn pictures_are_valid_png_and_svg() {
        let r = sample();
        for draw in [histogram, timeline] {
            let png = draw(&r, ImageFormat::Png).unwrap();
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
            let decoder = png::Decoder::new(std::io::Cursor::new(&png));
            let reader = decoder.read_info().unwrap();
            assert_eq!((reader.info().width, reader.info().height), SIZE);
            let svg = String::from_utf8(draw(&r, ImageFormat::Svg).unwrap()).unwrap();
            assert!(
                svg.starts_with("<svg") && svg.contains("period"),
                "{}",
                &svg[..200]
            );
        }
        assert_eq!(ImageFormat::of("a/b.PNG".as_ref()), Some(ImageFormat::Png));
        assert_eq!(ImageFormat::of("a/b.jpg".as_ref()), None);
    }
}
