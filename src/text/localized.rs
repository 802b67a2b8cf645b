//! Toolchain messages in the user's language, put back into English before the scan.
//!
//! GNU ld, collect2, gcc, make, bash and glibc's loader print their messages through gettext, and
//! MSVC, MSBuild and cmd.exe through Windows language packs, so a build on a Chinese, Japanese,
//! German, Russian, French or Spanish desktop says `对‘cv::cuda::…’未定义的引用` where the rules
//! look for `undefined reference to`. Each row below is one message of one catalog, rewritten to its
//! English original; the rules stay written once, in English. Evidence quoted from such a line
//! shows the English wording.
//!
//! Rows are matched after [`super::scan::plain_punctuation`], so typographic quotes are
//! already ASCII. No row spans a line break, so line numbers do not move.

use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

/// One translated message: a regex over the localized text and its English replacement
/// (`$1` is the regex's first group). `source` names the catalog it comes from.
struct Translation {
    localized: &'static str,
    english: &'static str,
    #[cfg_attr(not(test), allow(dead_code))] // for the reader; a test checks every row has one
    source: &'static str,
}

const TRANSLATIONS: &[Translation] = &[
    // binutils ld, msgid "undefined reference to `%T'"
    Translation {
        localized: r"对'([^'\n]+)'未定义的引用",
        english: "undefined reference to `$1'",
        source: "binutils ld/po/zh_CN.po",
    },
    Translation {
        localized: r"`([^'\n]+)' に対する定義されていない参照です",
        english: "undefined reference to `$1'",
        source: "binutils ld/po/ja.po",
    },
    Translation {
        localized: r"[Nn]icht definierter Verweis auf",
        english: "undefined reference to",
        source: "binutils ld/po/de.po",
    },
    Translation {
        localized: r"неопредел(?:е|ё)нная ссылка на",
        english: "undefined reference to",
        source: "binutils ld/po/ru.po",
    },
    Translation {
        localized: r"référence indéfinie vers",
        english: "undefined reference to",
        source: "binutils ld/po/fr.po",
    },
    Translation {
        localized: r"referencia a `([^'\n]+)' sin definir",
        english: "undefined reference to `$1'",
        source: "binutils ld/po/es.po",
    },
    // binutils ld, msgid "In function `%T'"
    Translation {
        localized: r"En la función `([^'\n]+)'",
        english: "In function `$1'",
        source: "binutils ld/po/es.po",
    },
    // binutils ld, msgid "cannot find %s"
    Translation {
        localized: r"找不到 -l",
        english: "cannot find -l",
        source: "binutils ld/po/zh_CN.po",
    },
    Translation {
        localized: r"невозможно найти -l",
        english: "cannot find -l",
        source: "binutils ld/po/ru.po",
    },
    Translation {
        localized: r"no se puede encontrar -l",
        english: "cannot find -l",
        source: "binutils ld/po/es.po",
    },
    // gcc collect2, msgid "%s returned %d exit status"
    Translation {
        localized: r"ld gab (\d+) als Ende-Status zurück",
        english: "ld returned $1 exit status",
        source: "gcc/po/de.po",
    },
    Translation {
        localized: r"ld 返回 (\d+)",
        english: "ld returned $1 exit status",
        source: "gcc/po/zh_CN.po",
    },
    Translation {
        localized: r"ld devolvió el estado de salida (\d+)",
        english: "ld returned $1 exit status",
        source: "gcc/po/es.po",
    },
    // gcc diagnostics, msgids "fatal error: " and "error: " (the fatal one first)
    Translation {
        localized: r"致命错误(?:：|:) ?",
        english: "fatal error: ",
        source: "gcc/po/zh_CN.po",
    },
    Translation {
        localized: r"致命的エラー(?:：|:) ?",
        english: "fatal error: ",
        source: "gcc/po/ja.po",
    },
    Translation {
        localized: r"schwerwiegender Fehler: ",
        english: "fatal error: ",
        source: "gcc/po/de.po",
    },
    Translation {
        localized: r"фатальная ошибка: ",
        english: "fatal error: ",
        source: "gcc/po/ru.po",
    },
    Translation {
        localized: r"错误(?:：|:) ?",
        english: "error: ",
        source: "gcc/po/zh_CN.po",
    },
    // gcc's C++ front end, msgids "%qE was not declared in this scope", "%qE does not name a
    // type", "%qE is not a member of %qT" (gcc quotes with ‘’, made ASCII before this pass;
    // German uses »«, Russian «»)
    Translation {
        localized: r"'([^'\n]+)' ?在此作用域中尚未声明",
        english: "'$1' was not declared in this scope",
        source: "gcc/po/zh_CN.po",
    },
    Translation {
        localized: r"»([^\n]+?)« wurde in diesem Gültigkeitsbereich nicht definiert",
        english: "'$1' was not declared in this scope",
        source: "gcc/po/de.po",
    },
    Translation {
        localized: r"«([^\n]+?)» не был объявлен в этой области видимости",
        english: "'$1' was not declared in this scope",
        source: "gcc/po/ru.po",
    },
    Translation {
        localized: r"'([^'\n]+)' ?不是一个类型名",
        english: "'$1' does not name a type",
        source: "gcc/po/zh_CN.po",
    },
    Translation {
        localized: r"»([^\n]+?)« bezeichnet keinen Typ",
        english: "'$1' does not name a type",
        source: "gcc/po/de.po",
    },
    // msgid "%qT has no member named %qE"
    Translation {
        localized: r"'([^'\n]+)' ?没有名为 ?'([^'\n]+)' ?的成员",
        english: "'$1' has no member named '$2'",
        source: "gcc/po/zh_CN.po",
    },
    Translation {
        localized: r"'([^'\n]+)' ?不是 ?'([^'\n]+)' ?的成员",
        english: "'$1' is not a member of '$2'",
        source: "gcc/po/zh_CN.po",
    },
    // MSVC C2065 and C2039 (“” made ASCII before this pass; older Visual Studios quote with '')
    Translation {
        localized: r#"["']([^"'\n]+)["'] ?: ?未声明的标识符"#,
        english: "'$1': undeclared identifier",
        source: "Visual Studio zh-CN language pack (C2065)",
    },
    Translation {
        localized: r#"["']([^"'\n]+)["'] ?: nichtdeklarierter Bezeichner"#,
        english: "'$1': undeclared identifier",
        source: "Visual Studio de-DE language pack (C2065)",
    },
    Translation {
        localized: r#""([^"\n]+)" ?: ?不是 ?"([^"\n]+)" ?的成员"#,
        english: "'$1': is not a member of '$2'",
        source: "Visual Studio zh-CN language pack (C2039)",
    },
    // glibc, msgid "cannot open shared object file" (dlerror, ld.so)
    Translation {
        localized: r"无法打开共享对象文件",
        english: "cannot open shared object file",
        source: "glibc po/zh_CN.po",
    },
    Translation {
        localized: r"共有オブジェクトファイルを開けません",
        english: "cannot open shared object file",
        source: "glibc po/ja.po",
    },
    Translation {
        localized: r"Kann die Shared-Object-Datei nicht öffnen",
        english: "cannot open shared object file",
        source: "glibc po/de.po",
    },
    Translation {
        localized: r"невозможно открыть разделяемый объектный файл",
        english: "cannot open shared object file",
        source: "glibc po/ru.po",
    },
    Translation {
        localized: r"no se puede abrir el fichero del objeto compartido",
        english: "cannot open shared object file",
        source: "glibc po/es.po",
    },
    // glibc's loader, msgid "error while loading shared libraries"
    Translation {
        localized: r"error al cargar las bibliotecas compartidas",
        english: "error while loading shared libraries",
        source: "glibc po/es.po",
    },
    // glibc strerror(ENOENT), msgid "No such file or directory"; gcc's zh_CN output puts a
    // full-width colon before it.
    Translation {
        localized: r"(?:：|: ?)?没有那个文件或目录",
        english: ": No such file or directory",
        source: "glibc po/zh_CN.po",
    },
    Translation {
        localized: r"そのようなファイルやディレクトリはありません",
        english: "No such file or directory",
        source: "glibc po/ja.po",
    },
    Translation {
        localized: r"Datei oder Verzeichnis nicht gefunden",
        english: "No such file or directory",
        source: "glibc po/de.po",
    },
    Translation {
        localized: r"Нет такого файла или каталога",
        english: "No such file or directory",
        source: "glibc po/ru.po",
    },
    Translation {
        localized: r"Aucun fichier ou dossier de ce type",
        english: "No such file or directory",
        source: "glibc po/fr.po",
    },
    Translation {
        localized: r"No existe el fichero o el directorio",
        english: "No such file or directory",
        source: "glibc po/es.po",
    },
    // GNU make, msgid "No targets specified and no makefile found"
    Translation {
        localized: r"没有指明目标并且找不到 ?makefile",
        english: "No targets specified and no makefile found",
        source: "make po/zh_CN.po",
    },
    Translation {
        localized: r"ターゲットが指定されておらず, ?makefile も見つかりません",
        english: "No targets specified and no makefile found",
        source: "make po/ja.po",
    },
    Translation {
        localized: r"(?:Н|н)е заданы цели и не найден make-файл",
        english: "No targets specified and no makefile found",
        source: "make po/ru.po",
    },
    Translation {
        localized: r"Keine Ziele angegeben und keine [^.\n]{1,40} gefunden",
        english: "No targets specified and no makefile found",
        source: "make po/de.po",
    },
    // GNU make, msgid "No rule to make target '%s'"
    Translation {
        localized: r#"没有规则可制作目标"([^"\n]+)""#,
        english: "No rule to make target '$1'",
        source: "make po/zh_CN.po",
    },
    Translation {
        localized: r"ターゲット '([^'\n]+)' を make するルールがありません",
        english: "No rule to make target '$1'",
        source: "make po/ja.po",
    },
    // GNU make, msgid "recipe for target '%s' failed"
    Translation {
        localized: r"fallo en las instrucciones para el objetivo '([^'\n]+)'",
        english: "recipe for target '$1' failed",
        source: "make po/es.po",
    },
    // MSVC's linker and compiler (Visual Studio language packs; the error codes stay)
    Translation {
        localized: r"无法解析的外部符号",
        english: "unresolved external symbol",
        source: "Visual Studio zh-CN language pack (LNK2019, LNK2001)",
    },
    Translation {
        localized: r"未解決の外部シンボル",
        english: "unresolved external symbol",
        source: "Visual Studio ja-JP language pack (LNK2019, LNK2001)",
    },
    Translation {
        localized: r"Verweis auf nicht aufgelöstes externes Symbol",
        english: "unresolved external symbol",
        source: "Visual Studio de-DE language pack (LNK2019, LNK2001)",
    },
    Translation {
        localized: r"无法打开输入文件",
        english: "cannot open input file",
        source: "Visual Studio zh-CN language pack (LNK1181)",
    },
    // C1083 with the file name, which the English message quotes with '' (the localized ones
    // with “” or "")
    Translation {
        localized: r#"无法打开包括文件: ?"([^"\n]+)""#,
        english: "Cannot open include file: '$1'",
        source: "Visual Studio zh-CN language pack (C1083)",
    },
    Translation {
        localized: r#"Datei \(Include\) kann nicht geöffnet werden: ?"([^"\n]+)""#,
        english: "Cannot open include file: '$1'",
        source: "Visual Studio de-DE language pack (C1083)",
    },
    Translation {
        localized: r"include ファイルを開けません。 ?'([^'\n]+)' ?: ?",
        english: "Cannot open include file: '$1': ",
        source: "Visual Studio ja-JP language pack (C1083)",
    },
    Translation {
        localized: r"无法打开包括文件",
        english: "Cannot open include file",
        source: "Visual Studio zh-CN language pack (C1083)",
    },
    Translation {
        localized: r"无法打开文件",
        english: "cannot open file",
        source: "Visual Studio zh-CN language pack (LNK1104)",
    },
    // MSBuild (a tool of its own, translated with Visual Studio): a step that exited with a code
    Translation {
        localized: r"MSB3721: 命令",
        english: "MSB3721: The command ",
        source: "Visual Studio zh-CN language pack (MSB3721)",
    },
    Translation {
        localized: r"MSB3721: Der Befehl ",
        english: "MSB3721: The command ",
        source: "Visual Studio de-DE language pack (MSB3721)",
    },
    Translation {
        localized: r"已退出，(?:返回)?代码为 (\d+)",
        english: " exited with code $1",
        source: "Visual Studio zh-CN language pack (MSB3721, MSB6006, MSB8066)",
    },
    Translation {
        localized: r"wurde mit dem Code (\d+) beendet",
        english: "exited with code $1",
        source: "Visual Studio de-DE language pack (MSB3721, MSB6006, MSB8066)",
    },
    // bash, msgid "command not found", and Ubuntu's command-not-found handler, msgid
    // "Command '%(command)s' not found, but can be installed with:" (the handler's row first)
    Translation {
        localized: r#"未找到命令 "([^"\n]+)""#,
        english: "Command '$1' not found",
        source: "command-not-found po/zh_CN.po",
    },
    Translation {
        localized: r": 未找到命令",
        english: ": command not found",
        source: "bash po/zh_CN.po",
    },
    Translation {
        localized: r": コマンドが見つかりません",
        english: ": command not found",
        source: "bash po/ja.po",
    },
    Translation {
        localized: r": Befehl nicht gefunden",
        english: ": command not found",
        source: "bash po/de.po",
    },
    Translation {
        localized: r": команда не найдена",
        english: ": command not found",
        source: "bash po/ru.po",
    },
    // cmd.exe, "'%s' is not recognized as an internal or external command"
    Translation {
        localized: r"'([^'\n]+)' 不是内部或外部命令",
        english: "'$1' is not recognized as an internal or external command",
        source: "Windows zh-CN language pack (cmd.exe)",
    },
    // The Windows loader's dialog, "The code execution cannot proceed because %s was not found"
    // (Windows 10 and later) and "The program can't start because %s is missing from your
    // computer" (Windows 7)
    Translation {
        localized: r"由于找不到 ?([\w.-]+\.dll) ?(?:,|，)? ?无法继续执行代码",
        english: "The code execution cannot proceed because $1 was not found.",
        source: "Windows zh-CN language pack (loader error dialog)",
    },
    Translation {
        localized: r"([\w.-]+\.dll) が見つからないため、コードの実行を続行できません",
        english: "The code execution cannot proceed because $1 was not found.",
        source: "Windows ja-JP language pack (loader error dialog)",
    },
    Translation {
        localized: r"Die Ausführung des Codes kann nicht fortgesetzt werden, da ([\w.-]+\.dll) nicht gefunden wurde",
        english: "The code execution cannot proceed because $1 was not found",
        source: "Windows de-DE language pack (loader error dialog)",
    },
    Translation {
        localized: r"Запуск программы невозможен, так как на компьютере отсутствует ([\w.-]+\.dll)",
        english: "The program can't start because $1 is missing from your computer",
        source: "Windows ru-RU language pack (loader error dialog, Windows 7)",
    },
    // GNU make, msgid "[%s] Error %d"
    Translation {
        localized: r"\] (?:错误|エラー|Fehler|Ошибка|Erreur) (\d+)",
        english: "] Error $1",
        source: "make po/{zh_CN,ja,de,ru,fr}.po",
    },
];

