//! Wiring only: the runtime runs the service.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    runtime::main::<employment_tracking::EmploymentTracking>().await
}
