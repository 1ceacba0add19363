//! The runtime side of the generated models: one table-driven JSON codec for every type.
//!
//! Generated code does not derive serde. Each generated struct implements [`Model`]: a static
//! [`ModelInfo`] table (wire names, flags, a hash index built on first use) plus two `match`es that hand
//! out its fields as `&dyn Field`. [`decode_model`] and [`encode_model`] walk that table; they
//! are compiled once, here, instead of once per type. Values inside fields implement [`Codec`].
//!
//! Design points:
//! * Unknown properties and `@odata.*` annotations land in [`AdditionalData`] and are written
//!   back on encode, so decode → encode loses nothing.
//! * An explicit JSON `null` for a known property is remembered ([`AdditionalData::nulls`]), so it
//!   survives a round trip and can be sent deliberately in a PATCH
//!   ([`AdditionalData::set_null`]).
//! * Enums keep unknown members ([`EnumValue`]); flags enums are [`Flags`] sets.

use std::any::Any;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use crate::edm::{Binary, Date, DateTimeOffset, Decimal, Duration, Guid, TimeOfDay};
use crate::json::{DecodeError, Reader, Token, Writer};

/// The trait of every value the codec reads and writes; it is defined beside the JSON reader
/// and writer it works with, and named here too because the generated models implement it.
pub use crate::json::Codec;

#[doc(hidden)]
/// Property flags in a [`ModelInfo`] table: a small set, written by the code generator by name
/// (`FieldFlags::COLLECTION`, `FieldFlags::NAVIGATION.and(FieldFlags::COLLECTION)`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FieldFlags(u8);

impl FieldFlags {
    /// No flag.
    pub const NONE: FieldFlags = FieldFlags(0);
    /// The property is a navigation property (present only with `$expand`).
    pub const NAVIGATION: FieldFlags = FieldFlags(1);
    /// The property is computed by the service (`Org.OData.Core.V1.Computed`): never sent on
    /// create or update.
    pub const COMPUTED: FieldFlags = FieldFlags(2);
    /// The property is a collection.
    pub const COLLECTION: FieldFlags = FieldFlags(4);

