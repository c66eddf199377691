//! [`StatusClass`]: the number ranges of response status codes.

/// The class of a response status code, decided by its number alone (as with HTTP's 2xx, 4xx, …).
///
/// The ranges are the server's (`isSuccessCode`, `isServerError` in `ResponseStatusCode.java`)
/// plus the admin and business blocks of its numbering scheme. Numbers below 1000 are
/// client-local only if an official client defines them; any other number below 1000 (0 and
/// negative numbers included) is [`StatusClass::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusClass {
    /// 1000–1099: the request succeeded.
    Success,
    /// 1100–1199: the server rejected the request as malformed, unauthorized or too frequent.
    ClientRequestError,
    /// 1200–1299: the server failed; the reason is hidden by default.
    ServerError,
    /// 1300–1999: errors of the admin HTTP API; IM clients never see them.
    AdminApi,
    /// 2000 and above: a business rule refused the request (login, users, groups, messages, …).
    BusinessError,
    /// A known code below 1000 that the client produces itself; the server never sends it.
    ClientLocal,
    /// Any other number below 1000: nobody defines it.
    Unknown,
}

impl StatusClass {
    /// Every class, in the order above.
    pub const ALL: [StatusClass; 7] = [
        StatusClass::Success,
        StatusClass::ClientRequestError,
        StatusClass::ServerError,
        StatusClass::AdminApi,
        StatusClass::BusinessError,
        StatusClass::ClientLocal,
        StatusClass::Unknown,
    ];

    /// A stable snake_case key (`"client_request_error"`), as used in JSON output.
    pub const fn as_str(self) -> &'static str {
        match self {
            StatusClass::Success => "success",
            StatusClass::ClientRequestError => "client_request_error",
            StatusClass::ServerError => "server_error",
            StatusClass::AdminApi => "admin_api",
            StatusClass::BusinessError => "business_error",
            StatusClass::ClientLocal => "client_local",
            StatusClass::Unknown => "unknown",
        }
    }

    /// The class of `code` when the number alone decides it: `None` below 1000, where only
    /// the table can tell a client-local code from an unknown one.
    pub(crate) const fn of_server_range(code: i32) -> Option<StatusClass> {
        match code {
            i32::MIN..=999 => None,
            1000..=1099 => Some(StatusClass::Success),
            1100..=1199 => Some(StatusClass::ClientRequestError),
            1200..=1299 => Some(StatusClass::ServerError),
            1300..=1999 => Some(StatusClass::AdminApi),
            2000..=i32::MAX => Some(StatusClass::BusinessError),
        }
    }
}

impl std::fmt::Display for StatusClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