/// Words a localized toolchain prints all through a build (warnings, make entering a
/// directory): seen in an input's head, they keep [`to_english`] running on the rest of it.
const LOCALE_MARKERS: &[&str] = &[
    "警告(?:：|:)",                      // gcc zh_CN, ja: "warning: "
    "(?:进入|离开)目录",                 // make zh_CN: "Entering/Leaving directory"
    "ディレクトリ '[^'\n]*' に入ります", // make ja: "Entering directory"
    r"Warnung: |Verzeichnis „",          // gcc de, make de
    "предупреждение: |Вход в каталог",   // gcc ru, make ru
    "attention : |avertissement : ",     // gcc fr
];

struct Compiled {
    any: RegexSet,
    /// Each translation alone, compiled when the set first finds it.
    each: Vec<OnceLock<Regex>>,
}

fn compiled() -> &'static Compiled {
    static COMPILED: OnceLock<Compiled> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let sources = TRANSLATIONS.iter().map(|t| t.localized);
        Compiled {
            // Byte-oriented: over Unicode classes, `[^'\n]+` is a large automaton.
            any: RegexSetBuilder::new(sources.chain(LOCALE_MARKERS.iter().copied()))
                .unicode(false)
                .build()
                .expect("translation patterns compile"),
            each: TRANSLATIONS.iter().map(|_| OnceLock::new()).collect(),
        }
    })
}

