DROP TABLE catalogue_entries;
DROP TABLE brands;
DROP TABLE sanctions;
DROP TABLE scopes;
DROP TABLE teachers;
DROP TABLE venues;
DROP TABLE institutions;
