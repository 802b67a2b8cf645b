//! CUDA fat binaries: containers of cubin (SASS) and PTX entries in `.nv_fatbin`.
//!
//! Layout (shared/knowledge/cuda-knowledge.md §1): a container is a 16-byte header
//! `{magic 0xBA55ED50, u16 version 1, u16 header size, u64 entries size}` followed by entries,
//! each a 64-byte (or longer) header and a payload. Only headers are read: listing never
//! decompresses. Every size is checked against the section's end before it is used.

use serde::{Deserialize, Serialize};

use super::source::{ByteSource, u16_le, u32_le, u64_le};

pub const FATBIN_MAGIC: u32 = 0xBA55_ED50;
pub const OLD_FATBIN_MAGIC: u32 = 0x1EE5_5A01;
const CONTAINER_HEADER: u64 = 16;
/// Containers plus entries kept per section. Real libraries hold a few thousand
/// (libcublasLt: 2,638 + 5,666); a crafted file of tiny items must not exhaust memory.
pub const MAX_ITEMS: usize = 200_000;
/// Entries kept per section. Real libraries hold a few thousand (libcublasLt: 5,666);
/// a crafted file of tiny entries must not exhaust memory.
pub const MAX_ENTRIES: usize = 200_000;
const ENTRY_HEADER: u64 = 64;

const FLAG_DEBUG: u64 = 0x2;
const FLAG_LZ4: u64 = 0x2000;
const FLAG_ZSTD: u64 = 0x8000;
const FLAG_ARCH_SPECIFIC: u64 = 0x10_0000;
const FLAG_FAMILY_SPECIFIC: u64 = 0x20_0000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Cubin,
    Ptx,
    /// A kind this version does not know (old cubin, NVVM IR, CUDA 13.1 Tile IR...).
    Other(u16),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Lz4,
    Zstd,
}

/// `a` runs only on exactly its compute capability, `f` within its family (the major).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Suffix {
    None,
    A,
    F,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub kind: Kind,
    /// SM number: 86 for sm_86, 100 for sm_100.
    pub arch: u32,
    pub suffix: Suffix,
    /// For cubins the code version (`[1,8]`), for PTX the PTX ISA version (`[9,0]`).
    pub version: (u16, u16),
    pub flags: u64,
    pub compression: Compression,
    pub debug: bool,
    /// Absolute file offset of the payload.
    pub payload_offset: u64,
    /// Bytes reserved for the payload (padded).
    pub size: u64,
    pub compressed_size: u32,
    pub uncompressed_size: u64,
    pub identifier: Option<String>,
}

impl Entry {
    /// `sm_86`, `sm_90a`, `sm_100f`.
    pub fn arch_name(&self) -> String {
        let suffix = match self.suffix {
            Suffix::None => "",
            Suffix::A => "a",
            Suffix::F => "f",
        };
        format!("sm_{}{suffix}", self.arch)
    }