    /// Both sets of flags.
    pub const fn and(self, other: FieldFlags) -> FieldFlags {
        FieldFlags(self.0 | other.0)
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: FieldFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

#[doc(hidden)]
/// A hash table from wire name to field index, built once per type on first decode.
///
/// Decoding looks up every JSON key; a binary search over a type's sorted names (`User` has
/// 130+) was 40% of decode time. The table is open addressing with linear probing over
/// [`FieldIndex::hash`], at most half full, holding `index + 1` (0 = empty); one string
/// comparison confirms a hit.
#[derive(Debug)]
pub struct FieldIndex {
    built: std::sync::OnceLock<Built>,
}

/// A built [`FieldIndex`]: the hash slots, and per field the field that followed it in the last
/// object decoded (`next[0]`: the first field; entries are `index + 1`, 0 = none). Objects of a
/// page share one key order, so after the first one a key is usually found by one comparison
/// with that guess, without hashing. A guess is only a hint (any thread may overwrite it) and is
/// always checked.
#[derive(Debug)]
struct Built {
    /// Every field of the type, inherited ones first: the position is the field index.
    fields: Box<[(&'static str, FieldFlags)]>,
    slots: Box<[u16]>,
    next: Box<[std::sync::atomic::AtomicU16]>,
}

impl FieldIndex {
    /// An empty index (a `const` for the generated `static` tables).
    pub const fn new() -> FieldIndex {
        FieldIndex { built: std::sync::OnceLock::new() }
    }

    /// A hash of a wire name that reads at most three 8-byte words (start, middle, end) instead
    /// of every byte: names of one type rarely agree on all three and their length, and a
    /// collision only costs one more probe.
    fn hash(key: &str) -> usize {
        let b = key.as_bytes();
        let n = b.len();
        let word = |at: usize| b.get(at..).and_then(<[u8]>::first_chunk::<8>).map_or(0, |w| u64::from_le_bytes(*w));
        let (head, mid, tail) = if n >= 8 {
            (word(0), word(n / 2 - 4), word(n - 8))
        } else {
            let mut small = [0u8; 8];
            if let Some(dst) = small.get_mut(..n) {
                dst.copy_from_slice(b);
            }
            (u64::from_le_bytes(small), 0, 0)
        };
        let mixed = (head ^ mid.rotate_left(21) ^ tail.rotate_left(42) ^ n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (mixed >> 32) as usize
    }

    fn build(fields: Box<[(&'static str, FieldFlags)]>) -> Built {
        let next = (0..=fields.len()).map(|_| std::sync::atomic::AtomicU16::new(0)).collect();
        Built { slots: Self::build_slots(&fields), next, fields }
    }

    fn build_slots(fields: &[(&'static str, FieldFlags)]) -> Box<[u16]> {
        let size = (fields.len() * 2).max(4).next_power_of_two();
        let mut table = vec![0u16; size].into_boxed_slice();
        let mask = size - 1;
        for (i, (name, _)) in fields.iter().enumerate() {
            let Ok(slot_value) = u16::try_from(i + 1) else { break };
            let mut slot = Self::hash(name) & mask;
            // First declaration wins for a (malformed) duplicate name, as the field order does.
            loop {
                match table.get(slot).copied() {
                    Some(0) => {
                        if let Some(s) = table.get_mut(slot) {
                            *s = slot_value;
                        }
                        break;
                    }
                    Some(existing) if fields.get(usize::from(existing) - 1).is_some_and(|f| f.0 == *name) => break,
                    _ => slot = (slot + 1) & mask,
                }
            }
        }
        table
    }

    /// The built table, for many lookups in a row (one object's keys); `fields` gives the
    /// field list the first time (the same list on every call).
    fn lookup_with(&self, fields: impl FnOnce() -> Box<[(&'static str, FieldFlags)]>) -> FieldLookup<'_> {
        let built = self.built.get_or_init(|| Self::build(fields()));
        FieldLookup { table: &built.slots, next: &built.next, fields: &built.fields }
    }

    /// [`FieldIndex::lookup_with`] over a static list.
    #[cfg(test)]
    fn lookup(&self, fields: &'static [(&'static str, FieldFlags)]) -> FieldLookup<'_> {
        self.lookup_with(|| fields.into())
    }

    /// The index of `wire` in `fields` (the same `fields` on every call).
    #[cfg(test)]
    fn find(&self, fields: &'static [(&'static str, FieldFlags)], wire: &str) -> Option<usize> {
        self.lookup(fields).find(wire)
    }
}

/// A built [`FieldIndex`] with its names.
#[derive(Debug, Clone, Copy)]
struct FieldLookup<'a> {
    table: &'a [u16],
    next: &'a [std::sync::atomic::AtomicU16],
    fields: &'a [(&'static str, FieldFlags)],
}

impl FieldLookup<'_> {
    /// [`FieldLookup::find`], trying first the field that followed `after` last time (`after`:
    /// 0 at the start of an object, else the previous known field's `index + 1`).
    fn find_after(self, after: usize, wire: &str) -> Option<usize> {
        use std::sync::atomic::Ordering::Relaxed;
        let slot = self.next.get(after)?;
        let guess = usize::from(slot.load(Relaxed));
        if guess != 0 && self.fields.get(guess - 1).is_some_and(|f| same_name(f.0, wire)) {
            return Some(guess - 1);
        }
        let found = self.find(wire)?;
        if let Ok(value) = u16::try_from(found + 1) {
            slot.store(value, Relaxed);
        }
        Some(found)
    }

    fn find(self, wire: &str) -> Option<usize> {
        let mask = self.table.len().checked_sub(1)?;
        let mut slot = FieldIndex::hash(wire) & mask;
        for _ in 0..self.table.len() {
            let entry = usize::from(*self.table.get(slot)?);
            if entry == 0 {
                return None;
            }
            if self.fields.get(entry - 1).is_some_and(|f| same_name(f.0, wire)) {
                return Some(entry - 1);
            }
            slot = (slot + 1) & mask;
        }
        None
    }
}

impl Default for FieldIndex {
    fn default() -> FieldIndex {
        FieldIndex::new()
    }
}

/// `a == b` for short names, 8 bytes per step without a library call (property names are
/// mostly 5–30 bytes; `memcmp` was 5% of decoding a page).
fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    if a.len() < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let mut i = 0;
    while let (Some(x), Some(y)) =
        (a.get(i..).and_then(<[u8]>::first_chunk::<8>), b.get(i..).and_then(<[u8]>::first_chunk::<8>))
    {
        if x != y {
            return false;
        }
        i += 8;
    }
    // The last (overlapping) word covers a tail shorter than 8 bytes.
    a.last_chunk::<8>() == b.last_chunk::<8>()
}

#[doc(hidden)]
/// The static description of one generated struct.
#[derive(Debug)]
pub struct ModelInfo {
    /// Qualified OData type name, e.g. `microsoft.graph.phoneAuthenticationMethod`.
    pub odata_type: &'static str,
    /// The table of the base type, whose fields come first (the derived struct holds its base
    /// as a field and hands out the inherited fields through it).
    pub base: Option<fn() -> &'static ModelInfo>,
    /// `(wire name, flags)` per property the type declares itself, in declaration order. Field
    /// indices count the base type's fields first (see [`ModelInfo::all_fields`]).
    pub fields: &'static [(&'static str, FieldFlags)],
    /// Wire name → field index, built on first use (see [`FieldIndex`]).
    pub index: FieldIndex,
    /// Whether encoding writes `@odata.type` (derived types whose base is used
    /// polymorphically).
    pub writes_odata_type: bool,
}

impl ModelInfo {
    /// Every field, inherited ones first (root type first): the position is the field index.
    pub fn all_fields(&self) -> &[(&'static str, FieldFlags)] {
        self.lookup().fields
    }

    /// The built index over [`ModelInfo::all_fields`].
    fn lookup(&self) -> FieldLookup<'_> {
        self.index.lookup_with(|| {
            let mut all = self.base.map(|b| b().all_fields().to_vec()).unwrap_or_default();
            all.extend_from_slice(self.fields);
            all.into_boxed_slice()
        })
    }

    /// Field index for a wire name.
    pub fn index_of(&self, wire: &str) -> Option<usize> {
        self.lookup().find(wire)
    }

    /// The wire name of field `index`.
    pub fn wire_name(&self, index: usize) -> Option<&'static str> {
        self.all_fields().get(index).map(|f| f.0)
    }

    /// Whether field `index` has a [`FieldFlags`] flag.
    pub fn has_flag(&self, index: usize, flag: FieldFlags) -> bool {
        self.all_fields().get(index).is_some_and(|f| f.1.contains(flag))
    }
}

