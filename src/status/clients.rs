//! [`OfficialClient`]: the client libraries published with Turms.

/// One of the official Turms client libraries, each of which carries its own copy of the
/// status-code list. They do not all know the same codes: see
/// [`ResponseStatusCode::official_clients`](crate::ResponseStatusCode::official_clients).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OfficialClient {
    /// `turms-client-kotlin`
    Kotlin,
    /// `turms-client-js`
    JavaScript,
    /// `turms-client-swift`
    Swift,
    /// `turms-client-cpp`
    Cpp,
    /// `turms-client-dart`
    Dart,
}

impl OfficialClient {
    /// All five, in the order above.
    pub const ALL: [OfficialClient; 5] = [
        OfficialClient::Kotlin,
        OfficialClient::JavaScript,
        OfficialClient::Swift,
        OfficialClient::Cpp,
        OfficialClient::Dart,
    ];

    /// A stable lowercase key (`"kotlin"`, `"js"`, `"swift"`, `"cpp"`, `"dart"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            OfficialClient::Kotlin => "kotlin",
            OfficialClient::JavaScript => "js",
            OfficialClient::Swift => "swift",
            OfficialClient::Cpp => "cpp",
            OfficialClient::Dart => "dart",
        }
    }
}

impl std::fmt::Display for OfficialClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
