//! Wiring only: the runtime runs the service.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    runtime::main::<skill_assessment::SkillAssessment>().await
}