/// A field of a model seen through the table: an `Option<T>` where `T: Codec`.
pub trait Field: fmt::Debug + Any {
    /// Decodes a non-null value into the field.
    fn decode_into(&mut self, r: &mut Reader<'_>) -> Result<(), DecodeError>;
    /// Encodes the value; only called when [`Field::is_set`].
    fn encode_value(&self, w: &mut Writer);

    /// Whether the field holds a value.
    fn is_set(&self) -> bool;
    /// Clears the field.
    fn clear(&mut self);
    /// Equality with another field of the same type (false for a different type).
    fn eq_field(&self, other: &dyn Field) -> bool;
    /// The field as `Any`, for [`Field::eq_field`].
    fn as_any(&self) -> &dyn Any;
    /// The declared type of the value, for warnings ([`Codec::declared_type`]).
    fn declared_type(&self) -> String {
        String::from("the declared type")
    }
}

impl<T: Codec + fmt::Debug + PartialEq + 'static> Field for Option<T> {
    fn decode_into(&mut self, r: &mut Reader<'_>) -> Result<(), DecodeError> {
        *self = Some(T::decode(r)?);
        Ok(())
    }
    fn encode_value(&self, w: &mut Writer) {
        match self {
            Some(v) => v.encode(w),
            None => w.null(),
        }
    }
    fn is_set(&self) -> bool {
        self.is_some()
    }
    fn clear(&mut self) {
        *self = None;
    }
    fn eq_field(&self, other: &dyn Field) -> bool {
        other.as_any().downcast_ref::<Option<T>>().is_some_and(|o| o == self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn declared_type(&self) -> String {
        T::declared_type()
    }
}

/// Implemented by every generated struct.
pub trait Model: fmt::Debug + Send + Sync + 'static {
    /// The static table of this type.
    fn info() -> &'static ModelInfo
    where
        Self: Sized;
    /// The static table of this type, through a trait object.
    fn model_info(&self) -> &'static ModelInfo;
    /// Field `index` of [`ModelInfo::fields`].
    fn field(&self, index: usize) -> Option<&dyn Field>;
    /// Field `index` of [`ModelInfo::fields`], mutably.
    fn field_mut(&mut self, index: usize) -> Option<&mut dyn Field>;
    /// Unknown properties, annotations and explicit nulls.
    fn additional_data(&self) -> &AdditionalData;
    /// Unknown properties, annotations and explicit nulls, mutably.
    fn additional_data_mut(&mut self) -> &mut AdditionalData;
}

/// What a model holds besides its typed fields: properties the schema does not know,
/// instance annotations (`@odata.type`, `@odata.etag`, `property@odata.nextLink`, ...) and the
/// names of known properties that were (or should be sent as) an explicit `null`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdditionalData {
    values: BTreeMap<String, serde_json::Value>,
    /// Sorted, no duplicates; a decoded null borrows its wire name from the static table.
    nulls: Vec<Cow<'static, str>>,
}

