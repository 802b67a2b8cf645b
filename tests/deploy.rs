//! deploy/: the Slurm batch script run with a stand-in `srun` that plays three nodes, and the
//! Kubernetes manifest parsed and checked for consistency (no cluster here to apply it to).

use std::path::Path;
use std::process::Command;

mod common;
use common::{install_cv2, site_packages};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn slurm_script_writes_one_check_per_node_and_triages_them() {
    let dir = tempfile::tempdir().unwrap();
    // `srun` on three nodes: drop its options, run the command once per node name.
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let srun = bin.join("srun");
    std::fs::write(
        &srun,
        "#!/usr/bin/env bash\nwhile [[ \"$1\" == --* ]]; do shift; done\nfor n in gpu01 gpu02 gpu03; do SLURMD_NODENAME=$n \"$@\" || exit $?; done\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&srun, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // Each node checks an image holding a cv2 with sm_80 code only, judged for an H100.
    let image = dir.path().join("image");
    install_cv2(&site_packages(&image), "fatbin-h100/libsm80.so");
    let out_dir = dir.path().join("out");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg(Path::new(ROOT).join("deploy/slurm/cvdoctor-check.sbatch"))
        .args(["--root", &image.display().to_string(), "--gpu", "9.0"])
        .env("PATH", path)
        .env("CVDOCTOR", env!("CARGO_BIN_EXE_cvdoctor"))
        .env("OUT", &out_dir)
        .env("SLURM_JOB_ID", "4242")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for node in ["gpu01", "gpu02", "gpu03"] {
        let doc: serde_json::Value = serde_json::from_slice(
            &std::fs::read(out_dir.join(format!("nodes/{node}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(doc["facts"]["host"], node);
    }
    assert!(stdout.contains("by node (3 nodes):"), "{stdout}");
    assert!(
        stdout.contains(
            "3 of 3 nodes: the library holds no CUDA code this GPU can run (CVD111): all"
        ),
        "{stdout}"
    );
    let triage: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("triage.json")).unwrap()).unwrap();
    assert_eq!(triage["summary"]["nodes"], 3);
    assert_eq!(triage["summary"]["reports"], 3);
}

#[test]
fn kubernetes_manifest_runs_check_on_gpu_nodes_with_the_node_name() {
    let text =
        std::fs::read_to_string(Path::new(ROOT).join("deploy/kubernetes/cvdoctor-daemonset.yaml"))
            .unwrap();
    let docs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_str(&text)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["Namespace", "DaemonSet"]);
    let ds = &docs[1];
    let spec = &ds["spec"]["template"]["spec"];
    // Scheduled on GPU nodes only, and its pods match the DaemonSet's selector.
    assert_eq!(spec["nodeSelector"]["nvidia.com/gpu.present"], "true");
    assert_eq!(
        ds["spec"]["selector"]["matchLabels"]["app"],
        ds["spec"]["template"]["metadata"]["labels"]["app"]
    );
    // The init container copies the binary into the volume the check container runs it from.
    let init = &spec["initContainers"][0];
    let check = &spec["containers"][0];
    let volume = spec["volumes"][0]["name"].as_str().unwrap();
    let mount = |c: &serde_yaml::Value| -> String {
        c["volumeMounts"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|m| m["name"] == volume)
            .map(|m| m["mountPath"].as_str().unwrap().to_string())
            .expect("mounts the shared volume")
    };
    let copied_to = init["command"][2].as_str().unwrap();
    assert_eq!(
        Path::new(copied_to).parent().unwrap(),
        Path::new(&mount(init))
    );
    let run = check["args"][0].as_str().unwrap();
    let binary = run.split_whitespace().next().unwrap();
    assert_eq!(
        Path::new(binary).parent().unwrap(),
        Path::new(&mount(check))
    );
    assert_eq!(
        Path::new(binary).file_name(),
        Path::new(copied_to).file_name()
    );
    // check --format json on stdout only (kubectl logs mixes in stderr), the node from the
    // downward API (the pod's host name is the pod's).
    assert!(run.contains("--format json check 2>"), "{run}");
    let node = check["env"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "CVDOCTOR_NODE")
        .expect("CVDOCTOR_NODE");
    assert_eq!(node["valueFrom"]["fieldRef"]["fieldPath"], "spec.nodeName");
}
