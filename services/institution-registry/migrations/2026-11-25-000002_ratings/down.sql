DROP TABLE rating_reviews;
DROP TABLE ratings;
ALTER TABLE institutions DROP COLUMN under_review;
ALTER TABLE institutions DROP COLUMN rating;
