//! Scenario and conformance tests of the call-center domain, one file per behaviour.

mod expressions;
