//! Compiles `proto/` with protox (a protobuf compiler written in Rust, so no system `protoc`
//! is needed) and hands the descriptor set to prost-build. The same descriptor set is written to
//! `OUT_DIR/turms.fds` for runtime reflection (proto3 JSON, generic property tests).

use std::path::PathBuf;

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from("proto");
    let mut files: Vec<PathBuf> = Vec::new();
    collect(&root, &mut files)?;
    files.sort();
    println!("cargo:rerun-if-changed=proto");
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    let relative: Vec<PathBuf> = files
        .iter()
        .map(|f| f.strip_prefix(&root).map(PathBuf::from))
        .collect::<Result<_, _>>()?;

    let fds = protox::compile(&relative, [&root])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("turms.fds"), fds.encode_to_vec())?;

    let mut config = prost_build::Config::new();
    // `bytes` fields share the frame's buffer instead of copying it.
    config.bytes(["."]);
    // Map fields as `BTreeMap`: a message re-encodes to the same bytes every time (keys in
    // order), and a small map costs one node allocation and no hashing when it is decoded.
    config.btree_map(["."]);
    config.compile_fds(fds)?;
    Ok(())
}

fn collect(dir: &std::path::Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "proto") {
            files.push(path);
        }
    }
    Ok(())
}
