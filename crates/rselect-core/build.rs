//! Names the operating-system families the crate's `cfg` attributes test
//! (`build/families.rs`, shared with the binding).

include!("build/families.rs");

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=build/families.rs");
    emit_os_families();
}
