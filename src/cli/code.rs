//! `sockscope code python FILE|-`: print a script as a program that makes the same exchange.

use super::{err_line, out_line};

/// The languages `sockscope code` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CodeLang {
    /// Python 3 with the standard `socket` module.
    Python,
}

/// Prints the program for a script file and returns the exit status (0, or 2 when the
/// script cannot be read or parsed); each step left out is named on standard error.
pub fn code(lang: CodeLang, file: &str) -> i32 {
    let lib = crate::packets::Shelf::open(None).unwrap_or_default().lib;
    let lines = match super::run::load_script(file, &lib) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let source = if file == "-" { "standard input" } else { file };
    let generated = match lang {
        CodeLang::Python => crate::codegen::python(&lines, source),
    };
    for what in &generated.untranslated {
        err_line(&format!("{file}:{what}: not translated"));
    }
    out_line(generated.code.trim_end());
    0
}
