//! The ten cities of Fujian by their administrative division code.

use std::fmt;
use std::str::FromStr;

use crate::{string_serde, InvalidValue};

/// The prefecture-level cities of Fujian (GB/T 2260), each running its own
/// instance of the platform.
static CITIES: [(&str, &str, &str); 10] = [
    ("350100", "福州", "Fuzhou"),
    ("350200", "厦门", "Xiamen"),
    ("350300", "莆田", "Putian"),
    ("350400", "三明", "Sanming"),
    ("350500", "泉州", "Quanzhou"),
    ("350600", "漳州", "Zhangzhou"),
    ("350700", "南平", "Nanping"),
    ("350800", "龙岩", "Longyan"),
    ("350900", "宁德", "Ningde"),
    ("350128", "平潭综合实验区", "Pingtan"),
];

/// A Fujian city by its region code (设区市行政区划代码): a row of the
/// table, so its names are always at hand.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, utoipa::ToSchema)]
#[schema(value_type = String, example = "350100", pattern = r"^350(?:[1-9]00|128)$")]
pub struct CityCode(&'static (&'static str, &'static str, &'static str));

impl CityCode {
    pub fn as_str(&self) -> &'static str {
        self.0 .0
    }

    pub fn name_zh(&self) -> &'static str {
        self.0 .1
    }

    pub fn name_en(&self) -> &'static str {
        self.0 .2
    }

    pub fn all() -> impl Iterator<Item = CityCode> {
        CITIES.iter().map(CityCode)
    }
}

impl FromStr for CityCode {
    type Err = InvalidValue;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let s = raw.trim();
        CITIES
            .iter()
            .find(|(code, _, _)| *code == s)
            .map(CityCode)
            .ok_or_else(|| {
                InvalidValue::new(
                    "city_code_unknown",
                    format!("{s:?} is not the region code of a Fujian city"),
                )
            })
    }
}

impl fmt::Display for CityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CityCode({})", self.as_str())
    }
}

string_serde!(CityCode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_ten_cities() {
        assert_eq!(CityCode::all().count(), 10);
        let fuzhou: CityCode = "350100".parse().expect("Fuzhou");
        assert_eq!(fuzhou.name_en(), "Fuzhou");
        assert_eq!(
            "350128".parse::<CityCode>().expect("Pingtan").name_zh(),
            "平潭综合实验区"
        );
    }

    #[test]
    fn refuses_other_regions() {
        assert_eq!(
            "110100".parse::<CityCode>().expect_err("Beijing").code,
            "city_code_unknown"
        );
        assert!(
            "350102".parse::<CityCode>().is_err(),
            "a district is not a city"
        );
    }
}
