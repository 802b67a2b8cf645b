//! `/etc/ld.so.cache`, read directly (never by running `ldconfig` or the loader).
//!
//! glibc's new format (glibc-ld.so.cache1.1, the default since 2.32): a 48-byte header
//! `{magic[20], u32 nlibs, u32 len_strings, u8 flags, u8 pad[3], u32 extension_offset,
//! u32 unused[3]}`, then `nlibs` entries `{i32 flags, u32 key, u32 value, u32 osversion,
//! u64 hwcap}` whose key/value are offsets of NUL-terminated strings from the start of the
//! new-format header. An old-format (`ld.so-1.7.0`) block may come first; it is skipped.
//! Source: glibc `sysdeps/generic/dl-cache.h`.

const NEW_MAGIC: &[u8] = b"glibc-ld.so.cache1.1";
const OLD_MAGIC: &[u8] = b"ld.so-1.7.0";
const HEADER: usize = 48;
const ENTRY: usize = 24;

/// Entry flags: the low byte is the library type, the next one the architecture.
pub const FLAG_ELF_LIBC6: i32 = 0x0003;
pub const FLAG_X8664_LIB64: i32 = 0x0300;
pub const FLAG_AARCH64_LIB64: i32 = 0x0a00;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheEntry {
    pub name: String,
    pub flags: i32,
    pub path: String,
}

pub fn parse(bytes: &[u8]) -> Result<Vec<CacheEntry>, String> {
    let start = if bytes.starts_with(NEW_MAGIC) {
        0
    } else if bytes.starts_with(OLD_MAGIC) {
        // Old header {magic[11], u32 nlibs} + nlibs * 12-byte entries, then the new format,
        // aligned to 8 bytes in the files glibc writes. Search for its magic to be safe.
        memchr::memmem::find(bytes, NEW_MAGIC).ok_or("old-format cache without the new format")?
    } else {
        return Err("not a glibc ld.so.cache".into());
    };
    let new = &bytes[start..];
    if new.len() < HEADER {
        return Err("truncated header".into());
    }
    let count = u32::from_le_bytes(new[20..24].try_into().unwrap_or_default()) as usize;
    let table_end = HEADER
        .checked_add(count.checked_mul(ENTRY).ok_or("entry count overflows")?)
        .ok_or("entry count overflows")?;
    if table_end > new.len() {
        return Err(format!("{count} entries do not fit in {} bytes", new.len()));
    }
    let string_at = |offset: u32| -> Option<String> {
        let rest = new.get(offset as usize..)?;
        let end = memchr::memchr(0, rest)?;
        Some(String::from_utf8_lossy(&rest[..end]).into_owned())
    };
    let mut entries = Vec::with_capacity(count);
    for i in 0..count {
        let e = &new[HEADER + i * ENTRY..HEADER + (i + 1) * ENTRY];
        let flags = i32::from_le_bytes(e[0..4].try_into().unwrap_or_default());
        let key = u32::from_le_bytes(e[4..8].try_into().unwrap_or_default());
        let value = u32::from_le_bytes(e[8..12].try_into().unwrap_or_default());
        if let (Some(name), Some(path)) = (string_at(key), string_at(value)) {
            entries.push(CacheEntry { name, flags, path });
        }
    }
    Ok(entries)
}

/// The architecture bits a library must carry to be loaded by an ELF of this machine.
pub fn arch_flags_for_machine(e_machine: u16) -> Option<i32> {
    match e_machine {
        goblin::elf::header::EM_X86_64 => Some(FLAG_X8664_LIB64),
        goblin::elf::header::EM_AARCH64 => Some(FLAG_AARCH64_LIB64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(entries: &[(&str, i32, &str)]) -> Vec<u8> {
        let mut strings = Vec::new();
        let mut table = Vec::new();
        let base = HEADER + entries.len() * ENTRY;
        for (name, flags, path) in entries {
            let key = base + strings.len();
            strings.extend_from_slice(name.as_bytes());
            strings.push(0);
            let value = base + strings.len();
            strings.extend_from_slice(path.as_bytes());
            strings.push(0);
            table.extend_from_slice(&flags.to_le_bytes());
            table.extend_from_slice(&(key as u32).to_le_bytes());
            table.extend_from_slice(&(value as u32).to_le_bytes());
            table.extend_from_slice(&[0; 12]);
        }
        let mut out = NEW_MAGIC.to_vec();
        out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
        out.extend_from_slice(&(strings.len() as u32).to_le_bytes());
        out.extend_from_slice(&[0; 20]);
        out.extend(table);
        out.extend(strings);
        out
    }

    #[test]
    fn reads_entries_and_rejects_garbage() {
        let bytes = cache(&[(
            "libcudnn.so.9",
            0x0303,
            "/usr/lib/x86_64-linux-gnu/libcudnn.so.9",
        )]);
        let entries = parse(&bytes).unwrap();
        assert_eq!(entries[0].name, "libcudnn.so.9");
        assert_eq!(entries[0].path, "/usr/lib/x86_64-linux-gnu/libcudnn.so.9");
        assert!(parse(b"garbage").is_err());
        assert!(parse(&bytes[..30]).is_err());
        let mut huge = bytes.clone();
        huge[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(parse(&huge).is_err());
    }
}
