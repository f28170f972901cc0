//! # satori-nn
//!
//! Neural networks on `burn`'s CPU backend: multilayer perceptrons with the full training
//! toolbox, transfer learning and multi-task learning.
#![warn(missing_docs)]