impl AdditionalData {
    /// An unknown property or annotation by its wire name.
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.values.get(key)
    }

    /// Sets an unknown property or annotation.
    pub fn insert(&mut self, key: impl Into<String>, value: serde_json::Value) -> Option<serde_json::Value> {
        self.values.insert(key.into(), value)
    }

    /// Removes an unknown property or annotation.
    pub fn remove(&mut self, key: &str) -> Option<serde_json::Value> {
        self.values.remove(key)
    }

    /// All unknown properties and annotations, ordered by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &serde_json::Value)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of unknown properties and annotations.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// No unknown properties, annotations or explicit nulls.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.nulls.is_empty()
    }

    /// `@odata.type` as received (with its leading `#`).
    pub fn odata_type(&self) -> Option<&str> {
        self.values.get("@odata.type").and_then(|v| v.as_str())
    }

    /// `@odata.etag` as received.
    pub fn odata_etag(&self) -> Option<&str> {
        self.values.get("@odata.etag").and_then(|v| v.as_str())
    }

    /// Wire names of known properties that hold an explicit `null`.
    pub fn nulls(&self) -> impl Iterator<Item = &str> {
        self.nulls.iter().map(|n| &**n)
    }

    /// Marks a known property (by wire name) to be written as an explicit `null` while its
    /// field is `None` — how a PATCH clears a value.
    pub fn set_null(&mut self, wire_name: impl Into<String>) {
        self.mark_null(Cow::Owned(wire_name.into()));
    }

    fn mark_null(&mut self, wire_name: Cow<'static, str>) {
        if let Err(at) = self.nulls.binary_search(&wire_name) {
            self.nulls.insert(at, wire_name);
        }
    }

    /// Whether a known property is marked as explicit `null`.
    pub fn is_null(&self, wire_name: &str) -> bool {
        self.null_position(wire_name).is_ok()
    }

    /// Forgets an explicit-`null` mark.
    pub fn unset_null(&mut self, wire_name: &str) -> bool {
        match self.null_position(wire_name) {
            Ok(at) => {
                self.nulls.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    fn null_position(&self, wire_name: &str) -> Result<usize, usize> {
        self.nulls.binary_search_by(|n| (**n).cmp(wire_name))
    }
}

/// Decodes a JSON object into `model`, overwriting fields that are present.
pub fn decode_model(model: &mut dyn Model, r: &mut Reader<'_>) -> Result<(), DecodeError> {
    let info = model.model_info();
    let fields = info.lookup();
    let mut seen_odata_type = false;
    // Whether a value was kept aside in `additional_data` (lenient decoding) in this object.
    let mut kept_aside = false;
    let mut after = 0;
    r.begin_object()?;
    while let Some(key) = r.next_key()? {
        if let Some(index) = fields.find_after(after, &key) {
            after = index + 1;
            if r.read_null()? {
                if let Some(f) = model.field_mut(index) {
                    f.clear();
                }
                if kept_aside {
                    model.additional_data_mut().remove(&key);
                }
                let wire = info.wire_name(index).map_or_else(|| Cow::Owned(key.into_owned()), Cow::Borrowed);
                model.additional_data_mut().mark_null(wire);
                continue;
            }
            if let Some(f) = model.field_mut(index) {
                let mark = r.mark();
                match f.decode_into(r) {
                    Ok(()) => {
                        if kept_aside {
                            // A duplicate key: the value that fits wins, as the last one would.
                            model.additional_data_mut().remove(&key);
                        }
                    }
                    Err(e) if !r.is_lenient() || e.is_fatal() => return Err(e.in_key(&key)),
                    Err(e) => {
                        // Lenient: a value that is valid JSON but not of the declared type is
                        // kept as received, beside the field (left `None`), with a warning.
                        let declared = f.declared_type();
                        f.clear();
                        r.reset(mark);
                        // Not valid JSON (or too deep): that error, and no enclosing model
                        // tries again.
                        let value = r.read_json_value().map_err(|e| e.into_fatal().in_key(&key))?;
                        if !r.kept_exactly(mark, &value) {
                            // An integer beyond 64 bits would be written back as a float:
                            // not kept, the decode fails as before.
                            return Err(e.into_fatal().in_key(&key));
                        }
                        r.warn(mark, declared);
                        let extra = model.additional_data_mut();
                        extra.unset_null(&key);
                        extra.insert(key.into_owned(), value);
                        kept_aside = true;
                    }
                }
                continue;
            }
            // A property whose field is compiled out (its API area's feature is off) is kept
            // like an unknown one.
        } else if key == "@odata.type" {
            // `@odata.type` picks the variant of a polymorphic value (from its first occurrence)
            // and is kept for encoding (the last one would win): a second one makes the type
            // ambiguous and the value would change type in a round trip.
            if seen_odata_type {
                // Fatal: a value kept aside with its duplicate collapsed would decode next time.
                let ambiguous = r.error("duplicate `@odata.type` annotation: the object's type is ambiguous");
                return Err(ambiguous.into_fatal().in_key(&key));
            }
            seen_odata_type = true;
        }
        let value = r.read_json_value().map_err(|e| e.in_key(&key))?;
        model.additional_data_mut().insert(key.into_owned(), value);
    }
    Ok(())
}

/// What to write when encoding a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodeMode {
    /// Everything the value holds.
    Full,
    /// A request body for create/update: computed (read-only) properties are left out.
    Request,
}

/// Encodes `model` as a JSON object.
///
/// Order: `@odata.type` (as kept from decoding, else when the table asks for one or
/// `force_odata_type`), the other annotations (`@…` keys), the known properties in table order
/// (set ones, and explicit nulls), then unknown properties.
///
/// `EncodeMode::Request` applies to nested models too: while it is in effect the writer is in
/// request-body mode ([`Writer::is_request_body`]), which nested `Codec::encode` calls (always
/// `EncodeMode::Full`) inherit.
pub fn encode_model(model: &dyn Model, w: &mut Writer, mode: EncodeMode, force_odata_type: bool) {
    let request = mode == EncodeMode::Request || w.is_request_body();
    let outer = w.set_request_body(request);
    let mode = if request { EncodeMode::Request } else { EncodeMode::Full };
    let info = model.model_info();
    let extra = model.additional_data();
    w.begin_object();
    // `@odata.type` always comes first, whether kept from the decoded value or written from the
    // table, so that a value encodes the same before and after a round trip (kept annotations
    // are otherwise written in name order, which would put `@odata.context` before it).
    if let Some(kept) = extra.get("@odata.type") {
        w.key("@odata.type");
        w.json_value(kept);
    } else if info.writes_odata_type || force_odata_type {
        w.key("@odata.type");
        let mut t = String::with_capacity(info.odata_type.len() + 1);
        t.push('#');
        t.push_str(info.odata_type);
        w.string(&t);
    }
    let keep = |k: &str| !request || sendable_in_request(k);
    for (k, v) in extra.values.iter().filter(|(k, _)| k.starts_with('@') && k.as_str() != "@odata.type" && keep(k)) {
        w.key(k);
        w.json_value(v);
    }
    // Explicit nulls by field index, in table order: one check per field instead of a name
    // search for every unset field (no allocation when there are none).
    let mut null_fields: Vec<usize> = Vec::new();
    if !extra.nulls.is_empty() {
        let lookup = info.lookup();
        null_fields.extend(extra.nulls.iter().filter_map(|n| lookup.find(n)));
        null_fields.sort_unstable();
    }
    let mut nulls = null_fields.iter().copied().peekable();
    for (index, &(wire, flags)) in info.all_fields().iter().enumerate() {
        let null = nulls.next_if_eq(&index).is_some();
        if mode == EncodeMode::Request && flags.contains(FieldFlags::COMPUTED) {
            continue;
        }
        let Some(f) = model.field(index) else { continue };
        if f.is_set() {
            w.key(wire);
            f.encode_value(w);
        } else if null {
            w.key(wire);
            w.null();
        }
    }
    // Unknown properties, and values of known ones kept aside by lenient decoding (written
    // back as received, unless the field has a value now, or the property is computed and
    // this is a request body).
    let shadowed = |k: &str| {
        info.lookup().find(k).is_some_and(|index| {
            model.field(index).is_some_and(|f| f.is_set())
                || (mode == EncodeMode::Request && info.has_flag(index, FieldFlags::COMPUTED))
        })
    };
    for (k, v) in extra.values.iter().filter(|(k, _)| !k.starts_with('@') && keep(k) && !shadowed(k)) {
        w.key(k);
        w.json_value(v);
    }
    w.end_object();
    w.set_request_body(outer);
}

/// Which kept annotations belong in a request body: `@odata.type`, `@odata.id` and
/// `property@odata.bind` (how Graph links references on create). Response-only annotations
/// (`@odata.context`, `@odata.etag`, `x@odata.navigationLink`, ...) are left out; unknown plain
/// properties (directory extensions, open-type properties) are sent.
fn sendable_in_request(key: &str) -> bool {
    match key.find('@') {
        None => true,
        Some(0) => key == "@odata.type" || key == "@odata.id",
        Some(_) => key.ends_with("@odata.bind"),
    }
}

/// Encodes a model as a request body: computed (read-only) properties, at any depth, and
/// response-only annotations are left out.
pub fn to_request_body(model: &dyn Model) -> String {
    let mut w = Writer::with_capacity(256);
    encode_model(model, &mut w, EncodeMode::Request, false);
    w.into_string()
}

/// The wire string of an enum member this version of the SDK does not know: the payload of
/// every generated enum's `Unrecognized` variant.
///
/// Only the codec makes one, when a string that is not one of the enum's members is decoded or
/// parsed, so an `Unrecognized` value never stands in for a known member: `"mobile"` always
/// becomes `AuthenticationPhoneType::Mobile`, never `Unrecognized`. Read it with
/// [`as_str`](UnrecognizedValue::as_str) or `Display`.
///
/// ```
/// use msgraph_codec::model::UnrecognizedValue;
///
/// #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
/// pub enum Shade {
///     Light,
///     Unrecognized(UnrecognizedValue),
/// }
/// msgraph_codec::__private::impl_enum!(Shade, Unrecognized, [0 => Light = "light"]);
///
/// assert_eq!("light".parse::<Shade>(), Ok(Shade::Light));
/// match "ultraviolet".parse::<Shade>() {
///     Ok(Shade::Unrecognized(v)) => assert_eq!(v.as_str(), "ultraviolet"),
///     other => panic!("{other:?}"),
/// }
/// ```
///
/// Nothing outside the codec can construct one, so a known member cannot be faked: there is no
/// `From<&str>` or `From<String>`, the field is private and so is the constructor.
///
/// ```compile_fail,E0277
/// # use msgraph_codec::model::UnrecognizedValue;
/// # #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
/// # pub enum Shade {
/// #     Light,
/// #     Unrecognized(UnrecognizedValue),
/// # }
/// # msgraph_codec::__private::impl_enum!(Shade, Unrecognized, [0 => Light = "light"]);
/// let fake = Shade::Unrecognized("light".into());
/// ```
///
/// ```compile_fail,E0423
/// use msgraph_codec::model::UnrecognizedValue;
///
/// let fake = UnrecognizedValue("light".to_string());
/// ```
///
/// ```compile_fail,E0624
/// use msgraph_codec::model::UnrecognizedValue;
///
/// let fake = UnrecognizedValue::new("light".to_string());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnrecognizedValue(String);

impl UnrecognizedValue {
    /// Only [`enum_from_wire`] calls this, for a string that matches no member.
    fn new(value: String) -> UnrecognizedValue {
        UnrecognizedValue(value)
    }

    /// The wire string, as received.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for UnrecognizedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for UnrecognizedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for UnrecognizedValue {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for UnrecognizedValue {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for UnrecognizedValue {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// Implemented by every generated enum; gives the shared helpers what they need.
pub trait EnumValue: Sized + Clone + fmt::Debug {
    /// Wire names of the members, by member index.
    const MEMBERS: &'static [&'static str];
    /// The member at `index` of [`EnumValue::MEMBERS`].
    fn from_index(index: usize) -> Option<Self>;
    /// The `Unrecognized` variant holding a string that matches no member (only the codec can
    /// make an [`UnrecognizedValue`]).
    fn unknown(value: UnrecognizedValue) -> Self;
    /// The wire name of this value.
    fn wire_name(&self) -> &str;
}

#[doc(hidden)]
/// Maps a wire string to an enum value: exact match, then ASCII case-insensitive match (some
/// Graph services send `"Organization"` for `organization`), else the unknown variant holding the
/// original string. Never fails.
pub fn enum_from_wire<E: EnumValue>(s: &str) -> E {
    let exact = E::MEMBERS.iter().position(|m| *m == s);
    let found = exact.or_else(|| E::MEMBERS.iter().position(|m| m.eq_ignore_ascii_case(s)));
    match found.and_then(E::from_index) {
        Some(v) => v,
        None => E::unknown(UnrecognizedValue::new(s.to_string())),
    }
}

#[doc(hidden)]
/// Reads an enum member from a JSON string.
pub fn decode_enum<E: EnumValue>(r: &mut Reader<'_>) -> Result<E, DecodeError> {
    let s = r.read_str()?;
    Ok(enum_from_wire(&s))
}

/// A set of flags-enum members (`IsFlags="true"`), written as comma-separated member names
/// (`"sms,voice"`). Keeps insertion order and unknown members.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Flags<E> {
    members: Vec<E>,
}

