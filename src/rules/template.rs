//! Fix templates: Jinja syntax (minijinja), filled from facts and the rule's captures.
//!
//! A template sees each fact by its dotted key (`{{ opencv.version }}`, `{{ gpu.arch_bin }}`;
//! booleans are real booleans), `gpus` (every GPU as `{name, cc}`), `capture` (named groups
//! of the rule's first matching pattern) and two table lookups:
//! `toolkits_for_arch("86")`, `min_driver("12.8")`, `version_below(opencv.version, "4.4")`
//! (false when the version is unknown) and `rebuild_commands(gpu.arch_bin, platform.os, python.executable, recipe)`. Nothing else: no logic lives here.

use std::collections::BTreeMap;

use minijinja::{Environment, UndefinedBehavior, Value};

use crate::facts::{FACT_KEYS, FactKind, Facts};
use crate::knowledge::{arch_toolkits, drivers};
use crate::version::Version;

pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
        .expect("the default delimiters are valid");
    env.set_syntax(syntax);
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.add_function("toolkits_for_arch", |arch: String| {
        let one = |arch: &str| {
            let digits: String = arch.chars().filter(char::is_ascii_digit).collect();
            digits
                .parse()
                .map(arch_toolkits::toolkits_for_arch)
                .unwrap_or_else(|_| "an unknown range of CUDA toolkits".into())
        };
        // `gpu.arch_bin` lists one architecture per GPU ("7.0 8.6"), and arch lists in messages
        // use ';' or ',' ("8.6;8.9"): each gets its own range.
        let archs: Vec<&str> = arch
            .split(|c: char| c.is_whitespace() || c == ';' || c == ',')
            .filter(|a| !a.is_empty())
            .collect();
        match archs.as_slice() {
            // an empty capture still says that no range is known, not nothing
            [] => one(""),
            [single] => one(single),
            _ => archs
                .iter()
                .map(|a| format!("{a}: {}", one(a)))
                .collect::<Vec<_>>()
                .join("; "),
        }
    });
    env.add_function("min_driver", |cuda: String| {
        Version::parse(&cuda)
            .and_then(|v| drivers::minimum_for(&v))
            .map(|row| row.linux.to_string())
            .unwrap_or_else(|| "the driver listed for it in NVIDIA's CUDA release notes".into())
    });
    // Jinja compares strings as text ("4.10" < "4.2"); versions need this.
    env.add_function(
        "version_below",
        |version: Option<String>, bound: String| match (
            version.as_deref().and_then(Version::parse),
            Version::parse(&bound),
        ) {
            (Some(v), Some(b)) => v < b,
            _ => false,
        },
    );
    // Templates have no string methods; these cover what fixes need.
    env.add_filter("major", |version: String| {
        version.split('.').next().unwrap_or_default().to_string()
    });
    env.add_filter("before", |text: String, separator: String| {
        text.split(separator.as_str())
            .next()
            .unwrap_or_default()
            .to_string()
    });
    env.add_test("prefixed_by", |text: String, prefixes: Vec<String>| {
        prefixes.iter().any(|p| text.starts_with(p.as_str()))
    });
    env.add_function(
        "cudnn9_misread",
        |runtime: Option<String>, built: Option<String>| {
            cudnn9_misread(
                runtime.as_deref().unwrap_or(""),
                built.as_deref().unwrap_or(""),
            )
        },
    );
    env.add_function("nvidia_apt_repository", nvidia_apt_repository);
    env.add_function("reinstall_torch_for_cuda", |cuda_tag: String| {
        reinstall_torch_for_cuda(&cuda_tag)
    });
    env.add_function("uninstall_opencv_wheels", |python: Option<String>| {
        uninstall_opencv_wheels(python.as_deref())
    });
    env.add_function(
        "rebuild_commands",
        |arch_bin: Option<String>,
         os: Option<String>,
         python: Option<String>,
         recipe: Option<Value>| {
            // `recipe.*` facts come from `check`: this machine's source, contrib and cuDNN paths.
            let field = |name: &str| {
                recipe
                    .as_ref()
                    .and_then(|r| r.get_attr(name).ok())
                    .filter(|v| !v.is_undefined() && !v.is_none())
                    .map(|v| v.to_string())
            };
            let paths = RecipePaths {
                source_dir: field("source_dir"),
                contrib_modules: field("contrib_modules"),
                cudnn_include_dir: field("cudnn_include_dir"),
                cudnn_library: field("cudnn_library"),
            };
            rebuild_commands(
                arch_bin.as_deref(),
                os.as_deref(),
                python.as_deref(),
                &paths,
            )
        },
    );
    env
}

