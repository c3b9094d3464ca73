//! Reads an occupation list (职业分类, GB/T 6565): `code,name` lines, `#`
//! comments, one header.

use ids::OccupationCode;

/// One occupation of the list, its code in the canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occupation {
    pub code: String,
    pub name: String,
}

/// The occupations, or every bad line with its number.
pub fn parse(text: &str) -> Result<Vec<Occupation>, Vec<String>> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    for (i, line) in lines.skip(1) {
        match line.split_once(',') {
            Some((code, name)) if !name.trim().is_empty() => {
                match code.trim().parse::<OccupationCode>() {
                    Ok(code) => rows.push(Occupation {
                        code: code.to_string(),
                        name: name.trim().to_owned(),
                    }),
                    Err(e) => errors.push(format!("line {}: {}", i + 1, e.message)),
                }
            }
            _ => errors.push(format!("line {}: expected `code,name`", i + 1)),
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_sample_parses() {
        let rows =
            parse(include_str!("../../data/occupations.sample.csv")).expect("sample is valid");
        assert!(rows.len() >= 20);
        assert!(rows
            .iter()
            .any(|o| o.code == "6-31-01-03" && o.name == "电工"));
    }

    #[test]
    fn bad_lines_are_reported_with_numbers() {
        let errors =
            parse("code,name\n6-31-01-03,电工\n6-31,短\nnocomma\n").expect_err("two bad lines");
        assert_eq!(errors.len(), 2);
        assert!(errors[0].starts_with("line 3"));
    }
}
