#!/usr/bin/env bash
# protobuf-java's full parse on the benchmark corpora, for comparison with
# `cargo bench --bench throughput`. Needs Debian's libprotobuf-java and protobuf-compiler
# (apt-get install libprotobuf-java protobuf-compiler) and a JDK; not part of CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=target/java-bench
jar=${PROTOBUF_JAR:-/usr/share/java/protobuf.jar}
rm -rf "$out/src" "$out/classes"
mkdir -p "$out/src" "$out/classes"
protoc --version
protoc --java_out="$out/src" -I proto $(find proto -name '*.proto' | sort)
javac -nowarn -d "$out/classes" -cp "$jar" $(find "$out/src" -name '*.java') benches/java/ParseBench.java
# CORPUS_DIR: corpora written earlier by the same command (skips building the benchmark).
corpora=${CORPUS_DIR:-$out}
if [ -z "${CORPUS_DIR:-}" ]; then
    cargo bench --bench alloc_counts -- --write-corpus "$out" > /dev/null
fi
# As the JVM runs by default on this machine (both cores: the collector works beside the
# parser), then confined to one core like the single-threaded Rust benchmarks.
for cpus in all 0; do
    pin=()
    if [ "$cpus" != all ]; then pin=(taskset -c "$cpus"); fi
    echo "cores: $cpus"
    "${pin[@]}" java -Xms2g -Xmx2g -XX:+UseParallelGC -cp "$out/classes:$jar" ParseBench \
        "$corpora/session_mix.bin" "$corpora/notif_vectors.bin"
done