impl<E> Default for Flags<E> {
    fn default() -> Self {
        Flags { members: Vec::new() }
    }
}

impl<E: EnumValue + PartialEq> Flags<E> {
    /// An empty set.
    pub fn new() -> Self {
        Flags { members: Vec::new() }
    }

    /// Adds a member (no duplicates).
    pub fn insert(&mut self, member: E) -> bool {
        if self.members.contains(&member) {
            false
        } else {
            self.members.push(member);
            true
        }
    }

    /// Whether the set contains `member`.
    pub fn contains(&self, member: &E) -> bool {
        self.members.contains(member)
    }

    /// Removes a member.
    pub fn remove(&mut self, member: &E) -> bool {
        let before = self.members.len();
        self.members.retain(|m| m != member);
        before != self.members.len()
    }

    /// The members in order.
    pub fn iter(&self) -> std::slice::Iter<'_, E> {
        self.members.iter()
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// No members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Parses `"a,b"` (spaces around names are ignored; empty string is the empty set).
    pub fn parse(s: &str) -> Self {
        let mut set = Flags::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            set.insert(enum_from_wire(part));
        }
        set
    }
}

impl<E: EnumValue> fmt::Display for Flags<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, m) in self.members.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(m.wire_name())?;
        }
        Ok(())
    }
}

impl<E: fmt::Debug> fmt::Debug for Flags<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.members.iter()).finish()
    }
}

