//! Small columnar builders for the nested shapes our tables use (flat string
//! structs, lists of string structs), building arrays that match the catalog
//! schema exactly.

use std::sync::Arc;

use datafusion::arrow::array::NullBufferBuilder;
use datafusion::arrow::array::{ArrayRef, ListArray, StringBuilder, StructArray};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, FieldRef, Fields};
use datafusion::arrow::error::ArrowError;

/// Builds a struct whose children are all strings.
#[derive(Debug)]
pub struct StrStruct<const N: usize> {
    cols: [StringBuilder; N],
    nulls: NullBufferBuilder,
}

impl<const N: usize> Default for StrStruct<N> {
    fn default() -> Self {
        Self {
            cols: std::array::from_fn(|_| StringBuilder::new()),
            nulls: NullBufferBuilder::new(0),
        }
    }
}

impl<const N: usize> StrStruct<N> {
    /// Appends one struct value (`None` = NULL struct).
    pub fn append(&mut self, v: Option<[Option<&str>; N]>) {
        match v {
            Some(vals) => {
                for (c, v) in self.cols.iter_mut().zip(vals) {
                    c.append_option(v);
                }
                self.nulls.append_non_null();
            }
            None => {
                for c in &mut self.cols {
                    c.append_null();
                }
                self.nulls.append_null();
            }
        }
    }

    /// Finishes into a struct array with `fields` (must have N string fields).
    pub fn finish(&mut self, fields: &Fields) -> Result<StructArray, ArrowError> {
        let arrays: Vec<ArrayRef> = self
            .cols
            .iter_mut()
            .map(|c| Arc::new(c.finish()) as ArrayRef)
            .collect();
        StructArray::try_new(fields.clone(), arrays, self.nulls.finish())
    }
}

/// Builds a list of string structs (CloudTrail `resources`).
#[derive(Debug)]
pub struct StrStructList<const N: usize> {
    items: StrStruct<N>,
    offsets: Vec<i32>,
    nulls: NullBufferBuilder,
}

impl<const N: usize> Default for StrStructList<N> {
    fn default() -> Self {
        Self {
            items: StrStruct::default(),
            offsets: vec![0],
            nulls: NullBufferBuilder::new(0),
        }
    }
}

impl<const N: usize> StrStructList<N> {
    /// Appends one list (`None` = NULL list).
    pub fn append<'a>(&mut self, list: Option<impl Iterator<Item = [Option<&'a str>; N]>>) {
        let mut last = *self.offsets.last().unwrap_or(&0);
        match list {
            Some(items) => {
                for item in items {
                    self.items.append(Some(item));
                    last += 1;
                }
                self.nulls.append_non_null();
            }
            None => self.nulls.append_null(),
        }
        self.offsets.push(last);
    }

    /// Finishes into a list array of type `data_type` (a `List(Struct)`).
    pub fn finish(&mut self, data_type: &DataType) -> Result<ListArray, ArrowError> {
        let DataType::List(item) = data_type else {
            return Err(ArrowError::SchemaError(format!(
                "expected a list type, got {data_type}"
            )));
        };
        let DataType::Struct(fields) = item.data_type() else {
            return Err(ArrowError::SchemaError(format!(
                "expected a list of structs, got {data_type}"
            )));
        };
        let values = self.items.finish(fields)?;
        let offsets = std::mem::replace(&mut self.offsets, vec![0]);
        ListArray::try_new(
            FieldRef::clone(item),
            OffsetBuffer::new(offsets.into()),
            Arc::new(values),
            self.nulls.finish(),
        )
    }
}

/// The child fields of a struct type.
pub fn struct_fields(t: &DataType) -> Result<&Fields, ArrowError> {
    match t {
        DataType::Struct(f) => Ok(f),
        other => Err(ArrowError::SchemaError(format!(
            "expected a struct type, got {other}"
        ))),
    }
}
