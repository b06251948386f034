//! The TLS section of the lifecycle tab (issue 16): for a connected TCP socket, a client or
//! server handshake now (STARTTLS when it already spoke plaintext); for a listener, a
//! server certificate — loaded from files (with pickers) or made on the spot — for every
//! connection it accepts. Each button builds the `tls` command the console would take.

use std::path::PathBuf;

use egui::{RichText, Ui};

use crate::app::model::state::SockRow;
use crate::app::model::tls_view::TlsView;
use crate::app::socket::lifecycle_layout::step_row;
use crate::app::widgets::{labelled_edit, step_button};
use crate::engine::tls::{ClientSpec, ServerSpec, TlsSpec};
use crate::engine::{Command, Proto, SockRef, SockState};

/// The TLS section's fields for one socket.
#[derive(Debug, Default)]
pub struct TlsDraft {
    /// Server name sent by a client (SNI).
    sni: String,
    /// ALPN protocols, comma-separated.
    alpn: String,
    /// A client's CA file (empty: the built-in roots).
    ca: String,
    /// A client accepts any certificate.
    insecure: bool,
    /// A server's certificate and key files.
    cert: String,
    key: String,
    /// Names of a self-signed certificate, space-separated.
    names: String,
}

/// A file picker next to a path field (the dialog opens only when clicked).
fn pick(ui: &mut Ui, field: &mut String, title: &str) {
    if ui.small_button("…").on_hover_text(title).clicked()
        && let Some(p) = rfd::FileDialog::new().set_title(title).pick_file()
    {
        *field = p.display().to_string();
    }
}

fn opt_path(s: &str) -> Option<PathBuf> {
    let t = s.trim();
    (!t.is_empty()).then(|| PathBuf::from(t))
}