/// OpenCV releases that predate cuDNN 9 decode its version with cuDNN 8's formula, so 9.5
/// is reported as "90.5": the same release, read two ways.
pub fn cudnn9_misread(runtime: &str, built: &str) -> bool {
    let (Some(r), Some(b)) = (Version::parse(runtime), Version::parse(built)) else {
        return false;
    };
    b.major() >= 9 && r.major() == b.major() * 10 && r.minor() == b.minor()
}

/// Every pip package that installs a `cv2` folder: they overwrite one another, so fixes remove
/// them all (https://github.com/opencv/opencv-python#installation-and-usage).
const OPENCV_WHEELS: &str =
    "opencv-python opencv-contrib-python opencv-python-headless opencv-contrib-python-headless";

/// The command removing every OpenCV wheel from `python` (an absolute path, as `check` finds
/// it), else from `python3`: `python -m pip` reaches that interpreter's packages, where a bare
/// `pip` may belong to another.
pub fn uninstall_opencv_wheels(python: Option<&str>) -> String {
    let python = python.filter(|p| p.starts_with('/')).unwrap_or("python3");
    format!("{python} -m pip uninstall -y {OPENCV_WHEELS}")
}

/// The commands that add NVIDIA's CUDA repository (which also carries cuDNN) to apt, so the
/// rules whose fixes install a CUDA or cuDNN package give the same steps
/// (https://docs.nvidia.com/cuda/cuda-installation-guide-linux/index.html).
pub fn nvidia_apt_repository() -> String {
    [
        "# the folder for your distribution and CPU: https://developer.download.nvidia.com/compute/cuda/repos/",
        "wget https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2204/x86_64/cuda-keyring_1.1-1_all.deb",
        "sudo dpkg -i cuda-keyring_1.1-1_all.deb",
        "sudo apt-get update",
    ]
    .join("\n")
}

/// The commands that replace the installed PyTorch with the wheels built for `cuda_tag`
/// (`cu121`: CUDA 12.1), from PyTorch's own index (https://pytorch.org/get-started/locally/).
/// torchvision and torchaudio go too: their wheels are built for one torch and one CUDA.
pub fn reinstall_torch_for_cuda(cuda_tag: &str) -> String {
    [
        "pip uninstall -y torch torchvision torchaudio".to_string(),
        format!(
            "pip install torch torchvision torchaudio --index-url https://download.pytorch.org/whl/{cuda_tag}   # cuXYZ: CUDA X.Y"
        ),
    ]
    .join("\n")
}

/// Paths of this machine that the recipe's cmake command should use, where `check` knows them.
#[derive(Debug, Default)]
pub struct RecipePaths {
    pub source_dir: Option<String>,
    pub contrib_modules: Option<String>,
    pub cudnn_include_dir: Option<String>,
    pub cudnn_library: Option<String>,
}

