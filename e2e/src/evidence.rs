//! Trainees' evidence as delivery and assessment publish it — a completion
//! and a certificate per trainee of classes of 100 — behind the school's
//! approval and the catalogue entry it is paid from: what subsidy payment,
//! employment tracking and performance evaluation consume. Used by the
//! subsidy benchmark and the fault suite.

use anyhow::Context as _;
use contracts::assessment::{CertificateEvent, CERTIFICATES_TOPIC, CERTIFICATE_ISSUED};
use contracts::catalog::ENTRIES_TOPIC;
use contracts::delivery::{CompletionEvent, ENROLMENTS_TOPIC, TRAINEE_COMPLETED};
use contracts::registry::{InstitutionEvent, INSTITUTIONS_TOPIC, INSTITUTION_APPROVED};
use ids::{CitizenId, CityCode, Fen, PersonIdKey, SkillLevel, StatisticalYear};
use messaging::OutboxEvent;
use test_support::fixtures::{published_entry, Listed};
use uuid::Uuid;

/// The catalogue's subsidy standard for the occupation, in fen.
pub const STANDARD: i64 = 120_000;
pub const OCCUPATION: &str = "4-10-01-05";
pub const CITY: &str = "350100";
/// The most trainees one run can tell apart by citizen id.
pub const MAX_TRAINEES: usize = 999 * 28 * 12;

/// One run's events, in the order their owners would publish them.
pub struct Evidence {
    pub institution_id: Uuid,
    pub year: StatisticalYear,
    /// The school's approval and the catalogue entry.
    pub reference: Vec<OutboxEvent>,
    /// Per trainee: the completion, then the certificate.
    pub trainees: Vec<[OutboxEvent; 2]>,
}

impl Evidence {
    /// `trainees` completers of classes of 100 of a school approved for
    /// this run; `run` keeps runs' citizens, schools and certificates apart.
    pub fn new(run: u32, trainees: usize, key: &PersonIdKey) -> anyhow::Result<Self> {
        anyhow::ensure!(
            (1..=MAX_TRAINEES).contains(&trainees),
            "need 0 < trainees <= {MAX_TRAINEES}"
        );
        let today = ids::business_date(chrono::Utc::now());
        let year = StatisticalYear::of(today);
        let city: CityCode = CITY.parse()?;
        let institution_id = Uuid::now_v7();
        let credit_code =
            ids::CreditCode::with_check_char(&format!("91350100MA{:07}", run % 10_000_000))
                .context("credit code")?;
        let institution = InstitutionEvent {
            institution_id,
            city,
            credit_code: credit_code.clone(),
            name: format!("基准培训学校 {run}"),
            nature: "private".into(),
            status: "approved".into(),
            high_skill_base: false,
            scope: Vec::new(),
            reason: None,
            rating: None,
            under_review: false,
        };
        let reference = vec![
            OutboxEvent::new(
                INSTITUTIONS_TOPIC,
                INSTITUTION_APPROVED,
                institution_id.to_string(),
                &institution,
            ),
            published_entry(
                city,
                year,
                Uuid::now_v7(),
                Listed {
                    occupation: OCCUPATION.parse()?,
                    name: "电子商务师",
                    level: SkillLevel::Junior,
                    subsidy: Fen::new(STANDARD),
                },
            ),
        ];
        // Classes of 100, so completions (keyed by class) spread over partitions.
        let classes: Vec<Uuid> = (0..trainees.div_ceil(100))
            .map(|_| Uuid::now_v7())
            .collect();
        let facts = RunFacts {
            run,
            today,
            year,
            city,
            institution_id,
            credit_code,
        };
        let out = (0..trainees)
            .map(|n| {
                let class = classes.get(n / 100).context("a class per 100 trainees")?;
                facts.trainee(n, *class, key)
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Self {
            institution_id,
            year,
            reference,
            trainees: out,
        })
    }

    /// The events per owning service, in publishing order: the school's
    /// approval, the entry, every completion, every certificate.
    pub fn by_owner(&self) -> anyhow::Result<Vec<(&'static str, Vec<OutboxEvent>)>> {
        let mut out: Vec<(&'static str, Vec<OutboxEvent>)> = Vec::new();
        let completions = self.trainees.iter().map(|[completion, _]| completion);
        let certificates = self.trainees.iter().map(|[_, certificate]| certificate);
        let trainees = completions.chain(certificates);
        for event in self.reference.iter().chain(trainees) {
            let owner = contracts::owner_of(event.topic)
                .with_context(|| format!("{} has no owning service", event.topic))?;
            match out.last_mut() {
                Some((last, events)) if *last == owner => events.push(event.clone()),
                _ => out.push((owner, vec![event.clone()])),
            }
        }
        Ok(out)
    }
}

/// The topics the evidence travels on.
pub const TOPICS: [&str; 4] = [
    INSTITUTIONS_TOPIC,
    ENTRIES_TOPIC,
    ENROLMENTS_TOPIC,
    CERTIFICATES_TOPIC,
];

/// What every trainee of one run shares.
struct RunFacts {
    run: u32,
    today: chrono::NaiveDate,
    year: StatisticalYear,
    city: CityCode,
    institution_id: Uuid,
    credit_code: ids::CreditCode,
}

impl RunFacts {
    /// The `n`th trainee's completion of `class_id` and certificate.
    fn trainee(
        &self,
        n: usize,
        class_id: Uuid,
        key: &PersonIdKey,
    ) -> anyhow::Result<[OutboxEvent; 2]> {
        let first17 = format!(
            "350102{}{:02}{:02}{:03}",
            1970 + self.run % 30,
            1 + (n / (999 * 28)) % 12,
            1 + (n / 999) % 28,
            1 + n % 999
        );
        let citizen = CitizenId::with_check_char(&first17).context("citizen id")?;
        let person_id = key.person_id(&citizen);
        let completion = CompletionEvent {
            enrolment_id: Uuid::now_v7(),
            class_id,
            institution_id: self.institution_id,
            person_id: person_id.clone(),
            target_group: "registered_unemployed".into(),
            occupation_code: OCCUPATION.parse()?,
            skill_level: SkillLevel::Junior,
            completed: true,
            attended_hours: 64.0,
            planned_hours: 64.0,
            completed_on: self.today,
            statistical_year: self.year.year(),
            catalogue_year: Some(self.year.year()),
        };
        let number = format!("S{:021}", u64::from(self.run) * 1_000_000 + n as u64);
        let certificate = CertificateEvent {
            certificate_id: Uuid::now_v7(),
            certificate_no: number.clone(),
            city: self.city,
            person_id,
            body_id: Uuid::nil(),
            body_credit_code: self.credit_code.clone(),
            body_kind: "social_organisation".into(),
            assessment_kind: "certification".into(),
            occupation_code: OCCUPATION.parse()?,
            skill_level: SkillLevel::Junior,
            high_skilled: false,
            route: "exam".into(),
            issued_on: self.today,
            statistical_year: self.year.year(),
            class_id: Some(class_id),
            institution_id: Some(self.institution_id),
            status: "valid".into(),
            revoked_reason: None,
            revoked_on: None,
        };
        Ok([
            OutboxEvent::new(
                ENROLMENTS_TOPIC,
                TRAINEE_COMPLETED,
                class_id.to_string(),
                &completion,
            ),
            OutboxEvent::new(CERTIFICATES_TOPIC, CERTIFICATE_ISSUED, number, &certificate),
        ])
    }
}