impl<E: EnumValue + PartialEq> FromIterator<E> for Flags<E> {
    fn from_iter<I: IntoIterator<Item = E>>(iter: I) -> Self {
        let mut set = Flags::new();
        for m in iter {
            set.insert(m);
        }
        set
    }
}

impl<E: EnumValue + PartialEq> Codec for Flags<E> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let s = r.read_str()?;
        Ok(Flags::parse(&s))
    }
    fn encode(&self, w: &mut Writer) {
        w.string(&self.to_string());
    }
}

// ---- Codec for primitives -------------------------------------------------------------------

impl Codec for String {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.read_str().map(Cow::into_owned)
    }
    fn declared_type() -> String {
        "Edm.String".into()
    }
    fn encode(&self, w: &mut Writer) {
        w.string(self);
    }
}

impl Codec for bool {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.read_bool()
    }
    fn declared_type() -> String {
        "Edm.Boolean".into()
    }
    fn encode(&self, w: &mut Writer) {
        w.bool(*self);
    }
}

/// Reads an integer from a JSON number or (IEEE754Compatible) numeric string.
fn read_integer(r: &mut Reader<'_>, edm: &str) -> Result<i64, DecodeError> {
    let start = r.offset();
    let text: Cow<'_, str> = match r.peek()? {
        Token::String => r.read_str()?,
        Token::Number => Cow::Borrowed(r.read_number_text()?),
        _ => return Err(r.type_error(&format!("{edm} (an integer)"))),
    };
    text.trim()
        .parse::<i64>()
        .map_err(|_| DecodeError::new(start, format!("invalid {edm}: {text:?} is not an integer in range")))
}

macro_rules! int_codec {
    ($($t:ty => $edm:literal),*) => {$(
        impl Codec for $t {
            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                let start = r.offset();
                let v = read_integer(r, $edm)?;
                <$t>::try_from(v).map_err(|_| DecodeError::new(start, format!("invalid {}: {} is out of range", $edm, v)))
            }
            fn encode(&self, w: &mut Writer) {
                w.i64(i64::from(*self));
            }
            fn declared_type() -> String {
                $edm.into()
            }
        }
    )*};
}

int_codec!(i8 => "Edm.SByte", u8 => "Edm.Byte", i16 => "Edm.Int16", i32 => "Edm.Int32", i64 => "Edm.Int64");

fn read_float(r: &mut Reader<'_>) -> Result<f64, DecodeError> {
    let start = r.offset();
    match r.peek()? {
        Token::Number => {
            let t = r.read_number_text()?;
            t.parse::<f64>().map_err(|_| DecodeError::new(start, format!("invalid number {t}")))
        }
        Token::String => {
            let s = r.read_str()?;
            match &*s {
                "NaN" => Ok(f64::NAN),
                "INF" | "Infinity" => Ok(f64::INFINITY),
                "-INF" | "-Infinity" => Ok(f64::NEG_INFINITY),
                other => other
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| DecodeError::new(start, format!("invalid floating-point value {other:?}"))),
            }
        }
        _ => Err(r.type_error("a number")),
    }
}

impl Codec for f64 {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        read_float(r)
    }
    fn declared_type() -> String {
        "Edm.Double".into()
    }
    fn encode(&self, w: &mut Writer) {
        w.f64(*self);
    }
}

impl Codec for f32 {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        #[allow(clippy::cast_possible_truncation)]
        read_float(r).map(|v| v as f32)
    }
    fn declared_type() -> String {
        "Edm.Single".into()
    }
    fn encode(&self, w: &mut Writer) {
        if self.is_finite() {
            // The shortest text that reads back as this f32 (`0.1`), not the f64 widening of
            // it (`0.10000000149011612`). `{:?}` writes `1.0` / `1e-7`: both valid JSON.
            w.raw(&format!("{self:?}"));
        } else {
            w.f64(f64::from(*self));
        }
    }
}

impl Codec for Decimal {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.offset();
        let text: Cow<'_, str> = match r.peek()? {
            Token::Number => Cow::Borrowed(r.read_number_text()?),
            Token::String => r.read_str()?,
            _ => return Err(r.type_error("Edm.Decimal (a number)")),
        };
        text.parse::<Decimal>().map_err(|e| DecodeError::new(start, e.to_string()))
    }
    fn declared_type() -> String {
        "Edm.Decimal".into()
    }
    fn encode(&self, w: &mut Writer) {
        w.raw(self.as_str());
    }
}

/// Codec for types carried as JSON strings and parsed with `FromStr`.
macro_rules! string_codec {
    ($($t:ident),*) => {$(
        impl Codec for $t {
            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                let start = r.offset();
                let s = r.read_str()?;
                s.parse::<$t>().map_err(|e| DecodeError::new(start, e.to_string()))
            }
            fn declared_type() -> String {
                concat!("Edm.", stringify!($t)).into()
            }
            fn encode(&self, w: &mut Writer) {
                // Their text is ASCII with nothing to escape (digits, `-:.TZPYMWDHS`, base64).
                w.plain_string(self);
            }
        }
    )*};
}

string_codec!(DateTimeOffset, TimeOfDay, Duration, Binary);

impl Codec for Date {
    /// A date; lenient decoding also accepts a timestamp at midnight UTC
    /// (`"2001-01-01T00:00:00Z"`, `"…T00:00:00.000Z"`, `"…T00:00:00+00:00"`), a form Graph sends
    /// for some `Edm.Date` properties: the date part is the value (unambiguous; any other time
    /// or offset is kept aside as not a date).
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.offset();
        let s = r.read_str()?;
        s.parse::<Date>().or_else(|e| {
            let midnight = r.is_lenient().then(|| midnight_utc_date(&s)).flatten();
            midnight.ok_or_else(|| DecodeError::new(start, e.to_string()))
        })
    }
    fn encode(&self, w: &mut Writer) {
        w.plain_string(self);
    }
    fn declared_type() -> String {
        "Edm.Date".into()
    }
}

