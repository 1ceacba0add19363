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

/// Implements `Model` (with the type's static [`ModelInfo`](crate::__private::ModelInfo)
/// table), `Debug` (set fields only), `PartialEq`, `Codec`, `Serialize` and `Deserialize` for a
/// generated struct, and its `ODATA_TYPE` constant.
///
/// A root type (no base type) holds `additional_data` itself:
///
/// ```text
/// impl_model! {
///     type User = "microsoft.graph.user", writes_odata_type: false;
///     0 => id: "id",
///     1 => display_name: "displayName",
///     #[cfg(feature = "mail")]
///     2 => messages: "messages" NAVIGATION COLLECTION,
/// }
/// ```
///
/// A derived type holds its base type in the field `base`, derefs to it, and lists only its
/// own fields, numbered after the base type's (`type AgentUser: crate::models::User = …`). Any
/// other index (an inherited field) is answered by the base. A field's `#[cfg]` leaves it out
/// of the accessors, never out of the table, so the numbering does not depend on features.
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_model {
    (type $ty:ident = $odata:literal, writes_odata_type: $writes:literal;
     $($(#[$m:meta])* $idx:literal => $field:ident: $wire:literal $($flag:ident)*),* $(,)?) => {
        impl $crate::model::Model for $ty {
            $crate::__model_info!($odata, $writes, ::core::option::Option::None, [$(($wire $($flag)*))*]);
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
        $crate::__impl_model_common!($ty, $odata);
    };
    (type $ty:ident: $base:ty = $odata:literal, writes_odata_type: $writes:literal;
     $($(#[$m:meta])* $idx:literal => $field:ident: $wire:literal $($flag:ident)*),* $(,)?) => {
        impl $crate::model::Model for $ty {
            $crate::__model_info!(
                $odata,
                $writes,
                ::core::option::Option::Some(<$base as $crate::model::Model>::info),
                [$(($wire $($flag)*))*]
            );
            fn field(&self, index: usize) -> ::core::option::Option<&dyn $crate::model::Field> {
                match index {
                    $($(#[$m])* $idx => ::core::option::Option::Some(&self.$field),)*
                    _ => $crate::model::Model::field(&self.base, index),
                }
            }
            fn field_mut(&mut self, index: usize) -> ::core::option::Option<&mut dyn $crate::model::Field> {
                match index {
                    $($(#[$m])* $idx => ::core::option::Option::Some(&mut self.$field),)*
                    _ => $crate::model::Model::field_mut(&mut self.base, index),
                }
            }
            fn additional_data(&self) -> &$crate::model::AdditionalData {
                $crate::model::Model::additional_data(&self.base)
            }
            fn additional_data_mut(&mut self) -> &mut $crate::model::AdditionalData {
                $crate::model::Model::additional_data_mut(&mut self.base)
            }
        }
        impl ::core::ops::Deref for $ty {
            type Target = $base;
            fn deref(&self) -> &$base {
                &self.base
            }
        }
        impl ::core::ops::DerefMut for $ty {
            fn deref_mut(&mut self) -> &mut $base {
                &mut self.base
            }
        }
        impl ::core::convert::AsRef<$base> for $ty {
            fn as_ref(&self) -> &$base {
                &self.base
            }
        }
        impl ::core::convert::AsMut<$base> for $ty {
            fn as_mut(&mut self) -> &mut $base {
                &mut self.base
            }
        }
        $crate::__impl_model_common!($ty, $odata);
    };
}

/// The `info`/`model_info` methods of a `Model` impl: the static table of the type.
#[doc(hidden)]
#[macro_export]
macro_rules! __model_info {
    ($odata:literal, $writes:literal, $base:expr, [$(($wire:literal $($flag:ident)*))*]) => {
        fn info() -> &'static $crate::__private::ModelInfo {
            static INFO: $crate::__private::ModelInfo = $crate::__private::ModelInfo {
                odata_type: $odata,
                base: $base,
                fields: &[$(($wire, $crate::__private::FieldFlags::NONE $(.and($crate::__private::FieldFlags::$flag))*),)*],
                index: $crate::__private::FieldIndex::new(),
                writes_odata_type: $writes,
            };
            &INFO
        }
        fn model_info(&self) -> &'static $crate::__private::ModelInfo {
            <Self as $crate::model::Model>::info()
        }
    };
}

/// The impls every generated struct shares, root or derived.
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_model_common {
    ($ty:ident, $odata:literal) => {
        impl $ty {
            /// The qualified OData type name.
            pub const ODATA_TYPE: &'static str = $odata;
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
            fn declared_type() -> ::std::string::String {
                ::std::string::String::from($odata)
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
    ($ty:ident, $unknown:ident, [$($idx:literal => $variant:ident = $wire:literal),* $(,)?] $(,)?) => {
        impl $ty {
            /// The wire name of this member.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::$unknown(v) => v.as_str(),
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
            fn unknown(value: $crate::model::UnrecognizedValue) -> Self {
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
            fn declared_type() -> ::std::string::String {
                ::std::string::String::from(::core::stringify!($ty))
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

/// Implements `as_model`, `odata_type`, `Deref` to the base type, `From` and downcasts per
/// variant, `Default`, `Codec` and serde for a polymorphic wrapper.
///
/// `__impl_kind! { Kind: Base; Variant(Type) [base.base] as_variant into_variant = "ns.type", ... }`:
/// the base variant first; each variant names the path from its value to the base part (the
/// chain of `base` fields; empty for the base variant itself) and its downcast methods.
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_kind {
    ($ty:ident: $base_ty:ty;
     $bvariant:ident($bvty:ty) [] $bas:ident $binto:ident = $base_wire:literal,
     $($(#[$m:meta])* $variant:ident($vty:ty) [$($path:ident).+] $as:ident $into:ident = $wire:literal),* $(,)?) => {
        impl $ty {
            /// The value as a model (for the table-driven codec and generic inspection).
            pub fn as_model(&self) -> &dyn $crate::model::Model {
                match self {
                    Self::$bvariant(v) => &**v,
                    $($(#[$m])* Self::$variant(v) => &**v,)*
                }
            }
            /// The value as a mutable model.
            pub fn as_model_mut(&mut self) -> &mut dyn $crate::model::Model {
                match self {
                    Self::$bvariant(v) => &mut **v,
                    $($(#[$m])* Self::$variant(v) => &mut **v,)*
                }
            }
            /// The qualified OData type name of the variant held.
            pub fn odata_type(&self) -> &'static str {
                $crate::model::Model::model_info(self.as_model()).odata_type
            }
            #[doc = concat!("The value if it is exactly a `", $base_wire, "` (not a derived type); every variant derefs to it.")]
            pub fn $bas(&self) -> ::core::option::Option<&$bvty> {
                match self {
                    Self::$bvariant(v) => ::core::option::Option::Some(v),
                    #[allow(unreachable_patterns)]
                    _ => ::core::option::Option::None,
                }
            }
            #[doc = concat!("The value if it is exactly a `", $base_wire, "`, else the value itself back.")]
            pub fn $binto(self) -> ::core::result::Result<$bvty, Self> {
                match self {
                    Self::$bvariant(v) => ::core::result::Result::Ok(*v),
                    #[allow(unreachable_patterns)]
                    other => ::core::result::Result::Err(other),
                }
            }
            $(
                $(#[$m])*
                #[doc = concat!("The value if it is a `", $wire, "`.")]
                pub fn $as(&self) -> ::core::option::Option<&$vty> {
                    match self {
                        Self::$variant(v) => ::core::option::Option::Some(v),
                        _ => ::core::option::Option::None,
                    }
                }
                $(#[$m])*
                #[doc = concat!("The value if it is a `", $wire, "`, else the value itself back.")]
                pub fn $into(self) -> ::core::result::Result<$vty, Self> {
                    match self {
                        Self::$variant(v) => ::core::result::Result::Ok(*v),
                        other => ::core::result::Result::Err(other),
                    }
                }
            )*
        }
        impl ::core::ops::Deref for $ty {
            type Target = $base_ty;
            /// The base-type part of whichever variant is held.
            fn deref(&self) -> &$base_ty {
                match self {
                    Self::$bvariant(v) => v,
                    $($(#[$m])* Self::$variant(v) => &v.$($path).+,)*
                }
            }
        }
        impl ::core::ops::DerefMut for $ty {
            fn deref_mut(&mut self) -> &mut $base_ty {
                match self {
                    Self::$bvariant(v) => v,
                    $($(#[$m])* Self::$variant(v) => &mut v.$($path).+,)*
                }
            }
        }
        impl ::core::convert::From<$bvty> for $ty {
            fn from(value: $bvty) -> $ty {
                Self::$bvariant(::std::boxed::Box::new(value))
            }
        }
        $(
            $(#[$m])*
            impl ::core::convert::From<$vty> for $ty {
                fn from(value: $vty) -> $ty {
                    Self::$variant(::std::boxed::Box::new(value))
                }
            }
        )*
        impl ::core::default::Default for $ty {
            fn default() -> Self {
                Self::$bvariant(::core::default::Default::default())
            }
        }
        impl $crate::model::Codec for $ty {
            fn decode(r: &mut $crate::json::Reader<'_>) -> ::core::result::Result<Self, $crate::json::DecodeError> {
                // The arms only pick a function: a `match` whose arms each decoded would give
                // this frame one set of temporaries per variant (debug builds do not share
                // them), kilobytes per nesting level for a large hierarchy. The value is
                // allocated before its fields are decoded, so no frame holds it while nested
                // values decode (see `decode_boxed`).
                type DecodeFn = fn(&mut $crate::json::Reader<'_>) -> ::core::result::Result<$ty, $crate::json::DecodeError>;
                let decode: DecodeFn = match $crate::__private::peek_odata_type(r)?.as_deref() {
                    $($(#[$m])* ::core::option::Option::Some($wire) => |r| $crate::__private::decode_boxed(r).map(Self::$variant),)*
                    _ => |r| $crate::__private::decode_boxed(r).map(Self::$bvariant),
                };
                decode(r)
            }
            fn encode(&self, w: &mut $crate::json::Writer) {
                let derived = !matches!(self, Self::$bvariant(_));
                $crate::model::encode_model(self.as_model(), w, $crate::model::EncodeMode::Full, derived)
            }
            fn declared_type() -> ::std::string::String {
                ::std::string::String::from($base_wire)
            }
        }
        $crate::__impl_serde!($ty);
    };
}
