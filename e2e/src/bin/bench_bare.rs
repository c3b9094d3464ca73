//! The baseline of `make bench`: a bare actix handler answering a fixed body
//! (the same bytes the cached public read returns), one worker.

use actix_web::{web, App, HttpResponse, HttpServer};
use clap::Parser;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    bind: String,
    /// The body to answer with.
    #[arg(long)]
    body_file: std::path::PathBuf,
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let body = web::Bytes::from(std::fs::read(&args.body_file)?);
    HttpServer::new(move || {
        let body = body.clone();
        App::new().route(
            "/bare",
            web::get().to(move || {
                let body = body.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("application/json")
                        .body(body)
                }
            }),
        )
    })
    .workers(1)
    .bind(&args.bind)?
    .run()
    .await?;
    Ok(())
}
