//! The stored form of a [`FlatTree`]: compact and lossless, read once with validation.
//!
//! A tree is written as two fields: a layout marker ([`COMPACT`]) and the [`Compact`] body,
//! whose columns hold only what the nodes use:
//! - every node: its feature plus one (0 for a leaf, so a leaf costs one byte), where its
//!   missing values go (a bitset), its training row count, and its weight and impurity as
//!   [`Floats`];
//! - internal nodes only: the children as offsets from the node, the threshold (threshold
//!   splits) or category-set index (category splits, marked in a bitset), and the gain;
//! - values: the internal nodes' as [`Floats`], the leaves' as [`LeafValues`], a table of the
//!   distinct value vectors with an index per leaf where that is smaller (a fully grown
//!   classification forest has few distinct leaf distributions).
//!
//! [`Floats`] picks per column the smallest of three exact encodings: raw 8-byte floats,
//! integers as varints (row counts and bootstrap weights), or a 2-bit tag per value (zero,
//! a float that `f32` holds exactly, other) with the `f32`s and `f64`s apart. Every encoding
//! is bit for bit: a tree read back equals the tree written, `-0.0` and NaN payloads included.
//!
//! Files written before this layout hold the tree's fields as the derived encoding wrote them
//! (n_features first). The first field tells them apart: a legacy tree starts with its feature
//! count, which is never [`COMPACT`]. Only postcard (the model file's encoding) carries legacy
//! trees; JSON holds the compact form. Either way the tree is validated once, as it is read
//! ([`FlatTree::validate`]), so prediction never checks it again.

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{FlatTree, NONE, NodeStats};

/// The first field of a compact tree (a legacy tree's first field, its feature count, is
/// never this large).
const COMPACT: u64 = u64::MAX;

/// The largest integer every `f64` up to it represents exactly.
const MAX_EXACT_INT: f64 = 9_007_199_254_740_992.0;

/// A column of floats, encoded exactly in the smallest of three ways.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Floats {
    /// 8 bytes each.
    Raw(Vec<f64>),
    /// Non-negative integers up to 2^53 (no `-0.0`), as varints.
    Integers(Vec<u64>),
    /// A 2-bit tag per value (0: `+0.0`, 1: an `f32` holds it exactly, 2: other), four to a
    /// byte, then the `f32` values and the `f64` values in order.
    Tagged {
        len: u64,
        tags: Vec<u8>,
        narrow: Vec<f32>,
        wide: Vec<f64>,
    },
}

fn varint_len(v: u64) -> usize {
    (64 - v.max(1).leading_zeros() as usize).div_ceil(7)
}

fn is_integer(v: f64) -> bool {
    v.to_bits() != (-0.0f64).to_bits() && (0.0..=MAX_EXACT_INT).contains(&v) && v.fract() == 0.0
}

fn narrow_exact(v: f64) -> bool {
    (v as f32 as f64).to_bits() == v.to_bits()
}

impl Floats {
    fn encode(values: &[f64]) -> Floats {
        let raw = values.len() * 8;
        let ints = values
            .iter()
            .all(|&v| is_integer(v))
            .then(|| values.iter().map(|&v| varint_len(v as u64)).sum::<usize>());
        let tagged = values.len().div_ceil(4)
            + values
                .iter()
                .map(|&v| match v {
                    _ if v.to_bits() == 0 => 0,
                    _ if narrow_exact(v) => 4,
                    _ => 8,
                })
                .sum::<usize>();
        if let Some(i) = ints
            && i <= tagged
            && i <= raw
        {
            return Floats::Integers(values.iter().map(|&v| v as u64).collect());
        }
        if tagged >= raw {
            return Floats::Raw(values.to_vec());
        }
        let mut tags = vec![0u8; values.len().div_ceil(4)];
        let (mut narrow, mut wide) = (Vec::new(), Vec::new());
        for (i, &v) in values.iter().enumerate() {
            let tag = if v.to_bits() == 0 {
                0
            } else if narrow_exact(v) {
                narrow.push(v as f32);
                1
            } else {
                wide.push(v);
                2
            };
            tags[i / 4] |= tag << (2 * (i % 4));
        }
        Floats::Tagged {
            len: values.len() as u64,
            tags,
            narrow,
            wide,
        }
    }

