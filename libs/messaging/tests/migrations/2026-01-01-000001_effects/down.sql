DROP TABLE switches; DROP TABLE effects;
