//! Several instances behind a load balancer share sessions and the login throttle through the
//! database server: nothing about a login lives in one process. (Embedded SQLite serves one
//! instance, which caches sessions in memory, so these run on PostgreSQL and MariaDB.)

use reqwest::StatusCode;

use crate::harness::{Backend, PASSWORD, assert_error, each_backend, issued_token};

#[tokio::test]
async fn a_login_on_one_instance_is_a_login_on_all_and_so_is_a_logout() {
    each_backend(|first| async move {
        if first.test_database().backend == Backend::Sqlite {
            return;
        }
        let second = first.sibling().await;
        let resp = first.client().sign_up("ada", "ada@example.com", PASSWORD).await;
        let token = issued_token(&resp).unwrap();

        let on_first = first.client_with_cookie(&token);
        assert_eq!(on_first.logged_in_as().await.as_deref(), Some("ada"));
        let on_second = second.client_with_cookie(&token);
        assert_eq!(on_second.logged_in_as().await.as_deref(), Some("ada"));
        assert_eq!(on_second.log_out().await.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            first.client_with_cookie(&token).logged_in_as().await,
            None,
            "logged out on the first too"
        );
    })
    .await;
}

#[tokio::test]
async fn the_login_throttle_counts_attempts_made_through_every_instance() {
    each_backend(|first| async move {
        if first.test_database().backend == Backend::Sqlite {
            return;
        }
        let second = first.sibling().await;
        first.signed_up("ada").await;
        for n in 0..10 {
            let instance = if n % 2 == 0 { &first } else { &second };
            let resp = instance.client().log_in("ada@example.com", "guess-guess-guess").await;
            assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        }
        for instance in [&first, &second] {
            let resp = instance.client().log_in("ada@example.com", PASSWORD).await;
            assert_error(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
        }
    })
    .await;
}
