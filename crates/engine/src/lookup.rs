//! Extension lookups behind the endpoint: one task answers every user asked for since its
//! last pass in a single blocking call to the store, so a cache expiry under load (every
//! user missing at once) costs a few store calls, not a blocking thread per user.

use std::sync::Arc;

use sb_store::{Extension, StoreError, StoreHandle};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Users looked up per store call, at most.
const BATCH: usize = 256;

/// What the store said about one user. The error is shared: one failed store call fails
/// every user of its batch.
pub type Answer = (String, Result<Option<Extension>, Arc<StoreError>>);

/// Starts the lookup task; it ends when every sender of users is dropped, or when the
/// receiver of answers is.
pub fn spawn(
    store: StoreHandle,
    answers: mpsc::UnboundedSender<Answer>,
) -> (mpsc::UnboundedSender<String>, JoinHandle<()>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (tx, tokio::spawn(run(store, rx, answers)))
}

async fn run(
    store: StoreHandle,
    mut users: mpsc::UnboundedReceiver<String>,
    answers: mpsc::UnboundedSender<Answer>,
) {
    while let Some(first) = users.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match users.try_recv() {
                Ok(user) => batch.push(user),
                Err(_) => break,
            }
        }
        let asked = batch.clone();
        let found = store
            .run(move |s| {
                Ok(batch
                    .into_iter()
                    .map(|user| {
                        let result = s.extension_by_user(&user).map_err(Arc::new);
                        (user, result)
                    })
                    .collect::<Vec<Answer>>())
            })
            .await;
        let found = found.unwrap_or_else(|error| {
            let error = Arc::new(error);
            asked
                .into_iter()
                .map(|user| (user, Err(Arc::clone(&error))))
                .collect()
        });
        for answer in found {
            if answers.send(answer).is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sb_store::{ExtensionKind, NewCallCenter, SqliteStore};

    #[tokio::test]
    async fn answers_every_user_asked_for() {
        let store = StoreHandle::new(SqliteStore::open_in_memory().unwrap());
        let s = store.blocking();
        let new = NewCallCenter::named("t");
        let cc = s.create_callcenter(&new, 0).unwrap();
        let kind = ExtensionKind::Terminal {
            user: "1001".into(),
            password: "pw123456".into(),
        };
        s.create_extension(&cc.id, &kind, 0).unwrap();
        let (answers_tx, mut answers) = mpsc::unbounded_channel();
        let (users, task) = spawn(store.clone(), answers_tx);
        for user in ["1001", "nobody", "1001"] {
            users.send(user.to_owned()).unwrap();
        }
        drop(users);
        task.await.unwrap();
        let mut got = Vec::new();
        while let Ok((user, result)) = answers.try_recv() {
            got.push((user, result.unwrap().is_some()));
        }
        got.sort();
        let want = [("1001", true), ("1001", true), ("nobody", false)];
        let want: Vec<(String, bool)> = want.iter().map(|(u, f)| (u.to_string(), *f)).collect();
        assert_eq!(got, want);
    }
}
