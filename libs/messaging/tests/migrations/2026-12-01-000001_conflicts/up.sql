-- Counts attempts across rolled-back transactions (sequences are not transactional).
CREATE SEQUENCE conflicts;
