//! Checks that the committed completions/ and man/ match what the code generates.
