-- Keyset pages of classes, oldest filing first: the city's (officers) and
-- an institution's own. A roster holds at most 500, so its pages need none.
CREATE INDEX classes_by_city_filing ON classes (city, filed_at, id);
CREATE INDEX classes_by_org_filing ON classes (credit_code, filed_at, id);
