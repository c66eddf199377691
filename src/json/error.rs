//! Why a conversion failed.

/// Why a message could not be converted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JsonError {
    /// The name is not a message of the Turms schema.
    #[error("no message type named `{0}` in the schema")]
    UnknownMessageType(String),
    /// The bytes are not a valid protobuf encoding of the message type (including nesting
    /// deeper than [`RECURSION_LIMIT`](super::RECURSION_LIMIT)).
    #[error("not a valid `{message_type}` in protobuf encoding: {source}")]
    Decode {
        /// Full name of the expected message type.
        message_type: String,
        /// What prost found wrong.
        #[source]
        source: prost::DecodeError,
    },
    /// The message could not be written as JSON.
    #[error("`{message_type}` could not be written as JSON: {source}")]
    Serialize {
        /// Full name of the message type.
        message_type: String,
        /// What the JSON writer reported.
        #[source]
        source: serde_json::Error,
    },
    /// The JSON is not a valid proto3 JSON encoding of the message type.
    #[error("JSON is not a valid `{message_type}`: {source}")]
    Deserialize {
        /// Full name of the expected message type.
        message_type: String,
        /// What the JSON reader reported (unknown field, wrong type, bad syntax, …).
        #[source]
        source: serde_json::Error,
    },
    /// The JSON nests deeper than [`MAX_JSON_DEPTH`](super::MAX_JSON_DEPTH).
    #[error("JSON nests deeper than {limit} levels")]
    TooDeep {
        /// The limit that was exceeded.
        limit: usize,
    },
}
