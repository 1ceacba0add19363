//! Trait glue for generated types.
//!
//! The generated crate writes every type, field, variant and doc comment as plain Rust; only the
//! mechanical trait impls that are identical for every type (the [`Model`](crate::model::Model)
//! accessors, [`Codec`](crate::model::Codec), `serde`, `FromStr`/`Display`) come from these
//! macros, one short invocation per type. That keeps the generated source small (and quick to
//! parse) without hiding anything a user reads or navigates to.
//!
//! None of these functions is `#[inline]`: decoding one type reaches, through field and variant
//! vtables, nearly every other type, so inline glue made each consumer binary re-generate machine
//! code for the whole model (measured: 38.6 s for a one-line `main`). Compiled once in the
//! generated crate, a consumer only links it.
//!
//! Fields and variants may carry `#[cfg(...)]` attributes (the cargo features by API area):
//! the macros pass them through to the match arms, so a field compiled out is simply absent
//! (its JSON lands in `additional_data`).

/// Implements `Model`, `Debug` (set fields only), `PartialEq`, `Codec`, `Serialize` and
/// `Deserialize` for a generated struct.
///
/// `__impl_model!(Type, INFO_STATIC, [0 => field_a, 1 => field_b, ...])`
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_model {
    ($ty:ident, $info:ident, [$($(#[$m:meta])* $idx:literal => $field:ident),* $(,)?]) => {
        impl $crate::model::Model for $ty {
            fn model_info(&self) -> &'static $crate::__private::ModelInfo {
                &$info
            }
            fn field(&self, index: usize) -> ::core::option::Option<&dyn $crate::model::Field> {
                match index {
                    $($(#[$m])* $idx => ::core::option::Option::Some(&self.$field),)*
                    _ => ::core::option::Option::None,
                }
            }
            fn field_mut(&mut self, index: usize) -> ::core::option::Option<&mut dyn $crate::model::Field> {
                match index {
                    $($(#[$m])* $idx => ::core::option::Option::Some(&mut self.$field),)*
                    _ => ::core::option::Option::None,
                }
            }
            fn additional_data(&self) -> &$crate::model::AdditionalData {
                &self.additional_data
            }
            fn additional_data_mut(&mut self) -> &mut $crate::model::AdditionalData {
                &mut self.additional_data
            }
        }
        impl ::core::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                $crate::__private::debug_model(self, f)
            }
        }
        impl ::core::cmp::PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                $crate::__private::model_eq(self, other)
            }
        }
        impl $crate::model::Codec for $ty {
            fn decode(r: &mut $crate::json::Reader<'_>) -> ::core::result::Result<Self, $crate::json::DecodeError> {
                $crate::__private::decode_new(r)
            }
            fn encode(&self, w: &mut $crate::json::Writer) {
                $crate::model::encode_model(self, w, $crate::model::EncodeMode::Full, false)
            }
        }
        $crate::__impl_serde!($ty);
    };
}

/// `Serialize`/`Deserialize` through the model codec.
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_serde {
    ($ty:ident) => {
        impl $crate::__private::serde::Serialize for $ty {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                $crate::__private::serde_serialize(self, serializer)
            }
        }
        impl<'de> $crate::__private::serde::Deserialize<'de> for $ty {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                $crate::__private::serde_deserialize(deserializer)
            }
        }
    };
}

/// Implements `as_str`, `EnumValue`, `FromStr`, `Display`, `Codec`, `Serialize` and
/// `Deserialize` for a generated enum.
///
/// `__impl_enum!(Type, Unknown, [0 => Variant = "wireName", ...])`
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_enum {
    ($ty:ident, $unknown:ident, [$($idx:literal => $variant:ident = $wire:literal),* $(,)?]) => {
        impl $ty {
            /// The wire name of this member.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::$unknown(s) => s,
                }
            }
        }
        impl $crate::model::EnumValue for $ty {
            const MEMBERS: &'static [&'static str] = &[$($wire),*];
            fn from_index(index: usize) -> ::core::option::Option<Self> {
                match index {
                    $($idx => ::core::option::Option::Some(Self::$variant),)*
                    _ => ::core::option::Option::None,
                }
            }
            fn unknown(value: ::std::string::String) -> Self {
                Self::$unknown(value)
            }
            fn wire_name(&self) -> &str {
                self.as_str()
            }
        }
        impl ::core::str::FromStr for $ty {
            type Err = ::core::convert::Infallible;
            fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                ::core::result::Result::Ok($crate::__private::enum_from_wire(s))
            }
        }
        impl ::core::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl $crate::model::Codec for $ty {
            fn decode(r: &mut $crate::json::Reader<'_>) -> ::core::result::Result<Self, $crate::json::DecodeError> {
                $crate::__private::decode_enum(r)
            }
            fn encode(&self, w: &mut $crate::json::Writer) {
                w.string(self.as_str())
            }
        }
        impl $crate::__private::serde::Serialize for $ty {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> $crate::__private::serde::Deserialize<'de> for $ty {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                $crate::__private::serde_deserialize_enum(deserializer)
            }
        }
    };
}

/// Implements `as_model`, `odata_type`, `Default`, `Codec` and serde for a polymorphic wrapper.
///
/// `__impl_kind!(Kind, Base = "ns.base", [Derived = "ns.derived", ...])`
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_kind {
    ($ty:ident, $base:ident = $base_wire:literal, [$($(#[$m:meta])* $variant:ident = $wire:literal),* $(,)?]) => {
        impl $ty {
            /// The value as a model (for the table-driven codec and generic inspection).
            pub fn as_model(&self) -> &dyn $crate::model::Model {
                match self {
                    Self::$base(v) => &**v,
                    $($(#[$m])* Self::$variant(v) => &**v,)*
                }
            }
            /// The value as a mutable model.
            pub fn as_model_mut(&mut self) -> &mut dyn $crate::model::Model {
                match self {
                    Self::$base(v) => &mut **v,
                    $($(#[$m])* Self::$variant(v) => &mut **v,)*
                }
            }
            /// The qualified OData type name of the variant held.
            pub fn odata_type(&self) -> &'static str {
                $crate::model::Model::model_info(self.as_model()).odata_type
            }
        }
        impl ::core::default::Default for $ty {
            fn default() -> Self {
                Self::$base(::core::default::Default::default())
            }
        }
        impl $crate::model::Codec for $ty {
            fn decode(r: &mut $crate::json::Reader<'_>) -> ::core::result::Result<Self, $crate::json::DecodeError> {
                ::core::result::Result::Ok(match $crate::__private::peek_odata_type(r)?.as_deref() {
                    $($(#[$m])* ::core::option::Option::Some($wire) => Self::$variant($crate::model::Codec::decode(r)?),)*
                    _ => Self::$base($crate::model::Codec::decode(r)?),
                })
            }
            fn encode(&self, w: &mut $crate::json::Writer) {
                let derived = !matches!(self, Self::$base(_));
                $crate::model::encode_model(self.as_model(), w, $crate::model::EncodeMode::Full, derived)
            }
        }
        $crate::__impl_serde!($ty);
    };
}