    /// The number of values.
    fn len(&self) -> usize {
        match self {
            Floats::Raw(v) => v.len(),
            Floats::Integers(v) => v.len(),
            Floats::Tagged { len, .. } => usize::try_from(*len).unwrap_or(usize::MAX),
        }
    }

    /// The encoded size in bytes (about: lengths not counted).
    fn size(&self) -> usize {
        match self {
            Floats::Raw(v) => v.len() * 8,
            Floats::Integers(v) => v.iter().map(|&i| varint_len(i)).sum(),
            Floats::Tagged {
                tags, narrow, wide, ..
            } => tags.len() + narrow.len() * 4 + wide.len() * 8,
        }
    }

    /// The `n` values, or what is wrong with the column.
    fn decode(self, n: usize, what: &str) -> Result<Vec<f64>, String> {
        let out: Vec<f64> = match self {
            Floats::Raw(v) => v,
            Floats::Integers(v) => {
                if v.iter().any(|&i| i as f64 > MAX_EXACT_INT) {
                    return Err(format!("{what}: an integer beyond 2^53"));
                }
                v.into_iter().map(|i| i as f64).collect()
            }
            Floats::Tagged {
                len,
                tags,
                narrow,
                wide,
            } => {
                if len != n as u64 || tags.len() != n.div_ceil(4) {
                    return Err(format!("{what}: {} tag bytes for {n} values", tags.len()));
                }
                let too_few = || format!("{what}: too few values for the tags");
                let (mut a, mut b) = (0, 0);
                let mut out = vec![0.0; n];
                for (i, o) in out.iter_mut().enumerate() {
                    match tags[i / 4] >> (2 * (i % 4)) & 3 {
                        0 => {}
                        1 => {
                            *o = f64::from(*narrow.get(a).ok_or_else(too_few)?);
                            a += 1;
                        }
                        2 => {
                            *o = *wide.get(b).ok_or_else(too_few)?;
                            b += 1;
                        }
                        _ => return Err(format!("{what}: a bad tag")),
                    }
                }
                if a != narrow.len() || b != wide.len() {
                    return Err(format!("{what}: more values than tags"));
                }
                out
            }
        };
        if out.len() != n {
            return Err(format!("{what}: {} values for {n}", out.len()));
        }
        Ok(out)
    }
}

/// The leaves' values: plain, or a table of the distinct value vectors (most frequent first)
/// with an index per leaf.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum LeafValues {
    Plain(Floats),
    Table { table: Floats, index: Vec<u32> },
}

impl LeafValues {
    fn encode(values: &[f64], k: usize) -> LeafValues {
        let plain = Floats::encode(values);
        if k == 0 || values.is_empty() {
            return LeafValues::Plain(plain);
        }
        // Distinct vectors by their bits, numbered in order of first appearance, with each
        // leaf's number and each vector's count.
        // Lookups only: the table's order comes from the explicit sort below, never from the map.
        #[allow(clippy::disallowed_types)]
        let mut seen: std::collections::HashMap<Vec<u64>, usize> = std::collections::HashMap::new();
        let leaves = values.len() / k;
        let (mut firsts, mut counts, mut ids): (Vec<&[f64]>, Vec<usize>, Vec<usize>) =
            (Vec::new(), Vec::new(), Vec::with_capacity(leaves));
        for v in values.chunks(k) {
            let key: Vec<u64> = v.iter().map(|x| x.to_bits()).collect();
            let id = *seen.entry(key).or_insert_with(|| {
                firsts.push(v);
                counts.push(0);
                firsts.len() - 1
            });
            counts[id] += 1;
            ids.push(id);
        }
        if firsts.len() * 4 > leaves * 3 {
            return LeafValues::Plain(plain);
        }
        // Most frequent first (ties: first seen first), so that common leaves get 1-byte indices.
        let mut order: Vec<usize> = (0..firsts.len()).collect();
        order.sort_by(|&a, &b| counts[b].cmp(&counts[a]).then(a.cmp(&b)));
        let mut rank = vec![0u32; firsts.len()];
        for (r, &id) in order.iter().enumerate() {
            rank[id] = r as u32;
        }
        let table_values: Vec<f64> = order
            .iter()
            .flat_map(|&id| firsts[id].iter().copied())
            .collect();
        let index: Vec<u32> = ids.iter().map(|&id| rank[id]).collect();
        let table = Floats::encode(&table_values);
        let table_size = table.size()
            + index
                .iter()
                .map(|&i| varint_len(u64::from(i)))
                .sum::<usize>();
        if table_size < plain.size() {
            LeafValues::Table { table, index }
        } else {
            LeafValues::Plain(plain)
        }
    }

