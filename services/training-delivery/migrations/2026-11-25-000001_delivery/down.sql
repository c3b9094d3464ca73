DROP TABLE enrolments;
DROP TABLE sessions;
DROP TABLE classes;
DROP TABLE venues;
DROP TABLE teachers;
DROP TABLE institutions;
DROP TABLE catalogue_entries;
