//! Wiring only: the runtime runs the service.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    runtime::main::<demand_catalog::DemandCatalog>().await
}