    fn decode(self, leaves: usize, k: usize) -> Result<Vec<f64>, String> {
        match self {
            LeafValues::Plain(f) => f.decode(leaves * k, "leaf values"),
            LeafValues::Table { table, index } => {
                let n = table.len();
                if k == 0 || !n.is_multiple_of(k) {
                    return Err(format!(
                        "leaf values: a table of {n} values for {k} per leaf"
                    ));
                }
                let table = table.decode(n, "leaf value table")?;
                if index.len() != leaves {
                    return Err(format!(
                        "leaf values: {} indices for {leaves} leaves",
                        index.len()
                    ));
                }
                let mut out = Vec::with_capacity(leaves * k);
                for &i in &index {
                    let at = i as usize * k;
                    let v = table
                        .get(at..at + k)
                        .ok_or("leaf values: an index past the table")?;
                    out.extend_from_slice(v);
                }
                Ok(out)
            }
        }
    }
}

fn bitset(bits: impl Iterator<Item = bool>) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, b) in bits.enumerate() {
        if i % 8 == 0 {
            out.push(0);
        }
        if b {
            out[i / 8] |= 1 << (i % 8);
        }
    }
    out
}

fn bit(set: &[u8], i: usize) -> bool {
    set.get(i / 8).is_some_and(|b| b >> (i % 8) & 1 == 1)
}

/// The compact body of a stored tree (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Compact {
    n_features: u64,
    n_outputs: u64,
    /// Per node: the split feature plus one, 0 for a leaf.
    feature: Vec<u32>,
    /// Per node: NaN goes left.
    missing_left: Vec<u8>,
    /// Per internal node: the left and right child, as offsets from the node.
    left: Vec<u32>,
    right: Vec<u32>,
    /// Per internal node: a category split.
    category: Vec<u8>,
    /// Per threshold split.
    threshold: Floats,
    /// Per category split: its set's index in `category_sets`.
    category_set: Vec<u32>,
    category_sets: Vec<Vec<u64>>,
    /// Per internal node.
    gain: Floats,
    /// Per node.
    n_samples: Vec<u64>,
    weight: Floats,
    impurity: Floats,
    /// Per internal node, `n_outputs` each.
    internal_values: Floats,
    /// Per leaf, `n_outputs` each.
    leaf_values: LeafValues,
}

impl Compact {
    fn of(t: &FlatTree) -> Compact {
        let n = t.n_nodes();
        let k = t.n_outputs;
        let internal: Vec<usize> = (0..n).filter(|&i| t.feature[i] != NONE).collect();
        let is_cat = |i: usize| t.category_set[i] != NONE;
        let mut internal_values = Vec::with_capacity(internal.len() * k);
        let mut leaf_values = Vec::with_capacity((n - internal.len()) * k);
        for i in 0..n {
            let v = &t.value[i * k..(i + 1) * k];
            if t.feature[i] == NONE {
                leaf_values.extend_from_slice(v);
            } else {
                internal_values.extend_from_slice(v);
            }
        }
        let column = |f: &dyn Fn(usize) -> f64, nodes: &mut dyn Iterator<Item = usize>| {
            Floats::encode(&nodes.map(f).collect::<Vec<_>>())
        };
        Compact {
            n_features: t.n_features as u64,
            n_outputs: k as u64,
            feature: t
                .feature
                .iter()
                .map(|&f| if f == NONE { 0 } else { f + 1 })
                .collect(),
            missing_left: bitset(t.missing_left.iter().copied()),
            left: internal.iter().map(|&i| t.left[i] - i as u32).collect(),
            right: internal.iter().map(|&i| t.right[i] - i as u32).collect(),
            category: bitset(internal.iter().map(|&i| is_cat(i))),
            threshold: column(
                &|i| t.threshold[i],
                &mut internal.iter().copied().filter(|&i| !is_cat(i)),
            ),
            category_set: internal
                .iter()
                .filter(|&&i| is_cat(i))
                .map(|&i| t.category_set[i])
                .collect(),
            category_sets: t.category_sets.clone(),
            gain: column(&|i| t.gain[i], &mut internal.iter().copied()),
            n_samples: t.stats.iter().map(|s| s.n_samples).collect(),
            weight: column(&|i| t.stats[i].weight, &mut (0..n)),
            impurity: column(&|i| t.stats[i].impurity, &mut (0..n)),
            internal_values: Floats::encode(&internal_values),
            leaf_values: LeafValues::encode(&leaf_values, k),
        }
    }

