//! The SEC media-type parameter: which key the MAC was made with (security.md §1–2).
//!
//! [`SecMethod`] keeps values it does not know as [`SecMethod::Unknown`], so a receiver can
//! never mistake an unknown method for "no security": every `match` has to decide.

/// Declares a one-byte wire enum once: variants, wire values, canonical text names and the
/// extra spellings a parser accepts. Unknown values survive as `Unknown(u8)`.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident(u8) {
            $( $(#[$vmeta:meta])* $var:ident = $val:literal => $text:literal $(| $alias:literal)* , )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $var, )+
            /// A value the table does not name, kept as received. Build values with
            /// `From<u8>` so that a named value never hides in here.
            Unknown(u8),
        }

        impl $name {
            /// Every named value, in wire order.
            pub const KNOWN: &'static [$name] = &[ $( $name::$var, )+ ];

            /// The canonical upper-case name, `None` for an unknown value.
            pub fn name(self) -> Option<&'static str> {
                match self {
                    $( $name::$var => Some($text), )+
                    $name::Unknown(_) => None,
                }
            }

            /// Other spellings a parser accepts for this value (besides the name and the digit).
            pub fn aliases(self) -> &'static [&'static str] {
                match self {
                    $( $name::$var => &[ $( $alias ),* ], )+
                    $name::Unknown(_) => &[],
                }
            }
        }

        impl From<u8> for $name {
            fn from(v: u8) -> Self {
                match v {
                    $( $val => $name::$var, )+
                    other => $name::Unknown(other),
                }
            }
        }

        impl From<$name> for u8 {
            fn from(v: $name) -> u8 {
                match v {
                    $( $name::$var => $val, )+
                    $name::Unknown(other) => other,
                }
            }
        }
    };
}

wire_enum! {
    /// A ProvBoot security method, as carried by the SEC parameter (security.md §2).
    pub enum SecMethod(u8) {
        /// Key = the subscriber's IMSI in semi-octets (§4.1).
        NetwPin = 0 => "NETWPIN" | "NETWORKID",
        /// Key = the PIN given to the user (§4.2).
        UserPin = 1 => "USERPIN",
        /// Key = IMSI semi-octets followed by the user PIN (§4.3).
        UserNetwPin = 2 => "USERNETWPIN" | "USERPIN_NETWORKID",
        /// The user types the PIN and decimal MAC digits (§4.4).
        UserPinMac = 3 => "USERPINMAC",
    }
}

impl SecMethod {
    /// The wire value.
    pub fn value(self) -> u8 {
        u8::from(self)
    }

    /// Reads a textual SEC value (HTTP delivery, untyped WSP parameter): a decimal number
    /// (`"1"`, kept even when unknown) or a name or alias, case-insensitively, surrounding
    /// white space ignored. `None` for anything else: the caller must treat that as a
    /// failure, never as an absent SEC.
    pub fn from_text(text: &str) -> Option<SecMethod> {
        let t = text.trim();
        if !t.is_empty() && t.len() <= 3 && t.bytes().all(|b| b.is_ascii_digit()) {
            return t.parse::<u8>().ok().map(SecMethod::from);
        }
        SecMethod::KNOWN.iter().copied().find(|m| {
            m.name().is_some_and(|n| n.eq_ignore_ascii_case(t))
                || m.aliases().iter().any(|a| a.eq_ignore_ascii_case(t))
        })
    }

    /// True for the methods whose key needs the IMSI.
    pub fn needs_imsi(self) -> bool {
        matches!(self, SecMethod::NetwPin | SecMethod::UserNetwPin)
    }

    /// True for the methods whose key needs a PIN from the user.
    pub fn needs_pin(self) -> bool {
        matches!(
            self,
            SecMethod::UserPin | SecMethod::UserNetwPin | SecMethod::UserPinMac
        )
    }
}

impl core::fmt::Display for SecMethod {
    /// The canonical name, or `SEC=<n>` for an unknown value.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "SEC={}", self.value()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SecMethod;

    #[test]
    fn every_byte_round_trips() {
        for b in 0..=u8::MAX {
            let m = SecMethod::from(b);
            assert_eq!(u8::from(m), b);
            assert_eq!(matches!(m, SecMethod::Unknown(_)), b > 3);
        }
    }

    #[test]
    fn names_and_digits_parse() {
        for (text, want) in [
            ("0", SecMethod::NetwPin),
            ("NETWPIN", SecMethod::NetwPin),
            ("networkid", SecMethod::NetwPin),
            ("1", SecMethod::UserPin),
            (" userpin ", SecMethod::UserPin),
            ("2", SecMethod::UserNetwPin),
            ("UserNetwPin", SecMethod::UserNetwPin),
            ("USERPIN_NETWORKID", SecMethod::UserNetwPin),
            ("3", SecMethod::UserPinMac),
            ("userpinmac", SecMethod::UserPinMac),
            ("7", SecMethod::Unknown(7)),
            ("007", SecMethod::Unknown(7)),
        ] {
            assert_eq!(SecMethod::from_text(text), Some(want), "{text:?}");
        }
        for bad in ["", "256", "USER PIN", "4x", "-1", "NETWPIN2"] {
            assert_eq!(SecMethod::from_text(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn display_uses_names() {
        assert_eq!(SecMethod::UserNetwPin.to_string(), "USERNETWPIN");
        assert_eq!(SecMethod::from(9).to_string(), "SEC=9");
        for m in SecMethod::KNOWN {
            assert_eq!(SecMethod::from_text(&m.to_string()), Some(*m));
        }
    }
}