fn translation(index: usize) -> &'static Regex {
    compiled().each[index].get_or_init(|| {
        RegexBuilder::new(TRANSLATIONS[index].localized)
            .unicode(false)
            .build()
            .expect("translation patterns compile")
    })
}

/// Lead bytes of the scripts most rows are written in: Cyrillic (U+0400-04FF) and Japanese
/// kana and CJK ideographs (U+3040-9FFF). English logs with typographic quotes, box drawing or
/// accented names have none of them.
fn has_cyrillic_or_cjk(input: &[u8]) -> bool {
    input
        .iter()
        .any(|&b| matches!(b, 0xD0 | 0xD1 | 0xE3..=0xE9))
}

/// Words of the rows and markers written without Cyrillic or CJK (German, French, Spanish).
const LATIN_ANCHORS: &[&[u8]] = &[
    b"Verweis auf",
    b"wurde in diesem G",
    b"bezeichnet keinen Typ",
    b"nichtdeklarierter Bezeichner",
    b"Datei (Include)",
    b"Fehler: ",
    b"Verzeichnis",
    b"Keine Ziele",
    b"Shared-Object-Datei",
    b"als Ende-Status",
    b"Aucun fichier",
    b"finie vers",
    b"] Fehler ",
    b"] Erreur ",
    b"Der Befehl ",
    b"mit dem Code ",
    b"Befehl nicht",
    b"Warnung: ",
    b"attention : ",
    b"avertissement : ",
    b"nicht fortgesetzt werden",
    b"sin definir",
    b"En la funci",
    b"no se puede",
    b"estado de salida",
    b"objeto compartido",
    b"bibliotecas compartidas",
    b"No existe el fichero",
    b"instrucciones para el objetivo",
];

