//! What is inside an entry's payload: decompressed only when a verdict needs to know whether
//! a module holds kernels (a cubin with `.text.*` sections, or PTX with `.entry`), and their
//! names for the report.

use goblin::elf::Elf;

use super::fatbin::{Compression, Entry, Kind};
use super::source::{ByteSource, read_vec};

/// Payloads larger than this are not decompressed (the module is assumed to hold kernels).
const MAX_PAYLOAD: u64 = 512 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kernels {
    /// Demangled kernel names, sorted, unique.
    pub names: Vec<String>,
}

/// The payload bytes, decompressed.
pub fn payload(src: &dyn ByteSource, entry: &Entry) -> Result<Vec<u8>, String> {
    let stored = match entry.compression {
        Compression::None => entry.size,
        _ => u64::from(entry.compressed_size).min(entry.size),
    };
    let raw =
        read_vec(src, entry.payload_offset, stored, MAX_PAYLOAD).map_err(|e| e.to_string())?;
    match entry.compression {
        Compression::None => Ok(raw),
        Compression::Lz4 => {
            if entry.uncompressed_size > MAX_PAYLOAD {
                return Err(format!(
                    "uncompressed size {} is over the limit",
                    entry.uncompressed_size
                ));
            }
            lz4_flex::block::decompress(&raw, entry.uncompressed_size as usize)
                .map_err(|e| format!("LZ4: {e}"))
        }
        Compression::Zstd => {
            let mut decoder = ruzstd::decoding::StreamingDecoder::new(raw.as_slice())
                .map_err(|e| format!("ZSTD: {e}"))?;
            let mut out = Vec::new();
            std::io::Read::take(&mut decoder, MAX_PAYLOAD)
                .read_to_end(&mut out)
                .map_err(|e| format!("ZSTD: {e}"))?;
            Ok(out)
        }
    }
}

use std::io::Read;

/// The kernels a cubin or PTX entry defines.
pub fn kernels(src: &dyn ByteSource, entry: &Entry) -> Result<Kernels, String> {
    let bytes = payload(src, entry)?;
    let mut names = match entry.kind {
        Kind::Cubin => cubin_kernels(&bytes)?,
        Kind::Ptx => ptx_kernels(&bytes),
        Kind::Other(kind) => return Err(format!("entry kind {kind} is not understood")),
    };
    names.sort();
    names.dedup();
    Ok(Kernels { names })
}

/// Kernels are the `.text.<name>` sections of the cubin.
fn cubin_kernels(bytes: &[u8]) -> Result<Vec<String>, String> {
    let elf = Elf::parse(bytes).map_err(|e| format!("cubin ELF: {e}"))?;
    Ok(elf
        .section_headers
        .iter()
        .filter_map(|s| elf.shdr_strtab.get_at(s.sh_name))
        .filter_map(|name| name.strip_prefix(".text."))
        .map(demangle)
        .collect())
}

/// `.entry name(` lines of the PTX text (`.visible .entry _Z4add1Pfi(`).
fn ptx_kernels(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    text.lines()
        .filter_map(|line| {
            let rest = line.trim_start();
            let rest = rest
                .strip_prefix(".visible ")
                .or_else(|| rest.strip_prefix(".weak "))
                .unwrap_or(rest);
            let rest = rest.strip_prefix(".entry")?.trim_start();
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
                .collect();
            (!name.is_empty()).then(|| demangle(&name))
        })
        .collect()
}

/// `_Z4add1Pfi` → `add1(float*, int)`; names that are not mangled stay as they are.
pub fn demangle(name: &str) -> String {
    cpp_demangle::Symbol::new(name)
        .ok()
        .and_then(|symbol| symbol.demangle().ok())
        .unwrap_or_else(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_ptx_entries_and_demangles() {
        let ptx = b".version 9.0\n.target sm_90\n.visible .entry _Z4add1Pfi(\n .param .u64 p\n)\n.entry plain_kernel(\n";
        assert_eq!(ptx_kernels(ptx), ["add1(float*, int)", "plain_kernel"]);
        assert_eq!(demangle("not_mangled"), "not_mangled");
    }
}
