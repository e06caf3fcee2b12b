//! Black-box tests of the API: each test builds the real application on a fresh database, on a
//! free port, and talks to it over HTTP with a cookie-keeping client.
//!
//! Every test runs on embedded SQLite, and also on PostgreSQL and MariaDB/MySQL when
//! `TEST_POSTGRES_URL` / `TEST_MYSQL_URL` point at a server.

mod harness;

mod account;
mod accounts;
mod authenticator;
mod comments;
mod duplicates;
mod email;
mod errors;
mod faults;
mod feeds;
mod freshness;
mod hidden;
mod inbox;
mod invites;
mod limits;
mod mail;
mod moderation;
mod mutes;
mod operations;
mod passkeys;
mod people;
mod personal;
mod posts;
mod process;
mod ranking;
mod recovery;
mod revocation;
mod saves;
mod scale_out;
mod search;
mod security;
mod sessions;
mod spec;
mod tags;
mod threads;
mod tokens;
mod two_factor;
mod votes;
mod writes;
