//! The `oss-devserver` command: starts the server and prints one JSON line with its URL, buckets
//! and long-term key id (and the secret only when it generated the key pair itself).

use std::path::PathBuf;

const USAGE: &str = "usage: oss-devserver [--listen 127.0.0.1:9000] [--bucket demo]... \
[--access-key-id ID --access-key-secret SECRET] [--region cn-hangzhou] [--data-dir DIR] \
[--cors-origin ORIGIN|*]... [--sts-ttl SECONDS] [--sink] [--fixed-time ISO8601] \
[--cname HOST=BUCKET]...";

fn fail(message: &str) -> ! {
    eprintln!("oss-devserver: {message}\n{USAGE}");
    std::process::exit(2);
}

#[tokio::main]
async fn main() {
    let mut config = oss_devserver::Config::default();
    let mut buckets = Vec::new();
    let mut origins = Vec::new();
    let (mut key_id, mut secret) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .unwrap_or_else(|| fail(&format!("{name} needs a value")))
        };
        match arg.as_str() {
            "--listen" => {
                config.listen = value("--listen")
                    .parse()
                    .unwrap_or_else(|_| fail("--listen needs an address such as 127.0.0.1:9000"))
            }
            "--bucket" => buckets.push(value("--bucket")),
            "--access-key-id" => key_id = Some(value("--access-key-id")),
            "--access-key-secret" => secret = Some(value("--access-key-secret")),
            "--region" => config.region = value("--region"),
            "--data-dir" => config.data_dir = Some(PathBuf::from(value("--data-dir"))),
            "--cors-origin" => origins.push(value("--cors-origin")),
            "--sts-ttl" => {
                config.sts_ttl_secs = value("--sts-ttl")
                    .parse()
                    .ok()
                    .filter(|t| (1..=43_200).contains(t))
                    .unwrap_or_else(|| fail("--sts-ttl needs 1..=43200 seconds"))
            }
            "--sink" => config.sink = true,
            "--cname" => {
                let v = value("--cname");
                let Some((host, bucket)) = v
                    .split_once('=')
                    .filter(|(h, b)| !h.is_empty() && !b.is_empty())
                else {
                    fail("--cname needs HOST=BUCKET, e.g. files.localhost=demo")
                };
                config
                    .cnames
                    .push((host.to_ascii_lowercase(), bucket.to_string()));
            }
            "--fixed-time" => {
                let v = value("--fixed-time");
                config.fixed_clock_ms = Some(
                    oss_devserver::parse_iso8601_ms(&v)
                        .unwrap_or_else(|| fail("--fixed-time needs ISO 8601 UTC")),
                )
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            other => fail(&format!("unknown argument {other}")),
        }
    }
    if !buckets.is_empty() {
        config.buckets = buckets;
    }
    if !origins.is_empty() {
        config.cors_origins = origins;
    }
    let generated = match (key_id, secret) {
        (Some(id), Some(secret)) => {
            config.access_key_id = id;
            config.access_key_secret = secret;
            false
        }
        (None, None) => true,
        _ => fail("--access-key-id and --access-key-secret go together"),
    };
    let listen = config.listen;
    let handle = match oss_devserver::spawn(config).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("oss-devserver: cannot start on {listen}: {e}");
            std::process::exit(1);
        }
    };
    let mut line = serde_json::json!({
        "url": handle.url,
        "buckets": handle.buckets,
        "region": handle.region,
        "accessKeyId": handle.access_key_id,
    });
    // The secret is printed only when nobody else knows it (it was generated here).
    if generated {
        line["accessKeySecret"] = serde_json::Value::String(handle.access_key_secret.clone());
    }
    println!("{line}");
    let _ = tokio::signal::ctrl_c().await;
    handle.shutdown().await;
}
