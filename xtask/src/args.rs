//! Command-line parsing shared by the commands (lexopt underneath): `--flag`, `--flag VALUE` or
//! `--flag=VALUE`, positional arguments and `-h`/`--help`, with usage errors that name the command.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::{usage, Failure};

/// One argument of a command.
pub(crate) enum Arg {
    /// `-h` or `--help`.
    Help,
    /// `--name`, as written (with the dashes); its value, if it takes one, is read next with
    /// [`Args::path`] or [`Args::string`], and [`Args::switch`] refuses one.
    Flag(String),
    /// A positional argument.
    Positional(OsString),
}

/// The arguments of one command.
pub(crate) struct Args {
    parser: lexopt::Parser,
    /// The command, for messages (`metadata diff`).
    command: String,
}

impl Args {
    pub(crate) fn new(command: &str, args: impl IntoIterator<Item = OsString>) -> Args {
        Args { parser: lexopt::Parser::from_args(args), command: command.to_string() }
    }

    /// The next argument, `None` after the last one.
    pub(crate) fn next(&mut self) -> Result<Option<Arg>, Failure> {
        use lexopt::Arg as Lex;
        let arg = match self.parser.next() {
            Ok(None) => return Ok(None),
            Ok(Some(Lex::Short('h') | Lex::Long("help"))) => Arg::Help,
            Ok(Some(Lex::Long(name))) => Arg::Flag(format!("--{name}")),
            Ok(Some(Lex::Short(c))) => Arg::Flag(format!("-{c}")),
            Ok(Some(Lex::Value(value))) => Arg::Positional(value),
            Err(e) => return Err(self.lex_error(e)),
        };
        Ok(Some(arg))
    }

    /// A usage error of this command.
    pub(crate) fn error(&self, message: impl std::fmt::Display) -> Failure {
        usage(format!("`{}`: {message}", self.command))
    }

    /// An option this command does not have.
    pub(crate) fn unknown(&self, flag: &str) -> Failure {
        self.error(format_args!("unknown option `{flag}`"))
    }

    /// A positional argument given to a command that takes none.
    pub(crate) fn unexpected(&self, value: &OsString) -> Failure {
        self.error(format_args!("unexpected argument `{}`", value.to_string_lossy()))
    }

    /// A positional argument as a path (it must not be empty).
    pub(crate) fn positional_path(&self, value: OsString) -> Result<PathBuf, Failure> {
        if value.is_empty() {
            return Err(self.error("empty argument"));
        }
        Ok(PathBuf::from(value))
    }

    /// A flag that takes no value, given at most once.
    pub(crate) fn switch(&mut self, slot: &mut bool, flag: &str) -> Result<(), Failure> {
        if self.parser.optional_value().is_some() {
            return Err(self.error(format_args!("{flag} takes no value")));
        }
        if *slot {
            return Err(self.error(format_args!("{flag} given more than once")));
        }
        *slot = true;
        Ok(())
    }

    /// The value of a `--flag PATH` option (non-empty, given at most once).
    pub(crate) fn path(&mut self, slot: &mut Option<PathBuf>, flag: &str) -> Result<(), Failure> {
        if slot.is_some() {
            return Err(self.error(format_args!("{flag} given more than once")));
        }
        *slot = Some(PathBuf::from(self.value(flag)?));
        Ok(())
    }

    /// The value of a `--flag VALUE` option that must be UTF-8 (non-empty, given at most once).
    pub(crate) fn string(&mut self, slot: &mut Option<String>, flag: &str) -> Result<(), Failure> {
        if slot.is_some() {
            return Err(self.error(format_args!("{flag} given more than once")));
        }
        let value = self.value(flag)?;
        let value = value
            .into_string()
            .map_err(|v| self.error(format_args!("the value of {flag} ({v:?}) is not valid UTF-8")))?;
        *slot = Some(value);
        Ok(())
    }

    /// The value of `flag`, from `--flag=VALUE` or the next argument.
    fn value(&mut self, flag: &str) -> Result<OsString, Failure> {
        match self.parser.value() {
            Ok(v) if v.is_empty() => Err(self.error(format_args!("{flag} needs a non-empty value"))),
            Ok(v) => Ok(v),
            Err(lexopt::Error::MissingValue { .. }) => Err(self.error(format_args!("{flag} needs a value"))),
            Err(e) => Err(self.lex_error(e)),
        }
    }

    fn lex_error(&self, e: lexopt::Error) -> Failure {
        match e {
            lexopt::Error::UnexpectedValue { option, .. } => self.error(format_args!("{option} takes no value")),
            lexopt::Error::MissingValue { option: Some(option) } => self.error(format_args!("{option} needs a value")),
            lexopt::Error::NonUnicodeValue(v) => self.error(format_args!("argument {v:?} is not valid UTF-8")),
            other => self.error(other),
        }
    }
}