impl TlsDraft {
    /// The ALPN list typed.
    fn alpn_list(&self) -> Vec<String> {
        self.alpn
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// The client command the fields describe.
    pub fn client_spec(&self) -> TlsSpec {
        TlsSpec::Client(ClientSpec {
            sni: Some(self.sni.trim().to_string()).filter(|s| !s.is_empty()),
            alpn: self.alpn_list(),
            ca: opt_path(&self.ca),
            insecure: self.insecure,
            timeout: None,
        })
    }

    /// The server command the fields describe: the files when both are given, else a
    /// self-signed certificate for the names typed.
    pub fn server_spec(&self, self_signed: bool) -> TlsSpec {
        let cert = match (opt_path(&self.cert), opt_path(&self.key)) {
            (Some(c), Some(k)) if !self_signed => Some((c, k)),
            _ => None,
        };
        let names = self.names.split_whitespace().map(str::to_string).collect();
        TlsSpec::Server(ServerSpec {
            self_signed: cert.is_none().then_some(names),
            cert,
            alpn: self.alpn_list(),
            client_auth: None,
            timeout: None,
        })
    }

    /// Draws the section for `row` (nothing for a socket TLS cannot be put on).
    pub fn ui(&mut self, ui: &mut Ui, row: &SockRow, out: &mut Vec<Command>) {
        let listening = row.state == SockState::Listening;
        if row.proto != Proto::Tcp || !(listening || row.is_connected()) {
            return;
        }
        step_row(ui, "TLS", |ui| self.fields(ui, row, listening, out));
    }

    fn fields(&mut self, ui: &mut Ui, row: &SockRow, listening: bool, out: &mut Vec<Command>) {
        let view = row.tls.as_deref();
        let sock = SockRef::Id(row.id);
        if let Some(h) = view.and_then(|v| v.handshake.as_ref()) {
            ui.label(format!("speaks {}", h.summary()))
                .on_hover_text(TlsView::chain_text(h));
            return;
        }
        if let Some((cert, made)) = view.and_then(|v| v.serving.as_ref()) {
            let how = if *made { "self-signed" } else { "loaded" };
            ui.label(format!("serving a {how} certificate: {}", cert.subject))
                .on_hover_text(format!(
                    "SHA-256 {}\nSANs {}",
                    cert.sha256,
                    cert.sans.join(", ")
                ));
        }
        // ALPN opens the first line (the client's, or a listener's files), so that the
        // whole section fits the controls of a 1280×800 window.
        if !listening {
            self.client_row(ui, &sock, row, out);
        }
        self.server_row(ui, &sock, listening, out);
    }

    fn client_row(&mut self, ui: &mut Ui, sock: &SockRef, row: &SockRow, out: &mut Vec<Command>) {
        let busy = row.tls.as_deref().is_some_and(|v| v.handshaking);
        ui.horizontal(|ui| {
            self.alpn_field(ui);
            labelled_edit(ui, "SNI", &mut self.sni, 120.0, "example.com", false);
            labelled_edit(ui, "CA", &mut self.ca, 140.0, "built-in roots", false);
            pick(ui, &mut self.ca, "Trust the certificates of this PEM file");
            ui.checkbox(&mut self.insecure, "insecure").on_hover_text(
                "accept any certificate (it is still shown, and whether it verified)",
            );
            let why = busy.then(|| "a handshake is under way".to_string());
            if step_button(
                ui,
                "Start TLS client",
                "tls ID client …: handshake now (STARTTLS on a connection that spoke plaintext)",
                why,
            ) {
                out.push(Command::Tls {
                    sock: sock.clone(),
                    spec: self.client_spec(),
                });
            }
        });
    }

    fn alpn_field(&mut self, ui: &mut Ui) {
        labelled_edit(ui, "ALPN", &mut self.alpn, 90.0, "h2,http/1.1", false);
    }

    fn server_row(&mut self, ui: &mut Ui, sock: &SockRef, listening: bool, out: &mut Vec<Command>) {
        ui.horizontal(|ui| {
            if listening {
                self.alpn_field(ui);
            }
            labelled_edit(ui, "Cert", &mut self.cert, 120.0, "cert.pem", false);
            pick(ui, &mut self.cert, "The server's certificate chain (PEM)");
            labelled_edit(ui, "Key", &mut self.key, 120.0, "key.pem", false);
            pick(ui, &mut self.key, "The server's private key (PEM)");
            let missing = (opt_path(&self.cert).is_none() || opt_path(&self.key).is_none())
                .then(|| "pick a certificate and its key first".to_string());
            if step_button(
                ui,
                "TLS server",
                "tls ID server cert FILE key FILE",
                missing,
            ) {
                out.push(Command::Tls {
                    sock: sock.clone(),
                    spec: self.server_spec(false),
                });
            }
        });
        ui.horizontal(|ui| {
            labelled_edit(ui, "Names", &mut self.names, 160.0, "my.test (and localhost, 127.0.0.1, ::1)", false);
            if step_button(
                ui,
                "Make a self-signed certificate",
                "tls ID server self-signed NAMES: a certificate made now; save it with tls ID save-cert FILE",
                None,
            ) {
                out.push(Command::Tls {
                    sock: sock.clone(),
                    spec: self.server_spec(true),
                });
            }
        });
    }
}

/// The socket header's TLS part: `TLS 1.3 · TLS_AES_128_GCM_SHA256 · h2` and the peer's
/// certificate chain behind a button, or that a handshake is under way.
pub fn header(ui: &mut Ui, row: &SockRow) {
    let Some(view) = row.tls.as_deref() else {
        return;
    };
    ui.separator();
    match (&view.handshake, view.handshaking, &view.serving) {
        (Some(h), _, _) => {
            let verified = h.unverified.is_none();
            let text = RichText::new(h.summary()).monospace().strong();
            let text = if verified {
                text
            } else {
                text.color(ui.visuals().warn_fg_color)
            };
            ui.label(text).on_hover_text(if verified {
                "TLS: the peer's certificate verified".to_string()
            } else {
                format!(
                    "TLS: NOT verified — {}",
                    h.unverified.clone().unwrap_or_default()
                )
            });
            ui.menu_button("Certificate", |ui| {
                ui.label(RichText::new(TlsView::chain_text(h)).monospace());
            });
        }
        (None, true, _) => {
            ui.label(RichText::new("TLS handshake…").weak());
        }
        (None, false, Some((cert, _))) => {
            ui.label(RichText::new("TLS server").strong())
                .on_hover_text(format!("{}\nSHA-256 {}", cert.subject, cert.sha256));
        }
        (None, false, None) => {}
    }
}
