//! `sockscope run --log FILE.svg` writes the session's sequence diagram as SVG: a valid XML
//! document with a lane per socket and an arrow per message, labelled with the payload.

mod common;

use common::proc::{script_file, sockscope, succeeded};

fn run_to_svg(script: &str) -> String {
    let dir = tempfile::tempdir().expect("a temp dir");
    let svg = dir.path().join("session.svg");
    let out = sockscope()
        .arg("run")
        .arg("--log")
        .arg(&svg)
        .arg(script)
        .output()
        .expect("the binary runs");
    succeeded(&out, "run --log FILE.svg");
    std::fs::read_to_string(&svg).expect("the SVG was written")
}

/// The texts of every element with `class` = `class`, in document order.
fn texts_of(doc: &roxmltree::Document, class: &str) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.attribute("class") == Some(class))
        .map(|g| {
            g.descendants()
                .filter(|n| n.is_text())
                .filter_map(|n| n.text())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

#[test]
fn the_tcp_ok_bye_example_draws_three_lanes_and_an_arrow_per_message() {
    let svg = run_to_svg(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/tcp_ok_bye.scope"
    ));
    let doc = roxmltree::Document::parse(&svg).expect("the SVG parses as XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let lanes = texts_of(&doc, "lane");
    for name in ["server", "conn", "client"] {
        assert!(
            lanes.iter().any(|l| l == name),
            "a lane for {name}: {lanes:?}"
        );
    }
    assert_eq!(lanes.len(), 3, "no lane for anything else: {lanes:?}");
    let steps = texts_of(&doc, "step");
    let arrows: Vec<&String> = steps.iter().filter(|s| s.contains(" B)")).collect();
    let labels: Vec<&str> = arrows.iter().filter_map(|s| s.split('|').nth(1)).collect();
    assert_eq!(
        labels,
        ["hello (5 B)", "OK (2 B)", "close (5 B)", "bye (3 B)"],
        "one arrow per message, in order, each once: {steps:?}"
    );
    // Each data arrow is a line between two lanes, with its head.
    let lines = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("step"))
        .filter(|g| g.children().any(|c| c.has_tag_name("line")))
        .count();
    assert!(
        lines >= 6,
        "connect, accept, four messages, FINs: {lines} arrows"
    );
}

#[test]
fn payloads_that_look_like_markup_are_escaped() {
    let (_dir, script) = script_file(
        "udp.scope",
        "socket udp as a\nbind a 127.0.0.1:0\nsocket udp as b\nbind b 127.0.0.1:0\n\
         sendto a $b \"<b>&'\\\"\"\nexpect b \"<b>\"\nclose a\nclose b\n",
    );
    let svg = run_to_svg(script.to_str().expect("a UTF-8 path"));
    let doc = roxmltree::Document::parse(&svg).expect("markup in a payload keeps the SVG valid");
    let steps = texts_of(&doc, "step");
    assert!(
        steps.iter().any(|s| s.contains("<b>&'\\\"")),
        "the label reads as the payload: {steps:?}"
    );
    let lanes = texts_of(&doc, "lane");
    assert_eq!(
        lanes,
        ["a", "b"],
        "the datagram goes from a's lane to b's: {lanes:?}"
    );
}
