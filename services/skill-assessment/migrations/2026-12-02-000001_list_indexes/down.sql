DROP INDEX exceptional_queue;
DROP INDEX certificates_body_issued;
DROP INDEX certificates_issued;
DROP INDEX sessions_exam_date;
DROP INDEX bodies_filed;
