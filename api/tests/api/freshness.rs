//! Every write shows in the very next read, for every viewer: on SQLite the server keeps
//! rendered pages, post bodies and vote counts between requests, and these tests read each of
//! them (so they are kept) before every kind of write, then read again.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    harness::{Client, PASSWORD, each_backend},
    posts::post,
};

/// What each viewer sees of post `id`: its line on the homepage (with the page's total) and its
/// own page, or `null` / the status when it is not there.
pub async fn seen(viewers: &[&Client], id: &Value) -> Vec<(Value, Value)> {
    let mut seen = Vec::new();
    for viewer in viewers {
        let page: Value = viewer.get("/api/posts?page=1&per_page=5").await.json().await.unwrap();
        let line =
            page["posts"].as_array().unwrap().iter().find(|p| p["id"] == *id).map_or(Value::Null, |p| {
                json!([p["title"], p["vote_count"], p["comment_count"], p["voted"], page["total"]])
            });
        let resp = viewer.get(&format!("/api/posts/{id}")).await;
        let detail = match resp.status() {
            StatusCode::OK => {
                let d: Value = resp.json().await.unwrap();
                json!([d["title"], d["vote_count"], d["comments"].as_array().unwrap().len(), d["voted"]])
            }
            status => json!(status.as_u16()),
        };
        seen.push((line, detail));
    }
    seen
}

/// What ada, grace and an anonymous reader should see, when only grace may have voted.
pub fn expected(title: &str, votes: u32, comments: u32, grace_voted: bool) -> Vec<(Value, Value)> {
    [false, grace_voted, false]
        .into_iter()
        .map(|voted| (json!([title, votes, comments, voted, 1]), json!([title, votes, comments, voted])))
        .collect()
}

#[tokio::test]
async fn every_write_shows_in_the_next_read_for_every_viewer() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let anonymous = app.client();
        let viewers = [&ada, &grace, &anonymous];
        let id = post(&ada, "first title").await["id"].clone();
        let (vote, path) = (format!("/api/posts/{id}/vote"), format!("/api/posts/{id}"));
        // Before each write every viewer reads (so whatever can be kept is kept), after it they
        // must all see the write.
        assert_eq!(seen(&viewers, &id).await, expected("first title", 0, 0, false));

        assert_eq!(grace.put(&vote, &json!({})).await.status(), StatusCode::OK);
        assert_eq!(seen(&viewers, &id).await, expected("first title", 1, 0, true));

        let comment = json!({"post_id": id, "comment_text": "hi"});
        assert_eq!(ada.post("/api/comments", &comment).await.status(), StatusCode::CREATED);
        assert_eq!(seen(&viewers, &id).await, expected("first title", 1, 1, true));

        assert_eq!(ada.put(&path, &json!({"title": "second title"})).await.status(), StatusCode::OK);
        assert_eq!(seen(&viewers, &id).await, expected("second title", 1, 1, true));

        assert_eq!(grace.delete(&vote).await.status(), StatusCode::OK);
        assert_eq!(seen(&viewers, &id).await, expected("second title", 0, 1, false));

        assert_eq!(ada.delete(&path).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(seen(&viewers, &id).await, vec![(Value::Null, json!(404)); 3]);
    })
    .await;
}

#[tokio::test]
async fn vote_counts_stay_exact_through_deleted_posts_and_accounts() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let id = post(&ada, "p").await["id"].clone();
        let vote = format!("/api/posts/{id}/vote");
        let count = |resp: reqwest::Response| async move {
            assert_eq!(resp.status(), StatusCode::OK);
            resp.json::<Value>().await.unwrap()["vote_count"].clone()
        };
        assert_eq!(count(ada.put(&vote, &json!({})).await).await, 1);
        assert_eq!(count(grace.put(&vote, &json!({})).await).await, 2);
        // Grace's account goes, and her vote with it.
        let resp = grace.delete_json("/api/users/me", &json!({"password": PASSWORD})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert_eq!(count(ada.put(&vote, &json!({})).await).await, 1);
        // The post goes, and voting on it is a 404 however it was counted before.
        assert_eq!(ada.delete(&format!("/api/posts/{id}")).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(ada.put(&vote, &json!({})).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(ada.delete(&vote).await.status(), StatusCode::NOT_FOUND);
    })
    .await;
}

/// The homepage's total is a number the database keeps (`post_totals`, by triggers): it follows
/// every way a post comes and goes, and always equals a count of the shown posts.
#[tokio::test]
async fn the_total_follows_every_create_delete_removal_restore_and_account_deletion() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let (moderator, _) = app.signed_up_as("mod", "moderator").await;
        let anonymous = app.client();
        let total = || async {
            let shown = app.scalar("SELECT COUNT(*) FROM posts WHERE removed_at IS NULL").await;
            let page: Value = anonymous.get("/api/posts?page=1").await.json().await.unwrap();
            let hot: Value = anonymous.get("/api/posts?sort=hot").await.json().await.unwrap();
            assert_eq!(page["total"], hot["total"]);
            assert_eq!(page["total"], shown, "the kept total is the count");
            shown
        };
        assert_eq!(total().await, 0);
        let mut ids = Vec::new();
        for n in 0..3 {
            ids.push(post(&ada, &format!("ada {n}")).await["id"].clone());
            ids.push(post(&grace, &format!("grace {n}")).await["id"].clone());
        }
        assert_eq!(total().await, 6);
        assert_eq!(
            grace.put(&format!("/api/posts/{}/vote", ids[0]), &json!({})).await.status(),
            StatusCode::OK
        );
        assert_eq!(total().await, 6, "a vote changes no total");

        let removal = json!({"reason": "spam"});
        let remove = |id: &Value| format!("/api/moderation/posts/{id}/remove");
        assert_eq!(moderator.post(&remove(&ids[0]), &removal).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(total().await, 5);
        assert_eq!(moderator.post(&remove(&ids[0]), &removal).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(total().await, 5, "removing twice counts once");
        let restore = format!("/api/moderation/posts/{}/restore", ids[0]);
        assert_eq!(moderator.post(&restore, &json!({})).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(total().await, 6);

        assert_eq!(ada.delete(&format!("/api/posts/{}", ids[2])).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(total().await, 5);
        // Grace goes with her three posts, one of them removed (so already not counted).
        assert_eq!(moderator.post(&remove(&ids[1]), &removal).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(total().await, 4);
        let resp = grace.delete_json("/api/users/me", &json!({"password": PASSWORD})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert_eq!(total().await, 2);
    })
    .await;
}
