//! IEEE 754 half-precision floats, the pair of conversions CBOR needs: the writer stores a
//! float as a half when that loses nothing, the reader widens it back.

/// The value of the half-precision float with bits `h`.
pub fn f16_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let mant = f64::from(h & 0x3ff);
    sign * match exp {
        0 => mant * 2f64.powi(-24),
        31 if mant == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        e => (1.0 + mant / 1024.0) * 2f64.powi(e - 15),
    }
}

/// The half-precision bits of `v` when it converts exactly (infinities too; every NaN becomes
/// the quiet NaN `0x7e00` with its sign), or `None` when a half cannot hold it.
pub fn f32_to_f16_exact(v: f32) -> Option<u16> {
    let bits = v.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exp = ((bits >> 23) & 0xff) as i32;
    let mant = bits & 0x7f_ffff;
    if exp == 0xff {
        return Some(if mant == 0 {
            sign | 0x7c00
        } else {
            sign | 0x7e00
        });
    }
    if exp == 0 && mant == 0 {
        return Some(sign);
    }
    let e = exp - 127;
    if (-14..=15).contains(&e) {
        // Normal half: 10 mantissa bits, the low 13 of the single must be zero.
        if mant & 0x1fff != 0 {
            return None;
        }
        return Some(sign | (((e + 15) as u16) << 10) | (mant >> 13) as u16);
    }
    if (-24..-14).contains(&e) {
        // Subnormal half: value = m * 2^-24 with m < 1024.
        let full = mant | 0x80_0000;
        let shift = (-14 - e) + 13;
        if full & ((1 << shift) - 1) != 0 {
            return None;
        }
        return Some(sign | (full >> shift) as u16);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_half_round_trips() {
        for h in 0..=u16::MAX {
            let wide = f16_to_f64(h);
            let back = f32_to_f16_exact(wide as f32);
            if wide.is_nan() {
                assert_eq!(back.map(|b| b & 0x7e00), Some(0x7e00), "{h:#06x}");
            } else {
                assert_eq!(back, Some(h), "{h:#06x} = {wide}");
            }
        }
    }

    proptest! {
        #[test]
        fn a_half_is_chosen_only_when_exact(bits: u32) {
            let v = f32::from_bits(bits);
            if let Some(h) = f32_to_f16_exact(v) {
                let back = f16_to_f64(h);
                if v.is_nan() {
                    prop_assert!(back.is_nan());
                } else {
                    prop_assert_eq!(back.to_bits(), f64::from(v).to_bits());
                }
            }
        }
    }
}
