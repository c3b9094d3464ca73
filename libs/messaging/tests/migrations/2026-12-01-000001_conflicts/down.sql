DROP SEQUENCE conflicts;
