//! Min-max decimation of a time series as it streams past, in bounded memory.
//!
//! The samples are kept as they come while there are at most `raw_limit` of them; past
//! that, time is cut into buckets and each bucket keeps its first, lowest, highest and last
//! sample, so every spike and every step stays visible at any zoom down to a bucket. The
//! time range need not be known in advance: the buckets start at 1 µs wide and double
//! (neighbours merging) whenever there would be more than `2 × buckets`, so memory stays
//! below `max(raw_limit, 2 × buckets)` samples of four points however long the series.

/// One sample: time in ns since the epoch, and the value.
pub type Point = (u64, f64);

#[derive(Clone, Copy, Debug)]
struct Bucket {
    index: u64,
    first: Point,
    min: Point,
    max: Point,
    last: Point,
}

impl Bucket {
    fn new(index: u64, p: Point) -> Bucket {
        Bucket {
            index,
            first: p,
            min: p,
            max: p,
            last: p,
        }
    }

    fn add(&mut self, p: Point) {
        if p.1 < self.min.1 {
            self.min = p;
        }
        if p.1 > self.max.1 {
            self.max = p;
        }
        if p.0 < self.first.0 {
            self.first = p;
        }
        if p.0 >= self.last.0 {
            self.last = p;
        }
    }

    fn merge(&mut self, o: &Bucket) {
        for p in [o.first, o.min, o.max, o.last] {
            self.add(p);
        }
    }
}

/// A series decimated as it streams.
#[derive(Clone, Debug)]
pub struct Decimator {
    raw_limit: usize,
    buckets: usize,
    raw: Vec<Point>,
    decimated: Vec<Bucket>,
    t0: u64,
    width_ns: u64,
    samples: u64,
    min: f64,
    max: f64,
}

impl Decimator {
    /// Keeps every sample up to `raw_limit`, then about `buckets` min-max buckets.
    pub fn new(raw_limit: usize, buckets: usize) -> Decimator {
        Decimator {
            raw_limit,
            buckets: buckets.max(1),
            raw: Vec::new(),
            decimated: Vec::new(),
            t0: 0,
            width_ns: 1_000,
            samples: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// Adds a sample. NaN is skipped (it has no place on an axis); samples should come in
    /// time order, and one that does not lands in its bucket all the same.
    pub fn push(&mut self, t: u64, v: f64) {
        if v.is_nan() {
            return;
        }
        self.samples += 1;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        if self.decimated.is_empty() && self.raw.len() < self.raw_limit {
            self.raw.push((t, v));
            return;
        }
        if self.decimated.is_empty() {
            self.t0 = self.raw.iter().map(|p| p.0).min().unwrap_or(t).min(t);
            for p in std::mem::take(&mut self.raw) {
                self.bucket(p);
            }
        }
        self.bucket((t, v));
    }

    fn bucket(&mut self, p: Point) {
        // Most samples fall in the last bucket: no division for them.
        if let Some(b) = self.decimated.last_mut() {
            let start = self
                .t0
                .saturating_add(b.index.saturating_mul(self.width_ns));
            if p.0 >= start && p.0 - start < self.width_ns {
                b.add(p);
                return;
            }
        }
        if p.0 < self.t0 {
            // Earlier than the first bucket: it joins the first (bounded, and rare).
            if let Some(b) = self.decimated.first_mut() {
                b.add(p);
                return;
            }
        }
        let index = (p.0 - self.t0) / self.width_ns;
        match self.decimated.last_mut() {
            Some(b) if b.index == index => b.add(p),
            Some(b) if b.index > index => {
                let at = self.decimated.partition_point(|b| b.index < index);
                match self.decimated.get_mut(at) {
                    Some(b) if b.index == index => b.add(p),
                    _ => self.decimated.insert(at, Bucket::new(index, p)),
                }
            }
            _ => self.decimated.push(Bucket::new(index, p)),
        }
        while self.decimated.len() > 2 * self.buckets {
            self.widen();
        }
    }

    /// Doubles the bucket width, merging neighbours.
    fn widen(&mut self) {
        self.width_ns = self.width_ns.saturating_mul(2);
        let mut merged: Vec<Bucket> = Vec::with_capacity(self.decimated.len() / 2 + 1);
        for b in &self.decimated {
            let index = b.index / 2;
            match merged.last_mut() {
                Some(m) if m.index == index => m.merge(b),
                _ => merged.push(Bucket { index, ..*b }),
            }
        }
        self.decimated = merged;
    }

    /// Samples pushed (NaN aside).
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// True while every sample is kept.
    pub fn is_raw(&self) -> bool {
        self.decimated.is_empty()
    }

    /// The lowest and highest value pushed, if any.
    pub fn range(&self) -> Option<(f64, f64)> {
        (self.samples > 0).then_some((self.min, self.max))
    }

    /// The points to draw, in time order: every sample, or each bucket's first, lowest,
    /// highest and last sample (fewer where they coincide).
    pub fn points(&self) -> Vec<Point> {
        if self.is_raw() {
            let mut raw = self.raw.clone();
            raw.sort_by_key(|p| p.0);
            return raw;
        }
        let mut out = Vec::with_capacity(self.decimated.len() * 4);
        for b in &self.decimated {
            let mut four = [b.first, b.min, b.max, b.last];
            four.sort_by_key(|p| p.0);
            for p in four {
                if out.last() != Some(&p) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// Width of a bucket in ns (0 while every sample is kept).
    pub fn bucket_ns(&self) -> u64 {
        if self.is_raw() {
            0
        } else {
            self.width_ns
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_sample_up_to_the_limit_then_extremes_in_bounded_memory() {
        let mut d = Decimator::new(100, 50);
        for i in 0..100u64 {
            d.push(i * 1_000_000, i as f64);
        }
        assert!(d.is_raw() && d.points().len() == 100);
        // A ten-minute 1 kHz series with one spike and one dip.
        let mut d = Decimator::new(1_000, 500);
        for i in 0..600_000u64 {
            let v = match i {
                123_457 => 1e6,
                400_001 => -1e6,
                _ => (i % 100) as f64,
            };
            d.push(1_000_000_000 + i * 1_000_000, v);
        }
        let pts = d.points();
        assert!(
            !d.is_raw() && d.decimated.len() <= 1_000,
            "{}",
            d.decimated.len()
        );
        assert!(pts.len() <= 4_000);
        assert!(pts.contains(&(1_000_000_000 + 123_457 * 1_000_000, 1e6)));
        assert!(pts.contains(&(1_000_000_000 + 400_001 * 1_000_000, -1e6)));
        assert!(pts.windows(2).all(|w| w[0].0 <= w[1].0));
        assert_eq!(d.samples(), 600_000);
        assert_eq!(d.range(), Some((-1e6, 1e6)));
        // The first and last samples are there: the line spans the whole run.
        assert_eq!(pts[0].0, 1_000_000_000);
        assert_eq!(pts.last().unwrap().0, 1_000_000_000 + 599_999 * 1_000_000);
    }
}
