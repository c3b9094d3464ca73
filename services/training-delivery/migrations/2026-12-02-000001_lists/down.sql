DROP INDEX classes_by_org_filing;
DROP INDEX classes_by_city_filing;
