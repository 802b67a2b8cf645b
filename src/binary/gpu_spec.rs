//! `--gpu` values: a compute capability (`9.0`, `90`), an SM name (`sm_86`), or a product
//! name resolved through the GPU table (`"Tesla V100"`).

use crate::knowledge::gpus;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuSpec {
    pub cc: (u32, u32),
    /// The product name, when the user gave one.
    pub name: Option<String>,
}

pub fn parse(text: &str) -> Result<GpuSpec, String> {
    let t = text.trim();
    let arch = t
        .strip_prefix("sm_")
        .or_else(|| t.strip_prefix("compute_"))
        .unwrap_or(t);
    let arch = arch.trim_end_matches(['a', 'f']);
    if let Some((major, minor)) = arch.split_once('.') {
        if let (Ok(major), Ok(minor)) = (major.parse(), minor.parse()) {
            return Ok(GpuSpec {
                cc: (major, minor),
                name: None,
            });
        }
    } else if let Ok(n) = arch.parse::<u32>()
        && n >= 10
    {
        return Ok(GpuSpec {
            cc: (n / 10, n % 10),
            name: None,
        });
    }
    let row = gpus::lookup(t).ok_or_else(|| {
        format!("`{text}` is not a compute capability (9.0), an SM (sm_86) or a GPU name cvdoctor knows (Tesla V100, RTX 3080)")
    })?;
    let (major, minor) = row.compute_capability.split_once('.').unwrap_or(("0", "0"));
    Ok(GpuSpec {
        cc: (major.parse().unwrap_or(0), minor.parse().unwrap_or(0)),
        name: Some(t.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling() {
        assert_eq!(parse("9.0").unwrap().cc, (9, 0));
        assert_eq!(parse("sm_86").unwrap().cc, (8, 6));
        assert_eq!(parse("120").unwrap().cc, (12, 0));
        assert_eq!(parse("sm_90a").unwrap().cc, (9, 0));
        let v100 = parse("Tesla V100").unwrap();
        assert_eq!(v100.cc, (7, 0));
        assert_eq!(v100.name.as_deref(), Some("Tesla V100"));
        assert!(parse("banana").is_err());
        assert!(parse("7").is_err());
    }
}
