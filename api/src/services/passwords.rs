//! Password hashing: bcrypt over a fixed-length pre-hash, on a few threads of its own at low CPU
//! priority, so a burst of logins uses the CPU the other requests leave idle and never starves
//! them.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicUsize, Ordering},
    mpsc,
};

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::{OnceCell, oneshot};

use crate::{domain::Password, error::AppError};

/// The pre-hash key. It is not a secret: it only makes the pre-hash specific to this application,
/// so bcrypt sees 44 bytes whatever the password's length (bcrypt reads only 72).
const PREHASH_KEY: &[u8] = b"just-tech-news/password-prehash/v1";

/// Hashes and verifies passwords on one thread per core, reserved for it and niced, so hashing
/// never runs on the async runtime and a queue of logins waits here.
#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    jobs: mpsc::Sender<Job>,
    dummy: Arc<OnceCell<String>>,
    /// Jobs sent and not yet finished: waiting for a thread, or on one.
    queued: Arc<AtomicUsize>,
}

type Job = Box<dyn FnOnce() + Send>;

/// How much lower than the rest of the server the hashing threads run (a nice value).
const HASHING_NICENESS: i32 = 10;

impl PasswordHasher {
    pub fn new(cost: u32) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..cores {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new().name(format!("bcrypt-{n}")).spawn(move || {
                lower_this_threads_priority();
                loop {
                    let job = queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner).recv();
                    match job {
                        Ok(job) => job(),
                        Err(_) => return, // every hasher is gone
                    }
                }
            });
            spawned.expect("the operating system refused a hashing thread");
        }
        Self { cost, jobs, dummy: Arc::default(), queued: Arc::default() }
    }

    /// How many hashes and checks are waiting for a thread or running on one.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    pub async fn hash(&self, password: &Password) -> Result<String, AppError> {
        let prehashed = prehash(password);
        let cost = self.cost;
        self.blocking(move || bcrypt::hash(prehashed, cost)).await
    }

    /// Whether `password` matches `stored`. With no stored hash (an unknown account) it checks
    /// against a dummy hash of the same cost, so both cases cost the same and answer `false`.
    pub async fn verify(&self, password: &Password, stored: Option<&str>) -> Result<bool, AppError> {
        let prehashed = prehash(password);
        let (hash, known) = match stored {
            Some(hash) => (hash.to_owned(), true),
            None => (self.dummy_hash().await?.clone(), false),
        };
        let matches = self.blocking(move || bcrypt::verify(prehashed, &hash)).await?;
        Ok(matches && known)
    }

    /// Computes the dummy hash ahead of the first login for an unknown email, so that login costs
    /// exactly one hash like every other (call it in the background at start).
    pub async fn warm_up(&self) -> Result<(), AppError> {
        self.dummy_hash().await.map(|_| ())
    }

    async fn dummy_hash(&self) -> Result<&String, AppError> {
        self.dummy
            .get_or_try_init(|| async {
                let cost = self.cost;
                self.blocking(move || bcrypt::hash("no account has this password", cost)).await
            })
            .await
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, bcrypt::BcryptError> + Send + 'static,
    ) -> Result<T, AppError> {
        let (reply, answer) = oneshot::channel();
        let queued = self.queued.clone();
        queued.fetch_add(1, Ordering::Relaxed);
        let job: Job = Box::new(move || {
            let result = work();
            queued.fetch_sub(1, Ordering::Relaxed);
            let _ = reply.send(result);
        });
        if self.jobs.send(job).is_err() {
            self.queued.fetch_sub(1, Ordering::Relaxed);
            return Err(AppError::internal("the hashing threads have stopped"));
        }
        answer.await.map_err(AppError::internal)?.map_err(AppError::internal)
    }
}

/// On Linux a nice value belongs to a thread, so this lowers only the calling thread.
fn lower_this_threads_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its integer arguments; `who = 0` is the calling thread.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, HASHING_NICENESS);
    }
}

fn prehash(password: &Password) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(PREHASH_KEY).expect("HMAC takes any key length");
    mac.update(password.expose().as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(s: &str) -> Password {
        Password::parse_existing("password", s.into()).unwrap()
    }

    #[tokio::test]
    async fn a_password_verifies_against_its_own_hash_only() {
        let hasher = PasswordHasher::new(4);
        let hash = hasher.hash(&password("correct-horse-battery")).await.unwrap();
        assert!(hasher.verify(&password("correct-horse-battery"), Some(&hash)).await.unwrap());
        assert!(!hasher.verify(&password("correct-horse-battery!"), Some(&hash)).await.unwrap());
    }

    #[tokio::test]
    async fn a_long_password_does_not_match_its_72_byte_prefix() {
        let hasher = PasswordHasher::new(4);
        let long = "a1b2c3d4e5".repeat(10);
        let hash = hasher.hash(&password(&long)).await.unwrap();
        assert!(!hasher.verify(&password(&long[..72]), Some(&hash)).await.unwrap());
        assert!(hasher.verify(&password(&long), Some(&hash)).await.unwrap());
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let hasher = PasswordHasher::new(4);
        assert!(!hasher.verify(&password("no account has this password"), None).await.unwrap());
    }
}
