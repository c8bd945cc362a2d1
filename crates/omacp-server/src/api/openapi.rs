//! The OpenAPI document (`/api/openapi.json`) and a Swagger UI page served from vendored
//! assets (`/api/docs`), so nothing is fetched from a CDN.

use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::AppState;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let c = api.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "omacp provisioning server", description = "Tenants, profiles, subscribers, device models and audit of an OMA CP 1.2 management authority. Errors are `{code, message}` with stable codes; lists page with `cursor`/`limit`; creating requests accept `Idempotency-Key`."),
    modifiers(&Bearer),
    paths(
        super::sessions::login, super::sessions::logout, super::sessions::me,
        super::tenants::own, super::tenants::list, super::tenants::create, super::tenants::update,
        super::users::list, super::users::create, super::users::read, super::users::update, super::users::remove,
        super::users::list_tokens, super::users::create_token, super::users::revoke_token,
        super::profiles::list, super::profiles::create, super::profiles::read, super::profiles::update,
        super::profiles::remove, super::profiles::preview,
        super::subscribers::list, super::subscribers::create, super::subscribers::read, super::subscribers::update,
        super::subscribers::remove, super::subscribers::import,
        super::devices::list, super::devices::create, super::devices::read, super::devices::update, super::devices::remove,
        super::audit::list,
        super::campaigns::list, super::campaigns::create, super::campaigns::read, super::campaigns::messages,
        super::campaigns::history, super::campaigns::pins, super::campaigns::pause, super::campaigns::resume,
        super::campaigns::cancel, super::campaigns::handsets, super::campaigns::handset,
    )
)]
pub struct ApiDoc;

/// `/api/openapi.json` and `/api/docs`.
pub fn router() -> Router<AppState> {
    Router::new().merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", ApiDoc::openapi()))
}
