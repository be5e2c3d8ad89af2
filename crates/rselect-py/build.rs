//! Names for the platform groups the module's `cfg` attributes test, so the
//! lists of operating systems are written once (`rselect-core`'s
//! `build/families.rs`, shared with the core crate):
//! - `linux_like`: Linux and Android (`select.epoll`);
//! - `kqueue`: the systems with `kqueue(2)` (`select.kqueue`, `select.kevent`);
//! - `devpoll`: the systems with `/dev/poll` (`select.devpoll`);
//! - `ppoll`: the systems whose `poll.poll()` waits with `ppoll(2)` on 3.15;
//! - `kevent_api`, `devpoll_api`: where the binding's kevent and devpoll code
//!   is compiled: on those systems, and on any Unix in test builds (the
//!   `testing` feature), where `_testing` exposes it.

include!("../rselect-core/build/families.rs");

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=../rselect-core/build/families.rs");
    pyo3_build_config::use_pyo3_cfgs();
    let families = emit_os_families();
    let on = |name: &str| families.iter().any(|(n, v)| *n == name && *v);
    let unix = std::env::var_os("CARGO_CFG_UNIX").is_some();
    let testing = std::env::var_os("CARGO_FEATURE_TESTING").is_some() && unix;
    for (name, enabled) in [
        ("kevent_api", on("kqueue") || testing),
        ("devpoll_api", on("devpoll") || testing),
    ] {
        println!("cargo::rustc-check-cfg=cfg({name})");
        if enabled {
            println!("cargo::rustc-cfg={name}");
        }
    }
}
