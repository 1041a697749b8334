//! Scenario tests of the SIP endpoint: real sockets on loopback, port 0 everywhere.

mod support;

mod register_udp;
