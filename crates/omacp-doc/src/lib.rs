//! The `wap-provisioningdoc` of OMA Client Provisioning (ProvCont 1.1 with the CP 1.2
//! additions): its tree model, the content schema that gives every characteristic
//! and parameter a place and a type, the XML form, and validation.
//!
//! The tree ([`Document`]) keeps everything a sender wrote, in order, including
//! vendor and unknown parameters; meaning lives in the schema and the validator,
//! not in the tree. The binary (WBXML) form lives in `omacp-wbxml`.

#![forbid(unsafe_code)]

pub mod flat;
pub mod model;
pub mod path;
pub mod schema;
pub mod validate;
pub mod xml;

pub use model::{Characteristic, Document, Node, Parm};
