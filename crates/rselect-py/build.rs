//! Names for the platform groups the module's `cfg` attributes test, so the
//! lists of operating systems are written once:
//! - `kqueue`: the systems with `kqueue(2)` (`select.kqueue`, `select.kevent`);
//! - `devpoll`: the systems with `/dev/poll` (`select.devpoll`);
//! - `kevent_api`, `devpoll_api`: where the binding's kevent and devpoll code
//!   is compiled: on those systems, and on any Unix in test builds (the
//!   `testing` feature), where `_testing` exposes it.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    for name in ["kqueue", "devpoll", "kevent_api", "devpoll_api"] {
        println!("cargo::rustc-check-cfg=cfg({name})");
    }
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let unix = std::env::var_os("CARGO_CFG_UNIX").is_some();
    let testing = std::env::var_os("CARGO_FEATURE_TESTING").is_some() && unix;
    let kqueue = matches!(
        os.as_str(),
        "freebsd" | "netbsd" | "openbsd" | "dragonfly" | "macos" | "ios"
    );
    let devpoll = matches!(os.as_str(), "illumos" | "solaris");
    for (name, on) in [
        ("kqueue", kqueue),
        ("devpoll", devpoll),
        ("kevent_api", kqueue || testing),
        ("devpoll_api", devpoll || testing),
    ] {
        if on {
            println!("cargo::rustc-cfg={name}");
        }
    }
}
