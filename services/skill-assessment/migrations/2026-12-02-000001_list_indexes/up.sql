-- The lists page by a sort key and an id (keyset pagination): each reads
-- its page from an index, however long the table grows.
CREATE INDEX bodies_filed ON bodies (filed_at, id);
CREATE INDEX sessions_exam_date ON sessions (exam_date, id);
CREATE INDEX certificates_issued ON certificates (issued_at, id);
CREATE INDEX certificates_body_issued ON certificates (body_id, issued_at, id);
CREATE INDEX exceptional_queue ON exceptional_certifications (status, filed_at, id);
