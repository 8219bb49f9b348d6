//! Tests of the Azure stand-in itself, with curl and the openssl crate as the clients
//! (never certtool's code), so the stand-in is proven before certtool relies on it.

#[path = "standin/arm.rs"]
mod arm;
#[path = "standin/asm.rs"]
mod asm;
#[path = "standin/binary.rs"]
mod binary;
#[path = "../../tests/support/child.rs"]
mod child;
#[path = "standin/directory.rs"]
mod directory;
#[path = "standin/entra.rs"]
mod entra;
#[path = "standin/faults.rs"]
mod faults;
#[path = "standin/graph.rs"]
mod graph;
#[path = "standin/support.rs"]
mod support;
