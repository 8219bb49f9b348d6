//! `--profile` (alias `--pfx-profile`): how a PFX that certtool writes is protected. One
//! group for every command that writes a PFX; its default is the core's
//! [`DEFAULT_PROFILE`], and whether the user gave it is known from the parser, not
//! guessed by comparing with the default.

use std::marker::PhantomData;

use certtool_core::pfx::{Profile, DEFAULT_PROFILE};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::parser::ValueSource;
use clap::{Arg, ArgMatches, Args, Command, FromArgMatches, ValueEnum};

/// The profiles as the flag names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PfxProfileArg {
    /// 3DES key and certificates, SHA-1 MAC, 2048 iterations: opens everywhere
    /// (Windows Server 2016, Azure App Service, .NET, Java, OpenSSL 3).
    Compat,
    /// AES-256-CBC with PBKDF2-HMAC-SHA256 and a SHA-256 MAC (modern readers only).
    Aes,
    /// No encryption and no MAC at all. Java silently drops keys stored this way.
    None,
}

impl From<PfxProfileArg> for Profile {
    fn from(p: PfxProfileArg) -> Profile {
        match p {
            PfxProfileArg::Compat => Profile::Compat,
            PfxProfileArg::Aes => Profile::Aes,
            PfxProfileArg::None => Profile::None,
        }
    }
}

impl From<Profile> for PfxProfileArg {
    fn from(p: Profile) -> PfxProfileArg {
        match p {
            Profile::Compat => PfxProfileArg::Compat,
            Profile::Aes => PfxProfileArg::Aes,
            Profile::None => PfxProfileArg::None,
        }
    }
}

impl PfxProfileArg {
    /// The name the flag takes.
    fn name(self) -> &'static str {
        match self {
            PfxProfileArg::Compat => "compat",
            PfxProfileArg::Aes => "aes",
            PfxProfileArg::None => "none",
        }
    }
}

/// Which profiles a command offers: every one, or only those that keep a password.
pub trait Offered {
    /// The profiles offered, in the order help lists them.
    const PROFILES: &'static [PfxProfileArg];
}

/// Every profile, `none` included (`strip-pfx`, `export`, `import`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Every;

/// Only the profiles that keep a password (`generate`, `rotate arm`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ProtectedOnly;

impl Offered for Every {
    const PROFILES: &'static [PfxProfileArg] = &[
        PfxProfileArg::Compat,
        PfxProfileArg::Aes,
        PfxProfileArg::None,
    ];
}

impl Offered for ProtectedOnly {
    const PROFILES: &'static [PfxProfileArg] = &[PfxProfileArg::Compat, PfxProfileArg::Aes];
}

/// The argument id; `--profile` is its long name, `--pfx-profile` an alias.
const ID: &str = "pfx_profile";

/// `--profile PROFILE` (also `--pfx-profile`), defaulting to [`DEFAULT_PROFILE`].
#[derive(Debug, Clone, Copy)]
pub struct PfxProfileArgs<O = Every> {
    chosen: PfxProfileArg,
    given: bool,
    offered: PhantomData<O>,
}

impl<O> PfxProfileArgs<O> {
    /// The profile to write.
    pub fn profile(&self) -> Profile {
        self.chosen.into()
    }

    /// True when the flag was on the command line (even naming the default).
    pub fn given(&self) -> bool {
        self.given
    }
}

impl<O> From<PfxProfileArgs<O>> for Profile {
    fn from(args: PfxProfileArgs<O>) -> Profile {
        args.profile()
    }
}

impl<O: Offered> PfxProfileArgs<O> {
    fn arg() -> Arg {
        let offered = O::PROFILES.iter().filter_map(ValueEnum::to_possible_value);
        Arg::new(ID)
            .long("profile")
            .visible_alias("pfx-profile")
            .value_name("PROFILE")
            .help("How the PFX written is protected")
            .value_parser(
                PossibleValuesParser::new(offered)
                    .map(|name| PfxProfileArg::from_str(&name, false).expect("an offered value")),
            )
            .default_value(PfxProfileArg::from(DEFAULT_PROFILE).name())
    }
}

impl<O: Offered> Args for PfxProfileArgs<O> {
    fn augment_args(cmd: Command) -> Command {
        cmd.arg(Self::arg())
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        cmd.arg(Self::arg())
    }
}

impl<O> FromArgMatches for PfxProfileArgs<O> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        Ok(PfxProfileArgs {
            chosen: matches
                .get_one::<PfxProfileArg>(ID)
                .copied()
                .unwrap_or_else(|| DEFAULT_PROFILE.into()),
            given: matches.value_source(ID) == Some(ValueSource::CommandLine),
            offered: PhantomData,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Any {
        #[command(flatten)]
        profile: PfxProfileArgs,
    }

    #[derive(Parser)]
    struct Protected {
        #[command(flatten)]
        profile: PfxProfileArgs<ProtectedOnly>,
    }

    #[test]
    fn the_default_comes_from_the_core_and_is_not_given() {
        let parsed = Any::try_parse_from(["t"]).unwrap().profile;
        assert_eq!(parsed.profile(), DEFAULT_PROFILE);
        assert!(!parsed.given());
        let named = Any::try_parse_from(["t", "--profile", "compat"])
            .unwrap()
            .profile;
        assert_eq!(named.profile(), Profile::Compat);
        assert!(named.given());
    }

    #[test]
    fn both_names_work_and_none_only_where_offered() {
        let parsed = Any::try_parse_from(["t", "--pfx-profile", "none"])
            .unwrap()
            .profile;
        assert_eq!(parsed.profile(), Profile::None);
        let aes = Protected::try_parse_from(["t", "--pfx-profile", "aes"])
            .unwrap()
            .profile;
        assert_eq!(aes.profile(), Profile::Aes);
        assert!(Protected::try_parse_from(["t", "--profile", "none"]).is_err());
    }
}
