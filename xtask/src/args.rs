//! Command-line parsing shared by the commands: flags, values and positional arguments, with
//! errors that name the command.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::{usage, Failure};

/// One command-line argument: a flag (with an inline `--flag=value` if given), or help.
pub(crate) enum Arg {
    Help,
    Flag { name: String, inline: Option<String> },
}

pub(crate) fn next_arg(arg: OsString, command: &str) -> Result<Arg, Failure> {
    let s = arg.to_str().ok_or_else(|| usage(format!("`{command}`: argument {arg:?} is not valid UTF-8")))?;
    if s == "-h" || s == "--help" {
        return Ok(Arg::Help);
    }
    if !s.starts_with("--") {
        return Err(usage(format!("`{command}`: unexpected argument `{s}`")));
    }
    Ok(match s.split_once('=') {
        Some((name, value)) => Arg::Flag { name: name.to_string(), inline: Some(value.to_string()) },
        None => Arg::Flag { name: s.to_string(), inline: None },
    })
}

/// Stores the value of a `--flag PATH` option, from `--flag=PATH` or the next argument.
pub(crate) fn path_value(
    slot: &mut Option<PathBuf>,
    name: &str,
    inline: Option<String>,
    rest: &mut impl Iterator<Item = OsString>,
    command: &str,
) -> Result<(), Failure> {
    if slot.is_some() {
        return Err(usage(format!("`{command}`: {name} given more than once")));
    }
    let value = match inline {
        Some(v) => OsString::from(v),
        None => rest.next().ok_or_else(|| usage(format!("`{command}`: {name} needs a value")))?,
    };
    if value.is_empty() {
        return Err(usage(format!("`{command}`: {name} needs a non-empty value")));
    }
    *slot = Some(PathBuf::from(value));
    Ok(())
}

/// One argument of a command that takes positional arguments.
pub(crate) enum ArgOrPositional {
    Help,
    Flag { name: String, inline: Option<String> },
    Positional(PathBuf),
}

pub(crate) fn next_arg_or_positional(arg: OsString, command: &str) -> Result<ArgOrPositional, Failure> {
    let is_flag = arg.to_str().is_some_and(|s| s.starts_with("--") || s == "-h");
    if !is_flag {
        if arg.is_empty() {
            return Err(usage(format!("`{command}`: empty argument")));
        }
        return Ok(ArgOrPositional::Positional(PathBuf::from(arg)));
    }
    Ok(match next_arg(arg, command)? {
        Arg::Help => ArgOrPositional::Help,
        Arg::Flag { name, inline } => ArgOrPositional::Flag { name, inline },
    })
}

/// A flag that takes no value.
pub(crate) fn switch(slot: &mut bool, name: &str, inline: Option<String>, command: &str) -> Result<(), Failure> {
    if inline.is_some() {
        return Err(usage(format!("`{command}`: {name} takes no value")));
    }
    if *slot {
        return Err(usage(format!("`{command}`: {name} given more than once")));
    }
    *slot = true;
    Ok(())
}

/// Stores the value of a `--flag VALUE` option that must be UTF-8.
pub(crate) fn string_value(
    slot: &mut Option<String>,
    name: &str,
    inline: Option<String>,
    rest: &mut impl Iterator<Item = OsString>,
    command: &str,
) -> Result<(), Failure> {
    let mut path = None;
    path_value(&mut path, name, inline, rest, command)?;
    if slot.is_some() {
        return Err(usage(format!("`{command}`: {name} given more than once")));
    }
    let value = path.unwrap_or_default().into_os_string().into_string();
    *slot = Some(value.map_err(|v| usage(format!("`{command}`: the value of {name} ({v:?}) is not valid UTF-8")))?);
    Ok(())
}

/// Parses `[--pin PATH]`; `Ok(None)` when help was asked for.
pub(crate) fn parse_pin_only(
    args: impl IntoIterator<Item = OsString>,
    command: &str,
) -> Result<Option<Option<PathBuf>>, Failure> {
    let mut pin = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match next_arg(arg, command)? {
            Arg::Help => return Ok(None),
            Arg::Flag { name, inline } if name == "--pin" => {
                path_value(&mut pin, &name, inline, &mut args, command)?;
            }
            Arg::Flag { name, .. } => {
                return Err(usage(format!("`{command}`: unknown option `{name}`")));
            }
        }
    }
    Ok(Some(pin))
}
