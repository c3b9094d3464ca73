-- Delivery's keyed hash of the phone number given at enrolment: many
-- trainees behind one number is a fraud signal.
ALTER TABLE enrolment_facts ADD COLUMN phone_lookup text;
CREATE INDEX enrolment_facts_by_phone ON enrolment_facts (phone_lookup) WHERE phone_lookup IS NOT NULL;
