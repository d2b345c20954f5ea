//! The `oss-devserver` command: starts the server and prints one JSON line with its URL.

use std::net::SocketAddr;

#[tokio::main]
async fn main() {
    let mut listen: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 9000));
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => match args.next().map(|v| v.parse()) {
                Some(Ok(addr)) => listen = addr,
                _ => {
                    eprintln!("oss-devserver: --listen needs an address such as 127.0.0.1:9000");
                    std::process::exit(2);
                }
            },
            other => {
                eprintln!("oss-devserver: unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    let handle = match oss_devserver::spawn(oss_devserver::Config { listen }).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("oss-devserver: cannot listen on {listen}: {e}");
            std::process::exit(1);
        }
    };
    println!("{}", serde_json::json!({ "url": handle.url }));
    let _ = tokio::signal::ctrl_c().await;
}
