//! The few ELF structures inspection needs: the header, section headers and their names,
//! read with goblin's parsers from positioned reads (32/64-bit, either endianness).

use goblin::container::{Container, Ctx, Endian};
use goblin::elf::header::{self, Header};
use goblin::elf::section_header::SectionHeader;

use super::source::{ByteSource, read_vec};

/// Section header tables larger than this are treated as corrupt.
const MAX_SECTION_TABLE: u64 = 16 << 20;
const MAX_STRTAB: u64 = 64 << 20;

#[derive(Debug, Clone)]
pub struct Section {
    pub name: String,
    pub kind: u32,
    pub offset: u64,
    pub size: u64,
}

#[derive(Debug)]
pub struct ElfInfo {
    pub class: &'static str,
    pub endian: &'static str,
    pub file_type: &'static str,
    pub machine: u16,
    pub sections: Vec<Section>,
    pub ctx: Ctx,
    pub header: Header,
}

#[derive(Debug, thiserror::Error)]
pub enum ElfError {
    #[error("not an ELF file")]
    NotElf,
    #[error("truncated or corrupt ELF: {0}")]
    Corrupt(String),
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
}

pub fn is_elf(src: &dyn ByteSource) -> bool {
    let mut magic = [0u8; 4];
    src.len() >= 4 && src.read_exact_at(0, &mut magic).is_ok() && magic == *header::ELFMAG
}

/// Only the ELF header (for checking a library's class and machine).
pub fn parse_header_only(src: &dyn ByteSource) -> Result<Header, ElfError> {
    if !is_elf(src) {
        return Err(ElfError::NotElf);
    }
    let head = read_vec(src, 0, src.len().min(64), 64)?;
    goblin::elf::Elf::parse_header(&head).map_err(|e| ElfError::Corrupt(format!("header: {e}")))
}

pub fn parse(src: &dyn ByteSource) -> Result<ElfInfo, ElfError> {
    if !is_elf(src) {
        return Err(ElfError::NotElf);
    }
    // 64 bytes hold an ELF64 header; an ELF32 one is 52.
    let head_len = src.len().min(64);
    let head = read_vec(src, 0, head_len, 64)?;
    let header = goblin::elf::Elf::parse_header(&head)
        .map_err(|e| ElfError::Corrupt(format!("header: {e}")))?;
    let container = if header.e_ident[header::EI_CLASS] == header::ELFCLASS64 {
        Container::Big
    } else {
        Container::Little
    };
    let endian = if header.e_ident[header::EI_DATA] == header::ELFDATA2MSB {
        Endian::Big
    } else {
        Endian::Little
    };
    let ctx = Ctx::new(container, endian);
    let sections = read_sections(src, &header, ctx)?;
    Ok(ElfInfo {
        class: if container == Container::Big {
            "ELF64"
        } else {
            "ELF32"
        },
        endian: if endian == Endian::Big {
            "big-endian"
        } else {
            "little-endian"
        },
        file_type: match header.e_type {
            header::ET_REL => "relocatable object",
            header::ET_EXEC => "executable",
            header::ET_DYN => "shared object",
            header::ET_CORE => "core dump",
            _ => "unknown type",
        },
        machine: header.e_machine,
        sections,
        ctx,
        header,
    })
}

fn read_sections(
    src: &dyn ByteSource,
    header: &Header,
    ctx: Ctx,
) -> Result<Vec<Section>, ElfError> {
    if header.e_shoff == 0 {
        return Ok(Vec::new()); // stripped of section headers
    }
    let entry_size = SectionHeader::size(ctx) as u64;
    if u64::from(header.e_shentsize) != entry_size {
        return Err(ElfError::Corrupt(format!(
            "section header size {} (expected {entry_size})",
            header.e_shentsize
        )));
    }
    let mut count = u64::from(header.e_shnum);
    if count == 0 {
        // More than 0xff00 sections: the real count is in section 0's sh_size.
        let first = read_vec(src, header.e_shoff, entry_size, entry_size)?;
        count = SectionHeader::parse_from(&first, 0, 1, ctx)
            .map_err(corrupt)?
            .first()
            .map_or(0, |s| s.sh_size);
    }
    let table_len = count
        .checked_mul(entry_size)
        .ok_or_else(|| ElfError::Corrupt("section count overflows".into()))?;
    let table = read_vec(src, header.e_shoff, table_len, MAX_SECTION_TABLE)
        .map_err(|e| ElfError::Corrupt(format!("section headers at {:#x}: {e}", header.e_shoff)))?;
    let headers = SectionHeader::parse_from(&table, 0, count as usize, ctx).map_err(corrupt)?;
    let mut names_index = u64::from(header.e_shstrndx);
    if names_index == u64::from(goblin::elf::section_header::SHN_XINDEX) {
        names_index = headers.first().map_or(0, |s| u64::from(s.sh_link));
    }
    let names = headers
        .get(names_index as usize)
        .filter(|s| s.sh_type != goblin::elf::section_header::SHT_NOBITS)
        .and_then(|s| read_vec(src, s.sh_offset, s.sh_size, MAX_STRTAB).ok())
        .unwrap_or_default();
    Ok(headers
        .iter()
        .map(|s| Section {
            name: c_string_at(&names, s.sh_name),
            kind: s.sh_type,
            offset: s.sh_offset,
            size: if s.sh_type == goblin::elf::section_header::SHT_NOBITS {
                0
            } else {
                s.sh_size
            },
        })
        .collect())
}

fn corrupt(e: goblin::error::Error) -> ElfError {
    ElfError::Corrupt(e.to_string())
}

/// The NUL-terminated string at `offset` in a string table ("" when out of range).
pub fn c_string_at(table: &[u8], offset: usize) -> String {
    let Some(rest) = table.get(offset..) else {
        return String::new();
    };
    let end = memchr::memchr(0, rest).unwrap_or(rest.len());
    String::from_utf8_lossy(&rest[..end]).into_owned()
}

impl ElfInfo {
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }
}
