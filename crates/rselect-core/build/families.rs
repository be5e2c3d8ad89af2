// The operating-system families that both crates' `cfg` attributes test,
// named once: `include!`d by `crates/rselect-core/build.rs` and
// `crates/rselect-py/build.rs`, which turn them into `cargo::rustc-cfg`s.

/// `(cfg name, whether the target being built belongs to it)` for the
/// target of this build script.
fn os_families() -> Vec<(&'static str, bool)> {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let os = os.as_str();
    vec![
        // epoll(7), and Linux's select()/poll() rules.
        ("linux_like", matches!(os, "linux" | "android")),
        // kqueue(2): select.kqueue and select.kevent.
        (
            "kqueue",
            matches!(os, "freebsd" | "netbsd" | "openbsd" | "dragonfly" | "macos" | "ios"),
        ),
        // /dev/poll: select.devpoll.
        ("devpoll", matches!(os, "illumos" | "solaris")),
        // ppoll(2) as the libc crate declares it: CPython 3.15's poll.poll().
        (
            "ppoll",
            matches!(os, "linux" | "android" | "freebsd" | "dragonfly" | "netbsd" | "openbsd"),
        ),
    ]
}

/// Declares every family (so `check-cfg` knows them) and enables the ones
/// the target belongs to.
fn emit_os_families() -> Vec<(&'static str, bool)> {
    let families = os_families();
    for (name, on) in &families {
        println!("cargo::rustc-check-cfg=cfg({name})");
        if *on {
            println!("cargo::rustc-cfg={name}");
        }
    }
    families
}
