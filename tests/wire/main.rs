//! The library's tests that need no feature: the codes, the schema, classification and the TCP
//! codec, against the conformance vectors, properties and the fuzz corpora.
//!
//! One test binary; run one module with `cargo test --test wire <module>`.

mod classify_conformance;
mod classify_props;
mod codec_conformance;
mod codec_props;
mod decode_reuse;
mod fuzz_corpus;
mod schema_tsv;
mod status_codes;