    fn into_tree(self) -> Result<FlatTree, String> {
        let n = self.feature.len();
        let nf = usize::try_from(self.n_features).map_err(|_| "too many features")?;
        let k = usize::try_from(self.n_outputs).map_err(|_| "too many outputs")?;
        if n >= NONE as usize {
            return Err("too many nodes".into());
        }
        let internal: Vec<usize> = (0..n).filter(|&i| self.feature[i] != 0).collect();
        let m = internal.len();
        if self.left.len() != m || self.right.len() != m {
            return Err(format!(
                "{} and {} children for {m} splits",
                self.left.len(),
                self.right.len()
            ));
        }
        if self.missing_left.len() != n.div_ceil(8) || self.category.len() != m.div_ceil(8) {
            return Err("bitsets of the wrong length".into());
        }
        if self.n_samples.len() != n {
            return Err(format!("{} row counts for {n} nodes", self.n_samples.len()));
        }
        let n_cat = (0..m).filter(|&j| bit(&self.category, j)).count();
        if self.category_set.len() != n_cat {
            return Err(format!(
                "{} set indices for {n_cat} category splits",
                self.category_set.len()
            ));
        }
        let mut thresholds = self.threshold.decode(m - n_cat, "thresholds")?.into_iter();
        let mut sets = self.category_set.into_iter();
        let gains = self.gain.decode(m, "gains")?;
        let weights = self.weight.decode(n, "weights")?;
        let impurities = self.impurity.decode(n, "impurities")?;
        let internal_values = self.internal_values.decode(m * k, "internal values")?;
        let leaf_values = self.leaf_values.decode(n - m, k)?;

        let mut t = FlatTree::new(nf, k);
        t.feature = self
            .feature
            .iter()
            .map(|&f| if f == 0 { NONE } else { f - 1 })
            .collect();
        t.threshold = vec![0.0; n];
        t.category_set = vec![NONE; n];
        t.left = vec![NONE; n];
        t.right = vec![NONE; n];
        t.missing_left = (0..n).map(|i| bit(&self.missing_left, i)).collect();
        t.gain = vec![0.0; n];
        for (j, &i) in internal.iter().enumerate() {
            let child = |off: u32| {
                u32::try_from(i)
                    .ok()
                    .and_then(|i| i.checked_add(off))
                    .ok_or_else(|| format!("node {i} has a child beyond the tree"))
            };
            t.left[i] = child(self.left[j])?;
            t.right[i] = child(self.right[j])?;
            t.gain[i] = gains[j];
            if bit(&self.category, j) {
                t.category_set[i] = sets.next().ok_or("too few set indices")?;
            } else {
                t.threshold[i] = thresholds.next().ok_or("too few thresholds")?;
            }
        }
        t.category_sets = self.category_sets;
        t.stats = (0..n)
            .map(|i| NodeStats {
                n_samples: self.n_samples[i],
                weight: weights[i],
                impurity: impurities[i],
            })
            .collect();
        let (mut iv, mut lv) = (
            internal_values.chunks(k.max(1)),
            leaf_values.chunks(k.max(1)),
        );
        t.value = Vec::with_capacity(n * k);
        if k > 0 {
            for i in 0..n {
                let v = if t.feature[i] == NONE {
                    lv.next()
                } else {
                    iv.next()
                };
                t.value.extend_from_slice(v.ok_or("too few node values")?);
            }
        }
        Ok(t)
    }
}