/// The date of a timestamp at exactly midnight UTC.
fn midnight_utc_date(s: &str) -> Option<Date> {
    let (date, time) = s.split_once('T')?;
    let time = time.strip_suffix('Z').or_else(|| time.strip_suffix("+00:00"))?;
    let rest = time.strip_prefix("00:00")?;
    let zero = match rest.strip_prefix(":00") {
        Some(seconds) => {
            seconds.is_empty()
                || seconds.strip_prefix('.').is_some_and(|f| !f.is_empty() && f.bytes().all(|b| b == b'0'))
        }
        None => rest.is_empty(),
    };
    if zero {
        date.parse::<Date>().ok()
    } else {
        None
    }
}

impl Codec for Guid {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.offset();
        let s = r.read_str()?;
        Guid::try_parse(&s).map_err(|_| DecodeError::new(start, format!("invalid Edm.Guid {s:?}")))
    }
    fn declared_type() -> String {
        "Edm.Guid".into()
    }
    fn encode(&self, w: &mut Writer) {
        w.plain_string(&self.hyphenated());
    }
}

impl Codec for serde_json::Value {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.read_json_value()
    }
    fn declared_type() -> String {
        "any JSON value".into()
    }
    fn encode(&self, w: &mut Writer) {
        w.json_value(self);
    }
}

impl<T: Codec> Codec for Vec<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.begin_array()?;
        let mut out = Vec::new();
        while r.next_element()? {
            let i = out.len();
            out.push(T::decode(r).map_err(|e| e.in_index(i))?);
        }
        Ok(out)
    }
    fn encode(&self, w: &mut Writer) {
        w.begin_array();
        for v in self {
            v.encode(w);
        }
        w.end_array();
    }
    fn declared_type() -> String {
        format!("Collection({})", T::declared_type())
    }
}

impl<T: Codec> Codec for Box<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        T::decode(r).map(Box::new)
    }
    fn encode(&self, w: &mut Writer) {
        (**self).encode(w);
    }
    fn declared_type() -> String {
        T::declared_type()
    }
}

impl<T: Codec> Codec for Option<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        if r.read_null()? {
            Ok(None)
        } else {
            T::decode(r).map(Some)
        }
    }
    fn encode(&self, w: &mut Writer) {
        match self {
            Some(v) => v.encode(w),
            None => w.null(),
        }
    }
    fn declared_type() -> String {
        T::declared_type()
    }
}

// ---- serde interop --------------------------------------------------------------------------

#[doc(hidden)]
/// `serde::Serialize` for generated types, through the model codec (generated impls call this).
///
/// Goes through `serde_json::Value`, so it works with any serde format; `Edm.Decimal` values
/// beyond f64 precision lose digits on this path only (the crate's own codec keeps them).
pub fn serde_serialize<T: Codec, S: serde::Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    use serde::ser::Error as _;
    use serde::Serialize as _;
    let text = crate::json::to_string(value);
    let v: serde_json::Value = serde_json::from_str(&text).map_err(S::Error::custom)?;
    v.serialize(serializer)
}

#[doc(hidden)]
/// `serde::Deserialize` for generated types, through the model codec (generated impls call
/// this). Accepts any self-describing serde format.
pub fn serde_deserialize<'de, T: Codec, D: serde::Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    use serde::de::Error as _;
    use serde::Deserialize as _;
    let v = serde_json::Value::deserialize(deserializer)?;
    let text = serde_json::to_string(&v).map_err(D::Error::custom)?;
    crate::json::from_str(&text).map_err(D::Error::custom)
}

#[doc(hidden)]
/// Decodes a new model of type `T` (generated `Codec::decode` impls call this).
pub fn decode_new<T: Model + Default>(r: &mut Reader<'_>) -> Result<T, DecodeError> {
    let mut m = T::default();
    decode_model(&mut m, r)?;
    Ok(m)
}

#[doc(hidden)]
/// Decodes a new model of type `T` straight into a `Box` (the variants of generated `…Kind`
/// enums): the value lives on the heap while its fields decode, so the stack holds no copy of it
/// at any nesting level (a large entity such as `User` is kilobytes; debug builds keep every
/// copy a by-value decode makes).
pub fn decode_boxed<T: Model + Default>(r: &mut Reader<'_>) -> Result<Box<T>, DecodeError> {
    let mut m = new_boxed::<T>();
    decode_model(&mut *m, r)?;
    Ok(m)
}

/// `Box::default()` in a frame of its own, which is gone before decoding recurses (the default
/// value may be built on the stack first).
#[inline(never)]
fn new_boxed<T: Default>() -> Box<T> {
    Box::default()
}

#[doc(hidden)]
/// The `@odata.type` of the object that starts at the reader's position, without the leading
/// `#` (e.g. `microsoft.graph.phoneAuthenticationMethod`); nothing is consumed.
pub fn peek_odata_type<'a>(r: &mut Reader<'a>) -> Result<Option<Cow<'a, str>>, DecodeError> {
    if r.peek()? != Token::Object {
        return Err(r.type_error("an object"));
    }
    // A malformed object (syntax error, too deep) fails the look-ahead scan. Report nothing
    // here: decoding the object as the base type then fails on the same problem (decoding is at
    // least as strict as skipping), with the JSON path of the offending member.
    let Ok(found) = r.peek_object_member("@odata.type") else { return Ok(None) };
    Ok(found.map(|t| match t {
        Cow::Borrowed(s) => Cow::Borrowed(s.strip_prefix('#').unwrap_or(s)),
        Cow::Owned(s) => Cow::Owned(s.strip_prefix('#').unwrap_or(&s).to_string()),
    }))
}

