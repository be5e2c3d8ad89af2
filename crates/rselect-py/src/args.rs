//! `PyArg_ParseTupleAndKeywords` for `select.kevent(...)`: the order in which
//! `CPython` converts arguments and the exact messages of its argument errors,
//! which `PyO3`'s generated parsing words differently.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::version;

/// Parses `args`/`kwargs` against `kwlist` (all positional-or-keyword, the
/// first `required` mandatory) as `vgetargskeywords` does: the count check,
/// then each parameter in order, taken by position or by name and handed to
/// `convert(index, value)` at once (so a conversion error wins over a later
/// argument error), then duplicated and unknown keywords.
///
/// # Errors
/// The `TypeError`s of `CPython`'s parser, or `convert`'s error.
pub fn parse<'py>(
    fname: &str,
    kwlist: &[&str],
    required: usize,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
    mut convert: impl FnMut(usize, &Bound<'py, PyAny>) -> PyResult<()>,
) -> PyResult<()> {
    let nargs = args.len();
    let mut nkwargs = kwargs.map_or(0, PyDictMethods::len);
    let total = nargs + nkwargs;
    if total > kwlist.len() {
        return Err(PyTypeError::new_err(format!(
            "{fname}() takes at most {} {}argument{} ({total} given)",
            kwlist.len(),
            if nargs == 0 { "keyword " } else { "" },
            if kwlist.len() == 1 { "" } else { "s" },
        )));
    }
    for (i, name) in kwlist.iter().enumerate() {
        let value = if i < nargs {
            Some(args.get_item(i)?)
        } else if nkwargs > 0 {
            let v = kwargs.map(|kw| kw.get_item(name)).transpose()?.flatten();
            if v.is_some() {
                nkwargs -= 1;
            }
            v
        } else {
            None
        };
        match value {
            Some(v) => convert(i, &v)?,
            None if i < required => {
                return Err(PyTypeError::new_err(format!(
                    "{fname}() missing required argument '{name}' (pos {})",
                    i + 1
                )))
            }
            None if nkwargs == 0 => return Ok(()),
            None => {}
        }
    }
    if nkwargs > 0 {
        let kwargs = kwargs.expect("keywords were counted");
        for (i, name) in kwlist.iter().enumerate().take(nargs) {
            if kwargs.contains(name)? {
                return Err(PyTypeError::new_err(format!(
                    "argument for {fname}() given by name ('{name}') and position ({})",
                    i + 1
                )));
            }
        }
        for key in kwargs.keys() {
            let Ok(key) = key.cast::<PyString>() else {
                return Err(PyTypeError::new_err("keywords must be strings"));
            };
            if !kwlist.iter().any(|n| key.to_cow().is_ok_and(|k| k == *n)) {
                return Err(PyTypeError::new_err(
                    if version::rules().new_keyword_message {
                        format!("{fname}() got an unexpected keyword argument '{key}'")
                    } else {
                        format!("'{key}' is an invalid keyword argument for {fname}()")
                    },
                ));
            }
        }
    }
    Ok(())
}
