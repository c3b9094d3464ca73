DROP TABLE catalogue_changes;
DROP TABLE catalogue_entries;
DROP TABLE catalogues;
DROP TABLE demands;
DROP TABLE occupations;
