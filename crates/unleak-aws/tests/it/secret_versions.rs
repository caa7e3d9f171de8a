//! Version stages against moto: create, pending, promote, each repeatable after a crash.

use unleak_testsupport::moto;

use std::time::Duration;

use unleak_aws::client::{self, AwsSettings, CredentialSource};
use unleak_aws::fix_client::FixClients;
use unleak_aws::secret_versions::{create, get_stage, promote, put_pending, CURRENT, PENDING};

#[test]
fn pending_then_promoted_and_every_step_repeatable() {
    let m = moto::Moto::start();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let settings = AwsSettings {
            profile: None,
            region: Some("us-east-1".into()),
            endpoint_url: Some(m.endpoint.clone()),
            credentials: CredentialSource::Static {
                access_key_id: "AKIAIOSFODNN7TESTKEY".into(),
                secret_access_key: "test-secret-not-real".into(),
            },
            operation_timeout: Duration::from_secs(10),
            max_attempts: 2,
        };
        let c = FixClients::from_config(client::load(&settings).await);
        let name = "unleak/test/db";
        assert!(get_stage(&c, name, CURRENT).await.unwrap().is_none());
        let t1 = "00000000-0000-4000-8000-000000000001";
        let t2 = "00000000-0000-4000-8000-000000000002";
        create(&c, name, "{\"v\":1}", t1, "test").await.unwrap();
        put_pending(&c, name, "{\"v\":2}", t2).await.unwrap();
        put_pending(&c, name, "{\"v\":2}", t2).await.unwrap();
        assert_eq!(
            get_stage(&c, name, CURRENT).await.unwrap().unwrap().value,
            "{\"v\":1}"
        );
        let p = get_stage(&c, name, PENDING).await.unwrap().unwrap();
        assert_eq!((p.version_id.as_str(), p.value.as_str()), (t2, "{\"v\":2}"));
        promote(&c, name, t2).await.unwrap();
        promote(&c, name, t2).await.unwrap();
        let cur = get_stage(&c, name, CURRENT).await.unwrap().unwrap();
        assert_eq!(
            (cur.version_id.as_str(), cur.value.as_str()),
            (t2, "{\"v\":2}")
        );
        assert!(get_stage(&c, name, PENDING).await.unwrap().is_none());
    });
}