/// The recipe's clean rebuild as a fenced code block, for the user's platform.
pub fn rebuild_commands(
    arch_bin: Option<&str>,
    os: Option<&str>,
    python: Option<&str>,
    paths: &RecipePaths,
) -> String {
    let arch = arch_bin
        .filter(|a| !a.is_empty())
        .unwrap_or("<your GPU's compute capability, e.g. 7.0>");
    let python = python
        .filter(|p| p.starts_with('/'))
        .unwrap_or("$(which python3)");
    if os == Some("windows") {
        return format!(
            "```bat\n\
             cd C:\\opencv\n\
             rmdir /s /q build & mkdir build & cd build\n\
             cmake -G \"Visual Studio 17 2022\" -A x64 -D WITH_CUDA=ON -D WITH_CUDNN=ON -D OPENCV_DNN_CUDA=ON ^\n\
             \x20     -D CUDA_ARCH_BIN=\"{arch}\" -D OPENCV_EXTRA_MODULES_PATH=C:/opencv_contrib/modules ..\n\
             cmake --build . --config Release --target INSTALL\n\
             ```"
        );
    }
    let source = paths.source_dir.as_deref().unwrap_or("~/opencv");
    let contrib = paths
        .contrib_modules
        .as_deref()
        .unwrap_or("$HOME/opencv_contrib/modules");
    let mut cudnn = String::new();
    if let Some(dir) = &paths.cudnn_include_dir {
        cudnn.push_str(&format!("      -D CUDNN_INCLUDE_DIR={dir} \\\n"));
    }
    if let Some(lib) = &paths.cudnn_library {
        cudnn.push_str(&format!("      -D CUDNN_LIBRARY={lib} \\\n"));
    }
    format!(
        "```sh\n\
         cd {source}                      # the opencv source folder\n\
         rm -rf build && mkdir build && cd build\n\
         cmake -D CMAKE_BUILD_TYPE=RELEASE \\\n\
         \x20     -D WITH_CUDA=ON -D WITH_CUDNN=ON -D OPENCV_DNN_CUDA=ON -D WITH_CUBLAS=ON \\\n\
         \x20     -D CUDA_ARCH_BIN=\"{arch}\" \\\n\
         \x20     -D OPENCV_EXTRA_MODULES_PATH={contrib} \\\n\
         {cudnn}\
         \x20     -D PYTHON3_EXECUTABLE={python} ..\n\
         make -j$(nproc)\n\
         sudo make install && sudo ldconfig\n\
         ```"
    )
}

