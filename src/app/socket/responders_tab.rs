//! The Responders tab: how the selected socket (and, for a listener, every connection it
//! accepts) answers by itself — off, echo, upper-case or a fixed reply; a greeting sent to
//! each accepted connection (optionally closing it after); and a rule table, first match
//! answers, each rule a match (any, exact, contains, prefix, regex, len), a reply template with
//! placeholders, and whether to close after replying. Rules can only be appended or all
//! cleared in the engine, so deleting one clears the table and adds the others back.

use egui::{RichText, Ui};

use crate::engine::{Command, Match, Payload, Responder, Rule, SockRef, checksum_cond_text};
use crate::lang::{bytes_text, escape_bytes};

use crate::app::model::settings::SendMode;
use crate::app::model::state::SockRow;
use crate::app::socket::rule_fields::{
    Kind, TEMPLATE_PLACEHOLDERS, build_rule, even_odd_rules, rule_text,
};
use crate::app::socket::step_guards::{Step, why_not};
use crate::app::widgets::checked::{submit, touched_note};
use crate::app::widgets::fields;
use crate::app::widgets::{error_note, labelled_edit, note, placeholder_chips, step_button};

/// The Responders tab's own state.
#[derive(Debug, Default)]
pub struct ResponderEditor {
    fixed: String,
    greeting: String,
    greet_close: bool,
    kind: Kind,
    pattern: String,
    template: String,
    close: bool,
    touched: bool,
}

impl ResponderEditor {
    /// Another socket is selected: its errors are not shown until used.
    pub fn reselected(&mut self) {
        self.touched = false;
    }

    /// Draws the tab; commands go to `out`.
    pub fn ui(&mut self, ui: &mut Ui, row: &SockRow, out: &mut Vec<Command>) {
        let sock = SockRef::Id(row.id);
        let open = why_not(row, Step::Close);
        egui::Grid::new("responders_grid")
            .num_columns(2)
            .spacing([10.0, 6.0])
            .show(ui, |ui| {
                ui.label(RichText::new("Reply").strong());
                self.reply_row(ui, row, open.clone(), out);
                ui.end_row();
                if row.proto.is_stream() {
                    ui.label(RichText::new("Greeting").strong());
                    self.greeting_row(ui, row, &sock, out);
                    ui.end_row();
                }
                ui.label(RichText::new("Rules").strong());
                ui.vertical(|ui| self.rules(ui, row, open, out));
                ui.end_row();
            });
    }

    fn reply_row(
        &mut self,
        ui: &mut Ui,
        row: &SockRow,
        open: Option<String>,
        out: &mut Vec<Command>,
    ) {
        let sock = &SockRef::Id(row.id);
        let fixed = fields::payload(&self.fixed, SendMode::Escaped);
        ui.horizontal(|ui| {
            let current = row.responder.clone().unwrap_or(Responder::Off);
            for (text, r, tip) in [
                ("off", Responder::Off, "no automatic reply"),
                ("echo", Responder::Echo, "send back what arrives"),
                (
                    "upper",
                    Responder::Upper,
                    "send back what arrives, upper-cased",
                ),
            ] {
                let resp = ui
                    .add_enabled(open.is_none(), egui::Button::selectable(current == r, text))
                    .on_hover_text(tip);
                if resp.clicked() && current != r {
                    out.push(Command::Respond {
                        sock: sock.clone(),
                        responder: r,
                    });
                }
            }
            ui.separator();
            let bad = self.touched && fixed.is_err();
            labelled_edit(ui, "Fixed reply", &mut self.fixed, 150.0, "OK\\n", bad);
            let tip = "answer every message with these bytes (escapes \\n \\r \\t \\xHH)";
            if let Some(b) = submit(ui, "Set fixed reply", tip, open, &mut self.touched, &fixed) {
                out.push(Command::Respond {
                    sock: sock.clone(),
                    responder: Responder::Fixed(Payload::bytes(b.as_slice())),
                });
            }
            if let Some(Responder::Fixed(Payload::Bytes(b))) = &row.responder {
                note(ui, format!("now: fixed {}", bytes_text(b)));
            }
        });
        touched_note(ui, self.touched, &fixed);
    }