/// Whether `input` can hold a row of [`TRANSLATIONS`] or a marker: a check much cheaper than
/// [`to_english`] for the English logs most inputs are.
pub fn may_be_localized(input: &[u8]) -> bool {
    has_cyrillic_or_cjk(input)
        || LATIN_ANCHORS
            .iter()
            .any(|anchor| memchr::memmem::find(input, anchor).is_some())
}

/// What [`to_english`] found in a piece of input.
pub struct Localized {
    /// The input with its localized messages in English; `None` when it held none.
    pub english: Option<Vec<u8>>,
    /// Whether the input was written by a toolchain in another language (a message or a
    /// marker of one): later input is then worth translating too.
    pub localized: bool,
}

/// `input` with every localized message of [`TRANSLATIONS`] in English. One pass over the
/// input when it holds none (the common case).
pub fn to_english(input: &[u8]) -> Localized {
    let compiled = compiled();
    let found = compiled.any.matches(input);
    let mut english: Option<Vec<u8>> = None;
    for index in found.iter().filter(|&i| i < TRANSLATIONS.len()) {
        let text = english.get_or_insert_with(|| input.to_vec());
        let replaced = translation(index).replace_all(text, TRANSLATIONS[index].english.as_bytes());
        if let std::borrow::Cow::Owned(changed) = replaced {
            *text = changed;
        }
    }
    Localized {
        english,
        localized: found.matched_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn english(text: &str) -> String {
        String::from_utf8(
            to_english(text.as_bytes())
                .english
                .expect("a translation applies"),
        )
        .unwrap()
    }

    #[test]
    fn linker_messages_of_six_locales_read_as_english() {
        assert_eq!(
            english(
                "main.cpp:(.text+0x5c)：对'cv::cuda::GpuMat::upload(cv::_InputArray const&)'未定义的引用"
            ),
            "main.cpp:(.text+0x5c)：undefined reference to `cv::cuda::GpuMat::upload(cv::_InputArray const&)'"
        );
        assert_eq!(
            english("main.cpp:(.text+0x11): `cv::cuda::resize' に対する定義されていない参照です"),
            "main.cpp:(.text+0x11): undefined reference to `cv::cuda::resize'"
        );
        assert_eq!(
            english("libvins.so: Nicht definierter Verweis auf `cv::cuda::GpuMat::release()'"),
            "libvins.so: undefined reference to `cv::cuda::GpuMat::release()'"
        );
        assert_eq!(
            english("main.cpp:98: неопределённая ссылка на «cv::cuda::resize»"),
            "main.cpp:98: undefined reference to «cv::cuda::resize»"
        );
        assert_eq!(
            english(
                "main.obj : error LNK2019: 无法解析的外部符号 \"void __cdecl cv::cuda::resize(void)\""
            ),
            "main.obj : error LNK2019: unresolved external symbol \"void __cdecl cv::cuda::resize(void)\""
        );
        assert_eq!(
            english("LINK : fatal error LNK1104: 无法打开文件\"opencv_world480.lib\""),
            "LINK : fatal error LNK1104: cannot open file\"opencv_world480.lib\""
        );
        assert_eq!(
            english(
                r#"CUDA 12.9.targets(801,9): error MSB3721: 命令""C:\CUDA\v12.9\bin\nvcc.exe" -gencode=arch=compute_86,code=sm_86 gpu_mat.cu"已退出，返回代码为 1。"#
            ),
            r#"CUDA 12.9.targets(801,9): error MSB3721: The command ""C:\CUDA\v12.9\bin\nvcc.exe" -gencode=arch=compute_86,code=sm_86 gpu_mat.cu" exited with code 1。"#
        );
        assert_eq!(
            english(r#"error MSB6006: "cmd.exe" wurde mit dem Code 1 beendet."#),
            r#"error MSB6006: "cmd.exe" exited with code 1."#
        );
        assert_eq!(
            english("collect2: Fehler: ld gab 1 als Ende-Status zurück"),
            "collect2: Fehler: ld returned 1 exit status"
        );
        assert_eq!(
            english(
                "main.o: En la función `main':\nmain.cpp:110: referencia a `cv::imshow(std::string const&)' sin definir\ncollect2: error: ld devolvió el estado de salida 1"
            ),
            "main.o: In function `main':\nmain.cpp:110: undefined reference to `cv::imshow(std::string const&)'\ncollect2: error: ld returned 1 exit status"
        );
        assert_eq!(
            english(
                "python3: error al cargar las bibliotecas compartidas: libcudnn.so.8: no se puede abrir el fichero del objeto compartido: No existe el fichero o el directorio"
            ),
            "python3: error while loading shared libraries: libcudnn.so.8: cannot open shared object file: No such file or directory"
        );
        assert_eq!(
            english("Makefile:162: fallo en las instrucciones para el objetivo 'all'"),
            "Makefile:162: recipe for target 'all' failed"
        );
        assert_eq!(
            english("/usr/bin/ld: no se puede encontrar -lopencv_cudaarithm"),
            "/usr/bin/ld: cannot find -lopencv_cudaarithm"
        );
    }

    #[test]
    fn make_and_loader_messages_read_as_english() {
        assert_eq!(
            english("make: *** 没有指明目标并且找不到 makefile。 停止。"),
            "make: *** No targets specified and no makefile found。 停止。"
        );
        assert_eq!(
            english("make: *** ターゲットが指定されておらず, makefile も見つかりません.  中止."),
            "make: *** No targets specified and no makefile found.  中止."
        );
        assert_eq!(
            english("libcudnn.so.8: 无法打开共享对象文件: 没有那个文件或目录"),
            "libcudnn.so.8: cannot open shared object file: No such file or directory"
        );
        assert_eq!(
            english("make[2]: *** [modules/core/all] 错误 1"),
            "make[2]: *** [modules/core/all] Error 1"
        );
        assert_eq!(
            english("由于找不到cublas64_80.dll,无法继续执行代码。重新安装程序可能会解决此问题"),
            "The code execution cannot proceed because cublas64_80.dll was not found.。重新安装程序可能会解决此问题"
        );
        assert_eq!(
            english(
                "Die Ausführung des Codes kann nicht fortgesetzt werden, da cudnn64_8.dll nicht gefunden wurde."
            ),
            "The code execution cannot proceed because cudnn64_8.dll was not found."
        );
        assert_eq!(
            english("cudnn.h:10:10: 致命错误：cudnn_version.h：没有那个文件或目录"),
            "cudnn.h:10:10: fatal error: cudnn_version.h: No such file or directory"
        );
    }

    #[test]
    fn compiler_messages_read_as_english() {
        assert_eq!(
            english("main.cpp:10:25: 错误：'CV_BGR2GRAY'在此作用域中尚未声明"),
            "main.cpp:10:25: error: 'CV_BGR2GRAY' was not declared in this scope"
        );
        assert_eq!(
            english(
                "main.cpp:10: Fehler: »CV_BGR2GRAY« wurde in diesem Gültigkeitsbereich nicht definiert"
            ),
            "main.cpp:10: Fehler: 'CV_BGR2GRAY' was not declared in this scope"
        );
        assert_eq!(
            english("main.cpp:12:5: 错误：'IplImage'不是一个类型名"),
            "main.cpp:12:5: error: 'IplImage' does not name a type"
        );
        assert_eq!(
            english("main.cpp:20:30: 错误：'DNN_BACKEND_CUDA'不是'cv::dnn'的成员"),
            "main.cpp:20:30: error: 'DNN_BACKEND_CUDA' is not a member of 'cv::dnn'"
        );
        assert_eq!(
            english("server.c:1032:31: 错误：'struct redisServer'没有名为'logfile'的成员"),
            "server.c:1032:31: error: 'struct redisServer' has no member named 'logfile'"
        );
        assert_eq!(
            english("main.cpp(10): error C2065: \"CV_BGR2GRAY\": 未声明的标识符"),
            "main.cpp(10): error C2065: 'CV_BGR2GRAY': undeclared identifier"
        );
        assert_eq!(
            english("Opcode.h(154) : error C2065: 'CV_BGR2GRAY': nichtdeklarierter Bezeichner"),
            "Opcode.h(154) : error C2065: 'CV_BGR2GRAY': undeclared identifier"
        );
        assert_eq!(
            english("main.cpp(20): error C2039: \"DNN_BACKEND_CUDA\": 不是 \"cv::dnn\" 的成员"),
            "main.cpp(20): error C2039: 'DNN_BACKEND_CUDA': is not a member of 'cv::dnn'"
        );
        assert_eq!(
            english(
                "main.cpp(3): fatal error C1083: 无法打开包括文件: \"nvcuvid.h\": No such file or directory"
            ),
            "main.cpp(3): fatal error C1083: Cannot open include file: 'nvcuvid.h': No such file or directory"
        );
        assert_eq!(
            english(
                "main.cpp(3): fatal error C1083: Datei (Include) kann nicht geöffnet werden: \"cudnn.h\": No such file or directory"
            ),
            "main.cpp(3): fatal error C1083: Cannot open include file: 'cudnn.h': No such file or directory"
        );
        assert_eq!(
            english(
                "main.cpp(3): fatal error C1083: include ファイルを開けません。'cuda_runtime.h':No such file or directory"
            ),
            "main.cpp(3): fatal error C1083: Cannot open include file: 'cuda_runtime.h': No such file or directory"
        );
    }

    #[test]
    fn every_row_cites_its_catalog() {
        for row in TRANSLATIONS {
            let cited = row.source.contains("po/") || row.source.contains("language pack");
            assert!(cited, "{}", row.localized);
        }
    }

    #[test]
    fn every_row_without_cyrillic_or_cjk_has_an_anchor_that_lets_it_be_searched() {
        let rows = TRANSLATIONS.iter().map(|row| row.localized);
        for pattern in rows.chain(LOCALE_MARKERS.iter().copied()) {
            if has_cyrillic_or_cjk(pattern.as_bytes()) {
                continue;
            }
            let literal = pattern.replace('\\', "");
            // a marker of several alternatives needs an anchor for each
            for alternative in literal.split('|') {
                let alternative = alternative.trim_start_matches("(?:");
                assert!(
                    LATIN_ANCHORS
                        .iter()
                        .any(|anchor| alternative.contains(std::str::from_utf8(anchor).unwrap())),
                    "{alternative} (in {pattern})"
                );
            }
        }
        assert!(may_be_localized(
            b"libvins.so: Nicht definierter Verweis auf `cv::cuda::f()'"
        ));
        assert!(!may_be_localized(
            b"libvins.so: undefined reference to `cv::cuda::f()'"
        ));
        assert!(!may_be_localized(
            "error: \u{2018}x\u{2019} was not declared \u{2500}\u{2500} caf\u{e9}".as_bytes()
        ));
    }

    #[test]
    fn english_and_unrelated_text_is_left_alone() {
        for text in [
            "undefined reference to `cv::imshow'",
            "これはテストです: Fehler im Programm",
        ] {
            let found = to_english(text.as_bytes());
            assert!(found.english.is_none() && !found.localized, "{text}");
        }
        let marker_only = to_english("make[1]: 进入目录'/home/u/opencv/build'".as_bytes());
        assert!(marker_only.english.is_none() && marker_only.localized);
    }
}