/// Checks a template's syntax when a rule is loaded.
pub fn validate(env: &Environment<'_>, source: &str) -> Result<(), String> {
    env.template_from_str(source)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub fn context(facts: &Facts, captures: &[(String, String)]) -> Value {
    let mut root: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    for key in FACT_KEYS {
        let Some(value) = facts.primary(key.key) else {
            continue;
        };
        let (group, field) = key.key.split_once('.').unwrap_or((key.key, "value"));
        let value = match key.kind {
            FactKind::Bool => Value::from(value == "true"),
            FactKind::List => Value::from(
                facts
                    .all(key.key)
                    .iter()
                    .map(|o| o.value.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            _ => Value::from(value),
        };
        root.entry(group.to_string())
            .or_default()
            .insert(field.to_string(), value);
    }
    let gpus: Vec<BTreeMap<&str, String>> = facts
        .all("gpu.name")
        .iter()
        .map(|o| {
            let cc = crate::knowledge::gpus::lookup(&o.value)
                .map(|r| r.compute_capability.to_string())
                .unwrap_or_default();
            BTreeMap::from([("name", o.value.clone()), ("cc", cc)])
        })
        .collect();
    let capture: BTreeMap<&str, &str> = captures
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut ctx: BTreeMap<String, Value> = root
        .into_iter()
        .map(|(k, v)| (k, Value::from(minijinja::value::Serde(&v))))
        .collect();
    ctx.insert("gpus".into(), Value::from(minijinja::value::Serde(&gpus)));
    ctx.insert(
        "capture".into(),
        Value::from(minijinja::value::Serde(&capture)),
    );
    Value::from(minijinja::value::Serde(&ctx))
}

pub fn render(env: &Environment<'_>, source: &str, ctx: &Value) -> Result<String, String> {
    let template = env.template_from_str(source).map_err(|e| e.to_string())?;
    let text = template.render(ctx).map_err(|e| e.to_string())?;
    Ok(tidy_blank_lines(&text))
}

/// Conditional blocks leave runs of blank lines behind; keep at most one.
fn tidy_blank_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.trim().lines() {
        if line.trim().is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
            out.push('\n');
        } else {
            blank_run = 0;
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Origin;

    #[test]
    fn cudnn9_version_misreading() {
        assert!(cudnn9_misread("90.5", "9.5"));
        assert!(!cudnn9_misread("8.1", "8.6"));
        assert!(!cudnn9_misread("90.5", "9.4"));
        assert!(!cudnn9_misread("", "9.5"));
    }

    #[test]
    fn uninstalling_wheels_names_all_four_for_the_python_found() {
        let env = environment();
        let line = |facts: &Facts| {
            let template = "{{ uninstall_opencv_wheels(python.executable) }}";
            render(&env, template, &context(facts, &[])).unwrap()
        };
        let mut facts = Facts::default();
        assert_eq!(
            line(&facts),
            "python3 -m pip uninstall -y opencv-python opencv-contrib-python opencv-python-headless opencv-contrib-python-headless"
        );
        facts.add(
            "python.executable",
            "/opt/venv/bin/python",
            Origin::Derived { by: "t" },
        );
        let found = line(&facts);
        assert!(
            found.starts_with("/opt/venv/bin/python -m pip uninstall -y "),
            "{found}"
        );
    }

    #[test]
    fn string_helpers() {
        let env = environment();
        let ctx = context(
            &Facts::default(),
            &[("lib".into(), "libcudart.so.11.0".into())],
        );
        let out = render(
            &env,
            "{{ '12.4' | major }} {{ capture.lib | before('.so') }} {{ capture.lib is prefixed_by(['libcud', 'libnpp']) }}",
            &ctx,
        )
        .unwrap();
        assert_eq!(out, "12 libcudart True");
    }

    #[test]
    fn fills_facts_captures_and_lookups() {
        let env = environment();
        let mut facts = Facts::default();
        facts.add("gpu.cc", "7.0", Origin::Derived { by: "t" });
        facts.add("build.cuda", "false", Origin::Derived { by: "t" });
        let ctx = context(&facts, &[("arch".into(), "86".into())]);
        let out = render(
            &env,
            "{% if gpu.cc %}CC {{ gpu.cc }}{% endif %}\n\n\n{% if not build.cuda %}no cuda{% endif %} {{ capture.arch }}: {{ toolkits_for_arch(capture.arch) }}; {{ min_driver('12.8') }}; [{{ opencv.version }}]",
            &ctx,
        )
        .unwrap();
        assert_eq!(
            out,
            "CC 7.0\n\nno cuda 86: CUDA 11.1 and later; 525.60.13; []"
        );
    }

    #[test]
    fn toolkit_ranges_for_every_architecture_of_a_list() {
        let env = environment();
        let ctx = context(&Facts::default(), &[]);
        let out = render(&env, "{{ toolkits_for_arch('7.0 8.6') }}", &ctx).unwrap();
        assert_eq!(out, "7.0: CUDA 9.0 to 12.9; 8.6: CUDA 11.1 and later");
        // PyTorch's TORCH_CUDA_ARCH_LIST style: ';' between, '+PTX' after
        let out = render(&env, "{{ toolkits_for_arch('8.6;8.9+PTX') }}", &ctx).unwrap();
        assert_eq!(
            out,
            "8.6: CUDA 11.1 and later; 8.9+PTX: CUDA 11.8 and later"
        );
        let out = render(&env, "{{ toolkits_for_arch('') }}", &ctx).unwrap();
        assert_eq!(out, "an unknown range of CUDA toolkits");
    }
}