    fn greeting_row(&mut self, ui: &mut Ui, row: &SockRow, sock: &SockRef, out: &mut Vec<Command>) {
        let greeting = fields::payload(&self.greeting, SendMode::Escaped);
        let why = why_not(row, Step::Greet);
        ui.horizontal(|ui| {
            let bad = self.touched && greeting.is_err();
            labelled_edit(
                ui,
                "Greeting",
                &mut self.greeting,
                150.0,
                "Hey there!!!",
                bad,
            );
            ui.checkbox(&mut self.greet_close, "then close")
                .on_hover_text("close each connection once the greeting is sent");
            let tip =
                "send this to every connection the listener accepts, as soon as it is accepted";
            let touched = &mut self.touched;
            if let Some(b) = submit(ui, "Set greeting", tip, why.clone(), touched, &greeting) {
                out.push(Command::Greet {
                    sock: sock.clone(),
                    greeting: Some(Payload::bytes(b.as_slice())),
                    close: self.greet_close,
                });
            }
            let why_off = why.or_else(|| {
                row.config
                    .greeting
                    .is_none()
                    .then(|| "no greeting is set".to_string())
            });
            if step_button(ui, "Greeting off", "stop greeting new connections", why_off) {
                out.push(Command::Greet {
                    sock: sock.clone(),
                    greeting: None,
                    close: false,
                });
            }
            if let Some((g, close)) = &row.config.greeting {
                let then = if *close { ", then closes" } else { "" };
                note(ui, format!("now: greets {}{then}", bytes_text(g)));
            }
        });
        touched_note(ui, self.touched, &greeting);
    }

    fn rules(&mut self, ui: &mut Ui, row: &SockRow, open: Option<String>, out: &mut Vec<Command>) {
        let sock = &SockRef::Id(row.id);
        self.rule_table(ui, &row.config.rules, sock, open.is_none(), out);
        let built = build_rule(self.kind, &self.pattern, &self.template, self.close);
        ui.horizontal(|ui| self.match_row(ui, &built));
        ui.horizontal(|ui| {
            let bad_reply = self.touched && built.as_ref().is_err_and(|e| e.starts_with("reply"));
            labelled_edit(
                ui,
                "Reply template",
                &mut self.template,
                180.0,
                "pong {counter}\\n",
                bad_reply,
            );
            placeholder_chips(ui, &mut self.template, &TEMPLATE_PLACEHOLDERS);
        });
        ui.horizontal(|ui| self.rule_buttons(ui, row, sock, &built, open, out));
        touched_note(ui, self.touched, &built);
        if let (Some(err), Some(line)) = (&row.last_error, &row.last_error_line)
            && line.starts_with("rule ")
        {
            error_note(ui, &err.to_string());
        }
    }

    /// The rule table, one row per rule: clicking a rule loads it into the editor, × deletes
    /// it (by clearing the table and adding the others back, when `editable`).
    fn rule_table(
        &mut self,
        ui: &mut Ui,
        rules: &[Rule],
        sock: &SockRef,
        editable: bool,
        out: &mut Vec<Command>,
    ) {
        if rules.is_empty() {
            note(
                ui,
                "no rules: the reply above answers (first matching rule wins over it)",
            );
        }
        let mut delete = None;
        for (i, rule) in rules.iter().enumerate() {
            ui.horizontal(|ui| {
                ui.label(RichText::new(format!("{}.", i + 1)).monospace());
                let text = RichText::new(rule_text(rule)).monospace();
                if ui
                    .add(egui::Label::new(text).sense(egui::Sense::click()))
                    .on_hover_text("click to copy this rule into the editor below")
                    .clicked()
                {
                    self.load(rule);
                }
                let resp = ui
                    .add_enabled(editable, egui::Button::new("×").small())
                    .on_hover_text("delete this rule (clears the table and adds the others back)");
                if resp.clicked() {
                    delete = Some(i);
                }
            });
        }
        if let Some(i) = delete {
            out.push(Command::RuleClear { sock: sock.clone() });
            for (_, r) in rules.iter().enumerate().filter(|(j, _)| *j != i) {
                out.push(Command::RuleAdd {
                    sock: sock.clone(),
                    rule: r.clone(),
                });
            }
        }
    }

    /// The editor's first row: what kind of match, and its pattern.
    fn match_row(&mut self, ui: &mut Ui, built: &Result<Rule, String>) {
        ui.label("Match");
        for (k, text, tip) in Kind::ALL {
            ui.selectable_value(&mut self.kind, k, text)
                .on_hover_text(tip);
        }
        let hint = match self.kind {
            Kind::Regex => "^GET (\\S+)",
            Kind::Len => "even",
            Kind::Checksum => "crc16-modbus ok",
            Kind::Any => "(every message)",
            _ => "ping",
        };
        let bad_pattern = self.touched && built.as_ref().is_err_and(|e| !e.starts_with("reply"));
        ui.add_enabled_ui(self.kind != Kind::Any, |ui| {
            labelled_edit(ui, "Pattern", &mut self.pattern, 130.0, hint, bad_pattern);
        });
    }

