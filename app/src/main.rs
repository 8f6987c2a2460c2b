//! The app's entry point: mounts the page the URL names.

fn main() {
    app::mount();
}
