//! API errors: `{"message": "…"}` with docker's status codes (400 bad
//! parameter, 404 no such object, 409 conflict, 500 server error).

use super::body::{Resp, json};
use hyper::StatusCode;

/// An error to answer with.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// docker's `message`.
    pub message: String,
}

impl ApiError {
    /// An error with this status.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into() }
    }

    /// 400: a bad parameter or body.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404: no such object (or route).
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    /// 409: the object's state forbids it.
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, message)
    }

    /// 500.
    pub fn server(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// The response.
    pub fn response(&self) -> Resp {
        json(self.status, &serde_json::json!({ "message": self.message }))
    }
}

impl From<anyhow::Error> for ApiError {
    /// Maps rcon's errors to docker's statuses: missing objects 404,
    /// conflicts (name taken, running, in use) 409, bad input 400, the
    /// rest 500. The message is the whole error chain.
    fn from(e: anyhow::Error) -> ApiError {
        let message = crate::util::error_chain(e.as_ref());
        ApiError::new(status_of(&e), message)
    }
}

/// `From<E> for ApiError` through anyhow (so [`status_of`] sees the whole
/// chain) for the library modules' typed errors.
macro_rules! from_typed {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for ApiError {
            fn from(e: $t) -> ApiError {
                anyhow::Error::from(e).into()
            }
        }
    )*};
}

from_typed!(crate::store::StoreError, crate::volume::VolumeError, crate::network::Error, crate::system::Error,);

impl From<crate::container::Error> for ApiError {
    fn from(e: crate::container::Error) -> ApiError {
        anyhow::Error::from(e).into()
    }
}

/// docker's status for an rcon error: the status of the first error in
/// its chain whose type says (a wrapping error defers to its source, which
/// follows it in the chain), else 500.
pub fn status_of(e: &anyhow::Error) -> StatusCode {
    e.chain().find_map(known_status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The status of one error of a type rcon knows; `None` for other types.
fn known_status(cause: &(dyn std::error::Error + 'static)) -> Option<StatusCode> {
    use crate::container::Kind;
    use crate::store::StoreError as S;
    if let Some(c) = cause.downcast_ref::<crate::container::Error>() {
        return match c.kind() {
            Kind::BadInput => Some(StatusCode::BAD_REQUEST),
            Kind::NotFound => Some(StatusCode::NOT_FOUND),
            Kind::Conflict => Some(StatusCode::CONFLICT),
            Kind::Wrapped => None,
            Kind::Other => Some(StatusCode::INTERNAL_SERVER_ERROR),
        };
    }
    if let Some(s) = cause.downcast_ref::<S>() {
        return Some(match s {
            S::NoSuchImage(_) | S::NoSuchContainer(_) => StatusCode::NOT_FOUND,
            S::NameInUse { .. } | S::ImageInUse { .. } | S::ContainerRunning(_) => StatusCode::CONFLICT,
            S::Ambiguous { .. } => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        });
    }
    if let Some(v) = cause.downcast_ref::<crate::volume::VolumeError>() {
        return Some(match v {
            crate::volume::VolumeError::NoSuchVolume(_) => StatusCode::NOT_FOUND,
            crate::volume::VolumeError::InUse { .. } => StatusCode::CONFLICT,
            crate::volume::VolumeError::InvalidName(_) | crate::volume::VolumeError::BadSpec { .. } => {
                StatusCode::BAD_REQUEST
            }
            // The store error follows in the chain.
            crate::volume::VolumeError::Store(_) => return None,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        });
    }
    if let Some(n) = cause.downcast_ref::<crate::network::Error>() {
        return Some(match n {
            crate::network::Error::NoSuchNetwork(_) => StatusCode::NOT_FOUND,
            crate::network::Error::InUse { .. } | crate::network::Error::PortTaken { .. } => StatusCode::CONFLICT,
            crate::network::Error::BadPort { .. } | crate::network::Error::BadNetwork(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        });
    }
    if let Some(r) = cause.downcast_ref::<crate::registry::RegistryError>() {
        use crate::registry::RegistryError as R;
        return match r {
            R::ManifestUnknown { .. } | R::NoSuchTag { .. } | R::NoLocalImage { .. } => Some(StatusCode::NOT_FOUND),
            // A wrapped error (the store's…) follows in the chain.
            _ => None,
        };
    }
    if let Some(e) = cause.downcast_ref::<crate::system::Error>() {
        use crate::system::Error as E;
        return match e {
            E::BadFilter(_) | E::TagWithDigest(_) => Some(StatusCode::BAD_REQUEST),
            E::ReferencedInMultipleRepositories(_) => Some(StatusCode::CONFLICT),
            _ => None,
        };
    }
    if cause.is::<crate::reference::ReferenceError>() {
        return Some(StatusCode::BAD_REQUEST);
    }
    None
}

/// Handler results.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::Error as C;
    use crate::store::StoreError;

    fn status(e: C) -> StatusCode {
        status_of(&anyhow::Error::from(e))
    }

    #[test]
    fn container_errors_map_to_statuses_by_type() {
        assert_eq!(status(C::NotRunning("abc".into())), StatusCode::CONFLICT);
        assert_eq!(status(C::flag("--cpus", "invalid value \"x\"")), StatusCode::BAD_REQUEST);
        assert_eq!(status(C::NoImage("nosuch".into())), StatusCode::NOT_FOUND);
        assert_eq!(status(C::NoUniqueName), StatusCode::INTERNAL_SERVER_ERROR);
        // A wrapped store error decides: missing 404, name taken 409.
        assert_eq!(status(StoreError::NoSuchContainer("web".into()).into()), StatusCode::NOT_FOUND);
        let taken = StoreError::NameInUse { name: "web".into(), id: "abc".into() };
        assert_eq!(status(C::Rename("web".into(), taken)), StatusCode::CONFLICT);
        // Behind the CLI's or API's own context too.
        let e = anyhow::Error::from(C::Paused("web".into())).context("exec");
        assert_eq!(status_of(&e), StatusCode::CONFLICT);
    }

    #[test]
    fn other_modules_defer_to_the_store_error_they_wrap() {
        let missing = || StoreError::NoSuchImage("busybox".into());
        let pull = crate::registry::RegistryError::Store(missing());
        assert_eq!(status_of(&anyhow::Error::from(pull)), StatusCode::NOT_FOUND);
        let volume = crate::volume::VolumeError::Store(StoreError::ContainerRunning("web".into()));
        assert_eq!(status_of(&anyhow::Error::from(volume)), StatusCode::CONFLICT);
        // Printed once, though both layers say it.
        let pull = crate::registry::RegistryError::Store(missing());
        assert_eq!(crate::util::error_chain(&pull), missing().to_string());
    }
}
