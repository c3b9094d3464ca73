DROP TABLE insured_months;