    /// Compute capability `(major, minor)`: 86 → (8, 6), 100 → (10, 0), 121 → (12, 1).
    pub fn compute_capability(&self) -> (u32, u32) {
        (self.arch / 10, self.arch % 10)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Container {
    /// 0-based position among the containers of its section.
    pub index: usize,
    pub offset: u64,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FatbinSection {
    pub containers: Vec<Container>,
    /// What could not be read, with the offset: the walk stops there.
    pub problems: Vec<String>,
}

impl FatbinSection {
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.containers.iter().flat_map(|c| c.entries.iter())
    }
}

/// Walks `[start, start + len)` of `src` as back-to-back fatbin containers.
pub fn walk(src: &dyn ByteSource, start: u64, len: u64) -> FatbinSection {
    let mut out = FatbinSection::default();
    let Some(end) = start.checked_add(len).filter(|&e| e <= src.len()) else {
        out.problems.push(format!(
            "section [{start:#x}, +{len:#x}) runs past the end of the file ({:#x} bytes)",
            src.len()
        ));
        return out;
    };
    let mut p = start;
    let mut items = 0usize;
    while p + CONTAINER_HEADER <= end {
        let mut head = [0u8; CONTAINER_HEADER as usize];
        if src.read_exact_at(p, &mut head).is_err() {
            out.problems
                .push(format!("cannot read a container header at {p:#x}"));
            break;
        }
        let magic = u32_le(&head, 0);
        if magic != FATBIN_MAGIC {
            if head[..8] == [0; 8] {
                p += 8; // padding between containers
                continue;
            }
            if magic == OLD_FATBIN_MAGIC {
                out.problems.push(format!(
                    "legacy (pre-CUDA 4) fat binary at {p:#x}: not supported"
                ));
            } else {
                out.problems.push(format!(
                    "no fatbin container at {p:#x} (magic {magic:#010x})"
                ));
            }
            break;
        }
        let version = u16_le(&head, 4);
        let header_size = u64::from(u16_le(&head, 6));
        let fat_size = u64_le(&head, 8);
        let container_end = p
            .checked_add(header_size)
            .and_then(|x| x.checked_add(fat_size));
        let container_end = match container_end {
            Some(e) if version == 1 && header_size >= CONTAINER_HEADER && e <= end => e,
            _ => {
                out.problems.push(format!(
                    "container at {p:#x} is corrupt (version {version}, header {header_size}, size {fat_size:#x}, section ends at {end:#x})"
                ));
                break;
            }
        };
        if items >= MAX_ITEMS {
            out.problems.push(format!(
                "more than {MAX_ITEMS} containers and entries: the rest is not listed"
            ));
            break;
        }
        items += 1;
        let index = out.containers.len();
        let mut container = Container {
            index,
            offset: p,
            entries: Vec::new(),
        };
        walk_entries(
            src,
            p + header_size,
            container_end,
            &mut container,
            &mut out.problems,
            &mut items,
        );
        out.containers.push(container);
        p = container_end;
    }
    out
}

fn walk_entries(
    src: &dyn ByteSource,
    mut e: u64,
    end: u64,
    container: &mut Container,
    problems: &mut Vec<String>,
    items: &mut usize,
) {
    while e + ENTRY_HEADER <= end {
        if *items >= MAX_ITEMS {
            problems.push(format!(
                "more than {MAX_ITEMS} containers and entries: the rest is not listed"
            ));
            return;
        }
        *items += 1;
        let mut h = [0u8; ENTRY_HEADER as usize];
        if src.read_exact_at(e, &mut h).is_err() {
            problems.push(format!("cannot read an entry header at {e:#x}"));
            return;
        }
        let kind = match u16_le(&h, 0x00) {
            1 => Kind::Ptx,
            2 => Kind::Cubin,
            other => Kind::Other(other),
        };
        let header_size = u64::from(u32_le(&h, 0x04));
        let size = u64_le(&h, 0x08);
        let next = e.checked_add(header_size).and_then(|x| x.checked_add(size));
        let next = match next {
            Some(n) if header_size >= ENTRY_HEADER && n <= end => n,
            _ => {
                problems.push(format!(
                    "entry at {e:#x} in container {} is corrupt (header {header_size}, size {size:#x}, container ends at {end:#x})",
                    container.index + 1
                ));
                return;
            }
        };
        let flags = u64_le(&h, 0x28);
        let identifier = read_identifier(src, e, header_size, u32_le(&h, 0x20), u32_le(&h, 0x24));
        container.entries.push(Entry {
            kind,
            arch: u32_le(&h, 0x1C),
            suffix: if flags & FLAG_ARCH_SPECIFIC != 0 {
                Suffix::A
            } else if flags & FLAG_FAMILY_SPECIFIC != 0 {
                Suffix::F
            } else {
                Suffix::None
            },
            version: (u16_le(&h, 0x1A), u16_le(&h, 0x18)),
            flags,
            compression: if flags & FLAG_ZSTD != 0 {
                Compression::Zstd
            } else if flags & FLAG_LZ4 != 0 {
                Compression::Lz4
            } else {
                Compression::None
            },
            debug: flags & FLAG_DEBUG != 0,
            payload_offset: e + header_size,
            size,
            compressed_size: u32_le(&h, 0x10),
            uncompressed_size: u64_le(&h, 0x38),
            identifier,
        });
        e = next;
    }
}

/// The object name some entries carry (`k.cu`), inside the entry's own header.
fn read_identifier(
    src: &dyn ByteSource,
    entry: u64,
    header_size: u64,
    offset: u32,
    len: u32,
) -> Option<String> {
    let (offset, len) = (u64::from(offset), u64::from(len));
    if offset == 0 || len == 0 || len > 4096 || offset.checked_add(len)? > header_size {
        return None;
    }
    let bytes = super::source::read_vec(src, entry + offset, len, 4096).ok()?;
    let end = memchr::memchr(0, &bytes).unwrap_or(bytes.len());
    Some(String::from_utf8_lossy(&bytes[..end]).into_owned()).filter(|s| !s.is_empty())
}

/// cuobjdump's file name for an entry: `<stem>.<n>.sm_XY[a].cubin` / `.ptx` (ELF names
/// drop the `f`, PTX names keep it), or `<identifier stem>.sm_XY.cubin` when it has one.
pub fn cuobjdump_name(file_name: &str, number: usize, entry: &Entry) -> String {
    let (arch, extension) = match entry.kind {
        Kind::Cubin => {
            let suffix = if entry.suffix == Suffix::A { "a" } else { "" };
            (format!("sm_{}{suffix}", entry.arch), "cubin")
        }
        _ => (entry.arch_name(), "ptx"),
    };
    if let Some(identifier) = &entry.identifier {
        return format!("{}.{arch}.{extension}", file_stem(identifier));
    }
    format!("{}.{number}.{arch}.{extension}", file_stem(file_name))
}

/// The file name minus its last extension, as cuobjdump shows it.
pub fn file_stem(name: &str) -> &str {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.rsplit_once('.').map_or(base, |(stem, _)| stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(entries: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = entries.concat();
        let mut out = Vec::new();
        out.extend_from_slice(&FATBIN_MAGIC.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&16u16.to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    fn entry(kind: u16, arch: u32, flags: u64, payload: usize) -> Vec<u8> {
        let mut h = vec![0u8; 64];
        h[0..2].copy_from_slice(&kind.to_le_bytes());
        h[2..4].copy_from_slice(&0x0101u16.to_le_bytes());
        h[4..8].copy_from_slice(&64u32.to_le_bytes());
        h[8..16].copy_from_slice(&(payload as u64).to_le_bytes());
        h[0x1C..0x20].copy_from_slice(&arch.to_le_bytes());
        h[0x28..0x30].copy_from_slice(&flags.to_le_bytes());
        h.extend(std::iter::repeat_n(0xAB, payload));
        h
    }

    #[test]
    fn walks_containers_and_reads_suffix_flags() {
        let mut bytes = container(&[entry(2, 90, 0x10_0011, 8), entry(1, 100, 0x20_8011, 16)]);
        bytes.extend(container(&[]));
        let section = walk(&bytes, 0, bytes.len() as u64);
        assert!(section.problems.is_empty(), "{:?}", section.problems);
        assert_eq!(section.containers.len(), 2);
        let names: Vec<String> = section.entries().map(Entry::arch_name).collect();
        assert_eq!(names, ["sm_90a", "sm_100f"]);
        let e: Vec<&Entry> = section.entries().collect();
        assert_eq!(e[1].compression, Compression::Zstd);
        assert_eq!(
            cuobjdump_name("libx.so.9.1", 1, e[0]),
            "libx.so.9.1.sm_90a.cubin"
        );
        assert_eq!(cuobjdump_name("libx.so", 1, e[1]), "libx.1.sm_100f.ptx");
    }

    #[test]
    fn corrupt_sizes_stop_the_walk_with_a_message() {
        let mut bytes = container(&[entry(2, 86, 0x11, 8)]);
        bytes[8..16].copy_from_slice(&u64::MAX.to_le_bytes()); // container size overflows
        let section = walk(&bytes, 0, bytes.len() as u64);
        assert!(section.containers.is_empty());
        assert!(section.problems[0].contains("corrupt"));

        let mut bytes = container(&[entry(2, 86, 0x11, 8)]);
        bytes[16 + 8..16 + 16].copy_from_slice(&(1u64 << 40).to_le_bytes()); // entry past the end
        let section = walk(&bytes, 0, bytes.len() as u64);
        assert!(section.problems[0].contains("entry at"));

        let section = walk(&bytes, 0, bytes.len() as u64 + 1);
        assert!(section.problems[0].contains("past the end"));
    }

    #[test]
    fn a_flood_of_empty_containers_is_capped() {
        let one = container(&[]);
        let bytes = one.repeat(MAX_ITEMS + 10);
        let section = walk(&bytes, 0, bytes.len() as u64);
        assert_eq!(section.containers.len(), MAX_ITEMS);
        assert!(section.problems[0].contains("not listed"));
    }

    #[test]
    fn unknown_kinds_are_kept_and_skipped() {
        let bytes = container(&[entry(16, 100, 0x11, 24), entry(2, 80, 0x11, 8)]);
        let section = walk(&bytes, 0, bytes.len() as u64);
        let kinds: Vec<Kind> = section.entries().map(|e| e.kind).collect();
        assert_eq!(kinds, [Kind::Other(16), Kind::Cubin]);
    }
}
