//! Wiring only: the runtime runs the service.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    runtime::main::<performance_evaluation::PerformanceEvaluation>().await
}
