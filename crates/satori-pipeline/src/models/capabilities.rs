//! What a model family can do, declared once per family in its [`crate::models::Family::CAPS`].

/// Which targets a model takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// One target of class labels (binary or multiclass).
    Classifier,
    /// One target of binary class labels only.
    BinaryClassifier,
    /// One target of numbers.
    Regressor,
    /// One or several targets at once, any mix of classes and numbers (scikit-learn's 2-D `y`).
    MultiOutput,
}

/// What a model family needs from its input, which picks its automatic preprocessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputNeeds {
    /// Nothing: the model ignores the features or takes raw values, missing values and codes.
    Raw,
    /// Finite, scaled numbers: encode categories, impute, scale.
    Scaled,
}

/// Everything the pipeline, the CLI and the services ask of a model family before fitting it.
/// Declared as one constant per family with every field spelled out, so that a new model states
/// each capability and a test checks the declaration against the fitted model's behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// The targets it takes.
    pub role: Role,
    /// What it needs from its input.
    pub needs: InputNeeds,
    /// It learns from a sparse CSR matrix (text and sparse LIBSVM features reach it without
    /// densifying).
    pub sparse_input: bool,
    /// It gives class probabilities (classifiers).
    pub probabilities: bool,
    /// It gives feature importances (trees, forests, boosting).
    pub importances: bool,
    /// It has coefficients whose magnitudes rank columns (linear models).
    pub coefficients: bool,
    /// It records a per-iteration training history (a learning curve).
    pub history: bool,
    /// It stops early on a validation set (`--valid`) when given one.
    pub stops_on_validation: bool,
    /// It can continue training on new rows from its fitted state (`--continue-from`).
    pub continues: bool,
    /// It can start from another trained model's layers, some frozen (`--init-from`).
    pub transfers: bool,
}