/// The fields of a tree as the derived encoding stored them before [`Compact`], after the
/// first (`n_features`).
#[derive(Deserialize)]
pub(crate) struct LegacyRest {
    n_outputs: usize,
    feature: Vec<u32>,
    threshold: Vec<f64>,
    category_set: Vec<u32>,
    category_sets: Vec<Vec<u64>>,
    left: Vec<u32>,
    right: Vec<u32>,
    missing_left: Vec<bool>,
    gain: Vec<f64>,
    stats: Vec<NodeStats>,
    value: Vec<f64>,
}

impl LegacyRest {
    fn into_tree(self, n_features: u64) -> Result<FlatTree, String> {
        Ok(FlatTree {
            n_features: usize::try_from(n_features).map_err(|_| "too many features")?,
            n_outputs: self.n_outputs,
            feature: self.feature,
            threshold: self.threshold,
            category_set: self.category_set,
            category_sets: self.category_sets,
            left: self.left,
            right: self.right,
            missing_left: self.missing_left,
            gain: self.gain,
            stats: self.stats,
            value: self.value,
        })
    }
}

/// The legacy layout's field names (its length bounds how many fields a reader may take).
const LEGACY_FIELDS: &[&str] = &[
    "n_features",
    "n_outputs",
    "feature",
    "threshold",
    "category_set",
    "category_sets",
    "left",
    "right",
    "missing_left",
    "gain",
    "stats",
    "value",
];

impl Serialize for FlatTree {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("FlatTree", 2)?;
        st.serialize_field("layout", &COMPACT)?;
        st.serialize_field("tree", &Compact::of(self))?;
        st.end()
    }
}

/// A tree as read from bytes, before its conversion and validation ([`TreeBody::into_tree`]):
/// a forest reads its trees this way and converts them in parallel.
pub(crate) enum TreeBody {
    Compact(Box<Compact>),
    Legacy(u64, Box<LegacyRest>),
}

impl TreeBody {
    /// The tree, validated.
    pub(crate) fn into_tree(self) -> satori_core::Result<FlatTree> {
        let t = match self {
            TreeBody::Compact(body) => body.into_tree(),
            TreeBody::Legacy(n_features, rest) => rest.into_tree(n_features),
        }
        .map_err(|e| satori_core::Error::InvalidData(format!("corrupt tree: {e}")))?;
        t.validate()?;
        Ok(t)
    }
}

struct TreeVisitor;

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = TreeBody;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a tree")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TreeBody, A::Error> {
        let first: u64 = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        if first == COMPACT {
            let body: Compact = seq
                .next_element()?
                .ok_or_else(|| de::Error::invalid_length(1, &self))?;
            Ok(TreeBody::Compact(Box::new(body)))
        } else {
            let rest: LegacyRest = seq
                .next_element()?
                .ok_or_else(|| de::Error::invalid_length(1, &self))?;
            Ok(TreeBody::Legacy(first, Box::new(rest)))
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TreeBody, A::Error> {
        let (mut layout, mut body): (Option<u64>, Option<Compact>) = (None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "layout" => layout = Some(map.next_value()?),
                "tree" => body = Some(map.next_value()?),
                other => return Err(de::Error::unknown_field(other, &["layout", "tree"])),
            }
        }
        if layout != Some(COMPACT) {
            return Err(de::Error::custom("a tree of an unknown layout"));
        }
        let body = body.ok_or_else(|| de::Error::missing_field("tree"))?;
        Ok(TreeBody::Compact(Box::new(body)))
    }
}

impl<'de> Deserialize<'de> for TreeBody {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TreeBody, D::Error> {
        d.deserialize_struct("FlatTree", LEGACY_FIELDS, TreeVisitor)
    }
}

impl<'de> Deserialize<'de> for FlatTree {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FlatTree, D::Error> {
        TreeBody::deserialize(d)?
            .into_tree()
            .map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