#[doc(hidden)]
/// `serde::Deserialize` for generated enums: any string; never fails on unknown members.
pub fn serde_deserialize_enum<'de, E: EnumValue, D: serde::Deserializer<'de>>(deserializer: D) -> Result<E, D::Error> {
    use serde::Deserialize as _;
    let s = Cow::<'de, str>::deserialize(deserializer)?;
    Ok(enum_from_wire(&s))
}

#[doc(hidden)]
/// `Debug` for generated structs: the type name and the fields that hold a value (by wire
/// name), then unknown properties and explicit nulls when there are any.
pub fn debug_model(model: &dyn Model, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let info = model.model_info();
    let name = info.odata_type.rsplit('.').next().unwrap_or(info.odata_type);
    let mut s = f.debug_struct(name);
    for (index, &(wire, _)) in info.all_fields().iter().enumerate() {
        if let Some(field) = model.field(index).filter(|f| f.is_set()) {
            s.field(wire, field);
        }
    }
    let extra = model.additional_data();
    if !extra.is_empty() {
        s.field("additional_data", extra);
    }
    s.finish_non_exhaustive()
}

#[doc(hidden)]
/// `PartialEq` for generated structs: every field and the additional data are equal.
pub fn model_eq(a: &dyn Model, b: &dyn Model) -> bool {
    let info = a.model_info();
    if !std::ptr::eq(info, b.model_info()) {
        return false;
    }
    (0..info.all_fields().len()).all(|i| match (a.field(i), b.field(i)) {
        (Some(x), Some(y)) => x.eq_field(y),
        (None, None) => true,
        _ => false,
    }) && a.additional_data() == b.additional_data()
}

/// A value usable as an operation parameter: anything the model codec can encode (an
/// `Option<T>` that is `None` is written as `null`, or left out when the parameter is optional).
pub trait Param {
    /// Writes the JSON value.
    fn write_param(&self, w: &mut Writer);
}

impl<T: Codec> Param for T {
    fn write_param(&self, w: &mut Writer) {
        self.encode(w);
    }
}

impl Param for &str {
    fn write_param(&self, w: &mut Writer) {
        w.string(self);
    }
}

impl Param for Option<&str> {
    fn write_param(&self, w: &mut Writer) {
        match self {
            Some(s) => w.string(s),
            None => w.null(),
        }
    }
}

/// `()` as a value: decoding accepts and skips any JSON value; encoding writes `null`.
impl Codec for () {
    fn decode(r: &mut Reader<'_>) -> Result<(), DecodeError> {
        r.skip_value()
    }
    fn encode(&self, w: &mut Writer) {
        w.null();
    }
}

#[cfg(test)]
mod request_body_tests {
    use super::sendable_in_request;

    #[test]
    fn response_annotations_stay_out_of_requests() {
        assert!(sendable_in_request("displayName"));
        assert!(sendable_in_request("extension_abc_custom"));
        assert!(sendable_in_request("@odata.type"));
        assert!(sendable_in_request("@odata.id"));
        assert!(sendable_in_request("members@odata.bind"));
        assert!(!sendable_in_request("@odata.context"));
        assert!(!sendable_in_request("@odata.etag"));
        assert!(!sendable_in_request("manager@odata.navigationLink"));
        assert!(!sendable_in_request("photo@odata.mediaReadLink"));
    }
}

#[cfg(test)]
mod field_index_tests {
    use super::{FieldFlags, FieldIndex};

    #[test]
    fn finds_every_name_and_only_those() {
        let names: Vec<String> = (0..300).map(|i| format!("property{i}")).collect();
        let fields: Vec<(&'static str, FieldFlags)> =
            names.iter().map(|n| (&*Box::leak(n.clone().into_boxed_str()), FieldFlags::NONE)).collect();
        let fields: &'static [(&'static str, FieldFlags)] = Box::leak(fields.into_boxed_slice());
        let index = FieldIndex::new();
        for (i, n) in names.iter().enumerate() {
            assert_eq!(index.find(fields, n), Some(i), "{n}");
        }
        for missing in ["", "property", "property300", "Property1", "property1 "] {
            assert_eq!(index.find(fields, missing), None, "{missing:?}");
        }
    }

    #[test]
    fn guesses_from_the_last_order_are_checked() {
        static FIELDS: &[(&str, FieldFlags)] = &[
            ("id", FieldFlags::NONE),
            ("displayName", FieldFlags::NONE),
            ("mail", FieldFlags::NONE),
            ("surname", FieldFlags::NONE),
        ];
        let index = FieldIndex::new();
        let lookup = index.lookup(FIELDS);
        // First object: mail, id; the second in another order: every answer is still right.
        assert_eq!(lookup.find_after(0, "mail"), Some(2));
        assert_eq!(lookup.find_after(3, "id"), Some(0));
        assert_eq!(lookup.find_after(0, "mail"), Some(2)); // the guess
        assert_eq!(lookup.find_after(0, "surname"), Some(3)); // a wrong guess, then the hash
        assert_eq!(lookup.find_after(3, "displayName"), Some(1));
        assert_eq!(lookup.find_after(3, "mai"), None);
        assert_eq!(lookup.find_after(3, "displayName"), Some(1));
        assert_eq!(lookup.find_after(99, "id"), None); // out of range: no panic
    }

    #[test]
    fn duplicates_resolve_to_the_first_and_empty_tables_find_nothing() {
        let dup: &'static [(&'static str, FieldFlags)] =
            &[("a", FieldFlags::NONE), ("b", FieldFlags::NONE), ("a", FieldFlags::NONE)];
        assert_eq!(FieldIndex::new().find(dup, "a"), Some(0));
        assert_eq!(FieldIndex::new().find(dup, "b"), Some(1));
        assert_eq!(FieldIndex::new().find(&[], "a"), None);
    }
}