    /// Add rule, the tutorial's even/odd pair, and Clear rules (`open`: why the table
    /// cannot change now).
    fn rule_buttons(
        &mut self,
        ui: &mut Ui,
        row: &SockRow,
        sock: &SockRef,
        built: &Result<Rule, String>,
        open: Option<String>,
        out: &mut Vec<Command>,
    ) {
        ui.checkbox(&mut self.close, "close after reply")
            .on_hover_text("close the connection once the reply is sent");
        let tip = "append this rule to the table";
        if let Some(rule) = submit(ui, "Add rule", tip, open.clone(), &mut self.touched, built) {
            out.push(Command::RuleAdd {
                sock: sock.clone(),
                rule: rule.clone(),
            });
        }
        if step_button(
            ui,
            "OK if even, else Err",
            "the tutorial's UDP server: adds `len even → OK` and `any → Err`",
            open.clone(),
        ) {
            out.extend(even_odd_rules().into_iter().map(|rule| Command::RuleAdd {
                sock: sock.clone(),
                rule,
            }));
        }
        let rules = &row.config.rules;
        let why_clear = open.or_else(|| rules.is_empty().then(|| "no rules to clear".into()));
        if step_button(ui, "Clear rules", "empty the rule table", why_clear) {
            out.push(Command::RuleClear { sock: sock.clone() });
        }
        note(
            ui,
            "patterns and replies take \\n \\r \\t \\xHH; a regex is taken as typed",
        );
    }

    fn load(&mut self, rule: &Rule) {
        let (kind, pattern) = match &rule.on {
            Match::Any => (Kind::Any, String::new()),
            Match::Exact(b) => (Kind::Exact, escape_bytes(b)),
            Match::Contains(b) => (Kind::Contains, escape_bytes(b)),
            Match::Prefix(b) => (Kind::Prefix, escape_bytes(b)),
            Match::Regex(r) => (Kind::Regex, r.clone()),
            Match::Len(l) => (Kind::Len, l.to_string()),
            Match::Checksum(alg, ok) => (Kind::Checksum, checksum_cond_text(*alg, *ok)),
        };
        self.kind = kind;
        self.pattern = pattern;
        self.template = escape_bytes(&rule.reply);
        self.close = rule.close;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::LenMatch;

    #[test]
    fn rules_are_built_from_the_fields() {
        let r = build_rule(Kind::Exact, "ping\\n", "pong {counter}", true).expect("rule");
        assert_eq!(r.on, Match::Exact(b"ping\n".to_vec()));
        assert_eq!(r.reply, b"pong {counter}".to_vec());
        assert!(r.close);
        let re = build_rule(Kind::Regex, "^GET (\\S+)", "{1}", false).expect("regex");
        assert_eq!(
            re.on,
            Match::Regex("^GET (\\S+)".into()),
            "a regex is taken as typed"
        );
        assert_eq!(
            build_rule(Kind::Any, "", "x", false).map(|r| r.on),
            Ok(Match::Any)
        );
        assert!(build_rule(Kind::Prefix, "", "x", false).is_err());
        assert!(
            build_rule(Kind::Exact, "a", "bad \\q", false).is_err_and(|e| e.starts_with("reply"))
        );
        assert_eq!(
            rule_text(&r),
            "exact \"ping\\n\" → \"pong {counter}\" · close"
        );
    }

    #[test]
    fn a_len_rule_is_built_shown_and_loaded_back() {
        for (typed, want) in [
            ("even", LenMatch::Even),
            (" odd ", LenMatch::Odd),
            ("4", LenMatch::Eq(4)),
            ("<10", LenMatch::Less(10)),
            (">3", LenMatch::More(3)),
        ] {
            let r = build_rule(Kind::Len, typed, "OK", false).expect("a len rule");
            assert_eq!(r.on, Match::Len(want));
            assert!(rule_text(&r).starts_with(&format!("len {want} →")));
            let mut ed = ResponderEditor::default();
            ed.load(&r);
            assert_eq!(
                build_rule(ed.kind, &ed.pattern, &ed.template, ed.close),
                Ok(r)
            );
        }
        assert!(build_rule(Kind::Len, "", "OK", false).is_err());
        assert!(build_rule(Kind::Len, "evenish", "OK", false).is_err());
        let [even, rest] = even_odd_rules();
        assert_eq!(rule_text(&even), "len even → \"OK\"");
        assert_eq!(rule_text(&rest), "any → \"Err\"");
    }

    #[test]
    fn a_rule_loads_back_into_the_editor() {
        let mut ed = ResponderEditor::default();
        let r = build_rule(Kind::Contains, "a\\tb", "x\\n", false).expect("rule");
        ed.load(&r);
        assert_eq!(
            build_rule(ed.kind, &ed.pattern, &ed.template, ed.close),
            Ok(r)
        );
    }
}
